from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    """Liveness and readiness: /healthz, and the heartbeat that shows a worker is consuming tasks."""

    name = "portal.health"
    label = "health"
    verbose_name = _("Health")
