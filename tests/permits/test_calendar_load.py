"""Loading the working-day calendar (permits/services/calendar.py): statutory holidays of any year from
the holidays package, idempotently, never touching the decree rows entered by hand; the data migration,
the yearly task, the management command and the system check that warns when a year is missing."""

from __future__ import annotations

import datetime as dt
import importlib
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core import checks
from django.core.management import CommandError, call_command

from permits.errors import PermitErrorCode
from permits.models import Holiday, HolidayKind, HolidaySource
from permits.services.calendar import calendar_year_load
from permits.services.catalogue import holiday_create
from permits.tasks import calendar_load_ahead
from portal.api.errors import ValidationFailed
from portal.audit.models import AuditEvent
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
LOADED = "permits.calendar_year_loaded"


def rows(year: int) -> list[tuple]:
    return list(
        Holiday.objects.filter(date__year=year)
        .order_by("date")
        .values_list("id", "date", "name", "kind", "source")
    )


def names(year: int) -> dict[dt.date, str]:
    return dict(Holiday.objects.filter(date__year=year).values_list("date", "name"))


# --- the loader ----------------------------------------------------------------------------------


def test_a_second_load_changes_nothing_and_audits_nothing():
    # given: 2029 loaded once
    first = calendar_year_load(actor=None, year=2029)
    before = rows(2029)

    # when
    second = calendar_year_load(actor=None, year=2029)

    # then: the first created every row and recorded one event; the second found nothing to do
    assert first.created == len(before) > 0
    assert (second.created, second.renamed, second.removed, second.changed) == (0, 0, 0, False)
    assert rows(2029) == before
    events = AuditEvent.objects.filter(action=LOADED)
    assert events.count() == 1
    assert events.get().data == {
        "year": 2029,
        "created": len(before),
        "renamed": 0,
        "removed": 0,
        "kept_decrees": 0,
    }


@pytest.mark.parametrize(
    ("year", "kurban_ait"),
    [
        # 10 Dhu al-Hijjah 1450 and 1452 AH: years no seed ever listed
        (2029, dt.date(2029, 4, 24)),
        (2031, dt.date(2031, 4, 2)),
    ],
)
def test_any_year_gets_kurban_ait_by_the_lunar_calendar_and_the_fixed_holidays(year, kurban_ait):
    # when
    calendar_year_load(actor=None, year=year)

    # then: Kurban Ait on its lunar date, and the fixed holidays of the law
    loaded = names(year)
    assert "Eid al-Adha" in loaded[kurban_ait]
    for month, day in [(1, 1), (1, 2), (1, 7), (3, 8), (3, 15), (3, 21), (3, 22), (3, 23), (5, 1)]:
        assert dt.date(year, month, day) in loaded, (month, day)
    for month, day in [(5, 7), (5, 9), (7, 6), (10, 25), (12, 16)]:
        assert dt.date(year, month, day) in loaded, (month, day)
    assert set(Holiday.objects.filter(date__year=year).values_list("kind", "source").distinct()) == {
        (HolidayKind.HOLIDAY, HolidaySource.STATUTE)
    }


def test_a_holiday_on_a_weekend_gives_the_next_working_day_off_but_a_religious_one_does_not():
    # given: in 2029 Orthodox Christmas and Independence Day fall on a Sunday
    assert dt.date(2029, 1, 7).weekday() == dt.date(2029, 12, 16).weekday() == 6

    # when
    calendar_year_load(actor=None, year=2029)

    # then: Monday 17 December is off (Labour Code); Monday 8 January is worked (a religious holiday)
    loaded = names(2029)
    assert loaded[dt.date(2029, 12, 17)] == "Independence Day (observed)"
    assert dt.date(2029, 1, 8) not in loaded


def test_decreed_transfers_the_package_carries_are_left_to_the_decree_rows():
    # given: the package lists 3 January 2025 as a decreed day off (it has no row for the day worked)

    # when
    calendar_year_load(actor=None, year=2025)

    # then: only the statute is loaded; the decree is for the admin to enter, whole
    loaded = names(2025)
    assert dt.date(2025, 1, 3) not in loaded
    assert {dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 6, 6)} <= set(loaded)


