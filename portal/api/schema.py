"""Shared pieces of the OpenAPI description: the error shape every endpoint may answer with, and the
errors that the framework itself may answer on any operation, added to each by `PortalAutoSchema`."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers

from portal.api.errors import error_code_enums

FIELD_ERRORS = "#/components/schemas/FieldErrors"


@extend_schema_field({"$ref": FIELD_ERRORS})
class FieldErrors(serializers.DictField):
    """`{"field": ["message", ...]}`; a nested field nests (`{"answers": {"key": ["message"]}}`).
    Described once as the `FieldErrors` component (`error_components`), which refers to itself."""


ErrorOutput = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="Stable machine-readable error code."),
        "detail": serializers.CharField(help_text="Human-readable explanation."),
        "fields": FieldErrors(required=False),
    },
)


def field_errors_schema() -> dict:
    """For validation errors: the messages per field, nested where the input is. A field's value is
    a list of messages (for a list field, one entry per item: a message, the item's own list of
    messages, or an object of the item's fields) or, for a nested object, the same shape again."""
    messages = {"type": "array", "items": {"type": "string"}}
    return {
        "type": "object",
        "description": (
            "For validation errors: the messages per field, nested where the input is "
            '(`{"answers": {"key": ["message"]}}`; a list of objects has one entry per item).'
        ),
        "additionalProperties": {
            "oneOf": [
                {
                    "type": "array",
                    "items": {"oneOf": [{"type": "string"}, messages, {"$ref": FIELD_ERRORS}]},
                },
                {"$ref": FIELD_ERRORS},
            ]
        },
    }


def header(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "schema": schema or {"type": "string"}}


# The errors any operation may answer, described once (`components.responses`) and referred to by
# every operation they apply to (PortalAutoSchema): name, status, description and headers.
SHARED_ERRORS = {
    405: (
        "MethodNotAllowed",
        "The method is not one this path answers; `Allow` lists those it does.",
        {"Allow": header("The methods this path answers, comma-separated.")},
    ),
    406: ("NotAcceptable", "No representation the `Accept` header admits.", {}),
    415: ("UnsupportedMediaType", "The body's Content-Type is missing or not one the operation reads.", {}),
    429: (
        "Throttled",
        "Throttled; retry after `Retry-After` seconds.",
        {"Retry-After": header("Seconds to wait before retrying.", {"type": "integer"})},
    ),
}
RETRY_AFTER = SHARED_ERRORS[429][2]

IDEMPOTENT_REPLAYED = {
    "Idempotent-Replayed": header(
        "`true` when this answer replays the first one given for the same `Idempotency-Key` "
        "(nothing was created again); absent on a first answer.",
        {"type": "string", "enum": ["true"]},
    )
}


def error_components(result, generator, request, public):
    """Postprocessing hook: the `FieldErrors` component (recursive, so written here rather than
    derived from a serializer) and the shared error responses of `SHARED_ERRORS`."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["FieldErrors"] = field_errors_schema()
    error = {"$ref": "#/components/schemas/Error"}
    shared = components.setdefault("responses", {})
    for name, description, headers in SHARED_ERRORS.values():
        shared[name] = {"description": description, "content": {"application/json": {"schema": error}}}
        if headers:
            shared[name]["headers"] = headers
    return result


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
    415: SHARED_ERRORS[415][1],
    429: SHARED_ERRORS[429][1],
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


class TokenScheme(OpenApiAuthenticationExtension):
    """The API token as generators read it: an `apiKey` in the `Authorization` header."""

    target_class = "portal.accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Authorization: Token <key>`, the key from `POST /api/v1/auth/token/`; `Bearer <key>` is "
                "accepted as the same. Keys expire (`expires_at`)."
            ),
        }


class PortalAutoSchema(AutoSchema):
    """Adds to each operation the errors that the framework answers whatever the view does:

    - 400 under /api/: `ApiErrorMiddleware` refuses a query string holding NUL, or more parameters
      than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS), before any view runs;
    - 401 wherever the view authenticates: a wrong or expired token is refused even where anonymous
      callers are welcome;
    - 404 on a paginated list: a page past the last one (a malformed page is a 400);
    - 405 and 406 everywhere: a method the path does not answer (with `Allow`), an `Accept` header
      that admits no representation of the answer;
    - 409 wherever the operation takes an `Idempotency-Key`: a key reused for another request;
    - 413 wherever the operation reads a body: one larger than Django reads into memory
      (DATA_UPLOAD_MAX_MEMORY_SIZE, uploaded files aside);
    - 415 wherever the operation reads a body: one sent without a Content-Type, or with one that no
      parser of the view reads (a form on a JSON operation);
    - 429 wherever the view throttles, with `Retry-After`.

    405, 406, 415 and 429 refer to the shared responses of `SHARED_ERRORS`. A status the view
    documents itself keeps its own description. Where an `Idempotency-Key` is taken, the successful
    answers document `Idempotent-Replayed`. An operation open to anonymous callers has `security: []`
    (no credentials needed; a token sent is still read).
    """

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and {} in operation.get("security", []):
            operation["security"] = []
        return operation

    def _takes_idempotency_key(self) -> bool:
        return any(parameter is IDEMPOTENCY_KEY for parameter in self.get_override_parameters())

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
        implied[405] = implied[406] = None
        if self._takes_idempotency_key():
            implied[409] = "This Idempotency-Key was used for a different request."
        if self.method in ("POST", "PUT", "PATCH") and self._get_request_body() is not None:
            implied[413] = "The body is larger than the portal reads."
            implied[415] = None
        if self.view.get_throttles():
            implied[429] = None
        for code, description in implied.items():
            if str(code) in responses:
                continue
            if code in SHARED_ERRORS:
                responses[str(code)] = {"$ref": f"#/components/responses/{SHARED_ERRORS[code][0]}"}
            else:
                error = error_response(code, description)
                responses[str(code)] = self._get_response_for_code(error, str(code), direction=direction)
        throttled = responses.get("429")
        if throttled is not None and "$ref" not in throttled:
            throttled.setdefault("headers", {}).update(RETRY_AFTER)
        if self._takes_idempotency_key():
            for code, response in responses.items():
                if code.startswith("2") and "$ref" not in response:
                    response.setdefault("headers", {}).update(IDEMPOTENT_REPLAYED)
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
