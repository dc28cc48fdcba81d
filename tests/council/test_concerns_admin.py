"""The council side in the admin: every model's pages load; workflow objects are read-only there, and
edits of plain data are audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from council.models import (
    AccountabilityReport,
    Comment,
    CommentResponse,
    Concern,
    Consultation,
    ConsultationVersion,
    Council,
    CouncilMember,
    CouncilSubscription,
    Goal,
    GoalMeasurement,
    Outcome,
    Section,
)
from portal.audit.models import AuditEvent
from tests.council.concerns_factories import ConcernFactory, NationalCouncilFactory
from tests.factories import CouncilFactory, CouncilMemberFactory

pytestmark = pytest.mark.django_db

EDITABLE = (Council, CouncilMember, Goal, GoalMeasurement)
READ_ONLY = (
    Consultation,
    ConsultationVersion,
    Comment,
    CommentResponse,
    Outcome,
    Concern,
    AccountabilityReport,
    CouncilSubscription,
)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def rows(superuser) -> dict:
    """One row of every council model, so the changelists and change pages have something to show."""
    now = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)
    council = NationalCouncilFactory()
    member = CouncilMemberFactory(council=council)
    consultation = Consultation.objects.create(
        council=council,
        title="Draft law on creative industries",
        summary="Simpler permits for small studios.",
        opens_at=now,
        closes_at=now + dt.timedelta(days=30),
        created_by=superuser,
    )
    version = ConsultationVersion.objects.create(
        consultation=consultation, number=1, created_by=superuser, created_at=now
    )
    section = Section.objects.create(
        version=version, number="1", position=1, heading="Scope", text="This law..."
    )
    comment = Comment.objects.create(
        consultation=consultation,
        section=section,
        author=member.user,
        body="Good.",
        created_at=now,
        updated_at=now,
    )
    response = CommentResponse.objects.create(
        comment=comment, responder=member.user, disposition="noted", created_at=now, updated_at=now
    )
    outcome = Outcome.objects.create(
        consultation=consultation,
        summary="Adopted.",
        final_version=version,
        published_by=superuser,
        published_at=now,
    )
    report = AccountabilityReport.objects.create(
        council=council,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
        computed_at=now,
        created_by=superuser,
    )
    goal = Goal.objects.create(
        council=council,
        title="+15 % creative businesses in smart-city zones",
        metric="businesses_registered",
        baseline=Decimal("100"),
        baseline_date=dt.date(2026, 1, 1),
        target=Decimal("115"),
        deadline=dt.date(2029, 1, 1),
    )
    measurement = GoalMeasurement.objects.create(
        goal=goal,
        measured_on=dt.date(2026, 3, 1),
        value=Decimal("104"),
        source="Registry",
        recorded_by=superuser,
    )
    subscription = CouncilSubscription.objects.create(council=council, user=member.user)
    return {
        Council: council,
        CouncilMember: member,
        Consultation: consultation,
        ConsultationVersion: version,
        Comment: comment,
        CommentResponse: response,
        Outcome: outcome,
        Concern: ConcernFactory(council=council),
        AccountabilityReport: report,
        Goal: goal,
        GoalMeasurement: measurement,
        CouncilSubscription: subscription,
    }


def test_every_council_model_is_registered():
    # given
    from django.apps import apps

    models = set(apps.get_app_config("council").get_models()) - {Section}

    # then: sections are shown within their version
    assert models <= set(admin.site._registry)
    assert models == set(EDITABLE) | set(READ_ONLY)


@pytest.mark.parametrize("model", [*EDITABLE, *READ_ONLY], ids=lambda m: m.__name__)
def test_changelist_and_change_page_load_for_a_superuser(admin_client, rows, model):
    # when
    listing = admin_client.get(url(model, "changelist"))
    page = admin_client.get(url(model, "change", rows[model].pk))

    # then
    assert (listing.status_code, page.status_code) == (200, 200)
    assert url(model, "change", rows[model].pk) in listing.content.decode()


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_workflow_objects_are_read_only_in_the_admin(admin_client, rows, model):
    # given
    obj = rows[model]
    before = AuditEvent.objects.count()

    # when
    add = admin_client.get(url(model, "add"))
    change = admin_client.post(url(model, "change", obj.pk), {})
    delete = admin_client.post(url(model, "delete", obj.pk), {"post": "yes"})

    # then
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    assert AuditEvent.objects.count() == before


def test_a_goal_measurement_added_in_the_admin_is_audited_and_records_who(admin_client, rows, superuser):
    # given
    goal = rows[Goal]

    # when
    response = admin_client.post(
        url(GoalMeasurement, "add"),
        {"goal": goal.pk, "measured_on": "2026-04-01", "value": "107", "source": "Ministry statistics"},
    )

    # then
    assert response.status_code == 302
    measurement = GoalMeasurement.objects.get(measured_on=dt.date(2026, 4, 1))
    assert measurement.recorded_by == superuser
    event = AuditEvent.objects.get(action="admin.created", object_id=str(measurement.pk))
    assert event.object_type == "council.goalmeasurement"


def test_the_goal_form_refuses_an_unknown_metric_or_filter(admin_client):
    # given a council
    council = CouncilFactory()

    # when a goal with a metric nobody computes is added in the admin
    response = admin_client.post(
        "/admin/council/goal/add/",
        {
            "council": council.pk,
            "title": "More of something",
            "metric": "happiness",
            "filter": "{}",
            "baseline": "1",
            "baseline_date": "2026-01-01",
            "target": "2",
            "deadline": "2028-01-01",
            "measurements-TOTAL_FORMS": "0",
            "measurements-INITIAL_FORMS": "0",
        },
    )

    # then the form comes back with the error and nothing is stored
    assert response.status_code == 200
    assert "Unknown metric" in response.content.decode()
    assert not Goal.objects.exists()
