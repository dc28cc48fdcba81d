"""Dates a goal or a report may speak of are bounded (2000-01-01 to 2100-12-31) at every edge, and a goal
whose figures cannot be computed is an error of that goal alone: never a 500 of the goals list or of a
report, and a report whose figures fail saves nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import reverse

from council.errors import CouncilErrorCode
from council.goals import METRICS
from council.models import AccountabilityReport, CouncilRole, Goal
from council.services import reports as council_services
from council.services.reports import goal_create, report_create
from portal.api.errors import ValidationFailed
from portal.audit.models import AuditEvent
from tests.council.reports_factories import GoalFactory, application_in_state, local, permit_for
from tests.factories import CouncilFactory, CouncilMemberFactory, UserFactory
from tests.permits.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/council"
NOW = local(2026, 4, 10, 12)
MARCH = {"period_start": "2026-03-01", "period_end": "2026-03-31"}


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def goal_body(council, **change) -> dict:
    return {
        "council": council.pk,
        "title": "Permits issued",
        "metric": "permits_issued",
        "baseline": "0",
        "baseline_date": "2026-01-01",
        "target": "100",
        "deadline": "2028-01-01",
    } | change


def stored_before_the_bounds(**fields) -> Goal:
    """A goal as old data holds it: written before the date bounds existed. The CHECK is NOT VALID
    (old rows survive the migration), so the only way to write such a row now is without it; the DDL
    is rolled back with the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE council_goal DROP CONSTRAINT goal_dates_in_range")
    return GoalFactory(**fields)


def one_issued_permit_in_march():
    application = application_in_state(
        licence_type=LicenceTypeFactory(),
        status="approved",
        tier="low",
        submitted_at=local(2026, 3, 2),
        decided_at=local(2026, 3, 3),
    )
    permit_for(application)


# --- bounds at every edge ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"deadline": "9999-12-31"}, "deadline"),
        ({"deadline": "2101-01-01"}, "deadline"),
        ({"baseline_date": "0001-01-01"}, "baseline_date"),
        ({"baseline_date": "1999-12-31"}, "baseline_date"),
    ],
)
def test_a_goal_with_a_date_out_of_range_is_refused_naming_the_field(
    council, secretary, client_for, change, field
):
    # when
    response = client_for(secretary).post(f"{API}/goals/", goal_body(council, **change), format="json")

    # then
    assert response.status_code == 400, response.json()
    assert (response.json()["code"], list(response.json()["fields"])) == ("invalid", [field])
    assert "2000-01-01 and 2100-12-31" in response.json()["fields"][field][0]
    assert not Goal.objects.exists()


def test_the_last_allowed_deadline_is_accepted(council, secretary, client_for):
    # when
    response = client_for(secretary).post(
        f"{API}/goals/", goal_body(council, deadline="2100-12-31"), format="json"
    )

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["error"] is None


def test_the_goal_service_refuses_a_date_out_of_range(council, secretary):
    # when
    with pytest.raises(ValidationFailed) as refused:
        goal_create(
            actor=secretary,
            council=council,
            title="Forever",
            metric="permits_issued",
            filters={},
            baseline=Decimal("0"),
            baseline_date=dt.date(2026, 1, 1),
            target=Decimal("10"),
            deadline=dt.date(9999, 12, 31),
        )

    # then
    assert list(refused.value.fields) == ["deadline"]
    assert not Goal.objects.exists()


def test_the_database_refuses_a_goal_date_out_of_range(council):
    # when / then
    with pytest.raises(IntegrityError, match="goal_dates_in_range"), transaction.atomic():
        GoalFactory(council=council, deadline=dt.date(9999, 12, 31))


