"""Small helpers every edge and service uses to read input the same way."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError

from portal.api.errors import ValidationFailed

MAX_TEXT = 5000


def valid_input(serializer_class, data) -> dict:
    """Validate request data with an input serializer; a failure is the usual 400 naming the fields."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def clean_text(value: Any, field: str, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
    """Trimmed text, or a 400 naming `field` when it is missing, empty or too long."""
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValidationFailed(fields={field: ["This cannot be empty."]})
    if len(text) > max_length:
        raise ValidationFailed(fields={field: [f"At most {max_length} characters."]})
    return text


def full_clean(obj, *, exclude: list[str] | None = None) -> None:
    """Model validation as a 400 naming the fields, so services refuse bad data at any edge."""
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields=exc.message_dict) from exc
