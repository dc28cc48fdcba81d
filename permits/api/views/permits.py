"""Permits: the caller's own, and public verification by number and code."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from permits import selectors
from permits.api.serializers import PermitOutput, PublicPermitOutput
from portal.api.schema import errors


class PermitListView(generics.ListAPIView):
    serializer_class = PermitOutput

    def get_queryset(self):
        return selectors.permits_visible_to(self.request.user)

    @extend_schema(
        operation_id="permits_list",
        tags=["permits"],
        description="Your businesses' permits (an official: those their authority issued).",
        responses={200: PermitOutput, **errors(401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PublicPermitView(APIView):
    """Anyone can check a permit with its number and the verification code printed on it."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "verify"

    @extend_schema(
        operation_id="public_permits_verify",
        tags=["public"],
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, required=True, description="The verification code.")
        ],
        responses={200: PublicPermitOutput, **errors(404, 429)},
    )
    def get(self, request, number: str):
        permit = selectors.permit_verify(number=number, code=request.query_params.get("code", ""))
        return Response(PublicPermitOutput(permit).data)
