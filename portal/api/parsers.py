"""Request parsers that refuse, as a 400, input the database could never store.

PostgreSQL text cannot hold NUL characters and UTF-8 cannot encode lone surrogates; JSON nested
thousands deep exhausts the parser's recursion. Each would otherwise surface as a 500.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from portal.api.errors import ValidationFailed

MAX_DEPTH = 64


def storable_text(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _safe_name(key) -> str:
    return key if isinstance(key, str) and storable_text(key) else "(an unreadable key)"


def check_storable(data, path: str = "", depth: int = 0) -> None:
    """Refuse with a 400 naming the field (`answers.event_title`) that holds unstorable text."""
    if depth > MAX_DEPTH:
        raise ParseError(f"The body is nested more than {MAX_DEPTH} levels deep.")
    field = path or "non_field_errors"
    if isinstance(data, str):
        if not storable_text(data):
            raise ValidationFailed(
                fields={field: ["Contains characters that cannot be stored (NUL or invalid Unicode)."]}
            )
    elif isinstance(data, dict):
        for key, value in data.items():
            name = _safe_name(key)
            child = f"{path}.{name}" if path else name
            if not isinstance(key, str) or not storable_text(key):
                raise ValidationFailed(
                    fields={child: ["This key contains characters that cannot be stored."]}
                )
            check_storable(value, child, depth + 1)
    elif isinstance(data, list | tuple):
        for item in data:
            check_storable(item, path, depth + 1)


class SafeJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        check_storable(data)
        return data


class SafeMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        check_storable({key: result.data.getlist(key) for key in result.data})
        return result
