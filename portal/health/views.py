"""GET /healthz: liveness and readiness of the database and the broker."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.health.services import broker_check, database_check, last_heartbeat, warning_names, warnings_read

_Check = inline_serializer(
    name="HealthCheck",
    fields={"ok": serializers.BooleanField(), "error": serializers.CharField(required=False)},
)
_Health = inline_serializer(
    name="Health",
    fields={
        "status": serializers.ChoiceField(choices=["ok", "unavailable"]),
        "failing": serializers.ListField(child=serializers.CharField()),
        "checks": serializers.DictField(child=_Check),
        "worker_last_seen": serializers.DateTimeField(allow_null=True),
        "calendar": serializers.CharField(
            allow_null=True,
            help_text='"ok", or "missing YYYY" when this year or next has no public holidays (a warning: '
            "the status stays 200 for it); null while the database is down.",
        ),
    },
)


class HealthView(APIView):
    """200 when the database and the broker both answer; 503 naming the ones that do not."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="healthz",
        tags=["health"],
        responses={200: _Health, 503: OpenApiResponse(_Health, description="A dependency is down.")},
    )
    def get(self, request):
        checks = {"database": database_check(), "broker": broker_check()}
        failing = [name for name, result in checks.items() if not result.ok]
        beat = last_heartbeat() if checks["database"].ok else None
        body = {
            "status": "unavailable" if failing else "ok",
            "failing": failing,
            "checks": {
                name: {"ok": r.ok, **({"error": r.error} if r.error else {})} for name, r in checks.items()
            },
            "worker_last_seen": beat.seen_at if beat else None,
            # The registered warnings ("calendar", from the permit side), null while the database is down.
            **(warnings_read() if checks["database"].ok else dict.fromkeys(warning_names())),
        }
        return Response(body, status=503 if failing else 200)
