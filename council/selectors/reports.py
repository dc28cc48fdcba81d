"""Reads of reports and goals, scoped to the caller.

The public sees published reports; a member of a council also sees that council's drafts. A report
the caller may not see does not exist for them (404).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from council.goals import goals_progress, with_latest_measurement
from council.models import AccountabilityReport, Council, Goal, ReportStatus
from council.policies import council_ids_of
from portal.api.errors import NotFound, ValidationFailed


def report_list(*, user) -> QuerySet[AccountabilityReport]:
    visible = Q(status=ReportStatus.PUBLISHED)
    councils = council_ids_of(user)
    if councils:
        visible |= Q(council_id__in=councils)
    return AccountabilityReport.objects.filter(visible).select_related("council")


def report_get(*, user, report_id: int) -> AccountabilityReport:
    report = report_list(user=user).filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    return report


def published_reports() -> QuerySet[AccountabilityReport]:
    """For the public pages: never a draft, whoever asks."""
    return AccountabilityReport.objects.filter(status=ReportStatus.PUBLISHED).select_related("council")


def council_for_write(*, council_id: int) -> Council:
    """The council named in a request body. Councils are public, so an unknown one is a 400."""
    council = Council.objects.filter(pk=council_id).first()
    if council is None:
        raise ValidationFailed(fields={"council": ["No such council."]})
    return council


def goal_list(*, council_id: int | None = None) -> QuerySet[Goal]:
    """Goals (public), with their latest measurement as of today in the same query."""
    goals = Goal.objects.select_related("council")
    if council_id is not None:
        goals = goals.filter(council_id=council_id)
    return with_latest_measurement(goals, on=timezone.localdate())


def goal_get(*, goal_id: int) -> Goal:
    goal = goal_list().filter(pk=goal_id).first()
    if goal is None:
        raise NotFound()
    return goal


def goals_progress_today(goals) -> list[dict]:
    """Progress as of today; a metric measured over a period is measured from each goal's baseline
    date to today. One aggregate query per computed metric among these goals."""
    today = timezone.localdate()
    return goals_progress(goals, as_of=today, period_of=lambda goal: (goal.baseline_date, today))
