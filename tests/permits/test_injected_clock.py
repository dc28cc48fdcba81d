"""The permit services read the time from `now` when given (permits/services/*, as the council
services do): a caller with its own clock gets the same deadline rules as the wall clock would give.
The wall clock here stands months after the moments passed, so a service that read it would fail."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from permits.deadlines import due_moment, reminder_moment
from permits.models import Application, ApplicationStatus, PermitStatus
from permits.services.applications import application_submit
from permits.services.review import application_decide, application_request_info, application_resubmit
from permits.services.sla_sweep import sla_sweep
from portal.notifications.models import Notification
from tests.factories import AuthorityFactory, EntrepreneurFactory, OfficialProfileFactory
from tests.permits.factories import DraftApplicationFactory, LicenceTypeFactory

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
S = ApplicationStatus


def almaty(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=ALMATY)


# No public holiday falls in November 2026 (Republic Day is 25 Oct, Independence Day 16 Dec).
MONDAY = almaty(2026, 11, 2)
WALL = almaty(2027, 3, 1)  # the wall clock, far from every moment passed


@time_machine.travel(WALL, tick=False)
def test_the_medium_pathway_follows_the_clock_it_is_given():
    # given: a medium licence type with a 10-working-day deadline, one reviewer, one applicant
    authority = AuthorityFactory()
    official = OfficialProfileFactory(authority=authority).user
    owner = EntrepreneurFactory()
    licence_type = LicenceTypeFactory(authority=authority, deadline_working_days=10)
    draft = DraftApplicationFactory(
        business=owner.memberships.get().business, licence_type=licence_type, created_by=owner
    )

    # when: submitted, asked for more, answered and approved, each at a moment passed as `now`
    application_submit(actor=owner, application_id=draft.pk, now=MONDAY)
    submitted = Application.objects.get(pk=draft.pk)
    application_request_info(
        actor=official, application_id=draft.pk, message="Send the lease.", now=almaty(2026, 11, 4)
    )
    application_resubmit(actor=owner, application_id=draft.pk, message="Attached.", now=almaty(2026, 11, 6))
    application_decide(
        actor=official, application_id=draft.pk, decision="approve", reason="Fine.", now=almaty(2026, 11, 9)
    )

    # then: every stamp and deadline comes from the given moments, none from the wall clock
    assert submitted.status == S.IN_REVIEW
    assert submitted.submitted_at == MONDAY
    assert submitted.due_at == due_moment(MONDAY, 10) == almaty(2026, 11, 16)
    assert submitted.remind_at == reminder_moment(MONDAY, 10) == almaty(2026, 11, 12)
    decided = Application.objects.get(pk=draft.pk)
    assert decided.status == S.APPROVED
    assert decided.paused_working_days == 2  # Wednesday 4 to Friday 6 November
    assert decided.due_at == almaty(2026, 11, 18)
    assert decided.decided_at == almaty(2026, 11, 9)


@time_machine.travel(WALL, tick=False)
def test_the_sweep_expires_a_permit_at_the_moment_it_is_given():
    # given: a low-tier notification accepted on 2 November 2026, its permit valid until some day
    authority = AuthorityFactory()
    owner = EntrepreneurFactory()
    licence_type = LicenceTypeFactory(authority=authority, low=True)
    draft = DraftApplicationFactory(
        business=owner.memberships.get().business, licence_type=licence_type, created_by=owner
    )
    application_submit(actor=owner, application_id=draft.pk, now=MONDAY)
    permit = Application.objects.get(pk=draft.pk).permit
    assert permit.valid_until is not None

    # when: swept the day before its validity ends, then the day after, by the given clock
    last_day = dt.datetime.combine(permit.valid_until, dt.time(12), tzinfo=ALMATY)
    before = sla_sweep(now=last_day)
    permit.refresh_from_db()
    status_on_the_last_day = permit.status
    day_after = last_day + dt.timedelta(days=1)
    after = sla_sweep(now=day_after)

    # then: active through its last day, expired after it, the holder told under the sweep's moment
    permit.refresh_from_db()
    assert before["expiries"] == 0
    assert status_on_the_last_day == PermitStatus.ACTIVE
    assert after["expiries"] == 1
    assert permit.status == PermitStatus.EXPIRED
    keys = list(Notification.objects.filter(event="permit.expired").values_list("dedupe_key", flat=True))
    assert keys
    assert all(f":{day_after:%Y%m%d%H%M%S%f}:" in key for key in keys)
