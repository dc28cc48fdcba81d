"""One-stop submissions: several licence types at once, documents given once."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from permits import selectors
from permits.api.serializers import BundleCreateInput, BundleDocumentOutput, BundleOutput, DocumentInput
from permits.services.bundles import bundle_create, bundle_submit
from permits.services.documents import bundle_document_attach
from portal.api.idempotency import idempotent
from portal.api.inputs import valid_input
from portal.api.parsers import SafeMultiPartParser
from portal.api.schema import IDEMPOTENCY_KEY, errors

TAGS = ["bundles"]


def _render(request, bundle_id: int, status_code=status.HTTP_200_OK) -> Response:
    return Response(
        BundleOutput(selectors.bundle_get(user=request.user, bundle_id=bundle_id)).data, status=status_code
    )


class BundleCreateView(APIView):
    @extend_schema(
        operation_id="bundles_create",
        tags=TAGS,
        description="One draft application per licence type, sharing one answers object (each question once).",
        parameters=[IDEMPOTENCY_KEY],
        request=BundleCreateInput,
        responses={201: BundleOutput, **errors(400, 401, 404, 409)},
    )
    @idempotent
    def post(self, request):
        data = BundleCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        business = selectors.business_for_applicant(
            user=request.user, business_id=data.validated_data["business"]
        )
        bundle = bundle_create(
            actor=request.user,
            business=business,
            licence_type_codes=data.validated_data["licence_types"],
            answers=data.validated_data["answers"],
        )
        return _render(request, bundle.pk, status.HTTP_201_CREATED)


class BundleDetailView(APIView):
    @extend_schema(
        operation_id="bundles_retrieve", tags=TAGS, responses={200: BundleOutput, **errors(401, 404)}
    )
    def get(self, request, pk: int):
        return _render(request, pk)


class BundleSubmitView(APIView):
    @extend_schema(
        operation_id="bundles_submit",
        tags=TAGS,
        description=(
            "Submit every draft of the bundle, or none: 400 `incomplete` names what each application lacks. "
            "Low-tier ones come back with their permit; the others with their due date."
        ),
        request=None,
        responses={200: BundleOutput, **errors(400, 401, 404, 409)},
    )
    def post(self, request, pk: int):
        bundle = selectors.bundle_get(user=request.user, bundle_id=pk)
        bundle_submit(actor=request.user, bundle=bundle)
        return _render(request, pk)


class BundleDocumentsView(APIView):
    parser_classes = [SafeMultiPartParser]

    @extend_schema(
        operation_id="bundles_documents_create",
        tags=TAGS,
        description="Give a document once: it serves every application of the bundle that requires it.",
        parameters=[IDEMPOTENCY_KEY],
        request={"multipart/form-data": DocumentInput},
        responses={201: BundleDocumentOutput, **errors(400, 401, 404, 409, 413)},
    )
    @idempotent
    def post(self, request, pk: int):
        bundle = selectors.bundle_get(user=request.user, bundle_id=pk)
        data = valid_input(DocumentInput, request.data)
        document, applications = bundle_document_attach(
            actor=request.user, bundle=bundle, requirement_code=data["requirement"], upload=data["file"]
        )
        link = selectors.application_documents(application=applications[0]).get(document=document)
        body = {"document": link, "applications": [a.reference for a in applications]}
        return Response(BundleDocumentOutput(body).data, status=status.HTTP_201_CREATED)
