"""The accountability report's metrics, computed in PostgreSQL.

Every figure is an aggregate over the permits and council data of one period (Asia/Almaty local
dates, both ends included). Working days are counted by a correlated `generate_series` over the
calendar table, so the database applies exactly the rule of `permits.calendar.working_days_between`:
days after the start date up to and including the end date, weekends and public holidays off,
transferred working days on. The number of queries is fixed: it does not grow with the number of
authorities, applications, concerns or consultations.

Numbers in the result are plain JSON numbers: counts are integers, shares are fractions between 0
and 1 rounded to 4 places, durations are working days rounded to 1 place; a share or a duration with
nothing to measure is null.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Aggregate,
    CharField,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Greatest, TruncDate
from django.utils import timezone

from council.models import Comment, Concern, ConcernStatus, Consultation, Council, Disposition
from permits.models import Application, ApplicationStatus, Holiday, HolidayKind, PostCheckStatus, Tier
from portal.accounts.models import Authority
from portal.audit.models import AuditEvent

OUT_OF_ORDER_ACTION = "application.out_of_order"
INFO_REQUEST_ACTION = "application.info_requested"
APPLICATION_OBJECT_TYPE = Application._meta.label_lower
TIER_ORDER = {tier: rank for rank, tier in enumerate(Tier.values)}


# Only compiled expressions and the quoted table name are put in; every value is a parameter.
WORKING_DAYS_SQL = (
    "(SELECT count(*)::integer FROM generate_series(1, ({end}) - ({start})) AS wd(n) "
    "LEFT JOIN {table} wdh ON wdh.date = ({start}) + wd.n "
    "WHERE COALESCE(wdh.kind = %s, EXTRACT(ISODOW FROM ({start}) + wd.n) < 6))"
)


class WorkingDaysBetween(Func):
    """Working days after the first date up to and including the second (0 when not later).

    A correlated subquery: one row per calendar day, joined to the holiday table; a listed day
    follows its kind, any other day is a working day from Monday to Friday.
    """

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        start, end = self.get_source_expressions()
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        table = connection.ops.quote_name(Holiday._meta.db_table)
        sql = WORKING_DAYS_SQL.format(start=start_sql, end=end_sql, table=table)
        params = (*end_params, *start_params, *start_params, HolidayKind.WORKING_DAY, *start_params)
        return sql, params


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: interpolates between the two nearest values."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra):
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("A percentile is a fraction between 0 and 1.")
        super().__init__(expression, fraction=repr(fraction), **extra)


def local_date(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware moments: from the start date's midnight to the midnight after the end date."""
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def processing_days():
    """Working days from submission to decision, minus those spent waiting on the applicant."""
    return Greatest(
        WorkingDaysBetween(local_date("submitted_at"), local_date("decided_at")) - F("paused_working_days"),
        Value(0),
    )


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def days(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


# --- applications --------------------------------------------------------------------------------


def _audit_count(action: str):
    events = (
        AuditEvent.objects.filter(
            action=action,
            object_type=APPLICATION_OBJECT_TYPE,
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
        )
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(events, output_field=IntegerField()), Value(0))


def _application_aggregates() -> dict[str, Any]:
    decided = Q(status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED])
    with_deadline = decided & Q(due_at__isnull=False)
    drawn = [PostCheckStatus.PENDING, PostCheckStatus.PASSED, PostCheckStatus.PROBLEM_FOUND]
    return {
        "received": Count("pk"),
        "decided": Count("pk", filter=decided),
        "approved": Count("pk", filter=Q(status=ApplicationStatus.APPROVED)),
        "rejected": Count("pk", filter=Q(status=ApplicationStatus.REJECTED)),
        "withdrawn": Count("pk", filter=Q(status=ApplicationStatus.WITHDRAWN)),
        "tacit": Count("pk", filter=Q(status=ApplicationStatus.APPROVED, permit__is_tacit=True)),
        "median": PercentileCont(processing_days(), fraction=0.5, filter=decided),
        "p90": PercentileCont(processing_days(), fraction=0.9, filter=decided),
        "with_deadline": Count("pk", filter=with_deadline),
        # A tacit approval is the authority's silence past its deadline: never on time.
        "on_time": Count(
            "pk", filter=with_deadline & Q(decided_at__lte=F("due_at")) & ~Q(permit__is_tacit=True)
        ),
        "escalated": Count("pk", filter=Q(escalation_level__gte=1)),
        "out_of_order": Sum(_audit_count(OUT_OF_ORDER_ACTION)),
        "info_requests": Sum(_audit_count(INFO_REQUEST_ACTION)),
        "checks_drawn": Count("pk", filter=Q(permit__post_check_status__in=drawn)),
        "checks_pending": Count("pk", filter=Q(permit__post_check_status=PostCheckStatus.PENDING)),
        "checks_passed": Count("pk", filter=Q(permit__post_check_status=PostCheckStatus.PASSED)),
        "checks_problems": Count("pk", filter=Q(permit__post_check_status=PostCheckStatus.PROBLEM_FOUND)),
    }


