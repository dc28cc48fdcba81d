"""The public catalogue, the permit finder and the working-day calendar."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from permits import selectors
from permits.api.filters import LicenceTypeFilter
from permits.api.serializers import ActivityOutput, CalendarOutput, FinderItemOutput, LicenceTypeOutput
from permits.calendar import FIRST_YEAR, LAST_YEAR
from permits.errors import PermitErrorCode
from permits.models import HolidaySource, LicenceType
from portal.api.errors import ValidationFailed
from portal.api.inputs import integer, query_value
from portal.api.schema import errors


class ActivityListView(generics.ListAPIView):
    """Creative activities, to choose from in the permit finder."""

    authentication_classes = []  # public: an expired token must not lock anyone out of it
    permission_classes = [permissions.AllowAny]
    serializer_class = ActivityOutput

    def get_queryset(self):
        return selectors.activity_list()

    @extend_schema(
        operation_id="catalogue_activities_list", tags=["catalogue"], responses={200: ActivityOutput}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LicenceTypeListView(generics.ListAPIView):
    """Licence types open for applications, with their authority, legal basis, documents and questions."""

    authentication_classes = []  # public: an expired token must not lock anyone out of it
    permission_classes = [permissions.AllowAny]
    serializer_class = LicenceTypeOutput
    filterset_class = LicenceTypeFilter

    def get_queryset(self):
        return selectors.licence_type_list()

    @extend_schema(
        operation_id="catalogue_licence_types_list",
        tags=["catalogue"],
        responses={200: LicenceTypeOutput, **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class FinderView(generics.ListAPIView):
    """Everything a set of activities needs: the union of their licence types, each once."""

    authentication_classes = []  # public: an expired token must not lock anyone out of it
    permission_classes = [permissions.AllowAny]
    serializer_class = FinderItemOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no query to answer
            return LicenceType.objects.none()
        return selectors.finder(activity_codes=self.request.query_params.getlist("activity"))

    @extend_schema(
        operation_id="catalogue_finder",
        tags=["catalogue"],
        parameters=[
            OpenApiParameter(
                "activity",
                OpenApiTypes.STR,
                many=True,
                required=True,
                explode=True,
                description=(
                    "An activity code; repeat for several (`?activity=design&activity=live-events`). An "
                    "unknown code is a 400 `unknown_activity` naming it."
                ),
            )
        ],
        responses={200: FinderItemOutput, **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _year(params) -> int:
    try:
        return query_value(params, "year", integer(minimum=FIRST_YEAR, maximum=LAST_YEAR), required=True)
    except ValidationFailed as exc:
        raise ValidationFailed(
            f"Name a year from {FIRST_YEAR} to {LAST_YEAR}, as ?year=YYYY.",
            code=PermitErrorCode.INVALID_YEAR,
            fields={"year": [f"A year from {FIRST_YEAR} to {LAST_YEAR}."]},
        ) from exc


class CalendarView(APIView):
    """The working-day calendar of a year: every day off and every transferred working day, so that a
    client counts working days as the portal does (weekdays, less days off, plus worked days).

    Cached by clients and proxies for an hour; the ETag answers a revalidation with 304. A decree
    entered in the admin shows within that hour."""

    authentication_classes = []  # public: an expired token must not lock anyone out of it
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AnonRateThrottle]
    max_age = 3600

    @extend_schema(
        operation_id="catalogue_calendar",
        tags=["catalogue"],
        parameters=[
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
                required=True,
                description=f"The calendar year, {FIRST_YEAR} to {LAST_YEAR}.",
            )
        ],
        responses={
            200: CalendarOutput,
            304: OpenApiResponse(description="Not modified: the calendar matches the `If-None-Match` ETag."),
            **errors(400, 429),
        },
    )
    def get(self, request):
        year = _year(request.query_params)
        days = list(selectors.calendar_days(year=year))
        body = CalendarOutput(
            {
                "year": year,
                "time_zone": settings.TIME_ZONE,
                "weekend": [6, 7],
                "loaded": any(day.source == HolidaySource.STATUTE for day in days),
                "days": days,
            }
        ).data
        etag = f'"{hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]}"'
        if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
            response = Response(status=304)
        else:
            response = Response(body)
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=self.max_age)
        return response
