"""Small helpers every edge and service uses to read input the same way."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

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


# --- query parameters --------------------------------------------------------------------------
# A documented query parameter is read strictly: a value that is not what the schema says (not a
# whole number, out of its bounds, not one of its choices, an empty value) is a 400 naming the
# parameter, never silently read as if it were absent. One parser per kind, shared by the views that
# read `request.query_params` themselves, the pagination and the django-filter filters.

# The largest id the database holds (BigAutoField); larger ones are refused, not looked up.
MAX_ID = 2**63 - 1
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,30}")
TRUE_STRINGS = ("true", "1")
FALSE_STRINGS = ("false", "0")


class QueryValueError(ValueError):
    """A query value that is not what its parameter takes; the message says what it takes."""


def integer(*, minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """A parser of a whole number in decimal digits (no sign but `-`, no fraction, no exponent)."""
    if minimum is not None and maximum is not None:
        expected = f"A whole number from {minimum} to {maximum}."
    elif minimum is not None:
        expected = f"A whole number, at least {minimum}."
    else:
        expected = "A whole number."

    def parse(raw: str) -> int:
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise QueryValueError(expected)
        value = int(raw)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise QueryValueError(expected)
        return value

    parse.expected = expected
    return parse


def choice(values: Iterable[str]) -> Callable[[str], str]:
    """A parser of one of a closed set of strings, exactly as spelled."""
    allowed = [str(value) for value in values]
    expected = f"One of: {', '.join(allowed)}."

    def parse(raw: str) -> str:
        if raw not in allowed:
            raise QueryValueError(expected)
        return raw

    parse.expected = expected
    return parse


def boolean(raw: str) -> bool:
    """`true` or `1`, `false` or `0`; nothing else (not `yes`, not `True`, not empty)."""
    if raw in TRUE_STRINGS:
        return True
    if raw in FALSE_STRINGS:
        return False
    raise QueryValueError(boolean.expected)


boolean.expected = "true or false (or 1 or 0)."


def text(raw: str) -> str:
    """Any non-empty string."""
    if raw == "":
        raise QueryValueError("This cannot be empty.")
    return raw


class QueryReader:
    """Reads several query parameters and refuses them together: one 400 naming every bad one."""

    def __init__(self, params):
        self.params = params
        self.problems: dict[str, list[str]] = {}

    def value(self, name: str, parse: Callable[[str], Any], *, required: bool = False, default=None):
        """The parsed value of `name`, `default` when it is absent; a bad one is noted for `done()`."""
        raw = self.params.get(name)
        if raw is None:
            if required:
                expected = getattr(parse, "expected", "")
                self.problems[name] = [f"This parameter is required. {expected}".strip()]
            return default
        try:
            return parse(raw)
        except QueryValueError as exc:
            self.problems[name] = [str(exc)]
            return default

    def done(self) -> None:
        if self.problems:
            raise ValidationFailed(fields=self.problems)


def query_value(params, name: str, parse: Callable[[str], Any], *, required: bool = False, default=None):
    """The parsed value of query parameter `name`, `default` when it is absent, or a 400 naming it."""
    reader = QueryReader(params)
    value = reader.value(name, parse, required=required, default=default)
    reader.done()
    return value


# --- strict fields of input serializers ----------------------------------------------------------
# DRF reads loosely what a JSON body carries: a CharField takes 5 as "5", a BooleanField takes "yes"
# and 1, an IntegerField "7" and 7.0, a DecimalField 1.5 and "1e3". The schema says `string`,
# `boolean`, `integer`; these fields make that true, so that a generated client and the server agree
# on what is valid. Every input serializer uses them (tests/portal/api/test_strict_inputs.py checks).


class StrictCharField(serializers.CharField):
    """A JSON string only."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    """One of the choices, as a JSON string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false`, the JSON literals; not "true", 1 or "yes"."""

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer; not "7", 7.0 or true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    """A decimal as a JSON string of digits, with at most `decimal_places` after the point: "12.50",
    "-3", never a JSON number (it would lose digits on the way) nor "1e3", " 1", "" or "1.". `pattern`
    is the same rule in the schema."""

    def __init__(self, max_digits: int, decimal_places: int, **kwargs):
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        whole = max_digits - decimal_places
        fraction = rf"(?:\.[0-9]{{1,{decimal_places}}})?" if decimal_places else ""
        self.pattern = rf"^-?[0-9]{{1,{whole}}}{fraction}$"

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data):
            self.fail("invalid")
        return super().to_internal_value(data)


# A ModelSerializer for input: the fields it builds from the model are the strict ones. (A comment,
# not a docstring: the schema would show it as the description of every such serializer.)
class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.BooleanField: StrictBooleanField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
    }
    serializer_choice_field = StrictChoiceField
