from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The notification outbox and its delivery channels (in-app, email, webhooks)."""

    name = "portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
