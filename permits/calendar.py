"""Working days in Asia/Almaty: weekends and public holidays do not count; transferred days do."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from permits.models.calendar import Holiday, HolidayKind


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
