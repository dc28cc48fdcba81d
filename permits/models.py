"""The permit side of the portal. The catalogue starts with the creative activities businesses pursue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityCategory(models.Model):
    """A creative-industry activity (design, music recording, live events ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("activity category")
        verbose_name_plural = _("activity categories")

    def __str__(self) -> str:
        return self.name
