"""Shared pieces of the OpenAPI description: the error shape every endpoint may answer with, and the
errors that the framework itself may answer on any operation, added to each by `PortalAutoSchema`."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers

from portal.api.errors import error_code_enums


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "oneOf": [
                {
                    "type": "array",
                    "items": {"oneOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}]},
                    "description": "The messages; for a list of objects or of lists, one entry per item.",
                },
                {"type": "object", "description": "Per key or index of a nested field: the same shape."},
            ]
        },
    }
)
class FieldErrors(serializers.DictField):
    """`{"field": ["message", ...]}`; a nested field nests (`{"answers": {"key": ["message"]}}`)."""


ErrorOutput = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="Stable machine-readable error code."),
        "detail": serializers.CharField(help_text="Human-readable explanation."),
        "fields": FieldErrors(
            required=False,
            help_text="For validation errors: the messages per field (nested where the input is).",
        ),
    },
)


def error_code_enum(result, generator, request, public):
    """Postprocessing hook: `Error.code` lists every code of `ErrorCode` and of the domain enums that
    registered at start-up. Run after drf-spectacular's enum hook, so the list stays inline on `Error`
    rather than becoming a component of its own."""
    codes = [str(code) for enum in error_code_enums() for code in enum]
    result["components"]["schemas"]["Error"]["properties"]["code"]["enum"] = codes
    return result


ERROR_DESCRIPTIONS = {
    400: "Invalid input; `fields` names what is wrong.",
    401: "Not authenticated.",
    403: "Not allowed.",
    404: "Not found (or not yours).",
    409: "Wrong state or a conflicting change.",
    413: "Too large.",
    415: "The body's Content-Type is missing or not one the operation reads.",
    429: "Throttled.",
    503: "A dependency is unavailable.",
}


def error_response(status: int, description: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(ErrorOutput, description=description or ERROR_DESCRIPTIONS[status])


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error responses for `@extend_schema(responses=...)`."""
    return {code: error_response(code) for code in statuses}


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID) per intended create. Retrying with the same key replays the first "
        "successful answer instead of creating twice; reusing it for a different request is a 409."
    ),
)


class PortalAutoSchema(AutoSchema):
    """Adds to each operation the errors that the framework answers whatever the view does:

    - 400 under /api/: `ApiErrorMiddleware` refuses a query string holding NUL, or more parameters
      than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS), before any view runs;
    - 401 wherever the view authenticates: a wrong or expired token is refused even where anonymous
      callers are welcome;
    - 404 on a paginated list: a page past the last one, or not a page number;
    - 409 wherever the operation takes an `Idempotency-Key`: a key reused for another request;
    - 413 wherever the operation reads a body: one larger than Django reads into memory
      (DATA_UPLOAD_MAX_MEMORY_SIZE, uploaded files aside);
    - 415 wherever the operation reads a body: one sent without a Content-Type, or with one that no
      parser of the view reads;
    - 429 wherever the view throttles.

    A status the view documents itself keeps its own description.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        implied: dict[int, str | None] = {}
        if self.path.startswith("/api/"):
            implied[400] = None
        if self.view.get_authenticators():
            implied[401] = "Not authenticated, or the credentials are not valid."
        if self.method == "GET" and self._is_list_view() and self._get_paginator() is not None:
            implied[404] = "No such page."
        if any(parameter is IDEMPOTENCY_KEY for parameter in self.get_override_parameters()):
            implied[409] = "This Idempotency-Key was used for a different request."
        if self.method in ("POST", "PUT", "PATCH") and self._get_request_body() is not None:
            implied[413] = "The body is larger than the portal reads."
            implied[415] = None
        if self.view.get_throttles():
            implied[429] = None
        for code, description in implied.items():
            if str(code) not in responses:
                error = error_response(code, description)
                responses[str(code)] = self._get_response_for_code(error, str(code), direction=direction)
        return dict(sorted(responses.items()))


# --- what the strict input fields refuse, stated in the schema ---------------------------------
# drf-spectacular derives minLength/maxLength, minimum/maximum and enums from the fields; these
# extensions add what it leaves out, so that a request the schema allows is one the server takes.


class StrictCharFieldExtension(OpenApiSerializerFieldExtension):
    """A required text that DRF trims and then refuses when blank ("   ") must hold a non-space."""

    target_class = "portal.api.inputs.StrictCharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not self.target.allow_blank and self.target.trim_whitespace and "pattern" not in schema:
            schema["pattern"] = r"\S"
        return schema


class StrictDecimalFieldExtension(OpenApiSerializerFieldExtension):
    """A decimal is a string of digits (no exponent, no blank): the field's own pattern."""

    target_class = "portal.api.inputs.StrictDecimalField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        schema["pattern"] = self.target.pattern
        return schema


class ListSerializerExtension(OpenApiSerializerFieldExtension):
    """A nested list (`many=True`) with `allow_empty=False`, `min_length` or `max_length`: as
    minItems/maxItems, which drf-spectacular states for a ListField but not for a ListSerializer."""

    target_class = "rest_framework.serializers.ListSerializer"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if schema is None or direction != "request":
            return schema
        minimum = self.target.min_length or (0 if self.target.allow_empty else 1)
        if minimum:
            schema["minItems"] = minimum
        if self.target.max_length is not None:
            schema["maxItems"] = self.target.max_length
        return schema
