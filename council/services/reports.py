"""Accountability reports and goals: every write of this topic.

A report is a draft until published. A draft's metrics are recomputed on demand and nightly;
publishing recomputes them one last time and freezes them with the council's commentary: later data
never changes a published report. A report is published only once its period has ended: a running
period's figures are still moving.

Creating or refreshing a report is one transaction with its computation: if the figures cannot be
computed, nothing is saved and the caller gets `report_metrics_failed`. A goal that cannot be computed
is not such a failure: it appears in the report's goals with its own error.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from council import workflow
from council.errors import CouncilErrorCode
from council.goals import METRICS, REPORTED, council_goals_progress, validate_dates, validate_goal
from council.metrics import DEFINITIONS, application_metrics, concern_metrics, consultation_metrics
from council.models import (
    AccountabilityReport,
    Council,
    CouncilMember,
    CouncilScope,
    CouncilSubscription,
    Goal,
    GoalMeasurement,
    ReportStatus,
)
from council.policies import require_officer
from portal.api.errors import Conflict, DomainError, InvalidState, ValidationFailed
from portal.api.exceptions import DATABASE_UNAVAILABLE
from portal.api.inputs import clean_text
from portal.audit.services import record
from portal.workflow import Notice

logger = logging.getLogger(__name__)

# A report looks back at most five years: longer periods mix regimes and take long to compute.
MAX_PERIOD_DAYS = 5 * 365 + 2
MAX_COMMENTARY = 20000


class ReportMetricsFailed(DomainError):
    """The figures of a report could not be computed: a fault on our side, logged with its
    traceback. The request saved nothing, so repeating it after the fault is fixed is safe."""

    status_code = 500
    default_code = CouncilErrorCode.REPORT_METRICS_FAILED


def report_metrics(*, council: Council, period_start: dt.date, period_end: dt.date) -> dict[str, Any]:
    """The whole metrics snapshot of a report, as plain JSON. A fixed number of queries, plus one per
    goal with a computed metric."""
    now = timezone.now()
    return {
        "period": {
            "start": period_start.isoformat(),
            "end": period_end.isoformat(),
            "time_zone": settings.TIME_ZONE,
        },
        "computed_at": now.isoformat(),
        "applications": application_metrics(
            period_start, period_end, city=council.city if council.scope == CouncilScope.CITY else ""
        ),
        "concerns": concern_metrics(council, period_start, period_end, now=now),
        "consultations": consultation_metrics(council, period_start, period_end),
        "goals": council_goals_progress(council.pk, period=(period_start, period_end)),
        "definitions": DEFINITIONS,
    }


def period_label(report: AccountabilityReport) -> str:
    return f"{report.period_start.isoformat()} to {report.period_end.isoformat()}"


def _validate_period(period_start: dt.date, period_end: dt.date) -> None:
    validate_dates(period_start=period_start, period_end=period_end)
    if period_end < period_start:
        raise ValidationFailed(fields={"period_end": ["Must not be before period_start."]})
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(fields={"period_end": ["A report covers at most five years."]})
    if period_start > timezone.localdate():
        raise ValidationFailed(fields={"period_start": ["The period has not started yet."]})


def _recompute(report: AccountabilityReport) -> None:
    try:
        report.metrics = report_metrics(
            council=report.council, period_start=report.period_start, period_end=report.period_end
        )
    except (DomainError, *DATABASE_UNAVAILABLE):
        raise
    except Exception as error:
        logger.exception("report %s of council %s: figures not computed", report.pk, report.council_id)
        raise ReportMetricsFailed(
            "The report's figures could not be computed; nothing was saved. The error was logged."
        ) from error
    report.computed_at = timezone.now()


def _locked(report_id: int) -> AccountabilityReport:
    return (
        AccountabilityReport.objects.select_for_update(of=("self",))
        .select_related("council")
        .get(pk=report_id)
    )


@transaction.atomic
def report_create(
    *, actor, council: Council, period_start: dt.date, period_end: dt.date
) -> AccountabilityReport:
    require_officer(actor, council)
    _validate_period(period_start, period_end)
    # The council's row serialises creates: one report per council and period.
    Council.objects.select_for_update().get(pk=council.pk)
    if AccountabilityReport.objects.filter(
        council=council, period_start=period_start, period_end=period_end
    ).exists():
        raise Conflict(
            "This council already has a report for this period.", code=CouncilErrorCode.REPORT_EXISTS
        )
    report = AccountabilityReport(
        council=council, period_start=period_start, period_end=period_end, created_by=actor
    )
    _recompute(report)
    report.save()
    record(
        actor=actor,
        action="council.report_created",
        obj=report,
        data={"council": council.pk, "period_start": period_start, "period_end": period_end},
    )
    return report


@transaction.atomic
def report_refresh(*, actor, report_id: int) -> AccountabilityReport:
    report = _locked(report_id)
    require_officer(actor, report.council_id)
    workflow.refuse_if_published(report)
    _recompute(report)
    report.save(update_fields=["metrics", "computed_at"])
    record(
        actor=actor, action="council.report_refreshed", obj=report, data={"computed_at": report.computed_at}
    )
    return report


def _refuse_running(report: AccountabilityReport, now: dt.datetime) -> None:
    # The period's last day counts in full (local dates, Asia/Almaty): publishing opens the day after.
    if timezone.localdate(now) <= report.period_end:
        raise InvalidState(
            f"The period runs until {report.period_end.isoformat()}; publish it once it has ended.",
            code=CouncilErrorCode.PERIOD_NOT_ENDED,
        )


@transaction.atomic
def report_publish(
    *, actor, report_id: int, commentary: Any, now: dt.datetime | None = None
) -> AccountabilityReport:
    now = now or timezone.now()
    report = _locked(report_id)
    require_officer(actor, report.council_id)
    workflow.REPORTS.check(report, ReportStatus.PUBLISHED, by=workflow.By.OFFICER)
    _refuse_running(report, now)
    commentary = clean_text(commentary, "commentary", max_length=MAX_COMMENTARY)
    # Computed once more now, then never again: this snapshot is what the public reads.
    _recompute(report)
    subscribers = [
        s.user
        for s in CouncilSubscription.objects.filter(council_id=report.council_id).select_related("user")
    ]
    members = [
        m.user
        for m in CouncilMember.objects.active().filter(council_id=report.council_id).select_related("user")
    ]
    workflow.report_publish(
        report,
        actor=actor,
        changes={
            "metrics": report.metrics,
            "computed_at": report.computed_at,
            "commentary": commentary,
            "published_by": actor,
            "published_at": report.computed_at,
        },
        audit={"published_at": report.computed_at, "commentary_length": len(commentary)},
        notices=[
            Notice(
                recipients=[*subscribers, *members],
                subject_key=f"council-report:{report.pk}",
                payload={"council": report.council.name, "period": period_label(report), "report": report.pk},
            )
        ],
    )
    return report


def report_drafts_refresh() -> int:
    """Recompute every draft (nightly). Each draft in its own transaction, skipping one that someone
    is publishing right now; published reports are never touched. Returns how many were refreshed."""
    refreshed = 0
    draft_ids = list(
        AccountabilityReport.objects.filter(status=ReportStatus.DRAFT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for report_id in draft_ids:
        try:
            refreshed += _refresh_draft(report_id)
        except ReportMetricsFailed:
            continue  # logged; this draft keeps its last figures, the others are refreshed
    return refreshed


@transaction.atomic
def _refresh_draft(report_id: int) -> int:
    report = (
        AccountabilityReport.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("council")
        .filter(pk=report_id, status=ReportStatus.DRAFT)
        .first()
    )
    if report is None:
        return 0
    _recompute(report)
    report.save(update_fields=["metrics", "computed_at"])
    record(
        actor=None,
        action="council.report_refreshed",
        obj=report,
        data={"computed_at": report.computed_at, "nightly": True},
    )
    return 1


# --- goals ---------------------------------------------------------------------------------------


@transaction.atomic
def goal_create(
    *,
    actor,
    council: Council,
    title: Any,
    metric: str,
    filters: dict | None,
    baseline: Decimal,
    baseline_date: dt.date,
    target: Decimal,
    deadline: dt.date,
    unit: Any = "",
    description: Any = "",
) -> Goal:
    require_officer(actor, council)
    title = clean_text(title, "title", max_length=300)
    clean_filter = validate_goal(metric=metric, filters=filters)
    validate_dates(baseline_date=baseline_date, deadline=deadline)
    if deadline <= baseline_date:
        raise ValidationFailed(fields={"deadline": ["Must be after baseline_date."]})
    if target == baseline:
        raise ValidationFailed(fields={"target": ["Must differ from the baseline."]})
    goal = Goal.objects.create(
        council=council,
        title=title,
        metric=metric,
        filter=clean_filter,
        baseline=baseline,
        baseline_date=baseline_date,
        target=target,
        deadline=deadline,
        unit=clean_text(unit, "unit", required=False, max_length=40),
        description=clean_text(description, "description", required=False),
    )
    record(
        actor=actor,
        action="council.goal_created",
        obj=goal,
        data={
            "council": council.pk,
            "metric": metric,
            "filter": clean_filter,
            "baseline": baseline,
            "target": target,
        },
    )
    return goal


@transaction.atomic
def goal_measurement_record(
    *, actor, goal_id: int, measured_on: dt.date, value: Decimal, source: Any
) -> GoalMeasurement:
    goal = Goal.objects.select_for_update().get(pk=goal_id)
    require_officer(actor, goal.council_id)
    spec = METRICS.get(goal.metric)
    if spec is None or spec.kind != REPORTED:
        raise ValidationFailed(
            "This goal's metric is computed from the portal's data; it takes no measurements.",
            code=CouncilErrorCode.GOAL_METRIC_COMPUTED,
        )
    validate_dates(measured_on=measured_on)
    if measured_on > timezone.localdate():
        raise ValidationFailed(fields={"measured_on": ["Must not be in the future."]})
    source = clean_text(source, "source", max_length=300)
    if goal.measurements.filter(measured_on=measured_on).exists():
        raise Conflict(
            "This goal already has a measurement for that day.", code=CouncilErrorCode.MEASUREMENT_EXISTS
        )
    measurement = GoalMeasurement.objects.create(
        goal=goal, measured_on=measured_on, value=value, source=source, recorded_by=actor
    )
    record(
        actor=actor,
        action="council.goal_measured",
        obj=goal,
        data={"measurement": measurement.pk, "measured_on": measured_on, "value": value, "source": source},
    )
    return measurement
