"""The OpenAPI description is valid, warning-free, served with its docs (no CDN), and documents the
errors that the API answers (what `bench/bench_schema_fuzz.py` holds it to)."""

import jsonschema
import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from permits.services.documents import CONTENT_TYPES
from portal.api.errors import ErrorCode
from tests.factories import UserFactory

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


# --- the errors every operation documents (what schemathesis holds the API to) ---------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_api_operation_documents_the_framework_errors(schema):
    # then: the statuses the middleware, the parsers and the idempotency keys answer on any view
    missing = []
    for label, operation in _operations(schema):
        codes = set(operation["responses"])
        expected = set()
        if label.split(" ", 1)[1].startswith("/api/"):
            expected.add("400")  # a NUL in the query string
        if "requestBody" in operation:
            expected.add("415")  # a body without a Content-Type, or with one no parser reads
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
            expected.add("409")  # the key reused for another request
        if any(requirement for requirement in operation.get("security", [])):
            expected.add("401")  # a wrong or expired token, even where anonymous callers may come
        missing += [f"{label}: {code}" for code in sorted(expected - codes)]
    assert missing == []


def test_paginated_lists_document_a_missing_page(schema):
    # given
    lists = [
        (label, operation)
        for label, operation in _operations(schema)
        if "Paginated" in str(operation["responses"].get("200", {}))
    ]

    # then: `?page=999` is a 404 "Invalid page."
    assert lists
    assert [label for label, operation in lists if "404" not in operation["responses"]] == []


def test_throttled_operations_document_429(schema):
    # then: the default throttles apply to the authenticated endpoints
    me = schema["paths"]["/api/v1/me/"]["get"]["responses"]
    assert "429" in me
    assert "429" not in schema["paths"]["/healthz"]["get"]["responses"]  # never throttled


def test_a_document_file_is_documented_with_each_type_it_is_served_as(schema):
    # when
    operation = schema["paths"]["/api/v1/applications/{id}/documents/{document_id}/file/"]["get"]

    # then
    assert set(operation["responses"]["200"]["content"]) == set(CONTENT_TYPES)


@pytest.mark.parametrize(
    "fields",
    [
        {"username": ["This field is required."]},
        {"answers": {"expected_attendance": ["A whole number is required."]}},
        {"licence_types": {"0": ["Ensure this field has no more than 60 characters."]}},
        {"sections": [{}, {"heading": ["This field may not be blank."]}]},
        {"sections": [["This field may not be null."]]},
    ],
)
def test_the_error_schema_admits_nested_field_errors(schema, fields):
    # given
    body = {"code": ErrorCode.INVALID, "detail": "The request is invalid.", "fields": fields}

    # then: nested input nests its messages, and the schema says so
    jsonschema.validate(body, schema["components"]["schemas"]["Error"])


def test_a_nested_validation_error_of_the_api_matches_the_error_schema(schema, client_for):
    # when: an item of a list field is wrong
    response = client_for(UserFactory()).post(
        "/api/v1/webhooks/", {"url": "https://example.com/hook", "events": [""]}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["fields"]["events"] == {"0": ['"" is not a valid choice.']}
    jsonschema.validate(response.json(), schema["components"]["schemas"]["Error"])