def _application_row(values: dict) -> dict[str, Any]:
    return {
        "received": values["received"],
        "decided": values["decided"],
        "approved": values["approved"],
        "rejected": values["rejected"],
        "withdrawn": values["withdrawn"],
        "issued_tacitly": values["tacit"],
        "median_working_days": days(values["median"]),
        "p90_working_days": days(values["p90"]),
        "decided_with_deadline": values["with_deadline"],
        "decided_on_time": values["on_time"],
        "on_time_share": share(values["on_time"], values["with_deadline"]),
        "escalated": values["escalated"],
        "out_of_order_picks": values["out_of_order"] or 0,
        "information_requests": values["info_requests"] or 0,
        "post_checks_drawn": values["checks_drawn"],
        "post_checks_pending": values["checks_pending"],
        "post_checks_passed": values["checks_passed"],
        "post_checks_problems_found": values["checks_problems"],
    }


def _authority(values: dict) -> dict[str, Any]:
    return {
        "id": values["authority_id"],
        "code": values["authority__code"],
        "name": values["authority__name"],
    }


def application_metrics(start: dt.date, end: dt.date, *, city: str = "") -> dict[str, Any]:
    """Three queries: by authority and tier, by authority, and overall.

    A city council (`city` given) answers for how the regulators treat its own city's businesses:
    only applications of businesses registered in that city count, whichever authority decided them.
    """
    since, until = day_bounds(start, end)
    base = Application.objects.filter(submitted_at__gte=since, submitted_at__lt=until).order_by()
    if city:
        base = base.filter(business__city__iexact=city)
    aggregates = _application_aggregates()
    keys = ("authority_id", "authority__code", "authority__name")
    by_tier = base.values(*keys, "risk_tier").annotate(**aggregates)
    by_authority = base.values(*keys).annotate(**aggregates)
    total = base.aggregate(**aggregates)
    return {
        "by_authority_tier": [
            {"authority": _authority(row), "tier": row["risk_tier"], **_application_row(row)}
            for row in sorted(by_tier, key=lambda r: (r["authority__name"], TIER_ORDER[r["risk_tier"]]))
        ],
        "by_authority": [
            {"authority": _authority(row), **_application_row(row)}
            for row in sorted(by_authority, key=lambda r: r["authority__name"])
        ],
        "total": _application_row(total),
    }


# --- concerns ------------------------------------------------------------------------------------


def _concern_aggregates(cutoff: dt.datetime) -> dict[str, Any]:
    answered = Q(status=ConcernStatus.ANSWERED)
    open_ = Q(status=ConcernStatus.OPEN)
    late = answered & Q(responded_at__gt=F("due_at"))
    return {
        "received": Count("pk"),
        "answered": Count("pk", filter=answered),
        "answered_on_time": Count("pk", filter=answered & Q(responded_at__lte=F("due_at"))),
        "answered_late": Count("pk", filter=late),
        "open": Count("pk", filter=open_),
        "overdue": Count("pk", filter=(open_ & Q(due_at__lt=cutoff)) | late),
    }


def _concern_row(values: dict) -> dict[str, Any]:
    row = {key: values[key] for key in ("received", "answered", "answered_on_time", "answered_late")}
    row |= {
        "open": values["open"],
        "overdue": values["overdue"],
        "on_time_share": share(values["answered_on_time"], values["answered"]),
    }
    return row


def concern_metrics(council: Council, start: dt.date, end: dt.date, *, now: dt.datetime) -> dict[str, Any]:
    """Concerns raised with the council in the period. A concern about a licence type concerns the
    licence type's authority. Three queries."""
    since, until = day_bounds(start, end)
    cutoff = min(until, now)
    base = Concern.objects.filter(council=council, created_at__gte=since, created_at__lt=until).order_by()
    aggregates = _concern_aggregates(cutoff)
    grouped = list(
        base.annotate(concerned=Coalesce("authority_id", "licence_type__authority_id"))
        .values("concerned")
        .annotate(**aggregates)
    )
    names = Authority.objects.in_bulk([row["concerned"] for row in grouped if row["concerned"]])
    by_authority = []
    for row in grouped:
        authority = names.get(row["concerned"])
        who = {"id": authority.pk, "code": authority.code, "name": authority.name} if authority else None
        by_authority.append({"authority": who, **_concern_row(row)})
    by_authority.sort(
        key=lambda r: (r["authority"] is None, r["authority"]["name"] if r["authority"] else "")
    )
    return {"by_authority": by_authority, "total": _concern_row(base.aggregate(**aggregates))}


# --- consultations -------------------------------------------------------------------------------

DISPOSITIONS = Disposition.values


