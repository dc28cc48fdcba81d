"""The metrics a council's SMART goals can track, and how far each goal has come.

A metric is either computed from the portal's own data (in the database) or reported from outside
(a skills programme's head count, partnerships signed) as `GoalMeasurement` rows. A goal names a
metric, may narrow it with a filter, and states a baseline (measured on its baseline date), a
target and a deadline.

Which window a computed metric measures (the goal's filter key `window`):
- `cumulative` (the default for counts): from the baseline date to the end of the period; the goal
  "register 50 new studios by 2028" has baseline 0 and target 50.
- `period`: the report's period only (the default for shares: on-time share in the quarter).
- `trailing`: a window as long as the goal's own span (baseline date to deadline), ending at the end
  of the period: the comparable window of a "+15 % more per three years" goal, whose baseline is the
  count of the three years before its baseline date and whose target is that count times 1.15.
A reported metric takes the latest measurement on or before the end of the period.

Progress = (value - baseline) / (target - baseline), as a percentage clipped to [0, 100] (so a goal
to lower a figure works the same way). A goal is on track when its progress is at least the share of
its time (baseline date to deadline) already elapsed; achieved at 100 %; no_data without a value.

A goal whose figures cannot be computed (dates outside EARLIEST_DATE..LATEST_DATE stored before the
bounds were enforced, or any other failure) is an error of that goal alone: its row says `status`
"error" with an `error` object `{code, detail}` and null figures, and every other goal is computed as
usual. One bad row never takes down the goals list, a report or its nightly refresh.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from council.errors import CouncilErrorCode
from council.metrics import day_bounds, share
from council.models import Goal, GoalMeasurement
from council.models.reports import EARLIEST_DATE, LATEST_DATE
from permits.models import ActivityCategory, Application, ApplicationStatus, Permit, Tier
from portal.accounts.models import Authority, Business
from portal.api.errors import ValidationFailed
from portal.api.exceptions import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)

COMPUTED, REPORTED = "computed", "reported"
WINDOWS = ("cumulative", "period", "trailing")


class GoalStatus:
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_DATA = "no_data"
    ERROR = "error"


# --- dates -----------------------------------------------------------------------------------------

DATE_RANGE_MESSAGE = f"Must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."


def date_in_range(value: dt.date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


def validate_dates(**dates: dt.date | None) -> None:
    """A 400 naming every date outside the range a goal or a report may speak of.

    The API's serializers, the services and the admin's goal form all apply this one rule; the
    database holds it too (CHECK constraints `goal_dates_in_range`, `report_period_in_range`).
    """
    problems = {
        name: [DATE_RANGE_MESSAGE]
        for name, value in dates.items()
        if value is not None and not date_in_range(value)
    }
    if problems:
        raise ValidationFailed(fields=problems)


# --- filter values: each check returns the clean value or raises ValueError with the reason --------


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Must be true or false.")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("Must be a non-empty text.")
    return value.strip()


def _activity_codes(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError("Must be a non-empty list of activity codes.")
    unknown = sorted(
        set(value) - set(ActivityCategory.objects.filter(code__in=value).values_list("code", flat=True))
    )
    if unknown:
        raise ValueError(f"Unknown activity codes: {', '.join(unknown)}.")
    return sorted(set(value))


def _authority_code(value: Any) -> str:
    code = _text(value)
    if not Authority.objects.filter(code=code).exists():
        raise ValueError(f"Unknown authority: {code}.")
    return code


def _tier(value: Any) -> str:
    if value not in Tier.values:
        raise ValueError(f"One of: {', '.join(Tier.values)}.")
    return value


def _window(value: Any) -> str:
    if value not in WINDOWS:
        raise ValueError(f"One of: {', '.join(WINDOWS)}.")
    return value


# --- computed metrics ----------------------------------------------------------------------------
# Each computed metric is a condition on one table for (filter, first day, last day). Goals on the same
# metric are measured together: one aggregate query per metric with a filtered COUNT per goal, so the
# number of queries does not grow with the number of goals.


def _businesses(filters: dict, start: dt.date, end: dt.date) -> Q:
    since, until = day_bounds(start, end)
    condition = Q(created_at__gte=since, created_at__lt=until)
    if "in_smart_city_zone" in filters:
        condition &= Q(in_smart_city_zone=filters["in_smart_city_zone"])
    if "activity" in filters:
        condition &= Q(activity__code__in=filters["activity"])
    if "city" in filters:
        condition &= Q(city__iexact=filters["city"])
    return condition


def _authority_and_tier(filters: dict, *, authority: str, tier: str) -> Q:
    condition = Q()
    if "authority" in filters:
        condition &= Q(**{authority: filters["authority"]})
    if "tier" in filters:
        condition &= Q(**{tier: filters["tier"]})
    return condition


def _permits(filters: dict, start: dt.date, end: dt.date) -> Q:
    since, until = day_bounds(start, end)
    return Q(issued_at__gte=since, issued_at__lt=until) & _authority_and_tier(
        filters, authority="licence_type__authority__code", tier="application__risk_tier"
    )


def _decided_with_deadline(filters: dict, start: dt.date, end: dt.date) -> Q:
    since, until = day_bounds(start, end)
    return Q(
        status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED],
        decided_at__gte=since,
        decided_at__lt=until,
        due_at__isnull=False,
    ) & _authority_and_tier(filters, authority="authority__code", tier="risk_tier")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    kind: str
    unit: str = ""
    filters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    # computed metrics: the table, the rows counted, and for a share the part of them in the numerator
    model: type | None = None
    condition: Callable[[dict, dt.date, dt.date], Q] | None = None
    share_of: Q | None = None
    default_window: str = "cumulative"

    def aggregates(self, name: str, filters: dict, start: dt.date, end: dt.date) -> dict[str, Count]:
        counted = self.condition(filters, start, end)
        if self.share_of is None:
            return {name: Count("pk", filter=counted)}
        return {
            f"{name}_all": Count("pk", filter=counted),
            f"{name}_part": Count("pk", filter=counted & self.share_of),
        }

    def value(self, name: str, results: dict) -> float | int | None:
        if self.share_of is None:
            return results[name]
        fraction = share(results[f"{name}_part"], results[f"{name}_all"])
        return round(fraction * 100, 2) if fraction is not None else None


_AUTHORITY_AND_TIER = {"authority": _authority_code, "tier": _tier, "window": _window}

METRICS: dict[str, Metric] = {
    metric.key: metric
    for metric in (
        Metric(
            "businesses_registered",
            _("Businesses registered on the portal"),
            COMPUTED,
            unit="businesses",
            filters={
                "in_smart_city_zone": _boolean,
                "activity": _activity_codes,
                "city": _text,
                "window": _window,
            },
            model=Business,
            condition=_businesses,
        ),
        Metric(
            "permits_issued",
            _("Permits issued"),
            COMPUTED,
            unit="permits",
            filters=_AUTHORITY_AND_TIER,
            model=Permit,
            condition=_permits,
        ),
        Metric(
            "on_time_share",
            _("Applications decided within the deadline"),
            COMPUTED,
            unit="%",
            filters=_AUTHORITY_AND_TIER,
            model=Application,
            condition=_decided_with_deadline,
            share_of=Q(decided_at__lte=F("due_at")) & ~Q(permit__is_tacit=True),
            default_window="period",
        ),
        Metric(
            "business_academia_projects",
            _("Successful business-academia projects"),
            REPORTED,
            unit="projects",
        ),
        Metric(
            "skills_programme_participants",
            _("Creative professionals in skills programmes"),
            REPORTED,
            unit="people",
        ),
    )
}


def validate_goal(*, metric: str, filters: dict | None) -> dict:
    """The goal's filter, cleaned; a 400 naming `metric` or `filter` when either is not allowed.

    Services and the admin both call it: a model `clean()` could not know the registry's rules.
    """
    if metric not in METRICS:
        raise ValidationFailed(fields={"metric": [f"Unknown metric. One of: {', '.join(sorted(METRICS))}."]})
    spec = METRICS[metric]
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise ValidationFailed(fields={"filter": ["Must be an object."]})
    problems, clean = [], {}
    for key, value in filters.items():
        check = spec.filters.get(key)
        if check is None:
            allowed = ", ".join(sorted(spec.filters)) or "none"
            problems.append(f"{key}: not a filter of {metric} (allowed: {allowed}).")
            continue
        try:
            clean[key] = check(value)
        except ValueError as error:
            problems.append(f"{key}: {error}")
    if problems:
        raise ValidationFailed(fields={"filter": problems})
    return clean


def window_of(goal: Goal, period: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    spec = METRICS[goal.metric]
    start, end = period
    window = (goal.filter or {}).get("window", spec.default_window)
    if window == "period":
        return start, end
    if window == "trailing":
        return end - (goal.deadline - goal.baseline_date) + dt.timedelta(days=1), end
    return goal.baseline_date, end


def _number(value) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(round(value, 2))
    return value


def progress_of(goal: Goal, value, *, as_of: dt.date) -> dict[str, Any]:
    """The progress figures of one goal for a value measured as of a date."""
    span = (goal.deadline - goal.baseline_date).days
    elapsed = min(max((as_of - goal.baseline_date).days / span, 0.0), 1.0) * 100
    figures: dict[str, Any] = {"time_elapsed_percent": round(elapsed, 1)}
    if value is None:
        return figures | {"progress_percent": None, "on_track": None, "status": GoalStatus.NO_DATA}
    baseline, target = float(goal.baseline), float(goal.target)
    progress = min(max((float(value) - baseline) / (target - baseline) * 100, 0.0), 100.0)
    on_track = progress >= elapsed
    if progress >= 100:
        status = GoalStatus.ACHIEVED
    else:
        status = GoalStatus.ON_TRACK if on_track else GoalStatus.BEHIND
    return figures | {"progress_percent": round(progress, 1), "on_track": on_track, "status": status}


def with_latest_measurement(goals, *, on: dt.date):
    """Goals annotated with their latest measurement on or before a date: one query for all."""
    latest = GoalMeasurement.objects.filter(goal=OuterRef("pk"), measured_on__lte=on).order_by(
        "-measured_on", "-id"
    )
    return goals.annotate(
        latest_value=Subquery(latest.values("value")[:1]),
        latest_measured_on=Subquery(latest.values("measured_on")[:1]),
    )


def _goal_error(code: CouncilErrorCode, detail: str) -> dict[str, str]:
    return {"code": code.value, "detail": detail}


def _dates_error(goal: Goal) -> dict[str, str] | None:
    if date_in_range(goal.baseline_date) and date_in_range(goal.deadline):
        return None
    return _goal_error(
        CouncilErrorCode.GOAL_DATES_OUT_OF_RANGE,
        f"The goal's baseline date and deadline must lie between {EARLIEST_DATE.isoformat()} and "
        f"{LATEST_DATE.isoformat()}; correct the goal to see its progress.",
    )


def _failed(goal: Goal, error: Exception) -> dict[str, str]:
    if isinstance(error, DATABASE_UNAVAILABLE):
        raise error  # not this goal's fault: the whole request is unavailable (503)
    logger.warning("goal %s (%s): metric not computed: %r", goal.pk, goal.metric, error)
    return _goal_error(CouncilErrorCode.GOAL_METRIC_FAILED, "The goal's metric could not be computed.")


def _aggregate(spec: Metric, aggregates: dict) -> dict:
    # In a savepoint: a query that fails inside the caller's transaction must not abort it.
    with transaction.atomic():
        return spec.model.objects.order_by().aggregate(**aggregates)


def _computed_values(
    goals: list[Goal], period_of: Callable[[Goal], tuple[dt.date, dt.date]], errors: dict[int, dict]
) -> dict[int, tuple]:
    """(value, window) of every goal on a computed metric: one aggregate query per metric. A goal
    that cannot be measured is put in `errors` instead; if a metric's query fails, its goals are
    measured one by one so that only the failing goal is left out."""
    by_metric: dict[str, list[Goal]] = {}
    for goal in goals:
        spec = METRICS.get(goal.metric)
        if spec is not None and spec.kind == COMPUTED and goal.pk not in errors:
            by_metric.setdefault(goal.metric, []).append(goal)
    values = {}
    for metric, metric_goals in by_metric.items():
        spec = METRICS[metric]
        windows, aggregates = {}, {}
        for goal in metric_goals:
            try:
                windows[goal.pk] = window_of(goal, period_of(goal))
                aggregates[goal.pk] = spec.aggregates(f"goal_{goal.pk}", goal.filter or {}, *windows[goal.pk])
            except Exception as error:
                errors[goal.pk] = _failed(goal, error)
                windows.pop(goal.pk, None)
        if not aggregates:
            continue
        try:
            results = _aggregate(spec, {k: v for each in aggregates.values() for k, v in each.items()})
            parts = {pk: results for pk in aggregates}
        except Exception as error:
            if isinstance(error, DATABASE_UNAVAILABLE):
                raise
            parts = {}
            for goal in metric_goals:
                if goal.pk in aggregates:
                    try:
                        parts[goal.pk] = _aggregate(spec, aggregates[goal.pk])
                    except Exception as one_error:
                        errors[goal.pk] = _failed(goal, one_error)
        for goal in metric_goals:
            if goal.pk in parts:
                try:
                    values[goal.pk] = (spec.value(f"goal_{goal.pk}", parts[goal.pk]), windows[goal.pk])
                except Exception as error:
                    errors[goal.pk] = _failed(goal, error)
    return values


def goals_progress(
    goals,
    *,
    period: tuple[dt.date, dt.date] | None = None,
    as_of: dt.date,
    period_of: Callable[[Goal], tuple[dt.date, dt.date]] | None = None,
) -> list[dict[str, Any]]:
    """Goals (from `with_latest_measurement`) with their value and progress for a period (the same for
    all, or per goal with `period_of`). Queries: one per computed metric in use, whatever the number of
    goals. A goal that cannot be computed gets `status` "error" and an `error`; the others do not
    notice."""
    goals = list(goals)
    errors = {goal.pk: error for goal in goals if (error := _dates_error(goal)) is not None}
    computed = _computed_values(goals, period_of or (lambda goal: period), errors)
    rows = []
    for goal in goals:
        spec = METRICS.get(goal.metric)
        row: dict[str, Any] = {
            "id": goal.pk,
            "council": goal.council_id,
            "title": goal.title,
            "metric": goal.metric,
            "metric_label": str(spec.label) if spec else goal.metric,
            "kind": spec.kind if spec else None,
            "unit": goal.unit or (spec.unit if spec else ""),
            "filter": goal.filter or {},
            "baseline": _number(goal.baseline),
            "baseline_date": goal.baseline_date.isoformat(),
            "target": _number(goal.target),
            "deadline": goal.deadline.isoformat(),
        }
        if goal.pk not in errors:
            try:
                rows.append(row | _measured(goal, spec, computed, as_of=as_of) | {"error": None})
                continue
            except Exception as error:
                errors[goal.pk] = _failed(goal, error)
        rows.append(row | FAILED_FIGURES | {"error": errors[goal.pk]})
    return rows


# The figures of a goal that could not be computed: nothing to show but the error.
FAILED_FIGURES: dict[str, Any] = {
    "value": None,
    "progress_percent": None,
    "time_elapsed_percent": None,
    "on_track": None,
    "status": GoalStatus.ERROR,
}


def _measured(goal: Goal, spec: Metric | None, computed: dict, *, as_of: dt.date) -> dict[str, Any]:
    value, measured = None, {}
    if goal.pk in computed:
        value, (start, end) = computed[goal.pk]
        measured = {"window_start": start.isoformat(), "window_end": end.isoformat()}
    elif spec is not None:
        value = goal.latest_value
        on = goal.latest_measured_on
        measured = {"measured_on": on.isoformat() if on else None}
    return {"value": _number(value), **measured} | progress_of(goal, value, as_of=as_of)


def goal_progress(goal: Goal, *, period: tuple[dt.date, dt.date], as_of: dt.date) -> dict[str, Any]:
    return goals_progress([goal], period=period, as_of=as_of)[0]


def council_goals_progress(council_id: int, *, period: tuple[dt.date, dt.date]) -> list[dict[str, Any]]:
    """Every goal of a council, measured for a report period (as of its end, or today if sooner)."""
    as_of = min(period[1], timezone.localdate())
    goals = with_latest_measurement(Goal.objects.filter(council_id=council_id), on=period[1])
    return goals_progress(goals, period=period, as_of=as_of)
