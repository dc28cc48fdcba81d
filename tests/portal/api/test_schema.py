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

    # then: and as bytes of any type, the content type generated clients read a binary answer as
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/octet-stream", *CONTENT_TYPES}
    assert {media["schema"]["format"] for media in content.values()} == {"binary"}


def _error_schema(schema) -> dict:
    """`Error`, with the components its references (the recursive `FieldErrors`) resolve in."""
    return {"$ref": "#/components/schemas/Error", "components": schema["components"]}


def test_field_errors_are_a_component_with_no_array_without_items(schema):
    # given
    field_errors = schema["components"]["schemas"]["FieldErrors"]

    # then: `fields` refers to it, and every array in it says what it holds
    assert schema["components"]["schemas"]["Error"]["properties"]["fields"] == {
        "$ref": "#/components/schemas/FieldErrors"
    }

    def arrays(node):
        if isinstance(node, dict):
            if node.get("type") == "array":
                yield node
            for value in node.values():
                yield from arrays(value)
        elif isinstance(node, list):
            for value in node:
                yield from arrays(value)

    assert [array for array in arrays(field_errors) if "items" not in array] == []


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
    jsonschema.validate(body, _error_schema(schema))


def test_a_nested_validation_error_of_the_api_matches_the_error_schema(schema, client_for):
    # when: an item of a list field is wrong
    response = client_for(UserFactory()).post(
        "/api/v1/webhooks/", {"url": "https://example.com/hook", "events": [""]}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["fields"]["events"] == {"0": ['"" is not a valid choice.']}
    jsonschema.validate(response.json(), _error_schema(schema))


def test_the_shared_errors_are_documented_once_with_their_headers(schema):
    # given
    shared = schema["components"]["responses"]

    # then
    assert set(shared["MethodNotAllowed"]["headers"]) == {"Allow"}
    assert set(shared["Throttled"]["headers"]) == {"Retry-After"}
    for label, operation in _operations(schema):
        responses = operation["responses"]
        assert responses["405"] == {"$ref": "#/components/responses/MethodNotAllowed"}, label
        assert "406" in responses, label
        if "429" in responses and "$ref" not in responses["429"]:  # the view describes it itself
            assert "Retry-After" in responses["429"]["headers"], label


def test_an_idempotent_create_documents_the_replay_header(schema):
    # when
    created = schema["paths"]["/api/v1/applications/"]["post"]["responses"]["201"]

    # then
    assert "Idempotent-Replayed" in created["headers"]


def test_request_bodies_are_json_but_for_uploads(schema):
    # when
    kinds = {
        label: set(operation["requestBody"]["content"])
        for label, operation in _operations(schema)
        if "requestBody" in operation
    }

    # then
    uploads = {label for label, kind in kinds.items() if kind == {"multipart/form-data"}}
    assert uploads == {"POST /api/v1/applications/{id}/documents/", "POST /api/v1/bundles/{id}/documents/"}
    assert {label for label, kind in kinds.items() if kind != {"application/json"}} == uploads


def test_the_token_is_an_api_key_header_and_public_operations_need_none(schema):
    # then: the scheme generators read, with the prefix in its description
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Token <key>" in scheme["description"]
    assert "Bearer <key>" in scheme["description"]
    public = {label for label, operation in _operations(schema) if operation.get("security") == []}
    assert {
        "POST /api/v1/auth/token/",
        "GET /api/v1/catalogue/finder/",
        "GET /api/v1/public/permits/{number}/",
        "GET /api/v1/council/consultations/",
        "GET /healthz",
    } <= public
    assert [label for label, operation in _operations(schema) if {} in operation.get("security", [])] == []
    assert schema["paths"]["/api/v1/me/"]["get"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]
