"""GET /api/v1/catalogue/calendar/?year=YYYY: the public working-day calendar of a year, from which a
client computes a due date exactly as the portal does; cached by clients, revalidated by ETag."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from rest_framework.throttling import AnonRateThrottle

from permits.calendar import add_working_days
from permits.errors import PermitErrorCode
from permits.models import Holiday, HolidayKind
from permits.services.calendar import calendar_year_load
from permits.services.catalogue import holiday_create
from portal.api.errors import ErrorCode

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
PATH = "/api/v1/catalogue/calendar/"


@pytest.fixture(autouse=True)
def clock(time_machine):
    """A Monday in 2027: nothing here depends on the day, and the throttle's minute stands still."""
    time_machine.move_to(dt.datetime(2027, 2, 1, 10, tzinfo=ALMATY), tick=False)


@pytest.fixture
def calendar_2029():
    """2029 by statute, plus a decreed transfer: Saturday 5 May worked, Friday 4 May off."""
    calendar_year_load(actor=None, year=2029)
    holiday_create(
        actor=None, date=dt.date(2029, 5, 5), name="Working day (for 4 May)", kind=HolidayKind.WORKING_DAY
    )
    holiday_create(actor=None, date=dt.date(2029, 5, 4), name="Day off (from 5 May)")


def client_due_date(calendar: dict, start: dt.date, days: int) -> dt.date:
    """What a client does with the answer: weekdays count, listed days off do not, worked days do."""
    listed = {dt.date.fromisoformat(day["date"]): day["kind"] for day in calendar["days"]}
    counted, day = 0, start
    while counted < days:
        day += dt.timedelta(days=1)
        kind = listed.get(day)
        working = kind == "working_day" or (kind is None and day.isoweekday() not in calendar["weekend"])
        counted += working
    return day


def test_lists_the_days_off_and_the_worked_days_of_the_year(api_client, calendar_2029):
    # when
    response = api_client.get(PATH, {"year": 2029})

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["time_zone"], body["weekend"], body["loaded"]) == (
        2029,
        "Asia/Almaty",
        [6, 7],
        True,
    )
    days = {day["date"]: day for day in body["days"]}
    assert days["2029-04-24"]["kind"] == "holiday"
    assert days["2029-04-24"]["source"] == "statute"
    assert "Eid al-Adha" in days["2029-04-24"]["name"]
    assert days["2029-05-05"] == {
        "date": "2029-05-05",
        "name": "Working day (for 4 May)",
        "kind": "working_day",
        "source": "decree",
    }
    assert days["2029-05-04"]["source"] == "decree"
    assert [day["date"] for day in body["days"]] == sorted(days)
    assert all(day["date"].startswith("2029-") for day in body["days"])


@pytest.mark.parametrize(
    ("start", "days"),
    [
        (dt.date(2029, 4, 20), 5),  # across Kurban Ait (Tuesday 24 April)
        # across 1 May, the transfer (4 May off, Saturday 5 May worked), 7 and 9 May
        (dt.date(2029, 4, 30), 3),
        (dt.date(2029, 12, 14), 2),  # Independence Day on a Sunday: Monday 17 December off
        (dt.date(2029, 3, 1), 20),
    ],
)
def test_a_client_computes_the_due_date_the_portal_computes(api_client, calendar_2029, start, days):
    # given: the year's calendar, fetched
    calendar = api_client.get(PATH, {"year": 2029}).json()

    # when
    by_client = client_due_date(calendar, start, days)
    by_portal = add_working_days(dt.datetime.combine(start, dt.time(10), tzinfo=ALMATY), days)

    # then
    assert by_client == by_portal.astimezone(ALMATY).date()


def test_a_year_not_loaded_says_so(api_client, calendar_2029):
    # when
    body = api_client.get(PATH, {"year": 2040}).json()

    # then: a client knows not to count deadlines in it
    assert body["loaded"] is False
    assert body["days"] == []


def test_needs_no_credentials_and_ignores_bad_ones(api_client, calendar_2029):
    # when
    response = api_client.get(PATH, {"year": 2029}, HTTP_AUTHORIZATION="Token not-a-real-token")

    # then
    assert response.status_code == 200


def test_is_cacheable_and_revalidated_with_its_etag(api_client, calendar_2029):
    # given
    first = api_client.get(PATH, {"year": 2029})
    etag = first["ETag"]

    # when
    again = api_client.get(PATH, {"year": 2029}, HTTP_IF_NONE_MATCH=etag)

    # then: public for an hour, and a revalidation with the same calendar is a 304 without a body
    assert {part.strip() for part in first["Cache-Control"].split(",")} == {"public", "max-age=3600"}
    assert etag.startswith('"') and etag.endswith('"')
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "max-age=3600" in again["Cache-Control"]


def test_a_new_decree_changes_the_etag(api_client, calendar_2029):
    # given
    etag = api_client.get(PATH, {"year": 2029})["ETag"]
    holiday_create(actor=None, date=dt.date(2029, 12, 31), name="Day off (from 29 December)")

    # when
    response = api_client.get(PATH, {"year": 2029}, HTTP_IF_NONE_MATCH=etag)

    # then
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "2029-12-31" in {day["date"] for day in response.json()["days"]}


def test_another_years_etag_does_not_match(api_client, calendar_2029):
    # given
    calendar_year_load(actor=None, year=2030)
    etag = api_client.get(PATH, {"year": 2030})["ETag"]

    # when
    response = api_client.get(PATH, {"year": 2029}, HTTP_IF_NONE_MATCH=f'"other", {etag}')

    # then
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"year": ""},
        {"year": "abc"},
        {"year": "2029.5"},
        {"year": "-2029"},
        {"year": "1800"},
        {"year": "20290"},
    ],
)
def test_a_missing_or_bad_year_is_a_400_naming_it(api_client, query):
    # when
    response = api_client.get(PATH, query)

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == PermitErrorCode.INVALID_YEAR
    assert "1991 to 2100" in body["detail"]
    assert list(body["fields"]) == ["year"]


def test_one_query_however_many_days(api_client, django_assert_num_queries):
    # given: a year of the statute alone, and a year with many decree rows besides
    calendar_year_load(actor=None, year=2029)
    calendar_year_load(actor=None, year=2030)
    statutory = set(Holiday.objects.values_list("date", flat=True))
    saturdays = [dt.date(2030, 1, 5) + dt.timedelta(weeks=week) for week in range(25)]
    for saturday in [day for day in saturdays if day not in statutory][:20]:
        holiday_create(actor=None, date=saturday, name="Working day", kind=HolidayKind.WORKING_DAY)

    # when / then
    for year, at_least in ((2029, 15), (2030, 35)):
        with django_assert_num_queries(1):
            response = api_client.get(PATH, {"year": year})
        assert len(response.json()["days"]) >= at_least


def test_is_throttled_like_the_other_public_endpoints(api_client, monkeypatch):
    # given: an anonymous rate of 3 a minute
    monkeypatch.setattr(
        AnonRateThrottle, "THROTTLE_RATES", {**AnonRateThrottle.THROTTLE_RATES, "anon": "3/minute"}
    )

    # when
    statuses = [api_client.get(PATH, {"year": 2029}).status_code for _ in range(3)]
    throttled = api_client.get(PATH, {"year": 2029})

    # then
    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert throttled.json()["code"] == ErrorCode.THROTTLED
