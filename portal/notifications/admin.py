from django.contrib import admin

from portal.audit.admin_mixins import AuditedAdmin
from portal.notifications.models import Notification, WebhookDelivery, WebhookSubscription


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "channel", "event", "status", "attempts")
    list_filter = ("channel", "status", "event")
    search_fields = ("recipient__username", "event", "dedupe_key")
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(AuditedAdmin):
    """Created by API clients through the API (which shows the secret once); here paused or edited."""

    list_display = ("client", "url", "events", "is_active", "created_at")
    list_filter = ("is_active",)
    readonly_fields = ("client", "secret", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("attempted_at", "subscription", "status_code", "succeeded")
    list_filter = ("succeeded",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
