"""The applicant's applications: drafts, transitions, documents and the message thread.

Thin: parse the input, call a service or a selector, render. Visibility is the selectors' business
(a foreign application is a 404, before the input is looked at); who may act as the applicant is the
services' (a member of its business: an official who sees the file but is not of it is told so, 403
`not_the_applicant`), so an admin action or a task calling a service is held to the same rule.
"""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.utils.mediatypes import media_type_matches
from rest_framework.views import APIView

from permits import selectors
from permits.api.filters import ApplicationFilter
from permits.api.serializers import (
    ApplicationCreateInput,
    ApplicationOutput,
    ApplicationUpdateInput,
    CalendarContextMixin,
    DocumentInput,
    DocumentOutput,
    MessageInput,
    MessageOutput,
    VersionInput,
    WithdrawInput,
)
from permits.models import ApplicationDocument, Message
from permits.services import applications as services
from permits.services.applications import licence_type_for_code
from permits.services.documents import CONTENT_TYPES, application_document_attach, document_for, download_name
from portal.api.idempotency import idempotent
from portal.api.inputs import valid_input
from portal.api.parsers import SafeMultiPartParser
from portal.api.schema import IDEMPOTENCY_KEY, errors

TAGS = ["applications"]


def render_application(request, application_id: int) -> Response:
    """The application as the caller sees it, after a write (its detail, read again)."""
    application = selectors.application_get(user=request.user, application_id=application_id)
    return Response(ApplicationOutput(application).data)


