"""Kazakhstan's public holidays as the demo seeds them, and the laws of the working-day calendar
(permits/calendar.py) on that real calendar, checked by hypothesis against an independent oracle:
adding N working days then counting them gives N back; weekends and holidays never count; a decreed
transfer (a Saturday worked) does."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from permits.calendar import add_working_days, working_days_between
from permits.models import Holiday, HolidayKind
from permits.services.catalogue import holiday_create
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")

# The law's fixed public holidays, and Kurban Ait's first day as published for each year.
FIXED = [(1, 1), (1, 2), (1, 7), (3, 8), (3, 21), (3, 22), (3, 23), (5, 1), (5, 7), (5, 9), (7, 6), (8, 30)]
FIXED += [(10, 25), (12, 16)]
KURBAN_AIT = {2026: dt.date(2026, 5, 27), 2027: dt.date(2027, 5, 16)}
EXPECTED = frozenset(
    [dt.date(year, month, day) for year in (2026, 2027) for month, day in FIXED] + list(KURBAN_AIT.values())
)

moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2027, 12, 31, 23, 59),
    timezones=st.sampled_from([ALMATY, dt.UTC]),
)
days = st.integers(min_value=0, max_value=40)
EXAMPLES = hypothesis_settings(max_examples=120, deadline=None)


@pytest.fixture
def seeded(settings):
    """The demo data, seeded as a developer would (MD5 only to keep password hashing fast)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return EXPECTED


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def oracle_is_working(day: dt.date, holidays=EXPECTED, transfers=frozenset()) -> bool:
    """Independent of the calendar module: transfers are worked, holidays and weekends are not."""
    if day in transfers:
        return True
    return day.weekday() < 5 and day not in holidays


def oracle_count(start: dt.datetime, end: dt.datetime, transfers=frozenset()) -> int:
    """Working days after start's local date, up to and including end's."""
    first, last = local_day(start), local_day(end)
    return sum(
        oracle_is_working(first + dt.timedelta(days=n), transfers=transfers)
        for n in range(1, (last - first).days + 1)
    )


# --- the seeded calendar -----------------------------------------------------------------------


def test_seed_demo_loads_the_public_holidays_of_2026_and_2027(seeded):
    # given: the demo was seeded (fixture)

    # when
    rows = Holiday.objects.filter(date__year__in=[2026, 2027])

    # then: exactly the law's holidays and Kurban Ait, all days off
    assert set(rows.values_list("date", flat=True)) == EXPECTED
    assert rows.count() == len(EXPECTED) == 30
    assert set(rows.values_list("kind", flat=True)) == {HolidayKind.HOLIDAY}
    names = dict(rows.values_list("date", "name"))
    assert names[dt.date(2026, 3, 22)] == "Nauryz"
    assert names[dt.date(2027, 12, 16)] == "Independence Day"
    assert "Kurban Ait" in names[dt.date(2026, 5, 27)]
    assert "Kurban Ait" in names[dt.date(2027, 5, 16)]
    # and: each was created through the service, so the audit trail shows it
    assert AuditEvent.objects.filter(action="permits.holiday_created").count() == 30


def test_a_second_seed_adds_no_holiday(seeded):
    # given
    before = list(Holiday.objects.order_by("date").values_list("id", "date", "name", "kind"))
    audited = AuditEvent.objects.filter(action="permits.holiday_created").count()

    # when
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # then: the same rows, no new ones, nothing audited
    assert list(Holiday.objects.order_by("date").values_list("id", "date", "name", "kind")) == before
    assert AuditEvent.objects.filter(action="permits.holiday_created").count() == audited


def test_holidays_shift_a_deadline_across_nauryz(seeded):
    # given: Friday 20 March 2026, 10:00; Nauryz is Saturday 21 to Monday 23 March
    start = dt.datetime(2026, 3, 20, 10, tzinfo=ALMATY)

    # when
    one, three = add_working_days(start, 1), add_working_days(start, 3)

    # then: the weekend and Monday's holiday are skipped
    assert timezone.localtime(one) == dt.datetime(2026, 3, 24, 10, tzinfo=ALMATY)
    assert timezone.localtime(three) == dt.datetime(2026, 3, 26, 10, tzinfo=ALMATY)
    assert working_days_between(start, three) == 3


# --- properties on the seeded calendar ---------------------------------------------------------


def test_property_adding_then_counting_gives_n_back(seeded):
    # given: the seeded holidays of 2026 and 2027

    @EXAMPLES
    @given(start=moments, n=days)
    def check(start: dt.datetime, n: int) -> None:
        # when
        end = add_working_days(start, n)

        # then: n working days lie between them, by the module and by the oracle
        assert working_days_between(start, end) == n
        assert oracle_count(start, end) == n
        assert timezone.localtime(end).time() == timezone.localtime(start).time()
        assert (end > start) if n else (end == start)

    check()


