"""Factories for accountability reports and goals, and for the rows the metrics count.

The metrics read rows in every state, so these build applications, permits and concerns in a given
state directly (with the timestamps and the audit events the workflow would have left), each
consistent with the model's constraints. Consultations come from `consultations_factories`, whose
states go through the council services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from council.models import ConcernDisposition, Goal, GoalMeasurement
from permits.models import Application, ApplicationStatus, Holiday, HolidayKind, Permit, PostCheckStatus
from portal.audit.services import record
from tests.council import concerns_factories
from tests.factories import CouncilFactory, UserFactory
from tests.permits.factories import DraftApplicationFactory

ALMATY = ZoneInfo("Asia/Almaty")


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ALMATY)


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday
        django_get_or_create = ("date",)

    date = dt.date(2026, 3, 23)
    name = "Nauryz"
    kind = HolidayKind.HOLIDAY

    class Params:
        transfer = factory.Trait(kind=HolidayKind.WORKING_DAY, name="Transferred working day")


def application_in_state(
    *,
    licence_type,
    status: str,
    tier: str,
    submitted_at: dt.datetime,
    decided_at: dt.datetime | None = None,
    due_at: dt.datetime | None = None,
    paused_working_days: int = 0,
    escalation_level: int = 0,
    **extra,
) -> Application:
    """An application as the workflow leaves it in `status` (no permit: see `permit_for`)."""
    return DraftApplicationFactory(
        licence_type=licence_type,
        status=status,
        risk_tier=tier,
        submitted_at=submitted_at,
        decided_at=decided_at,
        due_at=due_at,
        paused_working_days=paused_working_days,
        escalation_level=escalation_level,
        **extra,
    )


def permit_for(
    application: Application, *, tacit: bool = False, post_check: str = PostCheckStatus.NOT_SAMPLED
) -> Permit:
    if application.status != ApplicationStatus.APPROVED:
        raise ValueError("Only an approved application has a permit.")
    return Permit.objects.create(
        number=f"KZ-TEST-{application.pk:06d}",
        application=application,
        holder=application.business,
        licence_type=application.licence_type,
        issued_at=application.decided_at,
        verification_code=f"CODE{application.pk:06d}",
        is_tacit=tacit,
        post_check_status=post_check,
        post_check_due_at=application.decided_at + dt.timedelta(days=30)
        if post_check == PostCheckStatus.PENDING
        else None,
    )


def audit_on(application: Application, action: str, *, times: int = 1) -> None:
    """The audit events an official's action leaves on an application (as the review services do)."""
    for _ in range(times):
        record(actor=None, action=action, obj=application, data={"reference": application.reference})


class ConcernFactory(concerns_factories.ConcernFactory):
    """An open concern raised in March 2026 by someone with no business; `answered=True` with
    `answer__at` for one answered (referred to its authority) through the service."""

    council = factory.SubFactory(CouncilFactory)
    raised_by = factory.SubFactory(UserFactory)
    business = None
    created_at = factory.LazyFunction(lambda: local(2026, 3, 2))

    class Params:
        answered = factory.Trait(answer=concerns_factories.answering(ConcernDisposition.REFERRED))


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    council = factory.SubFactory(CouncilFactory)
    title = factory.Sequence(lambda n: f"Goal {n}")
    metric = "business_academia_projects"
    filter = factory.LazyFunction(dict)
    baseline = Decimal("0")
    baseline_date = dt.date(2026, 1, 1)
    target = Decimal("10")
    deadline = dt.date(2029, 1, 1)


class GoalMeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalMeasurement

    goal = factory.SubFactory(GoalFactory)
    measured_on = dt.date(2026, 3, 1)
    value = Decimal("2")
    source = "Ministry of Science annual survey"
    recorded_by = factory.SubFactory(UserFactory)
