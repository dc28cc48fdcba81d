"""The public HTML pages of published reports: readable, charted, escaped, never a draft."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from council.models import CouncilRole
from council.services.reports import report_create, report_publish
from tests.council.reports_factories import GoalFactory, GoalMeasurementFactory, application_in_state, local
from tests.factories import AuthorityFactory, CouncilFactory, CouncilMemberFactory
from tests.permits.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db

NOW = local(2026, 4, 10, 12)
EVIL = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _report(council, *, publish: bool, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)):
    secretary = CouncilMemberFactory(council=council, role=CouncilRole.SECRETARY).user
    report = report_create(actor=secretary, council=council, period_start=start, period_end=end)
    if publish:
        report_publish(actor=secretary, report_id=report.pk, commentary=f"Deadlines mostly held. {EVIL}")
    return report


def test_a_published_report_reads_as_a_page_with_charts_and_escaped_data():
    # given: a council, an authority and a goal whose names try to inject markup
    council = CouncilFactory(name=f"Council {EVIL}")
    authority = AuthorityFactory(code="evil", name=f"Authority {EVIL}")
    application_in_state(
        licence_type=LicenceTypeFactory(authority=authority),
        status="rejected",
        tier="medium",
        submitted_at=local(2026, 3, 2),
        decided_at=local(2026, 3, 5),
        due_at=local(2026, 3, 16),
    )
    goal = GoalFactory(council=council, title=f"Goal {EVIL}")
    GoalMeasurementFactory(goal=goal, measured_on=dt.date(2026, 3, 1), value=3)
    report = _report(council, publish=True)

    # when
    response = Client().get(f"/council/reports/{report.pk}/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>Council &lt;script&gt;" in html
    assert html.count("<svg") == 2
    assert 'role="img"' in html and '<title id="on-time-title">' in html
    assert "Authority &lt;script&gt;alert(1)&lt;/script&gt;: 100.0 %" in html  # the chart's description
    assert "30.0 %" in html  # the goal's progress (3 of 10)
    assert '<th scope="col">median working days</th>' in html
    assert f"/api/v1/council/reports/{report.pk}/export.csv?table=goals" in html


def test_a_draft_has_no_page():
    # given
    draft = _report(CouncilFactory(), publish=False)

    # when
    response = Client().get(f"/council/reports/{draft.pk}/")

    # then
    assert response.status_code == 404


def test_the_list_page_shows_published_reports_only():
    # given
    council = CouncilFactory(name="National Council")
    published = _report(council, publish=True)
    draft = _report(council, publish=False, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))

    # when
    html = Client().get("/council/reports/").content.decode()

    # then
    assert f'href="/council/reports/{published.pk}/"' in html
    assert f'href="/council/reports/{draft.pk}/"' not in html
    assert "<title>Accountability reports" in html
