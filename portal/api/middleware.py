"""JSON errors under /api/ for what escapes DRF: unknown paths and unexpected exceptions."""

from __future__ import annotations

import logging

from django.http import JsonResponse

from portal.api.errors import ErrorCode
from portal.api.exceptions import error_body

logger = logging.getLogger("portal.api")

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(code: ErrorCode, status: int, detail: str | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, detail or code.label), status=status)


class ApiErrorMiddleware:
    """Turns an unhandled exception in an API view into a logged, JSON 500 (DEBUG on or off)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_api_request(request):
            return None
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(ErrorCode.SERVER_ERROR, 500)
