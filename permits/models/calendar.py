"""The working-day calendar: public holidays and decreed transfers of working days."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKING_DAY = "working_day", _("Transferred working day (a weekend day that is worked)")


class HolidaySource(models.TextChoices):
    """Who owns a row. The loader (permits.services.calendar) writes and rewrites `statute` rows only;
    a `decree` row is the government's yearly transfer, or any correction, entered by hand, and no
    reload touches it: on a date that has one, the decree wins over the statute."""

    STATUTE = "statute", _("Statute (Law on Holidays and Labour Code, computed by the holidays package)")
    DECREE = "decree", _("Government decree or correction (entered by hand)")


class Holiday(models.Model):
    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=HolidayKind.choices, default=HolidayKind.HOLIDAY
    )
    # Hand-entered unless the loader says otherwise: a row nobody can vouch for is never overwritten.
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=HolidaySource.choices,
        default=HolidaySource.DECREE,
        db_default=HolidaySource.DECREE,
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or transferred day")
        verbose_name_plural = _("calendar: holidays and transferred days")

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"
