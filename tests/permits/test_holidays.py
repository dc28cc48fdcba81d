"""Kazakhstan's public holidays as the portal loads them (from the holidays package), and the laws of
the working-day calendar (permits/calendar.py) on that real calendar, checked by hypothesis against an
independent oracle over ten years: adding N working days then counting them gives N back; weekends and
holidays never count; a decreed transfer (a Saturday worked) does."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from permits.calendar import add_working_days, working_days_between
from permits.models import Holiday, HolidayKind, HolidaySource
from permits.services.calendar import calendar_year_load
from permits.services.catalogue import holiday_create
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")

# The properties range over 2026 to 2035; counting up to 60 days on needs 2036 loaded too. The package
# carries no decreed transfer from 2026 on, so its full list for these years is the statute alone.
YEARS = range(2026, 2037)
EXPECTED = frozenset(holidays.country_holidays("KZ", years=YEARS))

moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2035, 12, 31, 23, 59),
    timezones=st.sampled_from([ALMATY, dt.UTC]),
)
days = st.integers(min_value=0, max_value=40)
EXAMPLES = hypothesis_settings(max_examples=120, deadline=None)


@pytest.fixture
def loaded():
    """The statutory calendar of the years the properties need, loaded as production loads it."""
    for year in YEARS:
        calendar_year_load(actor=None, year=year)
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


# --- the loaded calendar -----------------------------------------------------------------------


def test_the_loader_gives_the_statutory_days_off_of_2026_and_2027(loaded):
    # given: the calendar is loaded (fixture)

    # when
    rows = Holiday.objects.filter(date__year__in=[2026, 2027])
    names = dict(rows.values_list("date", "name"))

    # then: every one a statutory day off ...
    assert set(rows.values_list("kind", "source").distinct()) == {
        (HolidayKind.HOLIDAY, HolidaySource.STATUTE)
    }
    assert rows.count() == 38
    # ... Kurban Ait by the lunar calendar, and not moved off a Sunday (a religious holiday) ...
    assert "Eid al-Adha" in names[dt.date(2026, 5, 27)]
    assert "Eid al-Adha" in names[dt.date(2027, 5, 16)]
    assert dt.date(2027, 5, 17) not in names
    # ... a holiday on a weekend moves the day off to the next working day (Labour Code) ...
    assert {dt.date(2026, 3, 24), dt.date(2026, 3, 25)} <= set(names)  # Nauryz, Saturday and Sunday
    assert names[dt.date(2026, 5, 11)] == "Victory Day (observed)"
    assert names[dt.date(2027, 1, 4)] == "New Year's Day (observed)"
    # ... and Constitution Day moves to 15 March from 2027 (no 30 August in 2026 or 2027)
    assert names[dt.date(2027, 3, 15)] == "Constitution Day"
    assert not {dt.date(2026, 8, 30), dt.date(2027, 8, 30)} & set(names)


def test_seed_demo_loads_the_calendar_through_the_loader_and_a_second_seed_adds_none(time_machine):
    # given: a Friday in November 2026, and an empty calendar
    time_machine.move_to(dt.datetime(2026, 11, 27, 10, tzinfo=ALMATY), tick=False)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    before = list(Holiday.objects.order_by("date").values_list("id", "date", "name", "kind", "source"))
    audited = AuditEvent.objects.filter(action="permits.calendar_year_loaded").count()

    # when
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # then: the years of the demo's history (from the previous quarter) and next year, all statute
    years = sorted({row[1].year for row in before})
    assert years == [2026, 2027]
    assert {row[4] for row in before} == {HolidaySource.STATUTE}
    assert audited == 2  # one event per year loaded
    # and: the second seed changed nothing and audited nothing
    assert (
        list(Holiday.objects.order_by("date").values_list("id", "date", "name", "kind", "source")) == before
    )
    assert AuditEvent.objects.filter(action="permits.calendar_year_loaded").count() == audited


def test_holidays_shift_a_deadline_across_nauryz(loaded):
    # given: Friday 20 March 2026, 10:00; Nauryz is Saturday 21 to Monday 23 March, and its weekend
    # days move the days off to Tuesday 24 and Wednesday 25
    start = dt.datetime(2026, 3, 20, 10, tzinfo=ALMATY)

    # when
    one, three = add_working_days(start, 1), add_working_days(start, 3)

    # then: the weekend and the three weekdays off are skipped
    assert timezone.localtime(one) == dt.datetime(2026, 3, 26, 10, tzinfo=ALMATY)
    assert timezone.localtime(three) == dt.datetime(2026, 3, 30, 10, tzinfo=ALMATY)
    assert working_days_between(start, three) == 3


# --- properties on the loaded calendar ---------------------------------------------------------


def test_property_adding_then_counting_gives_n_back(loaded):
    # given: the loaded holidays of 2026 to 2036

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


def test_property_the_result_is_never_a_weekend_or_a_holiday(loaded):
    # given: the loaded holidays

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


def test_property_weekends_and_holidays_never_count(loaded):
    # given: the loaded holidays

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


def test_every_loaded_holiday_on_a_weekday_is_skipped(loaded):
    # given: every loaded holiday that falls on a weekday
    weekday_holidays = sorted(day for day in EXPECTED if day.weekday() < 5)
    assert {day.year for day in weekday_holidays} == set(YEARS)

    for holiday in weekday_holidays:
        # when: counting from the day before the holiday to the holiday itself
        eve = dt.datetime.combine(holiday - dt.timedelta(days=1), dt.time(10), tzinfo=ALMATY)
        on = dt.datetime.combine(holiday, dt.time(10), tzinfo=ALMATY)

        # then: the holiday does not count, and one working day from its eve lands after it
        assert working_days_between(eve, on) == 0, holiday
        assert local_day(add_working_days(eve, 1)) > holiday


# --- decreed transfers -------------------------------------------------------------------------


def test_a_transferred_working_day_counts(loaded):
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


def test_property_transferred_saturdays_count(loaded):
    # given: the loaded holidays, plus some Saturdays of 2026-2035 decreed working days (per example)
    saturdays = [s for w in range(522) if (s := dt.date(2026, 1, 3) + dt.timedelta(weeks=w)) not in EXPECTED]

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
            transaction.set_rollback(True)  # the next example starts from the loaded calendar

    check()
