"""A request over Django's own limits (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS,
DATA_UPLOAD_MAX_NUMBER_FILES) is the client's error: under /api/ it is a JSON 413 or 400 with its code
and one log line without a traceback, with DEBUG on or off, whether Django hits the limit in the body
(inside a DRF view) or in the query string (before any view)."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from portal.api.errors import ErrorCode
from tests.factories import EntrepreneurFactory
from tests.permits.factories import DraftApplicationFactory

pytestmark = pytest.mark.django_db

DEBUG_ON_AND_OFF = pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])


@pytest.fixture
def client() -> APIClient:
    # A 500 must come back as the response it would be, not as an exception raised into the test.
    return APIClient(raise_request_exception=False)


def _one_line_about(caplog, path: str) -> logging.LogRecord:
    """The only record naming `path`; it carries no traceback."""
    records = [record for record in caplog.records if path in record.getMessage()]
    assert len(records) == 1, [(r.name, r.getMessage()) for r in records]
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text
    return records[0]


@DEBUG_ON_AND_OFF
def test_a_json_body_over_the_memory_limit_is_a_413(client, caplog, settings, debug):
    # given: an anonymous sign-in of 3 MB, over the 2.5 MB Django reads into memory
    settings.DEBUG = debug
    body = json.dumps({"username": "x" * 3_000_000, "password": "secret"})

    # when
    response = client.post("/api/v1/auth/token/", data=body, content_type="application/json")

    # then
    assert response.status_code == 413
    assert response.json() == {
        "code": ErrorCode.TOO_LARGE,
        "detail": "The request body is larger than the 2621440 bytes accepted (uploaded files aside).",
    }
    record = _one_line_about(caplog, "/api/v1/auth/token/")
    assert (record.name, record.levelname) == ("portal.api", "WARNING")
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" in record.getMessage()


@pytest.fixture
def upload_path(client_for) -> tuple[APIClient, str]:
    """A signed-in owner and the upload path of their draft: the operations that read a form."""
    owner = EntrepreneurFactory()
    draft = DraftApplicationFactory(business=owner.memberships.get().business, created_by=owner)
    client = client_for(owner)
    client.raise_request_exception = False
    return client, f"/api/v1/applications/{draft.pk}/documents/"


@DEBUG_ON_AND_OFF
def test_a_form_of_two_thousand_fields_is_a_400(upload_path, caplog, settings, debug):
    # given
    settings.DEBUG = debug
    client, path = upload_path
    fields = {f"field{i}": "value" for i in range(2000)}

    # when
    response = client.post(path, data=fields, format="multipart")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "code": ErrorCode.TOO_MANY_FIELDS,
        "detail": "The request sends more than 1000 query parameters or form fields.",
    }
    record = _one_line_about(caplog, path)
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in record.getMessage()


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=XYZ"],
    ids=["urlencoded", "multipart"],
)
def test_a_form_on_a_json_operation_is_unsupported_unread(client, content_type):
    # given: two thousand fields, which a form parser would refuse as too many
    data = "&".join(f"field{i}=value" for i in range(2000))

    # when
    response = client.post("/api/v1/auth/token/", data=data, content_type=content_type)

    # then: refused for its type, before a field is read
    assert response.status_code == 415
    assert response.json()["code"] == ErrorCode.UNSUPPORTED_MEDIA_TYPE


def test_more_files_than_allowed_is_a_400(upload_path, caplog):
    # given: 101 tiny files, one over DATA_UPLOAD_MAX_NUMBER_FILES
    client, path = upload_path
    files = {f"file{i}": SimpleUploadedFile(f"note{i}.txt", b"x") for i in range(101)}

    # when
    response = client.post(path, data=files, format="multipart")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "code": ErrorCode.TOO_MANY_FILES,
        "detail": "The request sends more than 100 files.",
    }
    _one_line_about(caplog, path)


@DEBUG_ON_AND_OFF
def test_a_ten_megabyte_patch_of_a_draft_is_a_413(client_for, caplog, settings, debug):
    # given: the owner of a draft, signed in with a token
    settings.DEBUG = debug
    owner = EntrepreneurFactory()
    draft = DraftApplicationFactory(business=owner.memberships.get().business, created_by=owner)
    client = client_for(owner)
    client.raise_request_exception = False
    body = json.dumps({"answers": {"event_title": "x" * 10_000_000}})

    # when
    response = client.patch(f"/api/v1/applications/{draft.pk}/", data=body, content_type="application/json")

    # then: refused before anything is parsed, and the draft is untouched
    assert response.status_code == 413
    assert response.json()["code"] == ErrorCode.TOO_LARGE
    _one_line_about(caplog, f"/api/v1/applications/{draft.pk}/")
    draft.refresh_from_db()
    assert draft.answers == {}


def test_the_browsable_api_answers_an_oversized_body_without_failing(client, caplog):
    # given: a browser, which asks for HTML
    body = json.dumps({"username": "x" * 3_000_000})

    # when
    response = client.post(
        "/api/v1/auth/token/", data=body, content_type="application/json", HTTP_ACCEPT="text/html"
    )

    # then: DRF's HTML page of the same error, which reads the body no second time
    assert response.status_code == 413
    assert "too_large" in response.content.decode()
    _one_line_about(caplog, "/api/v1/auth/token/")


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
@pytest.mark.parametrize(
    "path",
    ["/api/v1/catalogue/activities/", "/api/v1/no-such-endpoint/", "/api/docs/", "/api/schema/"],
    ids=["api-view", "unknown-path", "docs", "schema"],
)
def test_more_than_a_thousand_query_parameters_are_a_json_400(client, caplog, debug, path):
    # given
    query = "&".join(f"q{i}=1" for i in range(1001))

    # when
    with override_settings(DEBUG=debug):
        response = client.get(f"{path}?{query}")

    # then: the error shape, not Django's HTML 400 (production) or a crashed debug page (development)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": ErrorCode.TOO_MANY_FIELDS,
        "detail": "The request sends more than 1000 query parameters or form fields.",
    }
    record = _one_line_about(caplog, path)
    assert (record.name, record.levelname) == ("portal.api", "WARNING")


def test_a_thousand_query_parameters_are_still_served(client):
    # given: exactly the limit
    query = "&".join(f"q{i}=1" for i in range(1000))

    # when
    response = client.get(f"/api/v1/catalogue/activities/?{query}")

    # then
    assert response.status_code == 200


def test_every_operation_reading_a_body_documents_the_413():
    # given
    schema = SchemaGenerator().get_schema(request=None, public=True)

    # then
    missing = [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation and "413" not in operation["responses"]
    ]
    assert missing == []
