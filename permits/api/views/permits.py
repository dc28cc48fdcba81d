"""Permits: the caller's own, and public verification by number and code."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from permits import selectors
from permits.api.serializers import (
    PermitActionInput,
    PermitOutput,
    PermitSuspendInput,
    PostCheckInput,
    PublicPermitOutput,
)
from permits.services.permits import permit_post_check, permit_reinstate, permit_revoke, permit_suspend
from portal.api.inputs import query_value, text, valid_input
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
            OpenApiParameter(
                "code",
                {"type": "string", "minLength": 1},
                required=True,
                description="The verification code; a wrong one is answered like an unknown number (404).",
            )
        ],
        responses={200: PublicPermitOutput, **errors(400, 404, 429)},
    )
    def get(self, request, number: str):
        code = query_value(request.query_params, "code", text, required=True)
        permit = selectors.permit_verify(number=number, code=code)
        return Response(PublicPermitOutput(permit).data)


def _permit_action(request, number: str, serializer_class, act) -> Response:
    selectors.permit_for_caller(user=request.user, number=number)
    act(valid_input(serializer_class, request.data))
    return Response(PermitOutput(selectors.permit_for_caller(user=request.user, number=number)).data)


_PERMIT_ERRORS = errors(400, 401, 403, 404, 409)


class PermitSuspendView(APIView):
    @extend_schema(
        operation_id="permits_suspend",
        tags=["permits"],
        description="Officials of the issuing authority: suspend, with a reason and an optional end date.",
        request=PermitSuspendInput,
        responses={200: PermitOutput, **_PERMIT_ERRORS},
    )
    def post(self, request, number: str):
        return _permit_action(
            request, number, PermitSuspendInput,
            lambda d: permit_suspend(actor=request.user, number=number, reason=d["reason"], until=d.get("until")),
        )  # fmt: skip


class PermitReinstateView(APIView):
    @extend_schema(
        operation_id="permits_reinstate",
        tags=["permits"],
        request=PermitActionInput,
        responses={200: PermitOutput, **_PERMIT_ERRORS},
    )
    def post(self, request, number: str):
        return _permit_action(
            request, number, PermitActionInput,
            lambda d: permit_reinstate(actor=request.user, number=number, reason=d["reason"]),
        )  # fmt: skip


class PermitRevokeView(APIView):
    @extend_schema(
        operation_id="permits_revoke",
        tags=["permits"],
        request=PermitActionInput,
        responses={200: PermitOutput, **_PERMIT_ERRORS},
    )
    def post(self, request, number: str):
        return _permit_action(
            request, number, PermitActionInput,
            lambda d: permit_revoke(actor=request.user, number=number, reason=d["reason"]),
        )  # fmt: skip


class PermitCheckView(APIView):
    @extend_schema(
        operation_id="permits_post_check",
        tags=["permits"],
        description="Record the post-issue check of a sampled low-risk permit; a problem can suspend it.",
        request=PostCheckInput,
        responses={200: PermitOutput, **_PERMIT_ERRORS},
    )
    def post(self, request, number: str):
        return _permit_action(
            request, number, PostCheckInput,
            lambda d: permit_post_check(
                actor=request.user, number=number, outcome=d["outcome"], reason=d["reason"], suspend=d["suspend"]
            ),
        )  # fmt: skip
