"""Councils and their members by helix sector: public."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers

from council.models import Council, HelixSector
from council.selectors.councils import council_list
from portal.api.schema import errors


class MemberOutput(serializers.Serializer):
    name = serializers.SerializerMethodField()
    role = serializers.CharField()
    active_from = serializers.DateField()
    active_until = serializers.DateField(allow_null=True)

    def get_name(self, member) -> str:
        return member.user.display_name


class SectorOutput(serializers.Serializer):
    sector = serializers.ChoiceField(choices=HelixSector.choices)
    label = serializers.CharField()
    members = MemberOutput(many=True)


class CouncilOutput(serializers.ModelSerializer):
    sectors = serializers.SerializerMethodField(
        help_text="The quadruple helix: every sector, in a fixed order, with today's members (maybe none)."
    )

    class Meta:
        model = Council
        fields = ["id", "name", "scope", "city", "description", "sectors"]

    @extend_schema_field(SectorOutput(many=True))
    def get_sectors(self, council) -> list:
        members = getattr(council, "current_members", [])
        return [
            SectorOutput(
                {"sector": value, "label": str(label), "members": [m for m in members if m.sector == value]}
            ).data
            for value, label in HelixSector.choices
        ]


class _Public:
    authentication_classes = []  # public: an expired token must not lock anyone out of it
    permission_classes = [permissions.AllowAny]
    serializer_class = CouncilOutput

    def get_queryset(self):
        return council_list()


class CouncilListView(_Public, generics.ListAPIView):
    @extend_schema(operation_id="council_councils_list", tags=["council"], responses={200: CouncilOutput})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CouncilDetailView(_Public, generics.RetrieveAPIView):
    @extend_schema(
        operation_id="council_councils_retrieve",
        tags=["council"],
        responses={200: CouncilOutput, **errors(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("council/councils/", CouncilListView.as_view(), name="council-councils"),
    path("council/councils/<int:pk>/", CouncilDetailView.as_view(), name="council-council-detail"),
]