def test_decree_rows_survive_a_reload_and_win_over_the_statute():
    # given: a decree makes Saturday 5 May 2029 worked and Friday 4 May a day off, and a correction
    # entered by hand overrides the estimated Kurban Ait (24 April) and moves it to 25 April
    calendar_year_load(actor=None, year=2029)
    Holiday.objects.filter(date=dt.date(2029, 4, 24)).update(
        kind=HolidayKind.WORKING_DAY, name="Kurban Ait confirmed for 25 April", source=HolidaySource.DECREE
    )
    holiday_create(actor=None, date=dt.date(2029, 4, 25), name="Kurban Ait")
    holiday_create(
        actor=None, date=dt.date(2029, 5, 5), name="Working day (for 4 May)", kind=HolidayKind.WORKING_DAY
    )
    holiday_create(actor=None, date=dt.date(2029, 5, 4), name="Day off (from 5 May)")
    decrees = list(Holiday.objects.filter(source=HolidaySource.DECREE).values_list("date", "name", "kind"))
    statute = rows(2029)

    # when
    result = calendar_year_load(actor=None, year=2029)

    # then: every decree row is as it was, and the statute row is not brought back beside it
    assert len(decrees) == 4
    assert result.kept_decrees == 4
    assert not result.changed
    assert (
        list(Holiday.objects.filter(source=HolidaySource.DECREE).values_list("date", "name", "kind"))
        == decrees
    )
    assert rows(2029) == statute
    assert Holiday.objects.get(date=dt.date(2029, 4, 24)).kind == HolidayKind.WORKING_DAY


def test_a_reload_applies_what_the_package_now_says_to_statute_rows_only():
    # given: 2029 loaded, then two statute rows out of line with the package (as after an upgrade
    # that corrects an estimate or a name), and a decree row dated outside the statute
    calendar_year_load(actor=None, year=2029)
    Holiday.objects.filter(date=dt.date(2029, 7, 6)).update(name="Old name")
    Holiday.objects.create(date=dt.date(2029, 4, 23), name="Old estimate", source=HolidaySource.STATUTE)
    holiday_create(actor=None, date=dt.date(2029, 11, 3), name="Working day", kind=HolidayKind.WORKING_DAY)

    # when
    result = calendar_year_load(actor=None, year=2029)

    # then: the name is put right, the stale date removed, the decree kept
    assert (result.created, result.renamed, result.removed, result.kept_decrees) == (0, 1, 1, 1)
    loaded = names(2029)
    assert loaded[dt.date(2029, 7, 6)] == "Capital Day"
    assert dt.date(2029, 4, 23) not in loaded
    assert loaded[dt.date(2029, 11, 3)] == "Working day"
    assert AuditEvent.objects.filter(action=LOADED).count() == 2


def test_loading_leaves_other_years_alone():
    # given: a decree row and a statute row in 2030
    Holiday.objects.create(date=dt.date(2030, 1, 1), name="New Year's Day", source=HolidaySource.STATUTE)
    holiday_create(actor=None, date=dt.date(2030, 1, 4), name="Day off")

    # when
    calendar_year_load(actor=None, year=2029)

    # then
    assert len(rows(2030)) == 2


@pytest.mark.parametrize("year", [1990, 2101])
def test_a_year_the_package_does_not_cover_is_refused(year):
    # when / then
    with pytest.raises(ValidationFailed) as refused:
        calendar_year_load(actor=None, year=year)
    assert refused.value.code == PermitErrorCode.INVALID_YEAR
    assert not Holiday.objects.exists()


# --- the data migration --------------------------------------------------------------------------


def _migration_load():
    return importlib.import_module("permits.migrations.0010_load_statutory_holidays").load


def test_the_migration_loads_this_year_and_next_and_can_run_again(time_machine):
    # given: 10 June 2030, and a hand-entered transfer already there
    time_machine.move_to(dt.datetime(2030, 6, 10, 12, tzinfo=ALMATY), tick=False)
    holiday_create(actor=None, date=dt.date(2031, 1, 4), name="Working day", kind=HolidayKind.WORKING_DAY)
    load = _migration_load()

    # when: run, then run again (on the registry's models, as the historical ones have the same fields)
    load(django_apps, None)
    after_first = rows(2030) + rows(2031)
    load(django_apps, None)

    # then: both years are loaded once, the decree row is kept, and nothing else is touched
    assert rows(2030) + rows(2031) == after_first
    assert set(Holiday.objects.values_list("date__year", flat=True).distinct()) == {2030, 2031}
    assert "Eid al-Adha" in names(2030)[dt.date(2030, 4, 13)]
    assert Holiday.objects.get(date=dt.date(2031, 1, 4)).source == HolidaySource.DECREE


# --- the yearly task and the command -------------------------------------------------------------


def test_the_beat_schedule_runs_the_load_ahead():
    # given / when
    entry = settings.CELERY_BEAT_SCHEDULE["calendar-load-ahead"]

    # then
    assert entry["task"] == calendar_load_ahead.name


