"""The authority's side: the queue, decisions, information requests, reassignment, notes, conflicts.

Visibility comes from the selectors (an official sees their authority's files up to their
clearance, others get 404); who may act, and how, is the services' business (403 with a code).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from permits import policies, selectors
from permits.api.serializers import (
    ApplicationOutput,
    CalendarContextMixin,
    ConflictInput,
    ConflictOutput,
    DecideInput,
    NoteInput,
    NoteOutput,
    OutOfOrderInput,
    QueueItemOutput,
    ReassignInput,
    RequestInfoInput,
    ResubmitInput,
)
from permits.api.views.applications import render_application
from permits.models import OPEN_STATUSES, Application, ApplicationStatus, InternalNote, Tier
from permits.services import review as services
from portal.accounts.models import ConflictOfInterest, ConflictSource
from portal.api.idempotency import idempotent
from portal.api.inputs import QueryReader, choice, valid_input
from portal.api.schema import IDEMPOTENCY_KEY, errors

TAGS = ["review"]

# The queue's filters: the open statuses, and `approved` for the permits awaiting a post-issue check.
QUEUE_STATUSES = [*(str(status) for status in OPEN_STATUSES), str(ApplicationStatus.APPROVED)]
QUEUE_ASSIGNED = ["me", "unassigned", "all"]


class ReviewQueueView(CalendarContextMixin, generics.ListAPIView):
    serializer_class = QueueItemOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no official to scope by
            return Application.objects.none()
        query = QueryReader(self.request.query_params)
        tier = query.value("tier", choice(Tier.values))
        state = query.value("status", choice(QUEUE_STATUSES))
        assigned = query.value("assigned", choice(QUEUE_ASSIGNED), default="all")
        query.done()
        return selectors.review_queue(user=self.request.user, tier=tier, status=state, assigned=assigned)

    @extend_schema(
        operation_id="review_queue",
        tags=TAGS,
        description=(
            "Your authority's open files and pending post-issue checks, never above your clearance, oldest first."
        ),
        parameters=[
            OpenApiParameter("tier", OpenApiTypes.STR, enum=Tier.values),
            OpenApiParameter("status", OpenApiTypes.STR, enum=QUEUE_STATUSES),
            OpenApiParameter("assigned", OpenApiTypes.STR, enum=QUEUE_ASSIGNED, default="all"),
        ],
        responses={200: QueueItemOutput, **errors(400, 401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DecideView(APIView):
    @extend_schema(
        operation_id="applications_decide",
        tags=TAGS,
        description=(
            "Approve or reject with a reason; a rejection names the legal act or requirement it rests on. "
            "High risk: the first approval sends the file to a second, different official; only that second "
            "approval issues the permit."
        ),
        request=DecideInput,
        responses={200: ApplicationOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(DecideInput, request.data)
        services.application_decide(
            actor=request.user,
            application_id=application.pk,
            decision=data["decision"],
            reason=data["reason"],
            legal_basis=data.get("legal_basis"),
            requirement=data.get("requirement"),
            version=data.get("version"),
            out_of_order_reason=data.get("out_of_order_reason", ""),
        )
        return render_application(request, pk)


class RequestInfoView(APIView):
    @extend_schema(
        operation_id="applications_request_info",
        tags=TAGS,
        description="Ask the applicant for more; the clock stops until they resubmit.",
        request=RequestInfoInput,
        responses={200: ApplicationOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(RequestInfoInput, request.data)
        services.application_request_info(
            actor=request.user,
            application_id=application.pk,
            message=data["message"],
            version=data.get("version"),
            out_of_order_reason=data.get("out_of_order_reason", ""),
        )
        return render_application(request, pk)


class ResubmitView(APIView):
    @extend_schema(
        operation_id="applications_resubmit",
        tags=["applications"],
        description=(
            "Answer an information request (upload documents first, optionally add a message): the file "
            "returns to review and the due date moves by the working days it waited on you."
        ),
        request=ResubmitInput,
        responses={200: ApplicationOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(ResubmitInput, request.data)
        services.application_resubmit(
            actor=request.user,
            application_id=application.pk,
            message=data.get("message", ""),
            version=data.get("version"),
        )
        return render_application(request, pk)


class ClaimView(APIView):
    @extend_schema(
        operation_id="applications_claim",
        tags=TAGS,
        description="Take a file nobody could be assigned to (oldest first unless you give a reason).",
        request=OutOfOrderInput,
        responses={200: ApplicationOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(OutOfOrderInput, request.data)
        services.application_claim(
            actor=request.user,
            application_id=application.pk,
            out_of_order_reason=data.get("out_of_order_reason", ""),
        )
        return render_application(request, pk)


class ReassignView(APIView):
    @extend_schema(
        operation_id="applications_reassign",
        tags=TAGS,
        description="Supervisors: give the file to another eligible official, with a recorded reason.",
        request=ReassignInput,
        responses={200: ApplicationOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(ReassignInput, request.data)
        services.application_reassign(
            actor=request.user, application_id=application.pk, to_username=data["to"], reason=data["reason"]
        )
        return render_application(request, pk)


class NotesView(generics.ListAPIView):
    """Officials' internal notes on a file. The applicant never reads them: they see the file, so they are
    told the notes are for officials (403), and an official linked to the business is refused too."""

    serializer_class = NoteOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InternalNote.objects.none()
        application = selectors.application_for_official(
            user=self.request.user, application_id=self.kwargs["pk"]
        )
        return selectors.internal_notes(application=application)

    @extend_schema(
        operation_id="applications_notes_list",
        tags=TAGS,
        responses={200: NoteOutput, **errors(401, 403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="applications_notes_create",
        tags=TAGS,
        parameters=[IDEMPOTENCY_KEY],
        request=NoteInput,
        responses={201: NoteOutput, **errors(400, 401, 403, 404)},
    )
    @idempotent
    def post(self, request, pk: int):
        application = selectors.application_for_official(user=request.user, application_id=pk)
        data = valid_input(NoteInput, request.data)
        note = services.note_add(actor=request.user, application=application, body=data["body"])
        return Response(NoteOutput(note).data, status=status.HTTP_201_CREATED)


class ConflictsView(generics.ListAPIView):
    serializer_class = ConflictOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConflictOfInterest.objects.none()
        return selectors.conflicts_visible_to(self.request.user)

    @extend_schema(
        operation_id="review_conflicts_list",
        tags=TAGS,
        description="Your declared links to businesses (a supervisor: the whole authority's).",
        responses={200: ConflictOutput, **errors(401, 403)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="review_conflicts_create",
        tags=TAGS,
        description=(
            "Declare a link to a business: you are never assigned its files and cannot decide them; open files "
            "of that business assigned to you are reassigned at once."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=ConflictInput,
        responses={201: ConflictOutput, **errors(400, 401, 403, 409)},
    )
    @idempotent
    def post(self, request):
        profile = policies.require_official(request.user)
        data = valid_input(ConflictInput, request.data)
        business = services.business_by_id(data["business"])
        official, source = request.user, ConflictSource.DECLARED
        if data.get("official") and data["official"] != request.user.username:
            official = policies.official_of_same_authority(supervisor=profile, username=data["official"])
            source = ConflictSource.FOUND
        conflict = services.conflict_declare(
            actor=request.user, official=official, business=business, reason=data["reason"], source=source
        )
        return Response(ConflictOutput(conflict).data, status=status.HTTP_201_CREATED)
