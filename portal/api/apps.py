from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """Cross-cutting API machinery; its one model remembers answers to idempotent requests."""

    name = "portal.api"
    label = "api"
    verbose_name = _("API")
