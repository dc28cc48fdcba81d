"""django-filter filters that read their value as strictly as every other query parameter
(portal.api.inputs): an empty, malformed or unknown value is a 400 naming the parameter, where
django-filter would take an empty one as "no filter" and a number like "1.5" or "1e3" as an id.

Code filters over catalogue data (a licence type, an authority, an activity) stay plain
`CharFilter`s: the set of codes is open, so an unknown code matches nothing (an empty page)."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from portal.api.inputs import MAX_ID, QueryValueError, choice, integer

_ID = integer(minimum=1, maximum=MAX_ID)


class _StrictChoiceFormField(django_filters.fields.ChoiceField):
    def clean(self, value):
        if value is not None:  # present: one of the choices, not empty
            try:
                choice(key for key, _label in self.choices if key != "")(value)
            except QueryValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return super().clean(value)


class ChoiceFilter(django_filters.ChoiceFilter):
    """One of the choices; an empty value is refused like any other unknown one."""

    field_class = _StrictChoiceFormField


class _IdFormField(forms.Field):
    def clean(self, value):
        if value is None:
            return None
        try:
            return _ID(value)
        except QueryValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number from 1 to the largest id the database holds."""

    field_class = _IdFormField

    def __init__(self, *args, help_text: str = "An id.", **kwargs):
        super().__init__(*args, help_text=help_text, **kwargs)
        extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": help_text})(
            self
        )
