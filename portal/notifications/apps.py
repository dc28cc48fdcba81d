from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The notification outbox and its delivery channels (in-app, email, webhooks)."""

    name = "portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Registers the Celery tasks in every process, the web one included: enqueue() finds the
        # delivery task by name, so the services do not import the tasks that call them.
        from portal.notifications import tasks  # noqa: F401
