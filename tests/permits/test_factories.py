"""The application factory's traits reach their state through the services, never by writing it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from permits.models import ApplicationStatus, Permit
from portal.audit.models import AuditEvent
from tests.factories import OfficialProfileFactory
from tests.permits.factories import ApplicationFactory, LicenceTypeFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.datetime(2026, 9, 16, 10, 30, tzinfo=ZoneInfo("Asia/Almaty"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


@pytest.mark.parametrize("state", [s for s in ApplicationStatus.values if s != ApplicationStatus.DRAFT])
def test_each_trait_reaches_its_state_through_the_workflow(state):
    # when
    application = ApplicationFactory(**{state: True})

    # then: the state is in the row, and the workflow's door recorded the last move into it
    application.refresh_from_db()
    assert application.status == state
    moves = AuditEvent.objects.filter(object_type="permits.application", object_id=str(application.pk))
    last = moves.filter(data__has_key="to").order_by("pk").last()
    assert last is not None and last.data["to"] == state
    assert Permit.objects.filter(application=application).exists() == (state == ApplicationStatus.APPROVED)


def test_a_draft_is_the_default_and_its_applicant_a_member_of_the_business():
    # when
    application = ApplicationFactory()

    # then
    assert application.status == ApplicationStatus.DRAFT
    assert application.business.memberships.filter(user=application.created_by).exists()


def test_the_authority_s_own_official_reviews_when_one_is_eligible():
    # given
    licence_type = LicenceTypeFactory()
    reviewer = OfficialProfileFactory(authority=licence_type.authority).user

    # when
    application = ApplicationFactory(licence_type=licence_type, approved=True)

    # then
    assert (application.assigned_to, application.permit.application_id) == (reviewer, application.pk)
