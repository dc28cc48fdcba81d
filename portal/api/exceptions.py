"""The one exception handler of the API: every error leaves as `{"code", "detail", "fields"?}`."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.log import log_response
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from portal.api.errors import DomainError, ErrorCode

logger = logging.getLogger("portal.api")

# What the database raises when it cannot be reached or its connection broke (a restart, a failover,
# a pool with no connection to give within its timeout): the request may succeed if repeated.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Seconds a client should wait before repeating a request refused while the database is away.
RETRY_AFTER_SECONDS = 5

# Django's own bounds on what it reads of a request (DATA_UPLOAD_MAX_MEMORY_SIZE, _NUMBER_FIELDS,
# _NUMBER_FILES). Django raises them lazily, when the body, POST or GET is first read: inside a DRF
# view (parsing request.data) they reach the handler below; the query string is read first by
# ApiErrorMiddleware. Either way they are the client's doing: a 4xx with its code and one log line,
# never a 500 with a traceback.
REQUEST_LIMITS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)

# DRF's own default codes, mapped onto ours where the names differ.
_DRF_CODES = {
    "error": ErrorCode.SERVER_ERROR,
    "unsupported_media_type": ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    body = {"code": str(code), "detail": str(detail)}
    if fields:
        body["fields"] = fields
    return body


def _flatten(detail) -> object:
    """Validation details as plain strings: {"field": ["message", ...]} (nested where the input is)."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def database_unavailable_body() -> dict:
    return error_body(ErrorCode.UNAVAILABLE, "The database is unavailable; retry shortly.")


def request_limit_error(exc: Exception) -> tuple[int, dict]:
    """The status and body answering a request over one of Django's REQUEST_LIMITS."""
    if isinstance(exc, RequestDataTooBig):
        detail = _("The request body is larger than the %(limit)s bytes accepted (uploaded files aside).")
        return status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, error_body(
            ErrorCode.TOO_LARGE, detail % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    if isinstance(exc, TooManyFilesSent):
        detail = _("The request sends more than %(limit)s files.")
        return status.HTTP_400_BAD_REQUEST, error_body(
            ErrorCode.TOO_MANY_FILES, detail % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
        )
    detail = _("The request sends more than %(limit)s query parameters or form fields.")
    return status.HTTP_400_BAD_REQUEST, error_body(
        ErrorCode.TOO_MANY_FIELDS, detail % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    )


def log_request_limit(request, response, exc: Exception) -> None:
    """One line, no traceback; marking the response logged keeps Django's request log from adding
    a second line for the same request."""
    log_response(
        "request over Django's limits on %s %s: %s",
        request.method,
        request.path,
        str(exc),
        response=response,
        request=request,
        logger=logger,
    )


def _forget_unread_body(request) -> None:
    """Read again, the body would raise again (a renderer, a log filter): let it read as empty."""
    django_request = getattr(request, "_request", request)
    django_request._mark_post_parse_error()
    if django_request is not request:  # DRF's Request keeps its own copy of the parsed data
        request._data = QueryDict("", encoding=django_request._encoding)
        request._files = MultiValueDict()
        request._full_data = request._data


def api_exception_handler(exc, context):
    if isinstance(exc, REQUEST_LIMITS):
        request = context.get("request")
        status_code, body = request_limit_error(exc)
        response = Response(body, status=status_code)
        if request is not None:
            _forget_unread_body(request)
            log_request_limit(getattr(request, "_request", request), response, exc)
        return response
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("database unavailable: %s", exc)
        return Response(
            database_unavailable_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DomainError):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return Response(error_body(exc.code, exc.detail, exc.fields), status=exc.status_code, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None  # unexpected: ApiErrorMiddleware logs it and answers with a JSON 500

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):  # a non-field error raised without a field name
            fields = {"non_field_errors": fields}
        non_field = fields.get("non_field_errors") if isinstance(fields, dict) else None
        detail = non_field[0] if non_field and len(fields) == 1 else ErrorCode.INVALID.label
        codes = exc.get_codes()
        code = ErrorCode.INVALID
        if isinstance(codes, dict) and list(codes) == ["non_field_errors"]:
            first = codes["non_field_errors"][0]
            code = first if isinstance(first, str) and first != "invalid" else ErrorCode.INVALID
        response.data = error_body(code, detail, fields)
        return response

    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
    code = _DRF_CODES.get(code, code)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if response.status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        code = ErrorCode.TOO_LARGE
    response.data = error_body(code, detail)
    return response