def test_property_the_result_is_never_a_weekend_or_a_holiday(seeded):
    # given: the seeded holidays

    @EXAMPLES
    @given(start=moments, n=st.integers(min_value=1, max_value=40))
    def check(start: dt.datetime, n: int) -> None:
        # when
        day = local_day(add_working_days(start, n))

        # then: a weekday that is no public holiday, and the earliest such day with n before it
        assert day.weekday() < 5
        assert day not in EXPECTED
        previous = day - dt.timedelta(days=1)
        assert oracle_count(start, timezone.make_aware(dt.datetime.combine(previous, dt.time(12)))) == n - 1

    check()


def test_property_weekends_and_holidays_never_count(seeded):
    # given: the seeded holidays

    @EXAMPLES
    @given(start=moments, length=st.integers(min_value=0, max_value=60))
    def check(start: dt.datetime, length: int) -> None:
        end = start + dt.timedelta(days=length)

        # when
        counted = working_days_between(start, end)

        # then: exactly the weekdays that are not holidays count
        assert counted == oracle_count(start, end)
        # and: extending the period by a day off adds nothing, by a working day adds one
        following = end + dt.timedelta(days=1)
        gained = working_days_between(start, following) - counted
        assert gained == (1 if oracle_is_working(local_day(following)) else 0)

    check()


def test_every_seeded_holiday_on_a_weekday_is_skipped(seeded):
    # given: every seeded holiday that falls on a weekday
    weekday_holidays = sorted(day for day in EXPECTED if day.weekday() < 5)
    assert len(weekday_holidays) == 19

    for holiday in weekday_holidays:
        # when: counting from the day before the holiday to the holiday itself
        eve = dt.datetime.combine(holiday - dt.timedelta(days=1), dt.time(10), tzinfo=ALMATY)
        on = dt.datetime.combine(holiday, dt.time(10), tzinfo=ALMATY)

        # then: the holiday does not count, and one working day from its eve lands after it
        assert working_days_between(eve, on) == 0, holiday
        assert local_day(add_working_days(eve, 1)) > holiday


# --- decreed transfers -------------------------------------------------------------------------


def test_a_transferred_working_day_counts(seeded):
    # given: New Year's Day and 2 January 2026 are holidays; Saturday 3 January is decreed worked
    assert dt.date(2026, 1, 3).weekday() == 5
    new_years_eve = dt.datetime(2025, 12, 31, 10, tzinfo=ALMATY)
    assert timezone.localtime(add_working_days(new_years_eve, 1)).date() == dt.date(2026, 1, 5)

    # when
    holiday_create(
        actor=None, date=dt.date(2026, 1, 3), name="Working day (transfer)", kind=HolidayKind.WORKING_DAY
    )

    # then: the Saturday is the first working day of the year, and it counts
    assert timezone.localtime(add_working_days(new_years_eve, 1)) == dt.datetime(
        2026, 1, 3, 10, tzinfo=ALMATY
    )
    assert timezone.localtime(add_working_days(new_years_eve, 2)) == dt.datetime(
        2026, 1, 5, 10, tzinfo=ALMATY
    )
    assert working_days_between(new_years_eve, dt.datetime(2026, 1, 5, 10, tzinfo=ALMATY)) == 2
    # and: Sunday 4 January is still a day off
    sunday = dt.datetime(2026, 1, 4, 10, tzinfo=ALMATY)
    assert working_days_between(new_years_eve, sunday) == 1


def test_property_transferred_saturdays_count(seeded):
    # given: the seeded holidays, plus some Saturdays of 2026-2027 decreed working days (per example)
    saturdays = [s for w in range(104) if (s := dt.date(2026, 1, 3) + dt.timedelta(weeks=w)) not in EXPECTED]

    @EXAMPLES
    @given(
        start=moments,
        n=days,
        transfers=st.sets(st.sampled_from(saturdays), max_size=12),
    )
    def check(start: dt.datetime, n: int, transfers: set[dt.date]) -> None:
        with transaction.atomic():
            for day in transfers:
                Holiday.objects.create(date=day, name="Transfer", kind=HolidayKind.WORKING_DAY)

            # when
            end = add_working_days(start, n)

            # then: adding then counting gives n back, and the transfers counted like any working day
            assert working_days_between(start, end) == n
            assert oracle_count(start, end, transfers=frozenset(transfers)) == n
            if n:
                assert oracle_is_working(local_day(end), transfers=frozenset(transfers))
            transaction.set_rollback(True)  # the next example starts from the seeded calendar

    check()
