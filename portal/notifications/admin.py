from django.contrib import admin

from portal.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "channel", "event", "status", "attempts")
    list_filter = ("channel", "status", "event")
    search_fields = ("recipient__username", "event", "dedupe_key")
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
