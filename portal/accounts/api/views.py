"""Authentication and the caller's own profile. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from portal.accounts import services
from portal.accounts.api.serializers import LogoutOutput, MeOutput, TokenInput, TokenOutput
from portal.accounts.authentication import TokenAuthentication
from portal.accounts.selectors import caller_get
from portal.api.schema import errors


class TokenCreateView(APIView):
    """Exchange a username and password for an expiring API token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        request=TokenInput,
        responses={200: TokenOutput, **errors(400, 429)},
    )
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        instance, key = services.auth_login(
            request=request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
            now=timezone.now(),
            client=ScopedRateThrottle().get_ident(request),
        )
        return Response(TokenOutput({"token": key, "expires_at": instance.expiry}).data)


class LogoutView(APIView):
    """Revoke the token this request was made with."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(
        operation_id="auth_logout", tags=["auth"], request=None, responses={200: LogoutOutput, **errors(401)}
    )
    def post(self, request):
        services.auth_token_revoke(user=request.user, token=request.auth)
        return Response(LogoutOutput({"revoked": 1}).data, status=status.HTTP_200_OK)


class LogoutAllView(APIView):
    """Revoke every token of the caller (all devices and integrations)."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(
        operation_id="auth_logout_all",
        tags=["auth"],
        request=None,
        responses={200: LogoutOutput, **errors(401)},
    )
    def post(self, request):
        revoked = services.auth_token_revoke_all(user=request.user)
        return Response(LogoutOutput({"revoked": revoked}).data)


class MeView(APIView):
    """The caller: roles, businesses, authority and clearance."""

    @extend_schema(operation_id="me_retrieve", tags=["auth"], responses={200: MeOutput, **errors(401)})
    def get(self, request):
        return Response(MeOutput(caller_get(user=request.user)).data)
