"""/healthz names a year missing from the working-day calendar, as a warning: the status stays 200."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from permits.services.calendar import calendar_year_load

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(dt.datetime(2028, 11, 15, 9, tzinfo=ALMATY), tick=False)


def test_a_missing_next_year_is_named_and_the_portal_stays_healthy(api_client):
    # given: 15 November 2028, with 2028 loaded and 2029 not
    calendar_year_load(actor=None, year=2028)

    # when
    response = api_client.get("/healthz")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["calendar"] == "missing 2029"


def test_both_years_missing_are_named(api_client):
    # when
    body = api_client.get("/healthz").json()

    # then
    assert body["calendar"] == "missing 2028, 2029"


def test_ok_when_this_year_and_next_are_loaded(api_client):
    # given
    for year in (2028, 2029):
        calendar_year_load(actor=None, year=year)

    # when
    body = api_client.get("/healthz").json()

    # then
    assert body["calendar"] == "ok"
