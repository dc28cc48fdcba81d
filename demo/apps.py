from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (`manage.py seed_demo`): the one app that may import every other, and that no
    other app imports, so the domain apps carry no seeding code."""

    name = "demo"
    verbose_name = _("Demo data")
