"""The caller's in-app notifications, their read state, and per-event email preferences."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.inputs import (
    StrictBooleanField,
    StrictChoiceField,
    StrictModelSerializer,
    boolean,
    query_value,
    valid_input,
)
from portal.api.schema import errors
from portal.notifications.events import Event
from portal.notifications.models import Channel, Notification, NotificationPreference, WebhookSubscription
from portal.notifications.services import digest_set, notification_read, preference_set
from portal.notifications.webhooks import subscription_create

TAGS = ["notifications"]


class NotificationOutput(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "payload", "created_at", "read_at"]


class PreferenceSerializer(StrictModelSerializer):
    # Only events the portal emits: a typo or "*" would be stored and silently never match.
    event = StrictChoiceField(choices=Event.choices)

    class Meta:
        model = NotificationPreference
        fields = ["event", "email"]
        # The model's default is for rows made by the portal; a caller setting a preference says which.
        extra_kwargs = {"email": {"required": True}}


def _mine(user):
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP)


class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        rows = _mine(self.request.user).order_by("-created_at", "-id")
        if query_value(self.request.query_params, "unread", boolean, default=False):
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(
        operation_id="notifications_list",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "unread",
                OpenApiTypes.BOOL,
                description="Only unread ones: `true` or `1`; `false` or `0` for all.",
            )
        ],
        responses={200: NotificationOutput, **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationReadView(APIView):
    @extend_schema(
        operation_id="notifications_read",
        tags=TAGS,
        request=None,
        responses={200: NotificationOutput, **errors(401, 404)},
    )
    def post(self, request, pk: int):
        return Response(NotificationOutput(notification_read(user=request.user, notification_id=pk)).data)


class UnreadCountView(APIView):
    @extend_schema(
        operation_id="notifications_unread_count",
        tags=TAGS,
        responses={
            200: inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}),
            **errors(401),
        },
    )
    def get(self, request):
        return Response({"unread": _mine(request.user).filter(read_at__isnull=True).count()})


class PreferencesView(generics.ListAPIView):
    """Whether to receive email per event (in-app notifications always arrive)."""

    serializer_class = PreferenceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return NotificationPreference.objects.none()
        return NotificationPreference.objects.filter(user=self.request.user).order_by("event")

    @extend_schema(
        operation_id="notifications_preferences_list",
        tags=TAGS,
        responses={200: PreferenceSerializer, **errors(401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="notifications_preferences_set",
        tags=TAGS,
        request=PreferenceSerializer,
        responses={200: PreferenceSerializer, **errors(400, 401)},
    )
    def post(self, request):
        data = valid_input(PreferenceSerializer, request.data)
        preference = preference_set(actor=request.user, event=data["event"], email=data["email"])
        return Response(PreferenceSerializer(preference).data)


class WebhookInput(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    # Known event names only; an empty list (the default) means every event, as before.
    events = serializers.ListField(
        child=StrictChoiceField(choices=Event.choices),
        required=False,
        default=list,
        help_text="Event names to receive; empty means every event.",
    )


class WebhookOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "is_active", "created_at"]


class WebhookCreatedOutput(WebhookOutput):
    class Meta(WebhookOutput.Meta):
        fields = [*WebhookOutput.Meta.fields, "secret"]


class WebhooksView(generics.ListAPIView):
    """API clients: where to receive events of their business, signed with HMAC-SHA256."""

    serializer_class = WebhookOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookSubscription.objects.none()
        return WebhookSubscription.objects.filter(client__user=self.request.user).order_by("id")

    @extend_schema(operation_id="webhooks_list", tags=TAGS, responses={200: WebhookOutput, **errors(401)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="webhooks_create",
        tags=TAGS,
        description=(
            "Subscribe a URL (events empty: all). The answer shows the signing secret once; each delivery carries "
            "`X-Portal-Signature: sha256=<HMAC-SHA256 of the body>`."
        ),
        request=WebhookInput,
        responses={201: WebhookCreatedOutput, **errors(400, 401, 403)},
    )
    def post(self, request):
        data = valid_input(WebhookInput, request.data)
        subscription = subscription_create(actor=request.user, url=data["url"], events=data["events"])
        return Response(WebhookCreatedOutput(subscription).data, status=201)


class DigestSerializer(serializers.Serializer):
    daily_digest = StrictBooleanField()


class DigestView(APIView):
    """Whether emails come one per event or gathered in one daily digest (08:00 Almaty)."""

    @extend_schema(
        operation_id="notifications_digest_get", tags=TAGS, responses={200: DigestSerializer, **errors(401)}
    )
    def get(self, request):
        return Response({"daily_digest": request.user.daily_digest})

    @extend_schema(
        operation_id="notifications_digest_set",
        tags=TAGS,
        request=DigestSerializer,
        responses={200: DigestSerializer, **errors(400, 401)},
    )
    def post(self, request):
        data = valid_input(DigestSerializer, request.data)
        digest_set(user=request.user, enabled=data["daily_digest"])
        return Response({"daily_digest": data["daily_digest"]})
