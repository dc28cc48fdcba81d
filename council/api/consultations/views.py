"""Consultations on draft legislation: thin views over council.services and council.selectors.

Reads are public where the thing is public (an anonymous caller reads open and finished
consultations); every write needs a signed-in caller, and the services decide who may do it.
"""

from __future__ import annotations

import django_filters
from django.utils.timezone import localtime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from council.api.consultations.serializers import (
    CommentEditInput,
    CommentInput,
    CommentOutput,
    CommentRespondInput,
    ConsultationCreateInput,
    ConsultationDetailOutput,
    ConsultationOutput,
    ConsultationUpdateInput,
    ConsultationVersionInput,
    ConsultationVersionOutput,
    CouncilSubscriptionOutput,
    PublishOutcomeInput,
)
from council.models import Comment, Consultation, ConsultationStatus, Council
from council.selectors import consultations as selectors
from council.services import consultations as services
from portal.api.csv_reply import csv_reply
from portal.api.errors import ValidationFailed
from portal.api.filters import ChoiceFilter, IdFilter
from portal.api.idempotency import idempotent
from portal.api.inputs import valid_input
from portal.api.permissions import PublicReads
from portal.api.schema import IDEMPOTENCY_KEY, ErrorOutput, errors

TAGS = ["council"]


class ConsultationFilter(django_filters.FilterSet):
    council = IdFilter(field_name="council_id", help_text="A council id.")
    status = ChoiceFilter(choices=ConsultationStatus.choices)

    class Meta:
        model = Consultation
        fields = ["council", "status"]


def _detail(request, consultation_id: int, status_code=status.HTTP_200_OK) -> Response:
    consultation = selectors.consultation_get(user=request.user, consultation_id=consultation_id)
    return Response(ConsultationDetailOutput(consultation).data, status=status_code)


def _comment(request, comment_id: int, status_code=status.HTTP_200_OK) -> Response:
    comment = selectors.comment_get(user=request.user, comment_id=comment_id)
    return Response(CommentOutput(comment).data, status=status_code)


