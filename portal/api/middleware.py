"""JSON errors under /api/ for what escapes DRF: unknown paths, unstorable or oversized queries,
unexpected exceptions; and a JSON 503 on every path while the database is unreachable."""

from __future__ import annotations

import logging
import sys

from django.core.signals import got_request_exception
from django.http import JsonResponse
from django.utils.log import log_response

from portal.api.errors import ErrorCode
from portal.api.exceptions import (
    DATABASE_UNAVAILABLE,
    REQUEST_LIMITS,
    RETRY_AFTER_SECONDS,
    database_unavailable_body,
    error_body,
    log_request_limit,
    request_limit_error,
)

logger = logging.getLogger("portal.api")

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(code: ErrorCode, status: int, detail: str | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, detail or code.label), status=status)


def _nul_query_params(request) -> list[str]:
    """Query parameters holding NUL: it never belongs there, and the database refuses it in text."""
    return [
        key.replace("\x00", "") or "query"
        for key, values in request.GET.lists()
        if "\x00" in key or any("\x00" in value for value in values)
    ]


def request_limit_response(request, exc: Exception) -> JsonResponse:
    status, body = request_limit_error(exc)
    response = JsonResponse(body, status=status)
    log_request_limit(request, response, exc)
    return response


def database_unavailable_response() -> JsonResponse:
    response = JsonResponse(database_unavailable_body(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


_OUTAGE_ATTRIBUTE = "_portal_database_unavailable"


def _note_database_outage(sender, request=None, **kwargs) -> None:
    """Mark the request when the exception Django is turning into a 500 is the database's absence.

    Django converts an exception into a response at every middleware layer, so one raised by another
    middleware (the session saved on the way out, a lookup of request.user) never reaches an outer
    middleware as an exception; this signal, sent while the exception is being handled, is the one
    place that sees all of them.
    """
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        setattr(request, _OUTAGE_ATTRIBUTE, True)


got_request_exception.connect(_note_database_outage, dispatch_uid="portal.api.database_outage")


class DatabaseOutageMiddleware:
    """While the database is down every path answers a JSON 503 `unavailable` with Retry-After.

    First in MIDDLEWARE, so it also replaces the 500 (a traceback page with DEBUG on) that Django
    makes of a database error raised in any middleware below it. DRF views never get here with one:
    the API's exception handler answers the same 503 itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, _OUTAGE_ATTRIBUTE, False):
            return database_unavailable_response()
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            logger.warning("database unavailable on %s %s: %s", request.method, request.path, exception)
            return database_unavailable_response()
        return None


class ApiErrorMiddleware:
    """Turns an unhandled exception in an API view into a logged, JSON 500 (DEBUG on or off).

    It is the first to read the query string of an API request, so a query over Django's field limit
    is its JSON 400 too: left to Django, it would be an HTML 400 page, or with DEBUG on a crash of the
    debug page itself (which reads the same query again).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_request(request):
            if "\x00" in request.path:  # no resource is named so
                return json_error(ErrorCode.NOT_FOUND, 404, "No API endpoint or object at this path.")
            try:
                bad = _nul_query_params(request)
            except REQUEST_LIMITS as exc:  # more query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS
                return request_limit_response(request, exc)
            if bad:
                body = error_body(
                    ErrorCode.INVALID,
                    ErrorCode.INVALID.label,
                    {name: ["Contains a NUL character."] for name in bad},
                )
                return JsonResponse(body, status=400)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api_request(request) or isinstance(exception, DATABASE_UNAVAILABLE):
            return None  # an outage is DatabaseOutageMiddleware's 503, not a 500
        if isinstance(exception, REQUEST_LIMITS):  # a body read by a view that is not DRF's
            return request_limit_response(request, exception)
        response = json_error(ErrorCode.SERVER_ERROR, 500)
        # One record, with the traceback; marking the response logged keeps Django's request log
        # from writing a second, traceback-less "Internal Server Error" for the same request.
        log_response(
            "unhandled error on %s %s",
            request.method,
            request.path,
            response=response,
            request=request,
            logger=logger,
            exception=exception,
        )
        return response
