"""Working days in Asia/Almaty: weekends and public holidays do not count; transferred days do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from holidays.countries import Kazakhstan

from permits.models.calendar import Holiday, HolidayKind, HolidaySource


def calendar_context() -> dict:
    """The holidays of the coming year under the key the serializers read ("calendar"), so that the
    working-day counts of a whole page of rows cost one query."""
    today = timezone.localdate()
    return {"calendar": exceptions_between(today, today + dt.timedelta(days=400))}


def context_calendar(context: dict) -> dict:
    """The calendar of a serializer's context: lists put it there once per page (calendar_context);
    a single object loads it here, on first use."""
    if "calendar" not in context:
        context.update(calendar_context())
    return context["calendar"]


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    return dict(Holiday.objects.filter(date__range=(start, end)).values_list("date", "kind"))


def is_working_day(day: dt.date, exceptions: dict[dt.date, str]) -> bool:
    kind = exceptions.get(day)
    if kind == HolidayKind.WORKING_DAY:
        return True
    if kind == HolidayKind.HOLIDAY:
        return False
    return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The moment `days` working days after `start`, at the same local time of day."""
    local = timezone.localtime(start)
    day = local.date()
    # Generous window: even a run of holidays after a weekend fits in it.
    exceptions = _exceptions(day, day + dt.timedelta(days=days * 2 + 30))
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            counted += 1
    return timezone.make_aware(dt.datetime.combine(day, local.time().replace(tzinfo=None)))


def working_days_between(
    start: dt.datetime, end: dt.datetime, *, exceptions: dict[dt.date, str] | None = None
) -> int:
    """Working days after `start`'s local date, up to and including `end`'s (0 when the same day).

    `exceptions` (holiday kinds by date, covering the range) spares a query when counting many.
    """
    first, last = timezone.localdate(start), timezone.localdate(end)
    if last <= first:
        return 0
    if exceptions is None:
        exceptions = _exceptions(first, last)
    return sum(
        1
        for offset in range(1, (last - first).days + 1)
        if is_working_day(first + dt.timedelta(days=offset), exceptions)
    )


def exceptions_between(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Holidays and transferred days in a range, for repeated counting without repeated queries."""
    return _exceptions(start, end)


# --- the statute, from the holidays package ------------------------------------------------------


class _KazakhstanByStatute(Kazakhstan):
    """Kazakhstan's days off by law alone: the fixed holidays of the Law on Holidays, Kurban Ait by
    the lunar calendar, and the Labour Code's rule that a holiday falling on a weekend moves the day
    off to the next working day (not for the religious holidays: Orthodox Christmas, Kurban Ait).

    The package also carries some past decreed transfers, but only their day-off half (not the
    Saturday worked in exchange). Decrees are data entered by hand here, so they are left out."""

    def _add_special_holidays(self, mapping_names, *, observed=False):
        return None


FIRST_YEAR = _KazakhstanByStatute.start_year
LAST_YEAR = _KazakhstanByStatute.end_year


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory days off of `year` (dates to English names); empty outside the years the package
    knows. A Kurban Ait the package has not seen confirmed is named "(estimated)"."""
    return dict(_KazakhstanByStatute(years=year, language="en_US").items())


@dataclass(frozen=True)
class YearLoad:
    year: int
    created: int = 0
    renamed: int = 0
    removed: int = 0
    kept_decrees: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.renamed or self.removed)


def statute_rows_sync(holiday_model, *, year: int, days: dict[dt.date, str]) -> YearLoad:
    """Make the `statute` rows of `year` exactly `days`, never touching a `decree` row.

    Takes the model class so that the data migration runs it on its historical model. A decree row
    on a statutory date wins (the statute row is not created); a statute row the package no longer
    lists (a corrected Kurban Ait estimate, an amended law) is removed. Running it twice changes
    nothing the second time."""
    rows = {row.date: row for row in holiday_model.objects.filter(date__year=year)}
    decrees = {day for day, row in rows.items() if row.source == HolidaySource.DECREE}
    statute = {day: row for day, row in rows.items() if row.source == HolidaySource.STATUTE}

    stale = [row.pk for day, row in statute.items() if day not in days]
    holiday_model.objects.filter(pk__in=stale).delete()
    renamed = [row for day, row in statute.items() if day in days and row.name != days[day]]
    for row in renamed:
        row.name = days[row.date]
    holiday_model.objects.bulk_update(renamed, ["name"])
    new = [
        holiday_model(date=day, name=name, kind=HolidayKind.HOLIDAY, source=HolidaySource.STATUTE)
        for day, name in sorted(days.items())
        if day not in rows
    ]
    holiday_model.objects.bulk_create(new)
    return YearLoad(
        year=year,
        created=len(new),
        renamed=len(renamed),
        removed=len(stale),
        kept_decrees=len(decrees),
    )


def years_missing(*, today: dt.date) -> list[int]:
    """This year and next, when either has no statutory row: every deadline counting into such a
    year would treat its public holidays as working days. Next year is required all year round (not
    only near its start) because a deadline set in spring can run into it, and because the loader
    can fill it any day."""
    wanted = [today.year, today.year + 1]
    loaded = set(
        Holiday.objects.filter(source=HolidaySource.STATUTE, date__year__in=wanted)
        .values_list("date__year", flat=True)
        .distinct()
    )
    return [year for year in wanted if year not in loaded]


def calendar_status() -> str:
    """Either "ok", or "missing 2027, 2028" when this year or next has no statutory holidays: deadlines still
    run (counting those holidays as working days), so /healthz warns without making the portal unhealthy."""
    missing = years_missing(today=timezone.localdate())
    return f"missing {', '.join(str(year) for year in missing)}" if missing else "ok"