def test_the_admin_goal_form_refuses_a_date_out_of_range(client, council):
    # given
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    # when
    response = client.post(
        reverse("admin:council_goal_add"),
        {
            "council": council.pk,
            "title": "Forever",
            "metric": "permits_issued",
            "filter": "{}",
            "baseline": "0",
            "baseline_date": "2026-01-01",
            "target": "10",
            "deadline": "9999-12-31",
            "measurements-TOTAL_FORMS": "0",
            "measurements-INITIAL_FORMS": "0",
        },
    )

    # then
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["deadline"]
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("period", "field"),
    [
        ({"period_start": "0001-01-01", "period_end": "0001-12-31"}, "period_start"),
        ({"period_start": "1999-12-01", "period_end": "2000-01-31"}, "period_start"),
    ],
)
def test_a_report_for_a_period_out_of_range_is_refused_and_nothing_saved(
    council, secretary, client_for, period, field
):
    # when
    response = client_for(secretary).post(f"{API}/reports/", {"council": council.pk, **period}, format="json")

    # then
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not AccountabilityReport.objects.exists()
    assert not AuditEvent.objects.filter(action="council.report_created").exists()


def test_the_database_refuses_a_report_period_out_of_range(council, secretary):
    # given
    report = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )

    # when / then
    with pytest.raises(IntegrityError, match="report_period_in_range"), transaction.atomic():
        AccountabilityReport.objects.filter(pk=report.pk).update(period_start=dt.date(1, 1, 1))


# --- a goal that cannot be computed is that goal's error --------------------------------------------


def test_an_old_goal_with_an_extreme_date_is_flagged_and_the_others_computed(council, secretary, client_for):
    # given: a goal stored before the bounds, whose trailing window cannot even be computed, and a sound one
    one_issued_permit_in_march()
    broken = stored_before_the_bounds(
        council=council,
        metric="permits_issued",
        filter={"window": "trailing"},
        deadline=dt.date(9999, 12, 31),
    )
    sound = GoalFactory(council=council, metric="permits_issued", baseline_date=dt.date(2026, 1, 1))
    client = client_for(secretary)

    # when
    listed = client.get(f"{API}/goals/")
    created = client.post(f"{API}/reports/", {"council": council.pk, **MARCH}, format="json")
    refreshed = client.post(f"{API}/reports/{created.json()['id']}/refresh/")
    published = client.post(
        f"{API}/reports/{created.json()['id']}/publish/", {"commentary": "March."}, format="json"
    )
    page = client.get(published.json()["page_url"])

    # then: the list answers, the broken goal says why, the sound one has its value
    assert listed.status_code == 200, listed.json()
    rows = {row["id"]: row for row in listed.json()["results"]}
    assert rows[broken.pk]["status"] == "error"
    assert rows[broken.pk]["error"]["code"] == CouncilErrorCode.GOAL_DATES_OUT_OF_RANGE
    assert rows[broken.pk]["progress_percent"] is None and rows[broken.pk]["value"] is None
    assert (rows[sound.pk]["value"], rows[sound.pk]["progress_percent"], rows[sound.pk]["error"]) == (
        1,
        10.0,
        None,
    )
    # and a report over the same goals is created and refreshed with the same flag
    assert created.status_code == 201, created.json()
    assert refreshed.status_code == 200, refreshed.json()
    goals = {row["id"]: row for row in refreshed.json()["metrics"]["goals"]}
    assert goals[broken.pk]["error"]["code"] == CouncilErrorCode.GOAL_DATES_OUT_OF_RANGE
    assert goals[sound.pk]["value"] == 1
    # and the public page of the published report says the goal was not computed
    assert published.status_code == 200, published.json()
    assert page.status_code == 200
    assert "not computed" in page.content.decode()


def test_a_goal_whose_query_fails_in_the_database_is_flagged_alone(
    council, secretary, client_for, monkeypatch
):
    # given: two goals on one metric; for one of them the database refuses the count (division by zero)
    spec = METRICS["permits_issued"]
    count = spec.condition

    def failing_for_high_tier(filters, start, end):
        if filters.get("tier") == "high":
            return count(filters, start, end) & Q(pk=RawSQL("SELECT 1 / 0", ()))
        return count(filters, start, end)

    monkeypatch.setitem(METRICS, "permits_issued", dataclasses.replace(spec, condition=failing_for_high_tier))
    one_issued_permit_in_march()
    failing = GoalFactory(council=council, metric="permits_issued", filter={"tier": "high"})
    counted = GoalFactory(council=council, metric="permits_issued", filter={"tier": "low"})

    # when: inside the report's transaction, where a failed query would abort everything after it
    response = client_for(secretary).post(f"{API}/reports/", {"council": council.pk, **MARCH}, format="json")

    # then
    assert response.status_code == 201, response.json()
    goals = {row["id"]: row for row in response.json()["metrics"]["goals"]}
    assert (goals[failing.pk]["status"], goals[failing.pk]["error"]["code"]) == (
        "error",
        "goal_metric_failed",
    )
    assert (goals[counted.pk]["value"], goals[counted.pk]["error"]) == (1, None)
    assert AccountabilityReport.objects.count() == 1


