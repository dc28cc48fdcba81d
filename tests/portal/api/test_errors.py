"""Every error under /api/ is JSON {"code", "detail", "fields"?}, 404 and 500 included."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from portal.api.errors import ErrorCode

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_a_json_404(api_client):
    # when
    response = api_client.get("/api/v1/no-such-thing/")

    # then
    assert response.status_code == 404
    assert response.json() == {
        "code": ErrorCode.NOT_FOUND,
        "detail": "No API endpoint at /api/v1/no-such-thing/.",
    }


@override_settings(DEBUG=True)
def test_unknown_api_path_is_json_even_with_debug_on(api_client):
    # when
    response = api_client.get("/api/v2/whatever")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == ErrorCode.NOT_FOUND


def test_a_post_to_no_endpoint_is_a_json_404_even_when_csrf_is_enforced():
    # given: a client whose POSTs go through the CSRF middleware, as a browser's do
    client = APIClient(enforce_csrf_checks=True)

    # when: an id that no route takes, so the catch-all answers rather than a DRF view
    response = client.post("/api/v1/applications/%C2%A0/submit/", {}, format="json")

    # then: the JSON 404 the schema documents, not the CSRF middleware's HTML 403
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == ErrorCode.NOT_FOUND


def test_wrong_method_names_its_code(api_client):
    # when
    response = api_client.get("/api/v1/auth/token/")

    # then
    assert response.status_code == 405
    assert response.json()["code"] == ErrorCode.METHOD_NOT_ALLOWED


def test_unparseable_body_is_a_parse_error(api_client):
    # when
    response = api_client.post("/api/v1/auth/token/", data="{not json", content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.PARSE_ERROR


def test_validation_error_names_each_field(api_client):
    # when
    response = api_client.post("/api/v1/auth/token/", {}, format="json")

    # then
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == ErrorCode.INVALID
    assert set(body["fields"]) == {"username", "password"}
    assert all(isinstance(message, str) for message in body["fields"]["username"])


def test_unauthenticated_is_a_json_401(api_client):
    # when
    response = api_client.get("/api/v1/me/")

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == "Token"


@override_settings(ROOT_URLCONF="tests.portal.api.urls_boom")
def test_unhandled_exception_is_a_logged_json_500(caplog):
    # given
    client = APIClient(raise_request_exception=False)

    # when
    response = client.get("/api/v1/test-boom/")

    # then
    assert response.status_code == 500
    assert response.json() == {
        "code": ErrorCode.SERVER_ERROR,
        "detail": "Something went wrong on our side; the error was logged.",
    }
    assert "unexpected failure inside a view" in caplog.text


def test_html_pages_keep_html_errors(client):
    # when: outside /api/ the admin's normal 404 page stands
    response = client.get("/not-an-api-path/")

    # then
    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]
