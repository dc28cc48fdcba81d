"""A database error is a JSON 503 `unavailable` with Retry-After, wherever it is raised, DEBUG on or off.

The real outage (a PostgreSQL stopped under a live server) is tests/portal/test_database_restart.py;
these check each depth at which the error can surface, in-process.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

from portal.api.errors import ErrorCode

UNAVAILABLE = {"code": ErrorCode.UNAVAILABLE, "detail": "The database is unavailable; retry shortly."}


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == UNAVAILABLE
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/test-outage/",  # an API view: the exception handler's 503
        "/pages/test-outage/",  # a plain Django view: a 503, not a traceback page
    ],
)
@override_settings(ROOT_URLCONF="tests.portal.api.urls_outage")
def test_in_a_view_it_is_a_503(settings, debug, path):
    # given
    settings.DEBUG = debug

    # when
    response = Client(raise_request_exception=False).get(path)

    # then
    assert_unavailable(response)


@pytest.mark.parametrize("debug", [True, False])
@override_settings(
    ROOT_URLCONF="tests.portal.api.urls_outage",
    MIDDLEWARE=[*settings.MIDDLEWARE, "tests.portal.api.urls_outage.MiddlewareWithoutDatabase"],
)
def test_in_a_middleware_it_is_a_503_not_a_500(settings, debug):
    # given
    settings.DEBUG = debug

    # when
    api = Client(raise_request_exception=False).get("/api/v1/middleware-outage/")
    page = Client(raise_request_exception=False).get("/pages/middleware-outage/")

    # then
    assert_unavailable(api)
    assert_unavailable(page)
