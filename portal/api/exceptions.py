"""The one exception handler of the API: every error leaves as `{"code", "detail", "fields"?}`."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
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


def api_exception_handler(exc, context):
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
