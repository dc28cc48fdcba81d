"""Each request error reaches the log once: one record, printed once, as `make run` shows it."""

from __future__ import annotations

import io
import logging

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _printing_handlers(logger: logging.Logger) -> list[logging.StreamHandler]:
    """The configured stream handlers a record of `logger` passes through (pytest's own left out)."""
    found = []
    while logger is not None:
        found += [
            handler
            for handler in logger.handlers
            if isinstance(handler, logging.StreamHandler)
            and not type(handler).__module__.startswith("_pytest")
        ]
        logger = logger.parent if logger.propagate else None
    return found


@pytest.fixture
def terminal(settings):
    """What the configured handlers print for a request, with DEBUG on as in development."""
    settings.DEBUG = True
    screen = io.StringIO()
    handlers = _printing_handlers(logging.getLogger("django.request"))
    assert handlers, "the request log reaches no handler at all"
    streams = [handler.setStream(screen) for handler in handlers]
    yield screen
    for handler, stream in zip(handlers, streams, strict=True):
        handler.setStream(stream)


def _about(records, path: str) -> list[logging.LogRecord]:
    return [record for record in records if path in record.getMessage()]


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/not-an-api-path/"])
def test_a_404_is_one_record_printed_once(api_client, caplog, terminal, path):
    # when
    response = api_client.get(path)

    # then
    assert response.status_code == 404
    records = _about(caplog.records, path)
    assert [(r.name, r.levelname, r.getMessage()) for r in records] == [
        ("django.request", "WARNING", f"Not Found: {path}")
    ]
    assert terminal.getvalue().count(f"Not Found: {path}") == 1


@override_settings(ROOT_URLCONF="tests.portal.api.urls_boom")
def test_an_unhandled_error_is_one_record_with_its_traceback(caplog, terminal):
    # given
    client = APIClient(raise_request_exception=False)

    # when
    response = client.get("/api/v1/test-boom/")

    # then: the middleware's record, traceback included; Django's request log does not repeat it
    assert response.status_code == 500
    records = _about(caplog.records, "/api/v1/test-boom/")
    assert [(r.name, r.levelname, r.getMessage()) for r in records] == [
        ("portal.api", "ERROR", "unhandled error on GET /api/v1/test-boom/")
    ]
    assert records[0].exc_info is not None
    printed = terminal.getvalue()
    assert printed.count("/api/v1/test-boom/") == 1
    assert printed.count("Traceback (most recent call last)") == 1
