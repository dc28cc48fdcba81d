"""The working-day calendar: public holidays and decreed transfers of working days."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKING_DAY = "working_day", _("Transferred working day (a weekend day that is worked)")


class Holiday(models.Model):
    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=HolidayKind.choices, default=HolidayKind.HOLIDAY
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or transferred day")
        verbose_name_plural = _("calendar: holidays and transferred days")

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"