def test_the_task_loads_next_year_and_the_one_after(time_machine):
    # given: 1 December 2031 at 04:20 in Almaty, when beat runs it, with 2031 loaded
    time_machine.move_to(dt.datetime(2031, 12, 1, 4, 20, tzinfo=ALMATY), tick=False)
    calendar_year_load(actor=None, year=2031)

    # when: run as a worker runs it, twice
    first = calendar_load_ahead.apply().get()
    second = calendar_load_ahead.apply().get()

    # then: 2032 and 2033 are loaded, once
    assert [run["year"] for run in first] == [run["year"] for run in second] == [2032, 2033]
    assert [run["created"] for run in first] == [len(rows(2032)), len(rows(2033))]
    assert all(run["created"] > 0 for run in first)
    assert [run["created"] for run in second] == [0, 0]
    assert dt.date(2032, 3, 22) in names(2032)


def test_on_new_years_night_before_beat_runs_next_year_is_already_there(time_machine):
    # given: the December run of 2031, then 00:05 on 1 January 2032, hours before January's run
    time_machine.move_to(dt.datetime(2031, 12, 1, 4, 20, tzinfo=ALMATY), tick=False)
    calendar_year_load(actor=None, year=2031)
    calendar_load_ahead.apply()

    # when
    time_machine.move_to(dt.datetime(2032, 1, 1, 0, 5, tzinfo=ALMATY), tick=False)

    # then: the check finds this year (2032) and next (2033) loaded
    assert calendar_warnings() == []


def test_the_command_loads_the_years_given_with_progress(time_machine):
    # given
    time_machine.move_to(dt.datetime(2031, 3, 1, 9, tzinfo=ALMATY), tick=False)
    out = StringIO()

    # when
    call_command("calendar_load", "2033", "2034", stdout=out)

    # then: one line per year, and both loaded
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[1/2] 2033: ")
    assert lines[1].startswith("[2/2] 2034: ")
    assert set(Holiday.objects.values_list("date__year", flat=True).distinct()) == {2033, 2034}


def test_the_command_loads_this_year_and_next_by_default(time_machine):
    # given
    time_machine.move_to(dt.datetime(2031, 3, 1, 9, tzinfo=ALMATY), tick=False)

    # when
    call_command("calendar_load", stdout=StringIO())

    # then
    assert set(Holiday.objects.values_list("date__year", flat=True).distinct()) == {2031, 2032}


def test_the_command_refuses_a_year_out_of_range():
    # when / then
    with pytest.raises(CommandError, match="1800"):
        call_command("calendar_load", "1800", stdout=StringIO())


# --- the system check ----------------------------------------------------------------------------


def calendar_warnings() -> list[checks.CheckMessage]:
    return [message for message in checks.run_checks(databases=["default"]) if message.id == "permits.W001"]


def test_the_check_warns_when_next_year_has_no_holidays(time_machine):
    # given: 2 January 2031 with only this year loaded (and a decree row in 2032, which is no statute)
    time_machine.move_to(dt.datetime(2031, 1, 2, 9, tzinfo=ALMATY), tick=False)
    calendar_year_load(actor=None, year=2031)
    holiday_create(actor=None, date=dt.date(2032, 1, 3), name="Working day", kind=HolidayKind.WORKING_DAY)

    # when
    warnings = calendar_warnings()

    # then: a Warning (never an Error, which would stop `migrate`) naming the missing year
    assert len(warnings) == 1
    assert warnings[0].level == checks.WARNING
    assert "2032" in warnings[0].msg and "2031" not in warnings[0].msg
    assert "calendar_load 2032" in warnings[0].hint


def test_the_check_is_quiet_when_this_year_and_next_are_loaded(time_machine):
    # given
    time_machine.move_to(dt.datetime(2031, 12, 31, 23, 30, tzinfo=ALMATY), tick=False)
    for year in (2031, 2032):
        calendar_year_load(actor=None, year=year)

    # when / then
    assert calendar_warnings() == []

    # and: an hour later, in Almaty, 2033 is next year and missing
    time_machine.move_to(dt.datetime(2032, 1, 1, 0, 30, tzinfo=ALMATY), tick=False)
    assert ["2033" in warning.msg for warning in calendar_warnings()] == [True]


def test_the_check_reads_the_database_only_when_one_is_asked_for(time_machine, django_assert_num_queries):
    # given: 2031 with no holidays at all
    time_machine.move_to(dt.datetime(2031, 1, 2, 9, tzinfo=ALMATY), tick=False)

    # when: the checks every command and worker runs at start-up (no database named)
    with django_assert_num_queries(0):
        plain = [m for m in checks.run_checks() if m.id == "permits.W001"]

    # then: nothing read, nothing said; `check --database default` says it
    assert plain == []
    assert len(calendar_warnings()) == 1


# --- two loads at once ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_loads_of_one_year_at_once_create_each_day_once():
    # when: the task and the command load 2029 at the same moment
    results = run_together([lambda: calendar_year_load(actor=None, year=2029) for _ in range(2)])

    # then: one created the rows, the other waited for it and found nothing to do
    assert sorted(result.created for result in results) == [0, len(rows(2029))]
    assert AuditEvent.objects.filter(action=LOADED).count() == 1
