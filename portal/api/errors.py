"""Error codes that REST clients rely on, and the domain errors that services raise.

A service raises a `DomainError` subclass; the API's one exception handler turns it into
`{"code", "detail", "fields"?}` with the HTTP status that fits. Codes are stable: add, never rename.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    INVALID = "invalid", _("The request is invalid.")
    PARSE_ERROR = "parse_error", _("The request body could not be parsed.")
    NOT_AUTHENTICATED = "not_authenticated", _("Authentication credentials were not provided.")
    AUTHENTICATION_FAILED = "authentication_failed", _("The credentials are not valid.")
    INVALID_CREDENTIALS = "invalid_credentials", _("Username or password is wrong.")
    PERMISSION_DENIED = "permission_denied", _("You may not perform this action.")
    NOT_FOUND = "not_found", _("Not found.")
    METHOD_NOT_ALLOWED = "method_not_allowed", _("Method not allowed.")
    NOT_ACCEPTABLE = "not_acceptable", _("The requested format is not available.")
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", _("Unsupported media type.")
    CONFLICT = "conflict", _("The object changed meanwhile; reload and retry.")
    INVALID_STATE = "invalid_state", _("The object is not in a state that allows this.")
    TOO_LARGE = "too_large", _("The request is too large.")
    TOO_MANY_FIELDS = "too_many_fields", _("The request has too many parameters or form fields.")
    TOO_MANY_FILES = "too_many_files", _("The request has too many files.")
    THROTTLED = "throttled", _("Too many requests.")
    ACCOUNT_LOCKED = "account_locked", _("Too many failed sign-ins; the account is locked for a while.")
    SERVER_ERROR = "server_error", _("Something went wrong on our side; the error was logged.")
    UNAVAILABLE = "unavailable", _("The service is briefly unavailable; retry shortly.")
    # Shared by several domains (and portal's own workflow, accounts, webhooks, idempotency).
    INVALID_TRANSITION = "invalid_transition", _("The object cannot move to that status from this one.")
    NOT_DRAFT = "not_draft", _("Only a draft can be edited.")
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", _("The Idempotency-Key was used for another request.")
    NOT_AN_API_CLIENT = "not_an_api_client", _("This is for API clients.")
    ALREADY_MEMBER = "already_member", _("The user is already a member of this business.")
    ALREADY_OFFICIAL = "already_official", _("The user is already an official.")


# The domain apps' own code enums (permits.errors.PermitErrorCode, council.errors.CouncilErrorCode),
# registered from their AppConfig.ready: portal sits below them and cannot import them, yet the
# schema's Error.code lists every code a client may see.
_DOMAIN_ERROR_CODES: list[type[models.TextChoices]] = []


def error_codes_register(codes: type[models.TextChoices]) -> None:
    if codes not in _DOMAIN_ERROR_CODES:
        _DOMAIN_ERROR_CODES.append(codes)


def error_code_enums() -> tuple[type[models.TextChoices], ...]:
    """ErrorCode first, then each registered domain enum."""
    return (ErrorCode, *_DOMAIN_ERROR_CODES)


class DomainError(Exception):
    """A business rule refused the request. Subclasses fix the HTTP status."""

    status_code = 400
    default_code = ErrorCode.INVALID

    # Seconds after which repeating the request may succeed (sent as Retry-After), when known.
    retry_after: int | None = None

    def __init__(self, detail: str | None = None, *, code: str | None = None, fields: dict | None = None):
        self.code = str(code or self.default_code)
        self.detail = str(detail) if detail is not None else str(self.default_code.label)
        self.fields = fields
        super().__init__(self.detail)


class ValidationFailed(DomainError):
    status_code = 400
    default_code = ErrorCode.INVALID


class Forbidden(DomainError):
    status_code = 403
    default_code = ErrorCode.PERMISSION_DENIED


class NotFound(DomainError):
    status_code = 404
    default_code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    status_code = 409
    default_code = ErrorCode.CONFLICT


class InvalidState(DomainError):
    status_code = 409
    default_code = ErrorCode.INVALID_STATE


class AccountLocked(DomainError):
    """Sign-in refused, right password or not, until the lockout ends (`retry_after` seconds)."""

    status_code = 429
    default_code = ErrorCode.ACCOUNT_LOCKED

    def __init__(self, *, retry_after: int):
        super().__init__()
        self.retry_after = retry_after
