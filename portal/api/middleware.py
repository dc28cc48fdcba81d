"""JSON errors under /api/ for what escapes DRF: unknown paths, unstorable queries, unexpected exceptions."""

from __future__ import annotations

import logging

from django.http import JsonResponse
from django.utils.log import log_response

from portal.api.errors import ErrorCode
from portal.api.exceptions import error_body

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


class ApiErrorMiddleware:
    """Turns an unhandled exception in an API view into a logged, JSON 500 (DEBUG on or off)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_request(request):
            if "\x00" in request.path:  # no resource is named so
                return json_error(ErrorCode.NOT_FOUND, 404, "No API endpoint or object at this path.")
            bad = _nul_query_params(request)
            if bad:
                body = error_body(
                    ErrorCode.INVALID,
                    ErrorCode.INVALID.label,
                    {name: ["Contains a NUL character."] for name in bad},
                )
                return JsonResponse(body, status=400)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api_request(request):
            return None
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
