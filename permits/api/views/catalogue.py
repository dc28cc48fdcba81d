"""The public catalogue and the permit finder."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions

from permits import selectors
from permits.api.filters import LicenceTypeFilter
from permits.api.serializers import ActivityOutput, FinderItemOutput, LicenceTypeOutput
from permits.models import LicenceType
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
                description="An activity code; repeat for several (`?activity=design&activity=live-events`).",
            )
        ],
        responses={200: FinderItemOutput, **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
