from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task for `source` (beat sends one a minute).

    Operational telemetry, overwritten in place and not audited: it records no decision or data of
    anyone, only that the asynchronous machinery is alive.
    """

    source = models.CharField(_("source"), max_length=100, unique=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.source} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