class ApplicationListCreateView(CalendarContextMixin, generics.ListAPIView):
    serializer_class = ApplicationOutput
    filterset_class = ApplicationFilter

    def get_queryset(self):
        return selectors.application_list(user=self.request.user)

    @extend_schema(
        operation_id="applications_list",
        tags=TAGS,
        description="Your businesses' applications (an official: the authority's, up to their clearance).",
        responses={200: ApplicationOutput, **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="applications_create",
        tags=TAGS,
        description="Create a draft application for one of your businesses.",
        parameters=[IDEMPOTENCY_KEY],
        request=ApplicationCreateInput,
        responses={201: ApplicationOutput, **errors(400, 401, 404, 409)},
    )
    @idempotent
    def post(self, request, *args, **kwargs):
        data = valid_input(ApplicationCreateInput, request.data)
        business = selectors.business_for_applicant(user=request.user, business_id=data["business"])
        application = services.application_create(
            actor=request.user,
            business=business,
            licence_type=licence_type_for_code(data["licence_type"]),
            answers=data["answers"],
        )
        # A new draft: everything shown is in hand, so no second read of what was just written.
        return Response(ApplicationOutput(application).data, status=status.HTTP_201_CREATED)


class ApplicationDetailView(APIView):
    @extend_schema(
        operation_id="applications_retrieve",
        tags=TAGS,
        responses={200: ApplicationOutput, **errors(401, 404)},
    )
    def get(self, request, pk: int):
        return render_application(request, pk)

    @extend_schema(
        operation_id="applications_partial_update",
        tags=TAGS,
        description="Edit a draft's answers.",
        request=ApplicationUpdateInput,
        responses={200: ApplicationOutput, **errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(ApplicationUpdateInput, request.data)
        services.application_update(
            actor=request.user,
            application_id=application.pk,
            answers=data["answers"],
            version=data.get("version"),
        )
        return render_application(request, pk)


class ApplicationSubmitView(APIView):
    @extend_schema(
        operation_id="applications_submit",
        tags=TAGS,
        description=(
            "Submit a draft. Incomplete: 400 `incomplete` listing the missing documents and answers. A low-tier "
            "application is a notification: accepted with its permit at once; medium and high go to review. An "
            "optional question left unanswered counts as the answer that raises the tier most."
        ),
        request=VersionInput,
        responses={200: ApplicationOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(VersionInput, request.data)
        services.application_submit(
            actor=request.user, application_id=application.pk, version=data.get("version")
        )
        return render_application(request, pk)


class ApplicationWithdrawView(APIView):
    @extend_schema(
        operation_id="applications_withdraw",
        tags=TAGS,
        description="Withdraw before a decision.",
        request=WithdrawInput,
        responses={200: ApplicationOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(WithdrawInput, request.data)
        services.application_withdraw(
            actor=request.user,
            application_id=application.pk,
            version=data.get("version"),
            reason=data.get("reason", ""),
        )
        return render_application(request, pk)


class ApplicationDocumentsView(generics.ListAPIView):
    parser_classes = [SafeMultiPartParser]
    serializer_class = DocumentOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to scope by
            return ApplicationDocument.objects.none()
        application = selectors.application_get(user=self.request.user, application_id=self.kwargs["pk"])
        return selectors.application_documents(application=application)

    @extend_schema(
        operation_id="applications_documents_list",
        tags=TAGS,
        responses={200: DocumentOutput, **errors(401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="applications_documents_create",
        tags=TAGS,
        description="Upload a document for one requirement (multipart). The newest upload for a requirement wins.",
        parameters=[IDEMPOTENCY_KEY],
        request={"multipart/form-data": DocumentInput},
        responses={201: DocumentOutput, **errors(400, 401, 403, 404, 409, 413)},
    )
    @idempotent
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(DocumentInput, request.data)
        document = application_document_attach(
            actor=request.user,
            application_id=application.pk,
            requirement_code=data["requirement"],
            upload=data["file"],
        )
        link = selectors.application_documents(application=application).get(document=document)
        return Response(DocumentOutput(link).data, status=status.HTTP_201_CREATED)


# What the file answer is documented as: any stored file as bytes, or the type it was stored under.
FILE_TYPES = ("application/octet-stream", *CONTENT_TYPES)


class FileNegotiation(DefaultContentNegotiation):
    """The file leaves with its own type, whatever the renderers: an `Accept` that admits a file
    type (`application/pdf`, `application/octet-stream`, `*/*`) is no 406. Errors still leave as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            accepted = [
                part.strip() for part in request.META.get("HTTP_ACCEPT", "").split(",") if part.strip()
            ]
            if any(media_type_matches(one, served) for one in accepted for served in FILE_TYPES):
                return renderers[0], renderers[0].media_type
            raise


class ApplicationDocumentFileView(APIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="applications_documents_file",
        tags=TAGS,
        description=(
            "The file itself, only for those who may see the application, with the content type recognised "
            "when it was uploaded and a file name whose extension is that type's."
        ),
        responses={
            **{(200, content_type): OpenApiResponse(OpenApiTypes.BINARY) for content_type in FILE_TYPES},
            **errors(401, 404),
        },
    )
    def get(self, request, pk: int, document_id: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        document = document_for(application=application, document_id=document_id)
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            # Rows stored before names were tied to the type are named safely here too.
            filename=download_name(document.original_name, document.content_type),
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ApplicationMessagesView(generics.ListAPIView):
    serializer_class = MessageOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request to scope by
            return Message.objects.none()
        application = selectors.application_get(user=self.request.user, application_id=self.kwargs["pk"])
        return selectors.application_messages(application=application)

    @extend_schema(
        operation_id="applications_messages_list",
        tags=TAGS,
        responses={200: MessageOutput, **errors(401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="applications_messages_create",
        tags=TAGS,
        parameters=[IDEMPOTENCY_KEY],
        request=MessageInput,
        responses={201: MessageOutput, **errors(400, 401, 403, 404, 409)},
    )
    @idempotent
    def post(self, request, pk: int):
        application = selectors.application_get(user=request.user, application_id=pk)
        data = valid_input(MessageInput, request.data)
        message = services.message_post(actor=request.user, application_id=application.pk, body=data["body"])
        return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)
