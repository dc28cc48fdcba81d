"""Shared pieces of the OpenAPI description: the error shape every endpoint may answer with."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorOutput = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="Stable machine-readable error code."),
        "detail": serializers.CharField(help_text="Human-readable explanation."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="For validation errors: the messages per field.",
        ),
    },
)


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error responses for `@extend_schema(responses=...)`."""
    descriptions = {
        400: "Invalid input; `fields` names what is wrong.",
        401: "Not authenticated.",
        403: "Not allowed.",
        404: "Not found (or not yours).",
        409: "Wrong state or a conflicting change.",
        413: "Too large.",
        429: "Throttled.",
        503: "A dependency is unavailable.",
    }
    return {code: OpenApiResponse(ErrorOutput, description=descriptions[code]) for code in statuses}


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
