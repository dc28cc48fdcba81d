"""Goals: the metric registry's validation, the progress arithmetic, the windows, and the endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from council.goals import GoalStatus, goal_progress, progress_of, validate_goal, with_latest_measurement
from council.models import CouncilRole, Goal, GoalMeasurement
from portal.accounts.models import Business
from portal.api.errors import ValidationFailed
from portal.audit.models import AuditEvent
from tests.council.reports_factories import (
    GoalFactory,
    GoalMeasurementFactory,
    application_in_state,
    local,
    permit_for,
)
from tests.factories import (
    ActivityCategoryFactory,
    AuthorityFactory,
    BusinessFactory,
    CouncilFactory,
    CouncilMemberFactory,
)
from tests.permits.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/council"
NOW = local(2026, 7, 1, 12)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def goal(**fields) -> Goal:
    defaults = {
        "baseline": Decimal("100"),
        "target": Decimal("200"),
        "baseline_date": dt.date(2026, 1, 1),
        "deadline": dt.date(2027, 1, 1),
    }
    return Goal(**(defaults | fields))


# --- validation --------------------------------------------------------------------------------


def test_a_goal_filter_is_cleaned_against_its_metric():
    # given
    ActivityCategoryFactory(code="design")
    AuthorityFactory(code="mci")

    # when / then
    assert validate_goal(
        metric="businesses_registered", filters={"in_smart_city_zone": True, "activity": ["design"]}
    ) == {
        "in_smart_city_zone": True,
        "activity": ["design"],
    }
    assert validate_goal(metric="permits_issued", filters={"authority": "mci", "tier": "low"}) == {
        "authority": "mci",
        "tier": "low",
    }
    assert validate_goal(metric="skills_programme_participants", filters=None) == {}


@pytest.mark.parametrize(
    ("metric", "filters", "field", "message"),
    [
        ("happiness", {}, "metric", "Unknown metric"),
        ("businesses_registered", {"tier": "low"}, "filter", "tier: not a filter of businesses_registered"),
        (
            "businesses_registered",
            {"in_smart_city_zone": "yes"},
            "filter",
            "in_smart_city_zone: Must be true",
        ),
        (
            "businesses_registered",
            {"activity": ["nope"]},
            "filter",
            "activity: Unknown activity codes: nope.",
        ),
        ("permits_issued", {"authority": "ghost"}, "filter", "authority: Unknown authority: ghost."),
        ("permits_issued", {"window": "forever"}, "filter", "window: One of"),
        ("skills_programme_participants", {"city": "Almaty"}, "filter", "not a filter"),
        ("permits_issued", ["authority"], "filter", "Must be an object."),
    ],
)
def test_an_unknown_metric_or_filter_is_refused(metric, filters, field, message):
    # when
    with pytest.raises(ValidationFailed) as refused:
        validate_goal(metric=metric, filters=filters)

    # then
    assert list(refused.value.fields) == [field]
    assert message in refused.value.fields[field][0]


# --- progress arithmetic -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "as_of", "progress", "elapsed", "status"),
    [
        (150, dt.date(2026, 7, 2), 50.0, 49.9, GoalStatus.ON_TRACK),  # half way, a little under half the time
        (140, dt.date(2026, 7, 2), 40.0, 49.9, GoalStatus.BEHIND),
        (250, dt.date(2026, 3, 1), 100.0, 16.2, GoalStatus.ACHIEVED),  # beyond the target: clipped
        (90, dt.date(2026, 3, 1), 0.0, 16.2, GoalStatus.BEHIND),  # below the baseline: clipped
        (100, dt.date(2025, 12, 1), 0.0, 0.0, GoalStatus.ON_TRACK),  # before the baseline date
        (None, dt.date(2026, 7, 2), None, 49.9, GoalStatus.NO_DATA),
    ],
)
def test_progress_is_the_share_of_the_way_from_baseline_to_target(value, as_of, progress, elapsed, status):
    # when
    figures = progress_of(goal(), value, as_of=as_of)

    # then
    assert (figures["progress_percent"], figures["time_elapsed_percent"], figures["status"]) == (
        progress,
        elapsed,
        status,
    )
    assert figures["on_track"] == (None if value is None else status != GoalStatus.BEHIND)


def test_a_goal_to_lower_a_figure_progresses_as_it_falls():
    # given: bring processing from 20 days down to 10
    lowering = goal(baseline=Decimal("20"), target=Decimal("10"))

    # when
    figures = progress_of(lowering, 12, as_of=dt.date(2026, 7, 2))

    # then
    assert (figures["progress_percent"], figures["status"]) == (80.0, GoalStatus.ON_TRACK)


@given(
    baseline=st.integers(-1000, 1000),
    delta=st.integers(-1000, 1000).filter(lambda d: d != 0),
    value=st.integers(-5000, 5000),
    day=st.integers(-100, 500),
)
def test_progress_always_lies_between_0_and_100(baseline, delta, value, day):
    # given
    some_goal = goal(baseline=Decimal(baseline), target=Decimal(baseline + delta))

    # when
    figures = progress_of(some_goal, value, as_of=dt.date(2026, 1, 1) + dt.timedelta(days=day))

    # then
    assert 0.0 <= figures["progress_percent"] <= 100.0
    assert 0.0 <= figures["time_elapsed_percent"] <= 100.0
    assert (figures["status"] == GoalStatus.ACHIEVED) == (figures["progress_percent"] >= 100.0)


# --- computed and reported values --------------------------------------------------------------


def _registered(on: dt.datetime, **fields) -> Business:
    business = BusinessFactory(**fields)
    Business.objects.filter(pk=business.pk).update(created_at=on)
    return business


def test_windows_of_a_computed_count():
    # given: smart-city studios registered before the baseline date, in the quarter, and after it;
    # one outside the zone
    for on in (
        local(2025, 6, 1),
        local(2026, 2, 1),
        local(2026, 4, 15),
        local(2026, 5, 20),
        local(2026, 7, 1),
    ):
        _registered(on, in_smart_city_zone=True)
    _registered(local(2026, 4, 20), in_smart_city_zone=False)
    council = CouncilFactory()
    kinds = {
        "cumulative": {"in_smart_city_zone": True},
        "period": {"in_smart_city_zone": True, "window": "period"},
        "trailing": {"in_smart_city_zone": True, "window": "trailing"},
    }
    goals = {
        name: GoalFactory(
            council=council,
            metric="businesses_registered",
            filter=filters,
            baseline=Decimal("2"),
            target=Decimal("6"),
            baseline_date=dt.date(2026, 1, 1),
            deadline=dt.date(2027, 1, 1),
        )
        for name, filters in kinds.items()
    }
    period = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))

    # when
    values = {name: goal_progress(g, period=period, as_of=period[1])["value"] for name, g in goals.items()}
    trailing = goal_progress(goals["trailing"], period=period, as_of=period[1])

    # then: since 1 January: 3; in the quarter: 2; in the 365 days to 30 June: 3 (June 2025 is out)
    assert values == {"cumulative": 3, "period": 2, "trailing": 3}
    assert (trailing["window_start"], trailing["window_end"]) == ("2025-07-01", "2026-06-30")


def test_a_reported_metric_takes_the_latest_measurement_up_to_the_period_end():
    # given
    projects = GoalFactory(metric="business_academia_projects", baseline=Decimal("0"), target=Decimal("10"))
    for on, value in ((dt.date(2026, 2, 1), "2"), (dt.date(2026, 5, 1), "4"), (dt.date(2026, 6, 15), "7")):
        GoalMeasurementFactory(goal=projects, measured_on=on, value=Decimal(value))
    annotated = with_latest_measurement(Goal.objects.filter(pk=projects.pk), on=dt.date(2026, 5, 31)).get()

    # when
    row = goal_progress(
        annotated, period=(dt.date(2026, 4, 1), dt.date(2026, 5, 31)), as_of=dt.date(2026, 5, 31)
    )

    # then
    assert (row["value"], row["measured_on"], row["progress_percent"]) == (4, "2026-05-01", 40.0)
    assert row["kind"] == "reported"


# --- the endpoints ---------------------------------------------------------------------------------


@pytest.fixture
def chair(council):
    return CouncilMemberFactory(council=council, role=CouncilRole.CHAIR).user


def test_an_officer_sets_a_goal_and_records_measurements(council, chair, client_for):
    # given
    client = client_for(chair)
    body = {
        "council": council.pk,
        "title": "10 successful business-academia projects within three years",
        "metric": "business_academia_projects",
        "baseline": "0",
        "baseline_date": "2026-01-01",
        "target": "10",
        "deadline": "2029-01-01",
        "unit": "projects",
    }

    # when
    created = client.post(f"{API}/goals/", body, format="json")
    goal_id = created.json()["id"]
    measured = client.post(
        f"{API}/goals/{goal_id}/measurements/",
        {"measured_on": "2026-06-30", "value": "3", "source": "University partnership office"},
        format="json",
    )
    twice = client.post(
        f"{API}/goals/{goal_id}/measurements/",
        {"measured_on": "2026-06-30", "value": "4", "source": "Again"},
        format="json",
    )
    listed = client.get(f"{API}/goals/", {"council": council.pk}).json()["results"]

    # then
    assert created.status_code == 201, created.json()
    assert (created.json()["status"], created.json()["value"]) == ("no_data", None)
    assert measured.status_code == 201, measured.json()
    assert measured.json()["value"] == 3.0
    assert (twice.status_code, twice.json()["code"]) == (409, "measurement_exists")
    assert [(g["id"], g["value"], g["progress_percent"], g["status"]) for g in listed] == [
        (goal_id, 3, 30.0, "on_track")
    ]
    assert GoalMeasurement.objects.get().recorded_by == chair
    assert (
        AuditEvent.objects.filter(action__in=["council.goal_created", "council.goal_measured"]).count() == 2
    )


def test_a_computed_goal_takes_no_measurements(council, chair, client_for):
    # given
    computed = GoalFactory(
        council=council, metric="permits_issued", baseline=Decimal("0"), target=Decimal("100")
    )

    # when
    response = client_for(chair).post(
        f"{API}/goals/{computed.pk}/measurements/",
        {"measured_on": "2026-06-30", "value": "3", "source": "Guess"},
        format="json",
    )

    # then
    assert (response.status_code, response.json()["code"]) == (400, "goal_metric_computed")
    assert not GoalMeasurement.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"metric": "happiness"}, "metric"),
        ({"filter": {"city": "Almaty"}}, "filter"),
        ({"deadline": "2025-01-01"}, "deadline"),
        ({"target": "0"}, "target"),
        ({"council": 999999}, "council"),
    ],
)
def test_a_bad_goal_is_refused_naming_the_field(council, chair, client_for, change, field):
    # given
    body = {
        "council": council.pk,
        "title": "Goal",
        "metric": "skills_programme_participants",
        "baseline": "0",
        "baseline_date": "2026-01-01",
        "target": "100",
        "deadline": "2028-01-01",
    } | change

    # when
    response = client_for(chair).post(f"{API}/goals/", body, format="json")

    # then
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not Goal.objects.exists()


def test_the_goal_list_costs_the_same_queries_for_one_and_many_goals(council, api_client):
    # given: twelve goals, computed and reported in turn, the reported ones with measurements
    for n in range(12):
        if n % 2:
            g = GoalFactory(council=council, metric="skills_programme_participants", title=f"Goal {n}")
            GoalMeasurementFactory(goal=g)
            GoalMeasurementFactory(goal=g, measured_on=dt.date(2026, 5, 1))
        else:
            GoalFactory(council=council, metric="permits_issued", title=f"Goal {n}", filter={"tier": "low"})

    # when
    with CaptureQueriesContext(connection) as one:
        assert len(api_client.get(f"{API}/goals/", {"page_size": 1}).json()["results"]) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(api_client.get(f"{API}/goals/", {"page_size": 12}).json()["results"]) == 12

    # then: goals on the same computed metric are counted in one query
    assert len(one) == len(many)


def test_the_on_time_share_goal_counts_a_tacit_approval_as_late():
    # given: in the quarter, one medium file decided in time, one approved tacitly at its deadline, and
    # a low-tier one of another authority (filtered out)
    mci = AuthorityFactory(code="mci")
    medium = LicenceTypeFactory(authority=mci)
    on_time = dict(
        status="approved", tier="medium", submitted_at=local(2026, 4, 1), decided_at=local(2026, 4, 6)
    )
    permit_for(application_in_state(licence_type=medium, due_at=local(2026, 4, 15), **on_time))
    tacit = application_in_state(
        licence_type=medium,
        status="approved",
        tier="medium",
        submitted_at=local(2026, 4, 1),
        decided_at=local(2026, 4, 15),
        due_at=local(2026, 4, 15),
    )
    permit_for(tacit, tacit=True)
    application_in_state(
        licence_type=LicenceTypeFactory(low=True),
        status="rejected",
        tier="medium",
        submitted_at=local(2026, 4, 2),
        decided_at=local(2026, 4, 3),
        due_at=local(2026, 4, 20),
    )
    share_goal = GoalFactory(
        metric="on_time_share", filter={"authority": "mci"}, baseline=Decimal("60"), target=Decimal("95")
    )

    # when
    row = goal_progress(
        share_goal, period=(dt.date(2026, 4, 1), dt.date(2026, 6, 30)), as_of=dt.date(2026, 6, 30)
    )

    # then: 1 of 2 on time = 50 %, below the baseline of 60 %
    assert (row["value"], row["progress_percent"], row["window_start"]) == (50.0, 0.0, "2026-04-01")
