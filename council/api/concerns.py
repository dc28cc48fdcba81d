"""Concerns from the business community: raised by those who act for a business, answered by the council.

Thin: parse, call a service or a selector, render. Visibility is the selector's business (a concern the
caller may not see is a 404); answering needs an active seat on the concern's council.
"""

from __future__ import annotations

import django_filters
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from council.models import Concern, ConcernDisposition, ConcernStatus
from council.policies import require_entrepreneur, require_member
from council.selectors.concerns import concern_get, concern_list, is_overdue, overdue_q
from council.services import concerns as services
from permits.calendar import calendar_context, context_calendar, working_days_between
from portal.api.context import PageContextMixin
from portal.api.filters import ChoiceFilter
from portal.api.idempotency import idempotent
from portal.api.inputs import StrictCharField, StrictChoiceField, StrictIntegerField, valid_input
from portal.api.schema import IDEMPOTENCY_KEY, errors

TAGS = ["council"]


# --- serializers -------------------------------------------------------------------------------


class ConcernBusinessOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ConcernOutput(serializers.ModelSerializer):
    council = serializers.IntegerField(source="council_id")
    business = ConcernBusinessOutput(allow_null=True)
    licence_type = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    authority = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="Open past its due date, or answered after it.")
    working_days_left = serializers.SerializerMethodField(
        help_text="Working days until the answer is due (0 on the day or after); null once answered."
    )
    disposition = serializers.SerializerMethodField()
    response = serializers.SerializerMethodField()
    responded_by = serializers.SerializerMethodField(help_text="The name of the member who answered.")

    class Meta:
        model = Concern
        fields = [
            "id",
            "council",
            "subject",
            "body",
            "business",
            "licence_type",
            "authority",
            "status",
            "created_at",
            "due_at",
            "overdue",
            "working_days_left",
            "disposition",
            "response",
            "responded_at",
            "responded_by",
        ]

    def _now(self):
        return self.context.setdefault("now", timezone.now())

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, concern) -> bool:
        return is_overdue(concern, self._now())

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_working_days_left(self, concern) -> int | None:
        if concern.status != ConcernStatus.OPEN:
            return None
        now = self._now()
        if concern.due_at <= now:
            return 0
        return working_days_between(now, concern.due_at, exceptions=context_calendar(self.context))

    @extend_schema_field(serializers.ChoiceField(choices=ConcernDisposition.choices, allow_null=True))
    def get_disposition(self, concern) -> str | None:
        return concern.disposition or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_response(self, concern) -> str | None:
        return concern.response or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_responded_by(self, concern) -> str | None:
        user = concern.responded_by
        return user.display_name if user is not None else None


class ConcernCreateInput(serializers.Serializer):
    subject = StrictCharField(max_length=services.SUBJECT_MAX)
    body = StrictCharField(max_length=services.BODY_MAX)
    licence_type = StrictCharField(
        max_length=60,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A licence type code; an unknown one is a 400.",
    )
    authority = StrictCharField(
        max_length=60,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="An authority code (an unknown one is a 400); when omitted, the licence type's authority.",
    )
    business = StrictIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="A business you act for; may be omitted when you act for exactly one.",
    )
    council = StrictIntegerField(
        min_value=1, required=False, allow_null=True, help_text="Defaults to the national council."
    )


class ConcernRespondInput(serializers.Serializer):
    disposition = StrictChoiceField(choices=ConcernDisposition.choices)
    response = StrictCharField(
        max_length=services.BODY_MAX, help_text="Always required: a decline must say why."
    )


class ConcernFilter(django_filters.FilterSet):
    status = ChoiceFilter(choices=ConcernStatus.choices)
    # A choice, not a BooleanFilter: that one silently ignores a value it cannot read.
    overdue = ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_overdue",
        help_text="Open past its due date, or answered after it.",
    )
    authority = django_filters.CharFilter(
        field_name="authority__code", help_text="An authority code; an unknown one matches nothing."
    )

    class Meta:
        model = Concern
        fields = ["status", "overdue", "authority"]

    def filter_overdue(self, queryset, name, value):
        late = overdue_q(timezone.now())
        return queryset.filter(late) if value == "true" else queryset.exclude(late)


# --- views -------------------------------------------------------------------------------------


class ConcernListCreateView(PageContextMixin, generics.ListAPIView):
    serializer_class = ConcernOutput
    filterset_class = ConcernFilter
    page_context = staticmethod(calendar_context)  # due dates count working days

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller to scope by
            return Concern.objects.none()
        return concern_list(user=self.request.user)

    @extend_schema(
        operation_id="council_concerns_list",
        tags=TAGS,
        description=(
            "Concerns of the businesses you act for; for a council member, also every concern addressed to "
            "their councils (open ones first, the soonest due at the top)."
        ),
        responses={200: ConcernOutput, **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="council_concerns_create",
        tags=TAGS,
        description=(
            "Raise a concern for a business you act for, addressed to a council (the national one by "
            "default). The council answers within PORTAL_CONCERN_RESPONSE_DAYS working days (15). Someone "
            "who acts for no business: 403 `not_an_entrepreneur`."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=ConcernCreateInput,
        responses={201: ConcernOutput, **errors(400, 401, 403, 409)},
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        require_entrepreneur(request.user)
        data = valid_input(ConcernCreateInput, request.data)
        concern = services.concern_raise(
            actor=request.user,
            subject=data["subject"],
            body=data["body"],
            business_id=data.get("business"),
            licence_type_code=data.get("licence_type") or None,
            authority_code=data.get("authority") or None,
            council_id=data.get("council"),
        )
        concern = concern_get(user=request.user, concern_id=concern.pk)
        return Response(ConcernOutput(concern).data, status=status.HTTP_201_CREATED)


class ConcernDetailView(APIView):
    @extend_schema(
        operation_id="council_concerns_retrieve",
        tags=TAGS,
        responses={200: ConcernOutput, **errors(401, 404)},
    )
    def get(self, request, pk: int):
        return Response(ConcernOutput(concern_get(user=request.user, concern_id=pk)).data)


class ConcernRespondView(APIView):
    @extend_schema(
        operation_id="council_concerns_respond",
        tags=TAGS,
        description=(
            "Triage and answer a concern, once, as an active member of its council (403 "
            "`not_council_member` otherwise). A second answer is 409 `already_answered`. A referral also "
            "tells the supervisors of the concern's authority."
        ),
        request=ConcernRespondInput,
        responses={200: ConcernOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        concern = concern_get(user=request.user, concern_id=pk)
        require_member(request.user, concern.council_id)  # who may not answer hears so before any input check
        data = valid_input(ConcernRespondInput, request.data)
        services.concern_respond(
            actor=request.user,
            concern_id=concern.pk,
            disposition=data["disposition"],
            response=data["response"],
        )
        return Response(ConcernOutput(concern_get(user=request.user, concern_id=pk)).data)


urlpatterns = [
    path("council/concerns/", ConcernListCreateView.as_view(), name="council-concerns"),
    path("council/concerns/<int:pk>/", ConcernDetailView.as_view(), name="council-concern-detail"),
    path("council/concerns/<int:pk>/respond/", ConcernRespondView.as_view(), name="council-concern-respond"),
]
