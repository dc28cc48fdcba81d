"""The demo goals and reports: the strategy's goals, a published and a draft report, twice = once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from council.models import AccountabilityReport, CouncilRole, Goal, GoalMeasurement, ReportStatus
from demo.reports import quarter_of, seed
from portal.accounts.models import Business
from portal.audit.models import AuditEvent
from tests.council.reports_factories import local
from tests.factories import BusinessFactory, CouncilFactory, CouncilMemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (dt.date(2026, 1, 1), (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        (dt.date(2026, 5, 31), (dt.date(2026, 4, 1), dt.date(2026, 6, 30))),
        (dt.date(2026, 9, 30), (dt.date(2026, 7, 1), dt.date(2026, 9, 30))),
        (dt.date(2026, 11, 27), (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
    ],
)
def test_quarters(day, quarter):
    assert quarter_of(day) == quarter


def test_the_demo_seeds_goals_and_reports_once():
    # given: the national council and its secretary, a studio in a smart-city zone
    council = CouncilFactory(name="National Council for Creative Industries")
    secretary = CouncilMemberFactory(council=council, role=CouncilRole.SECRETARY).user
    studio = BusinessFactory(in_smart_city_zone=True)
    Business.objects.filter(pk=studio.pk).update(created_at=local(2026, 8, 14))
    lines: list[str] = []

    # when: seeded twice
    with time_machine.travel(local(2026, 11, 27, 12), tick=False):
        first = seed(council=council, actor=secretary, progress=lines.append)
        events = AuditEvent.objects.count()
        second = seed(council=council, actor=secretary, progress=lines.append)

    # then: three goals, two measurements, two reports and one publication; nothing the second time
    assert (first, second) == (8, 0)
    assert Goal.objects.filter(council=council).count() == 3
    assert GoalMeasurement.objects.count() == 2
    reports = list(
        AccountabilityReport.objects.order_by("period_start").values_list("period_start", "status")
    )
    assert reports == [
        (dt.date(2026, 7, 1), ReportStatus.PUBLISHED),
        (dt.date(2026, 10, 1), ReportStatus.DRAFT),
    ]
    published = AccountabilityReport.objects.get(status=ReportStatus.PUBLISHED)
    assert published.commentary.startswith("Authorities kept most statutory deadlines")
    goals = {g["title"][:4]: g for g in published.metrics["goals"]}
    assert goals["10 s"]["value"] == 2 and goals["+10 "]["value"] == 1226
    assert goals["+15 "]["value"] == 1  # the studio, registered in August: within the window
    assert AuditEvent.objects.count() == events  # the second run wrote nothing
    assert len(lines) == 8
