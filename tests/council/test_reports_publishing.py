"""A report is published only once its period has ended: a running period's figures are still moving."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from council.errors import CouncilErrorCode
from council.models import AccountabilityReport, ReportStatus
from council.services.reports import report_create, report_publish
from portal.api.errors import InvalidState
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.council.reports_factories import local

pytestmark = pytest.mark.django_db

API = "/api/v1/council"
NOW = local(2026, 4, 10, 12)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def april(council, secretary):
    """A draft for the month now running (April 1-30)."""
    return report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 4, 30)
    )


@pytest.mark.parametrize("moment", [NOW, local(2026, 4, 30, 23, 59)])
def test_a_report_whose_period_is_running_is_not_published(april, secretary, client_for, moment):
    # when: during the period, up to its last minute (Asia/Almaty)
    with time_machine.travel(moment, tick=False):
        response = client_for(secretary).post(
            f"{API}/reports/{april.pk}/publish/", {"commentary": "Too early."}, format="json"
        )

    # then
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == CouncilErrorCode.PERIOD_NOT_ENDED
    assert "2026-04-30" in response.json()["detail"]
    report = AccountabilityReport.objects.get(pk=april.pk)
    assert (report.status, report.published_at, report.commentary) == (ReportStatus.DRAFT, None, "")
    assert not AuditEvent.objects.filter(action="council.report_published").exists()
    assert not Notification.objects.filter(event="council.report_published").exists()


def test_the_report_is_published_from_the_day_after_its_period(april, secretary, client_for):
    # when: the first minute of May in Almaty (still April 30 in UTC)
    with time_machine.travel(local(2026, 5, 1, 0, 1), tick=False):
        response = client_for(secretary).post(
            f"{API}/reports/{april.pk}/publish/", {"commentary": "April in figures."}, format="json"
        )

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "published"


def test_the_service_judges_the_period_by_the_now_it_is_given(april, secretary):
    # when / then: the same call refused on the period's last day and accepted the day after
    with pytest.raises(InvalidState) as refused:
        report_publish(actor=secretary, report_id=april.pk, commentary="x", now=local(2026, 4, 30, 18))
    assert refused.value.code == CouncilErrorCode.PERIOD_NOT_ENDED

    published = report_publish(actor=secretary, report_id=april.pk, commentary="x", now=local(2026, 5, 2, 9))
    assert published.status == ReportStatus.PUBLISHED