class ConsultationListCreateView(PublicReads, generics.ListAPIView):
    serializer_class = ConsultationOutput
    filterset_class = ConsultationFilter

    def get_queryset(self):
        return selectors.consultation_list(user=self.request.user)

    @extend_schema(
        operation_id="council_consultations_list",
        tags=TAGS,
        description="Consultations, newest first: open and finished ones for everyone, drafts for their council.",
        responses={200: ConsultationOutput, **errors(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="council_consultations_create",
        tags=TAGS,
        description="A draft with its first text version (the council's chair or secretary).",
        parameters=[IDEMPOTENCY_KEY],
        request=ConsultationCreateInput,
        responses={201: ConsultationDetailOutput, **errors(400, 401, 403)},
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        data = dict(valid_input(ConsultationCreateInput, request.data))
        council = Council.objects.filter(pk=data.pop("council")).first()
        if council is None:
            raise ValidationFailed(fields={"council": ["No such council."]})
        consultation = services.consultation_create(actor=request.user, council=council, **data)
        return _detail(request, consultation.pk, status.HTTP_201_CREATED)


class ConsultationDetailView(PublicReads, APIView):
    @extend_schema(
        operation_id="council_consultations_retrieve",
        tags=TAGS,
        description='The current text, its versions and, once published, the outcome ("you said, we did").',
        responses={200: ConsultationDetailOutput, **errors(404)},
    )
    def get(self, request, pk: int):
        return _detail(request, pk)

    @extend_schema(
        operation_id="council_consultations_partial_update",
        tags=TAGS,
        description="Edit a draft (officers); the text changes through `versions/`.",
        request=ConsultationUpdateInput,
        responses={200: ConsultationDetailOutput, **errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        consultation = selectors.consultation_get(user=request.user, consultation_id=pk)
        data = valid_input(ConsultationUpdateInput, request.data)
        services.consultation_update(actor=request.user, consultation_id=consultation.pk, changes=dict(data))
        return _detail(request, pk)


def _move_view(name: str, service, description: str):
    class MoveView(APIView):
        @extend_schema(
            operation_id=f"council_consultations_{name}",
            tags=TAGS,
            description=description,
            request=None,
            responses={200: ConsultationDetailOutput, **errors(401, 403, 404, 409)},
        )
        def post(self, request, pk: int):
            consultation = selectors.consultation_get(user=request.user, consultation_id=pk)
            service(actor=request.user, consultation_id=consultation.pk)
            return _detail(request, pk)

    MoveView.__name__ = MoveView.__qualname__ = f"Consultation{name.title()}View"
    return MoveView


ConsultationOpenView = _move_view(
    "open",
    services.consultation_open,
    "Open a draft now (officers); before its opening time, the opening moves to now. "
    "Otherwise the beat schedule opens it on time.",
)
ConsultationCloseView = _move_view(
    "close", services.consultation_close, "Close an open consultation now (officers)."
)


class PublishOutcomeView(APIView):
    @extend_schema(
        operation_id="council_consultations_publish_outcome",
        tags=TAGS,
        description=(
            "Publish the outcome of a closed consultation (officers). Refused with 409 "
            "`unanswered_comments` while any comment is unanswered: `fields.comments` lists their ids "
            "(as strings) and `detail` names them too. A wrong state is a 409 `invalid_transition`."
        ),
        request=PublishOutcomeInput,
        responses={
            200: ConsultationDetailOutput,
            **errors(400, 401, 403, 404),
            409: OpenApiResponse(
                ErrorOutput,
                description="`invalid_transition`, or `unanswered_comments` with `fields.comments`: the ids.",
            ),
        },
    )
    def post(self, request, pk: int):
        consultation = selectors.consultation_get(user=request.user, consultation_id=pk)
        data = valid_input(PublishOutcomeInput, request.data)
        services.outcome_publish(
            actor=request.user,
            consultation_id=consultation.pk,
            summary=data["summary"],
            final_version=data.get("final_version"),
        )
        return _detail(request, pk)


class VersionCreateView(APIView):
    @extend_schema(
        operation_id="council_consultations_versions_create",
        tags=TAGS,
        description="A new text version (officers), until the outcome is published; older ones stay readable.",
        parameters=[IDEMPOTENCY_KEY],
        request=ConsultationVersionInput,
        responses={201: ConsultationVersionOutput, **errors(400, 401, 403, 404, 409)},
    )
    @idempotent
    def post(self, request, pk: int):
        consultation = selectors.consultation_get(user=request.user, consultation_id=pk)
        data = valid_input(ConsultationVersionInput, request.data)
        version = services.consultation_version_add(
            actor=request.user, consultation_id=consultation.pk, sections=data["sections"], note=data["note"]
        )
        version = selectors.version_get(user=request.user, consultation_id=pk, number=version.number)
        return Response(ConsultationVersionOutput(version).data, status=status.HTTP_201_CREATED)


class VersionDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="council_consultations_versions_retrieve",
        tags=TAGS,
        responses={200: ConsultationVersionOutput, **errors(404)},
    )
    def get(self, request, pk: int, number: int):
        version = selectors.version_get(user=request.user, consultation_id=pk, number=number)
        return Response(ConsultationVersionOutput(version).data)


class CommentListCreateView(PublicReads, generics.ListAPIView):
    serializer_class = CommentOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to scope by
            return Comment.objects.none()
        consultation = selectors.consultation_get(user=self.request.user, consultation_id=self.kwargs["pk"])
        return selectors.comment_list(user=self.request.user, consultation=consultation)

    @extend_schema(
        operation_id="council_consultations_comments_list",
        tags=TAGS,
        description=(
            "The comments with their answers: everyone's once public (after closing, or at once if the "
            "council chose so); before that, your own (a council member: all)."
        ),
        responses={200: CommentOutput, **errors(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="council_consultations_comments_create",
        tags=TAGS,
        description="Comment on a section of the current text while the consultation is open.",
        parameters=[IDEMPOTENCY_KEY],
        request=CommentInput,
        responses={201: CommentOutput, **errors(400, 401, 404, 409)},
    )
    @idempotent
    def post(self, request, pk: int):
        consultation = selectors.consultation_get(user=request.user, consultation_id=pk)
        data = valid_input(CommentInput, request.data)
        comment = services.comment_post(
            actor=request.user,
            consultation_id=consultation.pk,
            section=data["section"],
            body=data["body"],
            business_id=data.get("business"),
        )
        return _comment(request, comment.pk, status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    @extend_schema(
        operation_id="council_comments_partial_update",
        tags=TAGS,
        description="Its author edits a comment until the consultation closes.",
        request=CommentEditInput,
        responses={200: CommentOutput, **errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        comment = selectors.comment_get(user=request.user, comment_id=pk)
        data = valid_input(CommentEditInput, request.data)
        services.comment_edit(actor=request.user, comment=comment, body=data.get("body", comment.body))
        return _comment(request, pk)


class CommentRespondView(APIView):
    @extend_schema(
        operation_id="council_comments_respond",
        tags=TAGS,
        description=(
            "A council member answers a comment (a rejection needs a reason); answering again replaces "
            "the answer until the outcome is published."
        ),
        request=CommentRespondInput,
        responses={200: CommentOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        comment = selectors.comment_get(user=request.user, comment_id=pk)
        data = valid_input(CommentRespondInput, request.data)
        services.comment_respond(
            actor=request.user, comment=comment, disposition=data["disposition"], reason=data["reason"]
        )
        return _comment(request, pk)


CSV_COLUMNS = (
    "id",
    "section",
    "author",
    "business",
    "created_at",
    "body",
    "disposition",
    "reason",
    "answered_at",
)


class ConsultationExportView(APIView):
    permission_classes = [permissions.AllowAny]

    def perform_content_negotiation(self, request, force=False):
        # The body is CSV whatever the Accept header; errors still leave as JSON.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="council_consultations_export",
        tags=TAGS,
        description=(
            "The comments with their answers as CSV: the same comments the caller may read in `comments/` "
            "(everyone's once public)."
        ),
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR), **errors(404)},
    )
    def get(self, request, pk: int):
        consultation = selectors.consultation_get(user=request.user, consultation_id=pk)
        comments = selectors.comment_list(user=request.user, consultation=consultation)
        return csv_reply(
            [CSV_COLUMNS, *map(_comment_row, comments)], f"consultation-{consultation.pk}-comments.csv"
        )


def _comment_row(comment: Comment) -> tuple:
    response = getattr(comment, "response", None)
    return (
        comment.pk,
        comment.section.number,
        comment.author.display_name,
        comment.business.name if comment.business else "",
        localtime(comment.created_at).isoformat(),
        comment.body,
        response.disposition if response else "",
        response.reason if response else "",
        localtime(response.updated_at).isoformat() if response else "",
    )


class SubscriptionView(APIView):
    @extend_schema(
        operation_id="council_councils_subscription_create",
        tags=TAGS,
        description="Follow a council: hear when it opens a consultation or publishes an outcome.",
        request=None,
        responses={201: CouncilSubscriptionOutput, 200: CouncilSubscriptionOutput, **errors(401, 404)},
    )
    def post(self, request, pk: int):
        subscription, created = services.subscription_add(actor=request.user, council_id=pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(CouncilSubscriptionOutput(subscription).data, status=code)

    @extend_schema(
        operation_id="council_councils_subscription_destroy",
        tags=TAGS,
        description="Stop following a council (harmless when not following).",
        responses={204: None, **errors(401, 404)},
    )
    def delete(self, request, pk: int):
        services.subscription_remove(actor=request.user, council_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