# --- a report whose figures fail saves nothing --------------------------------------------------------


def _failing_concern_metrics(*args, **kwargs):
    raise ZeroDivisionError("a figure that cannot be computed")


def test_a_metric_failing_during_report_create_saves_nothing(council, secretary, client_for, monkeypatch):
    # given: the concerns figures fail
    monkeypatch.setattr("council.services.reports.concern_metrics", _failing_concern_metrics)

    # when
    response = client_for(secretary).post(
        f"{API}/reports/", {"council": council.pk, **MARCH}, format="json", HTTP_IDEMPOTENCY_KEY="march"
    )

    # then: a clear error, no report, no audit event, and the key is free for a retry
    assert response.status_code == 500
    assert response.json()["code"] == CouncilErrorCode.REPORT_METRICS_FAILED
    assert "nothing was saved" in response.json()["detail"]
    assert not AccountabilityReport.objects.exists()
    assert not AuditEvent.objects.filter(action="council.report_created").exists()
    monkeypatch.undo()
    retried = client_for(secretary).post(
        f"{API}/reports/", {"council": council.pk, **MARCH}, format="json", HTTP_IDEMPOTENCY_KEY="march"
    )
    assert retried.status_code == 201, retried.json()


def test_a_metric_failing_during_refresh_keeps_the_last_figures(council, secretary, client_for, monkeypatch):
    # given: a draft computed while everything worked
    report = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    before = AccountabilityReport.objects.get(pk=report.pk).metrics
    monkeypatch.setattr("council.services.reports.concern_metrics", _failing_concern_metrics)

    # when
    with time_machine.travel(local(2026, 4, 11, 12), tick=False):
        response = client_for(secretary).post(f"{API}/reports/{report.pk}/refresh/")

    # then
    assert (response.status_code, response.json()["code"]) == (500, "report_metrics_failed")
    stored = AccountabilityReport.objects.get(pk=report.pk)
    assert (stored.metrics, stored.computed_at) == (before, report.computed_at)
    assert not AuditEvent.objects.filter(action="council.report_refreshed").exists()


def test_the_nightly_refresh_skips_a_draft_whose_figures_fail_and_refreshes_the_others(
    council, secretary, monkeypatch
):
    # given: two drafts, and the concerns figures failing for the first council only
    other = CouncilFactory()
    other_secretary = CouncilMemberFactory(council=other, role=CouncilRole.SECRETARY).user
    march = {"period_start": dt.date(2026, 3, 1), "period_end": dt.date(2026, 3, 31)}
    failing = report_create(actor=secretary, council=council, **march)
    sound = report_create(actor=other_secretary, council=other, **march)
    concern_metrics = council_services.concern_metrics

    def failing_for_the_first(for_council, *args, **kwargs):
        if for_council.pk == council.pk:
            raise ZeroDivisionError("a figure that cannot be computed")
        return concern_metrics(for_council, *args, **kwargs)

    monkeypatch.setattr("council.services.reports.concern_metrics", failing_for_the_first)

    # when
    with time_machine.travel(local(2026, 4, 11, 3), tick=False):
        refreshed = council_services.report_drafts_refresh()

    # then
    assert refreshed == 1
    assert AccountabilityReport.objects.get(pk=failing.pk).computed_at == failing.computed_at
    assert AccountabilityReport.objects.get(pk=sound.pk).computed_at == local(2026, 4, 11, 3)
    nightly = AuditEvent.objects.filter(action="council.report_refreshed")
    assert list(nightly.values_list("object_id", flat=True)) == [str(sound.pk)]
