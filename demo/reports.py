"""Demo goals and reports: the strategy's three goals, last quarter's report published with the
council's commentary, and this quarter's report as a draft.

Written through the services, so the demo has its audit events and notifications like real data.
`actor` must be the council's chair or secretary. Idempotent: a goal is recognised by its council and
title, a measurement by its day, a report by its period; a second run creates nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from council.models import AccountabilityReport, Council, Goal, ReportStatus
from council.services.reports import goal_create, goal_measurement_record, report_create, report_publish

COMMENTARY = (
    "Authorities kept most statutory deadlines this quarter; where they did not, the permit was issued "
    "tacitly or the file escalated to a supervisor, as the law requires. The council asks the authorities "
    "with the longest processing times to explain them at its next session, and will follow up every "
    "concern that passed its answer deadline. Progress on business-academia projects is on schedule; "
    "enrolment in skills programmes lags and is the council's priority for the coming quarter."
)


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter a day falls in, as its first and last days."""
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = dt.date(day.year + 1, 1, 1) if start.month == 10 else dt.date(day.year, start.month + 3, 1)
    return start, following - dt.timedelta(days=1)


def _goals(today: dt.date) -> list[dict]:
    base = dt.date(today.year, 1, 1)
    previous_quarter_end = quarter_of(today)[0] - dt.timedelta(days=1)
    return [
        {
            "title": "+15 % new creative businesses registered in smart-city zones within three years",
            "metric": "businesses_registered",
            "filters": {"in_smart_city_zone": True, "window": "trailing"},
            "baseline": Decimal("40"),
            "target": Decimal("46"),
            "baseline_date": base,
            "deadline": base.replace(year=base.year + 3),
            "unit": "businesses",
            "description": "Counted over a rolling three-year window, so each report compares like with like. "
            "Baseline: creative businesses registered in smart-city zones in the three years before the "
            "strategy (demo figure).",
            "measurements": [],
        },
        {
            "title": "10 successful business-academia projects within three years",
            "metric": "business_academia_projects",
            "filters": None,
            "baseline": Decimal("0"),
            "target": Decimal("10"),
            "baseline_date": base,
            "deadline": base.replace(year=base.year + 3),
            "unit": "projects",
            "description": "A project counts when a university and a creative business complete it with a "
            "public result (a product, a production, a published study).",
            "measurements": [(previous_quarter_end, Decimal("2"), "Council secretariat: completed projects")],
        },
        {
            "title": "+10 % creative professionals in skills programmes within two years",
            "metric": "skills_programme_participants",
            "filters": None,
            "baseline": Decimal("1200"),
            "target": Decimal("1320"),
            "baseline_date": base,
            "deadline": base.replace(year=base.year + 2),
            "unit": "people",
            "description": "People enrolled in accredited skills programmes for the creative industries.",
            "measurements": [(previous_quarter_end, Decimal("1226"), "Ministry of Education enrolment data")],
        },
    ]


def seed(*, council: Council, actor, progress: Callable[[str], None]) -> int:
    """The strategy's goals with their measurements, last quarter's published report and this
    quarter's draft; returns how many rows it wrote (0 on a second run)."""
    created = 0
    today = timezone.localdate()
    for spec in _goals(today):
        measurements = spec.pop("measurements")
        goal = Goal.objects.filter(council=council, title=spec["title"]).first()
        if goal is None:
            goal = goal_create(actor=actor, council=council, **spec)
            created += 1
            progress(f"goal: {goal.title}")
        for measured_on, value, source in measurements:
            if (
                measured_on >= goal.baseline_date
                and not goal.measurements.filter(measured_on=measured_on).exists()
            ):
                goal_measurement_record(
                    actor=actor, goal_id=goal.pk, measured_on=measured_on, value=value, source=source
                )
                created += 1
                progress(f"  measured {value} on {measured_on}")

    current = quarter_of(today)
    previous = quarter_of(current[0] - dt.timedelta(days=1))
    for (start, end), publish in ((previous, True), (current, False)):
        report = AccountabilityReport.objects.filter(
            council=council, period_start=start, period_end=end
        ).first()
        if report is None:
            report = report_create(actor=actor, council=council, period_start=start, period_end=end)
            created += 1
            progress(f"report: {start} to {end} (draft)")
        if publish and report.status == ReportStatus.DRAFT:
            report_publish(actor=actor, report_id=report.pk, commentary=COMMENTARY)
            created += 1
            progress(f"report: {start} to {end} published")
    return created
