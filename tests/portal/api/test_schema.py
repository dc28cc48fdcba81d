"""The OpenAPI description is valid, warning-free, and served with its docs (no CDN)."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    # when: drf-spectacular raises on any warning or on an invalid OpenAPI document
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    # then
    text = out.read_text()
    assert text.startswith("openapi: 3")
    assert "/api/v1/auth/token/" in text
    assert "/api/v1/me/" in text


def test_schema_and_docs_are_served_publicly(api_client):
    # when
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = api_client.get("/api/docs/")

    # then
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Creative Industries Permit Portal API"
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page