def _comment_aggregates(path: str) -> dict[str, Any]:
    """Counts of comments and their answers, reached from the aggregated row through `path`."""
    prefix = f"{path}__" if path else ""
    counted = path or "pk"
    aggregates = {
        "n_comments": Count(counted),
        "n_answered": Count(counted, filter=Q(**{f"{prefix}response__isnull": False})),
    }
    for disposition in DISPOSITIONS:
        aggregates[f"n_{disposition}"] = Count(
            counted, filter=Q(**{f"{prefix}response__disposition": disposition})
        )
    return aggregates


def _consultation_row(values: dict) -> dict[str, Any]:
    accepted = values[f"n_{Disposition.ACCEPTED}"] + values[f"n_{Disposition.PARTLY_ACCEPTED}"]
    return {
        "comments": values["n_comments"],
        "answered": values["n_answered"],
        "dispositions": {disposition: values[f"n_{disposition}"] for disposition in DISPOSITIONS},
        "accepted_share": share(accepted, values["n_answered"]),
    }


def consultation_metrics(council: Council, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Consultations the council opened in the period, with their comments and answers. Three queries."""
    since, until = day_bounds(start, end)
    held = Consultation.objects.filter(council=council, opened_at__gte=since, opened_at__lt=until).order_by()
    items = held.values("pk", "title", "status", "opened_at").annotate(**_comment_aggregates("comments"))
    totals = Comment.objects.filter(consultation__in=held.values("pk")).aggregate(**_comment_aggregates(""))
    return {
        "items": [
            {
                "id": row["pk"],
                "title": row["title"],
                "status": row["status"],
                "opened_on": timezone.localdate(row["opened_at"]).isoformat(),
                **_consultation_row(row),
            }
            for row in sorted(items, key=lambda r: (r["opened_at"], r["pk"]))
        ],
        "total": {"held": held.count(), **_consultation_row(totals)},
    }


DEFINITIONS: dict[str, str] = {
    "period": "Local dates in Asia/Almaty, both ends included; an application belongs to the period when "
    "it was submitted in it, a concern when it was raised in it, a consultation when it opened in it.",
    "numbers": "Counts are integers; shares are fractions from 0 to 1 rounded to 4 places; durations are "
    "working days rounded to 1 place; null means there was nothing to measure.",
    "received": "Applications submitted in the period (for a city council: by businesses of that city).",
    "decided": "Of those, the ones approved or rejected so far.",
    "approved": "Of those, the ones approved (tacit approvals included).",
    "rejected": "Of those, the ones rejected.",
    "withdrawn": "Of those, the ones the applicant withdrew before a decision.",
    "issued_tacitly": "Of those, the ones approved because the authority missed its deadline (silence "
    "means consent).",
    "median_working_days": "Median processing time of the decided ones, in working days after the "
    "submission date up to and including the decision date (weekends and public holidays off, "
    "transferred working days on), minus the working days spent waiting for the applicant.",
    "p90_working_days": "The 90th percentile of the same processing time (continuous percentile).",
    "decided_with_deadline": "Decided ones that had a deadline (a low-tier notification has none).",
    "decided_on_time": "Of those, the ones decided no later than their deadline (a tacit approval is the "
    "authority's silence past it, so never on time).",
    "on_time_share": "decided_on_time / decided_with_deadline.",
    "escalated": "Applications escalated at least once to a supervisor or the authority's head.",
    "out_of_order_picks": "Times an official took one of these applications ahead of an older one, "
    "with a recorded reason.",
    "information_requests": "Times an official asked the applicant for more information on one of these.",
    "post_checks_drawn": "Low-tier permits among these drawn for a post-issue check.",
    "post_checks_pending": "Of those, the checks not done yet.",
    "post_checks_passed": "Of those, the checks that found everything in order.",
    "post_checks_problems_found": "Of those, the checks that found a problem.",
    "concerns.received": "Concerns raised with the council in the period; one about a licence type "
    "counts for that licence type's authority.",
    "concerns.answered": "Of those, the ones the council has answered.",
    "concerns.answered_on_time": "Answered no later than the answer deadline.",
    "concerns.answered_late": "Answered after the answer deadline.",
    "concerns.open": "Not answered yet.",
    "concerns.overdue": "Answered late, or still open with the deadline passed by the end of the period "
    "(or by the time of computing, if that is earlier).",
    "concerns.on_time_share": "answered_on_time / answered.",
    "consultations.held": "Consultations the council opened in the period.",
    "consultations.comments": "Comments received on them.",
    "consultations.answered": "Comments the council has answered.",
    "consultations.dispositions": "Answered comments by the council's disposition.",
    "consultations.accepted_share": "(accepted + partly accepted) / answered.",
    "goals": "The council's goals: the value of the goal's metric for the period, the progress from "
    "baseline to target in percent (clipped to 0-100), and whether it keeps pace with the time elapsed "
    "between the baseline date and the deadline.",
}
