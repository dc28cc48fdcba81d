"""Working days in Asia/Almaty (permits/calendar.py): weekends and holidays skipped, transferred days
worked, the local time of day kept. Holidays are data (Holiday rows), so these tests use the database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from permits.calendar import add_working_days, is_working_day
from permits.models import Holiday, HolidayKind

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")

# 2026: 15 May is a Friday, 16-17 May the weekend, 18 May a Monday.
FRIDAY = dt.date(2026, 5, 15)
SATURDAY = dt.date(2026, 5, 16)
MONDAY = dt.date(2026, 5, 18)
TUESDAY = dt.date(2026, 5, 19)


def almaty(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ALMATY)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ALMATY)


def test_portal_time_zone_is_almaty():
    # given / when / then: the calendar counts in the portal's zone (DESIGN §5)
    assert django_settings.TIME_ZONE == "Asia/Almaty"
    assert timezone.get_current_timezone_name() == "Asia/Almaty"


def test_friday_plus_one_working_day_is_monday():
    # given: Friday 15 May 2026, 10:00 in Almaty, and no holidays
    start = almaty(FRIDAY, 10)

    # when
    result = add_working_days(start, 1)

    # then: the weekend is skipped
    assert local(result) == almaty(MONDAY, 10)


def test_friday_plus_five_working_days_is_next_friday():
    # given
    start = almaty(FRIDAY, 9, 30)

    # when
    result = add_working_days(start, 5)

    # then
    assert local(result) == almaty(dt.date(2026, 5, 22), 9, 30)


def test_keeps_the_local_time_of_day():
    # given: a Wednesday afternoon in Almaty
    start = almaty(dt.date(2026, 5, 13), 16, 45)

    # when
    result = add_working_days(start, 2)

    # then: two working days later at the same local time, and still an aware moment
    assert result.tzinfo is not None
    assert local(result).date() == FRIDAY
    assert local(result).time() == dt.time(16, 45)
    assert result - start == dt.timedelta(days=2)


def test_counts_from_the_local_date_not_the_utc_date():
    # given: 22:00 UTC on Friday, which is already Saturday 03:00 in Almaty
    start = dt.datetime(2026, 5, 15, 22, 0, tzinfo=dt.UTC)
    assert local(start).date() == SATURDAY

    # when
    result = add_working_days(start, 1)

    # then: one working day after local Saturday is Monday, at the same local time
    assert local(result).date() == MONDAY
    assert local(result).time() == local(start).time()


def test_a_holiday_is_skipped():
    # given: the Monday after our Friday is a public holiday
    Holiday.objects.create(date=MONDAY, name="Test holiday", kind=HolidayKind.HOLIDAY)
    start = almaty(FRIDAY, 11)

    # when
    result = add_working_days(start, 1)

    # then: Saturday, Sunday and the holiday are skipped
    assert local(result) == almaty(TUESDAY, 11)


def test_a_run_of_holidays_is_skipped():
    # given: Monday to Wednesday are holidays (like 21-23 March, Nauryz)
    for offset in range(3):
        Holiday.objects.create(date=MONDAY + dt.timedelta(days=offset), name=f"Nauryz {offset + 1}")
    start = almaty(FRIDAY, 11)

    # when
    result = add_working_days(start, 2)

    # then: Thursday is the first working day, Friday the second
    assert local(result) == almaty(dt.date(2026, 5, 22), 11)


def test_a_transferred_working_day_on_a_saturday_counts():
    # given: Saturday 16 May is decreed a working day (a transfer)
    Holiday.objects.create(date=SATURDAY, name="Transferred working day", kind=HolidayKind.WORKING_DAY)
    start = almaty(FRIDAY, 14)

    # when
    one = add_working_days(start, 1)
    two = add_working_days(start, 2)

    # then: Saturday counts, Sunday still does not
    assert local(one) == almaty(SATURDAY, 14)
    assert local(two) == almaty(MONDAY, 14)


def test_is_working_day_by_kind_and_weekday():
    # given: exceptions as the calendar reads them from Holiday rows
    exceptions = {MONDAY: HolidayKind.HOLIDAY, SATURDAY: HolidayKind.WORKING_DAY}

    # when / then
    assert is_working_day(FRIDAY, exceptions) is True
    assert is_working_day(SATURDAY, exceptions) is True
    assert is_working_day(dt.date(2026, 5, 17), exceptions) is False
    assert is_working_day(MONDAY, exceptions) is False
    assert is_working_day(TUESDAY, exceptions) is True
    assert is_working_day(SATURDAY, {}) is False


# Kazakh public holidays of 2026 and two decreed transfers (a realistic, irregular calendar).
HOLIDAYS_2026 = {
    dt.date(2026, 1, 1): HolidayKind.HOLIDAY,
    dt.date(2026, 1, 2): HolidayKind.HOLIDAY,
    dt.date(2026, 1, 7): HolidayKind.HOLIDAY,
    dt.date(2026, 1, 3): HolidayKind.WORKING_DAY,  # a Saturday worked
    dt.date(2026, 3, 8): HolidayKind.HOLIDAY,  # a Sunday: no effect
    dt.date(2026, 3, 9): HolidayKind.HOLIDAY,
    dt.date(2026, 3, 21): HolidayKind.HOLIDAY,
    dt.date(2026, 3, 22): HolidayKind.HOLIDAY,
    dt.date(2026, 3, 23): HolidayKind.HOLIDAY,
    dt.date(2026, 3, 24): HolidayKind.HOLIDAY,
    dt.date(2026, 5, 1): HolidayKind.HOLIDAY,
    dt.date(2026, 5, 7): HolidayKind.HOLIDAY,
    dt.date(2026, 5, 8): HolidayKind.HOLIDAY,
    dt.date(2026, 5, 9): HolidayKind.HOLIDAY,
    dt.date(2026, 5, 16): HolidayKind.WORKING_DAY,  # a Saturday worked
    dt.date(2026, 7, 6): HolidayKind.HOLIDAY,
    dt.date(2026, 8, 31): HolidayKind.HOLIDAY,
    dt.date(2026, 10, 26): HolidayKind.HOLIDAY,
    dt.date(2026, 12, 16): HolidayKind.HOLIDAY,
    dt.date(2026, 12, 31): HolidayKind.HOLIDAY,
}


def test_property_result_is_the_nth_working_day_after_the_start():
    # given: a year of holidays and transfers, created once for all examples
    Holiday.objects.bulk_create(
        Holiday(date=day, name=f"Calendar {day}", kind=kind) for day, kind in HOLIDAYS_2026.items()
    )
    exceptions = dict(Holiday.objects.values_list("date", "kind"))

    @settings(max_examples=50, deadline=None)
    @given(
        start=st.datetimes(
            min_value=dt.datetime(2025, 12, 20),
            max_value=dt.datetime(2026, 12, 31, 23, 59),
            timezones=st.sampled_from([ALMATY, dt.UTC]),
        ),
        days=st.integers(min_value=1, max_value=25),
    )
    def check(start: dt.datetime, days: int) -> None:
        # when
        result = add_working_days(start, days)

        # then: a working day, strictly later, at the same local time ...
        start_day, result_day = local(start).date(), local(result).date()
        assert result > start
        assert is_working_day(result_day, exceptions)
        assert local(result).time() == local(start).time()
        # ... with exactly `days` working days in (start, result]
        counted = sum(
            is_working_day(start_day + dt.timedelta(days=offset), exceptions)
            for offset in range(1, (result_day - start_day).days + 1)
        )
        assert counted == days

    check()
