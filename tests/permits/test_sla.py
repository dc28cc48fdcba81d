"""Deadlines that enforce themselves (permits/deadlines.py, permits/services/sla_sweep.py, DESIGN §5):
a medium application's whole life under time-machine, swept repeatedly: the reminder at 80 % of the
working days, escalation at the due date (supervisors, then national oversight), tacit approval where
the licence type allows it, the clock stopped by an information request, holidays, overdue
post-issue checks and permit expiry.
Every action happens exactly once however often the sweep runs, and a sweep reads only due rows."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from permits.models import Application, ApplicationStatus, Holiday, Permit, PermitStatus
from permits.services.applications import application_withdraw
from permits.services.permits import permit_post_check
from permits.services.review import application_request_info, application_resubmit
from permits.services.sla_sweep import sla_sweep
from permits.tasks import sla_sweep as sla_task
from portal.accounts.services import oversight_join
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification, NotificationPreference
from portal.notifications.webhooks import subscription_create
from tests.factories import (
    ApiClientFactory,
    AuthorityFactory,
    EntrepreneurFactory,
    MembershipFactory,
    OfficialProfileFactory,
    UserFactory,
)
from tests.permits.factories import LicenceTypeFactory, decide, submit

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
S = ApplicationStatus


def almaty(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ALMATY)


# No public holiday falls in November 2026 (Republic Day is 25 Oct, Independence Day 16 Dec).
MONDAY = almaty(2026, 11, 2)  # submitted: Monday 2 November 2026, 10:00 in Almaty
REMIND = almaty(2026, 11, 12)  # 8 working days later (80 % of 10): Thursday
DUE = almaty(2026, 11, 16)  # 10 working days later: Monday
LEVEL2 = almaty(2026, 11, 23)  # 5 further working days: Monday
MINUTE = dt.timedelta(minutes=1)


@dataclass
class World:
    authority: object
    official: object | None
    supervisors: list
    owner: object
    partner: object
    oversight: list
    licence_type: object

    @property
    def business(self):
        return self.owner.memberships.get().business

    @property
    def applicants(self) -> list[str]:
        return sorted([self.owner.username, self.partner.username])

    @property
    def supervisor_names(self) -> list[str]:
        return sorted(u.username for u in self.supervisors)

    @property
    def oversight_names(self) -> list[str]:
        return sorted(u.username for u in self.oversight)


def world(*, tacit: bool = False, tier: str = "medium", with_official: bool = True, **licence) -> World:
    """An authority with one reviewer (unless told otherwise) and two supervisors; a business with
    two members; two national-oversight users; a licence type with a 10-working-day deadline."""
    authority = AuthorityFactory()
    high = {"high": True} if tier == "high" else {}
    official = OfficialProfileFactory(authority=authority, **high).user if with_official else None
    supervisors = [OfficialProfileFactory(authority=authority, supervisor=True).user for _ in range(2)]
    owner = EntrepreneurFactory()
    partner = MembershipFactory(business=owner.memberships.get().business).user
    oversight = [UserFactory(), UserFactory()]
    for user in oversight:
        oversight_join(actor=None, user=user)
    kind = {"low": True} if tier == "low" else {**high, "deadline_working_days": 10}
    licence_type = LicenceTypeFactory(authority=authority, tacit_approval=tacit, **kind, **licence)
    return World(authority, official, supervisors, owner, partner, oversight, licence_type)


def sweep(at: dt.datetime, times: int = 1, **kwargs) -> Counter:
    """Run the sweep `times` times at the moment `at`; what each run did, added up."""
    total: Counter = Counter()
    with time_machine.travel(at, tick=False):
        for _ in range(times):
            total += sla_sweep(now=timezone.now(), **kwargs)
    return total


def footprint() -> dict:
    """Everything a sweep could change: audit trail, outbox, permits and the applications' state."""
    return {
        "audit": list(AuditEvent.objects.order_by("id").values_list("id", flat=True)),
        "notifications": list(Notification.objects.order_by("id").values_list("id", flat=True)),
        "permits": list(
            Permit.objects.order_by("id").values_list("id", "status", "expiry_reminder_days", "next_sla_at")
        ),
        "applications": list(
            Application.objects.order_by("id").values_list(
                "id", "status", "version", "escalation_level", "reminder_sent_at", "next_sla_at", "updated_at"
            )
        ),
    }


def told(event: str, **payload) -> list[str]:
    """Who got `event` about the object in `payload` (sorted, duplicates kept)."""
    filters = {f"payload__{key}": value for key, value in payload.items()}
    return sorted(
        Notification.objects.filter(channel="in_app", event=event, **filters).values_list(
            "recipient__username", flat=True
        )
    )


def audits(action: str, obj) -> list[dict]:
    return list(
        AuditEvent.objects.filter(
            action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).values_list("data", flat=True)
    )


def sweep_actions() -> list[str]:
    return list(
        AuditEvent.objects.filter(actor_label="sla-sweep").order_by("id").values_list("action", flat=True)
    )


# --- the medium pathway ------------------------------------------------------------------------


def test_submission_sets_due_date_and_reminder_in_working_days():
    # given: a medium licence type with a 10-working-day deadline
    w = world()

    # when: submitted on Monday 2 November 2026 at 10:00 in Almaty
    application = submit(w.licence_type, w.owner, at=MONDAY)

    # then: assigned at once; due ten working days later, reminder after eight, same time of day
    assert application.status == S.IN_REVIEW
    assert application.assigned_to == w.official
    assert application.submitted_at == MONDAY
    assert application.due_at == DUE
    assert application.remind_at == REMIND
    assert timezone.localtime(application.due_at).strftime("%A %H:%M") == "Monday 10:00"
    # and: the sweep will first look at it at the reminder
    assert application.next_sla_at == REMIND
    assert (application.escalation_level, application.reminder_sent_at) == (0, None)


def test_sweeping_before_eighty_percent_does_nothing():
    # given
    w = world()
    application = submit(w.licence_type, w.owner, at=MONDAY)
    before = footprint()

    # when: swept on several days up to a minute before the reminder moment
    done = Counter()
    for moment in (MONDAY + MINUTE, almaty(2026, 11, 6), almaty(2026, 11, 11, 18), REMIND - MINUTE):
        done += sweep(moment)

    # then: no audit event, no notification, no change to the row
    assert done == Counter()
    assert footprint() == before
    assert sweep_actions() == []
    application.refresh_from_db()
    assert application.next_sla_at == REMIND


def test_reminder_at_eighty_percent_goes_once_to_the_assigned_official():
    # given
    w = world()
    application = submit(w.licence_type, w.owner, at=MONDAY)

    # when: the sweep runs at the reminder moment
    done = sweep(REMIND)

    # then: one reminder to the assigned official, in the outbox and the audit trail
    assert done == Counter(reminders=1)
    assert told("application.deadline_reminder", application=application.pk) == [w.official.username]
    reminder = audits("application.deadline_reminder", application)
    assert len(reminder) == 1
    assert reminder[0]["reference"] == application.reference
    application.refresh_from_db()
    assert application.reminder_sent_at == REMIND
    assert application.next_sla_at == DUE  # next: the due date
    assert application.status == S.IN_REVIEW

    # when: swept again right after, and again a little later
    after = footprint()
    again = sweep(REMIND, times=2) + sweep(REMIND + dt.timedelta(hours=3))

    # then: nothing changes
    assert again == Counter()
    assert footprint() == after


def test_the_beat_task_logs_what_a_sweep_did_and_nothing_when_idle(caplog):
    # given
    w = world()
    submit(w.licence_type, w.owner, at=MONDAY)
    caplog.set_level(logging.INFO, logger=sla_task.__module__)

    # when: beat's task runs before the reminder moment, then at it
    with time_machine.travel(REMIND - MINUTE, tick=False):
        idle = sla_task()
    with time_machine.travel(REMIND, tick=False):
        acted = sla_task()

    # then: one line, for the run that did something
    assert (idle, acted) == ({}, {"reminders": 1})
    assert [r.getMessage() for r in caplog.records if r.name == sla_task.__module__] == [
        "SLA sweep: 1 reminders"
    ]


@pytest.mark.parametrize("tacit", [True, False], ids=["tacit", "escalation"])
def test_whole_life_reminder_then_deadline_each_exactly_once(tacit):
    # given: a medium application submitted on Monday, and national oversight users
    w = world(tacit=tacit)
    application = submit(w.licence_type, w.owner, at=MONDAY)

    # when: swept three times at each milestone (and just before each)
    done = {
        "before reminder": sweep(REMIND - MINUTE, times=3),
        "reminder": sweep(REMIND, times=3),
        "before due": sweep(DUE - MINUTE, times=3),
        "due": sweep(DUE, times=3),
        "before level 2": sweep(LEVEL2 - MINUTE, times=3),
        "level 2": sweep(LEVEL2, times=3),
        "later": sweep(almaty(2027, 1, 11), times=3),
    }

    # then: each consequence exactly once, at its moment
    nothing = Counter()
    if tacit:
        consequence = {"due": Counter(tacit_approvals=1), "level 2": nothing}
    else:
        consequence = {"due": Counter(escalations=1), "level 2": Counter(escalations=1)}
    assert done == {
        "before reminder": nothing,
        "reminder": Counter(reminders=1),
        "before due": nothing,
        "before level 2": nothing,
        "later": nothing,
        **consequence,
    }
    assert told("application.deadline_reminder", application=application.pk) == [w.official.username]
    application.refresh_from_db()
    if tacit:
        assert application.status == S.APPROVED
        assert Permit.objects.filter(application=application, is_tacit=True).count() == 1
        assert sweep_actions() == [
            "application.deadline_reminder",
            "application.tacitly_approved",
            "permit.issued",
        ]
    else:
        assert (application.status, application.escalation_level) == (S.IN_REVIEW, 2)
        assert told("application.escalated", application=application.pk) == sorted(
            w.supervisor_names + w.oversight_names
        )
        assert told("application.authority_late", application=application.pk) == w.applicants
        assert sweep_actions() == [
            "application.deadline_reminder",
            "application.escalated",
            "application.escalated",
        ]


def test_tacit_approval_at_the_due_date():
    # given: a licence type where silence means consent; the application sits in review
    w = world(tacit=True)
    application = submit(w.licence_type, w.owner, at=MONDAY)

    # when: the due date passes without a decision; the sweep runs three times
    done = sweep(DUE, times=3)

    # then: deemed approved and a permit issued, marked as tacit, exactly once
    assert done == Counter(tacit_approvals=1)
    application.refresh_from_db()
    assert application.status == S.APPROVED
    assert application.decided_at == DUE
    assert "did not decide by the deadline" in application.decision_reason
    assert application.next_sla_at is None
    permit = Permit.objects.get(application=application)
    assert permit.is_tacit is True
    assert permit.status == PermitStatus.ACTIVE
    assert permit.issued_at == DUE
    # and: audited once each
    assert len(audits("application.tacitly_approved", application)) == 1
    issued = audits("permit.issued", permit)
    assert len(issued) == 1 and issued[0]["tacit"] is True
    # and: the applicant's members and the supervisors are told, once each
    assert told("application.tacitly_approved", application=application.pk) == sorted(
        w.applicants + w.supervisor_names
    )
    assert told("permit.issued", permit=permit.number) == w.applicants
    # and: no escalation, and no reminder after the deadline (it would only be noise)
    assert told("application.escalated", application=application.pk) == []
    assert told("application.deadline_reminder", application=application.pk) == []
    assert sweep_actions() == ["application.tacitly_approved", "permit.issued"]

    # when: swept again later (at what would have been level 2)
    after = footprint()
    again = sweep(LEVEL2, times=3)

    # then
    assert again == Counter()
    assert footprint() == after
    assert Permit.objects.filter(application=application).count() == 1


def test_escalation_level_one_at_the_due_date_then_level_two_to_national_oversight():
    # given: no tacit approval for this licence type
    w = world(tacit=False)
    application = submit(w.licence_type, w.owner, at=MONDAY)

    # when: the due date passes; swept three times
    level_one = sweep(DUE, times=3)

    # then: level 1: the supervisors are told, the applicant's members learn the authority is late
    assert level_one == Counter(escalations=1)
    application.refresh_from_db()
    assert (application.status, application.escalation_level) == (S.IN_REVIEW, 1)
    assert application.next_sla_at == LEVEL2
    assert told("application.escalated", application=application.pk) == w.supervisor_names
    assert told("application.authority_late", application=application.pk) == w.applicants
    assert [e["level"] for e in audits("application.escalated", application)] == [1]
    assert not Permit.objects.filter(application=application).exists()
    # and: the missed reminder is not sent after the deadline
    assert told("application.deadline_reminder", application=application.pk) == []
    assert application.reminder_sent_at is not None

    # when: swept up to a minute before level 2
    quiet = sweep(almaty(2026, 11, 18), times=2) + sweep(LEVEL2 - MINUTE, times=2)

    # then: nothing more
    assert quiet == Counter()
    assert [e["level"] for e in audits("application.escalated", application)] == [1]

    # when: five working days after the due date, swept three times
    level_two = sweep(LEVEL2, times=3)

    # then: level 2 goes to the users of the national oversight group, once each
    assert level_two == Counter(escalations=1)
    application.refresh_from_db()
    assert application.escalation_level == 2
    assert application.next_sla_at is None  # nothing further is due
    assert [e["level"] for e in audits("application.escalated", application)] == [1, 2]
    level2_recipients = sorted(
        Notification.objects.filter(
            channel="in_app",
            event="application.escalated",
            payload__application=application.pk,
            payload__level=2,
        ).values_list("recipient__username", flat=True)
    )
    assert level2_recipients == w.oversight_names
    assert told("application.escalated", application=application.pk) == sorted(
        w.supervisor_names + w.oversight_names
    )
    assert told("application.authority_late", application=application.pk) == w.applicants
    assert application.status == S.IN_REVIEW  # escalation never decides

    # when: swept a month later
    after = footprint()
    later = sweep(almaty(2026, 12, 23), times=3)

    # then
    assert later == Counter()
    assert footprint() == after


def test_high_tier_is_never_tacit_even_when_the_licence_type_allows_it():
    # given: a high-tier licence type flagged for tacit approval
    w = world(tacit=True, tier="high", validity_months=None)
    application = submit(w.licence_type, w.owner, at=MONDAY)
    assert application.risk_tier == "high"
    assert application.due_at == DUE  # its own 10 working days

    # when: the due date and the level-2 moment pass
    done = sweep(DUE, times=3) + sweep(LEVEL2, times=3)

    # then: escalated twice, never approved, no permit
    assert done == Counter(escalations=2)
    application.refresh_from_db()
    assert (application.status, application.escalation_level) == (S.IN_REVIEW, 2)
    assert not Permit.objects.filter(application=application).exists()
    assert audits("application.tacitly_approved", application) == []
    assert [e["level"] for e in audits("application.escalated", application)] == [1, 2]


# --- the clock stops while information is requested ---------------------------------------------


def _pause_until_wednesday_18th(w: World) -> Application:
    """In review from Monday 2 November; information requested Wednesday 4 November; the applicant
    answers on Wednesday 18 November: ten working days later."""
    application = submit(w.licence_type, w.owner, at=MONDAY)
    with time_machine.travel(almaty(2026, 11, 4, 11), tick=False):
        application_request_info(actor=w.official, application_id=application.pk, message="Send the lease.")
    application.refresh_from_db()
    assert application.status == S.INFO_REQUESTED
    assert application.next_sla_at is None
    paused = sweep(REMIND, times=2) + sweep(DUE, times=2) + sweep(almaty(2026, 11, 17))
    assert paused == Counter()  # nothing while paused
    with time_machine.travel(almaty(2026, 11, 18), tick=False):
        application_resubmit(actor=w.owner, application_id=application.pk, message="Lease attached.")
    application.refresh_from_db()
    return application


@pytest.mark.parametrize("tacit", [False, True], ids=["escalation", "tacit"])
def test_an_information_request_stops_the_clock_and_resubmission_shifts_it(tacit):
    # given: an application in review; the official asks for information on Wednesday 4 November
    w = world(tacit=tacit)
    application = submit(w.licence_type, w.owner, at=MONDAY)
    with time_machine.travel(almaty(2026, 11, 4, 11), tick=False):
        application_request_info(actor=w.official, application_id=application.pk, message="Send the lease.")
    application.refresh_from_db()
    assert (application.status, application.next_sla_at) == (S.INFO_REQUESTED, None)

    # when: the sweep runs at the reminder, the due date and after while the file is paused
    paused = sweep(REMIND, times=2) + sweep(DUE, times=2) + sweep(almaty(2026, 11, 17))

    # then: no reminder, escalation or tacit approval
    assert paused == Counter()
    assert sweep_actions() == []
    application.refresh_from_db()
    assert (application.status, application.escalation_level, application.reminder_sent_at) == (
        S.INFO_REQUESTED,
        0,
        None,
    )

    # when: the applicant answers on Wednesday 18 November (10 working days after the request)
    with time_machine.travel(almaty(2026, 11, 18), tick=False):
        application_resubmit(actor=w.owner, application_id=application.pk, message="Lease attached.")

    # then: the due date and the reminder move by those 10 working days
    application.refresh_from_db()
    new_remind, new_due = almaty(2026, 11, 26), almaty(2026, 11, 30)
    assert (application.status, application.remind_at, application.due_at) == (
        S.IN_REVIEW,
        new_remind,
        new_due,
    )
    assert application.next_sla_at == new_remind
    # and: the old deadline no longer applies
    assert sweep(almaty(2026, 11, 20), times=2) == Counter()

    # when: the moved due date passes
    done = sweep(new_due, times=3)

    # then: the deadline's consequence happens once, at the moved date
    application.refresh_from_db()
    if tacit:
        assert done == Counter(tacit_approvals=1)
        assert application.status == S.APPROVED
        assert Permit.objects.get(application=application).is_tacit is True
    else:
        assert done == Counter(escalations=1)
        assert (application.status, application.escalation_level) == (S.IN_REVIEW, 1)


def test_after_a_resubmission_the_reminder_goes_out_at_its_moved_moment():
    # given: paused for ten working days, answered on Wednesday 18 November
    w = world()
    application = _pause_until_wednesday_18th(w)
    new_remind = almaty(2026, 11, 26)
    assert application.remind_at == new_remind

    # when: swept just before and at the moved reminder moment
    before = sweep(new_remind - MINUTE)
    at = sweep(new_remind, times=3)

    # then: one reminder, at the moved moment
    assert (before, at) == (Counter(), Counter(reminders=1))
    assert told("application.deadline_reminder", application=application.pk) == [w.official.username]


def test_holidays_shift_due_dates():
    # given: Thursday 5 and Friday 6 November 2026 are (test) public holidays
    Holiday.objects.create(date=dt.date(2026, 11, 5), name="Test holiday")
    Holiday.objects.create(date=dt.date(2026, 11, 6), name="Test holiday")
    w = world(tacit=False)

    # when: submitted on the same Monday
    application = submit(w.licence_type, w.owner, at=MONDAY)

    # then: reminder and due date two working days later than without the holidays
    assert application.remind_at == almaty(2026, 11, 16)
    assert application.due_at == almaty(2026, 11, 18)
    # and: the escalation waits for the shifted due date; level 2 is five working days after it
    assert sweep(almaty(2026, 11, 16) - MINUTE, times=2) == Counter()
    assert sweep(almaty(2026, 11, 18), times=2) == Counter(escalations=1)
    application.refresh_from_db()
    assert application.escalation_level == 1
    assert application.next_sla_at == almaty(2026, 11, 25)


def test_holidays_shift_the_reminder_and_the_due_date_in_the_sweep():
    # given: Thursday 5 and Friday 6 November 2026 are (test) public holidays
    Holiday.objects.create(date=dt.date(2026, 11, 5), name="Test holiday")
    Holiday.objects.create(date=dt.date(2026, 11, 6), name="Test holiday")
    w = world(tacit=False)
    application = submit(w.licence_type, w.owner, at=MONDAY)

    # when: swept at the moment that would have been due without the holidays
    done = sweep(DUE, times=2)

    # then: only the (shifted) reminder goes out; nothing is late yet
    assert done == Counter(reminders=1)
    application.refresh_from_db()
    assert (application.escalation_level, application.next_sla_at) == (0, almaty(2026, 11, 18))


def test_an_unassigned_application_reminds_the_supervisors():
    # given: no eligible official, so the application waits unassigned in "submitted"
    w = world(with_official=False)
    application = submit(w.licence_type, w.owner, at=MONDAY)
    assert (application.status, application.assigned_to) == (S.SUBMITTED, None)

    # when: the reminder moment passes
    done = sweep(REMIND, times=3)

    # then: the reminder goes to the supervisors, once each
    assert done == Counter(reminders=1)
    assert told("application.deadline_reminder", application=application.pk) == w.supervisor_names


def test_an_unassigned_application_is_deemed_approved_from_submitted():
    # given: a tacit licence type and no eligible official: the file waits in "submitted"
    w = world(tacit=True, with_official=False)
    application = submit(w.licence_type, w.owner, at=MONDAY)
    assert (application.status, application.assigned_to) == (S.SUBMITTED, None)

    # when: the due date passes
    done = sweep(DUE, times=3)

    # then: tacit approval applies from "submitted" too, once
    assert done == Counter(tacit_approvals=1)
    application.refresh_from_db()
    assert application.status == S.APPROVED
    assert Permit.objects.get(application=application).is_tacit is True
    assert told("application.tacitly_approved", application=application.pk) == sorted(
        w.applicants + w.supervisor_names
    )


def _approve(w: World, application: Application) -> None:
    with time_machine.travel(almaty(2026, 11, 5), tick=False):
        decide(application, w.official, reason="Fine.")


def _reject(w: World, application: Application) -> None:
    with time_machine.travel(almaty(2026, 11, 5), tick=False):
        decide(
            application,
            w.official,
            "reject",
            reason="Lease expired.",
            legal_basis=w.licence_type.legal_basis.code,
        )


def _withdraw(w: World, application: Application) -> None:
    with time_machine.travel(almaty(2026, 11, 5), tick=False):
        application_withdraw(actor=w.owner, application_id=application.pk, reason="Changed plans.")


@pytest.mark.parametrize(
    ("finish", "status"),
    [(_approve, S.APPROVED), (_reject, S.REJECTED), (_withdraw, S.WITHDRAWN)],
    ids=["approved", "rejected", "withdrawn"],
)
def test_a_decided_or_withdrawn_application_is_never_touched(finish, status):
    # given: an application with tacit approval that is decided or withdrawn before its deadline
    w = world(tacit=True)
    application = submit(w.licence_type, w.owner, at=MONDAY)

    # when
    finish(w, application)

    # then: it leaves the sweep's schedule
    application.refresh_from_db()
    assert application.status == status
    assert application.next_sla_at is None

    # when: swept at every milestone
    before = footprint()
    done = sweep(REMIND, times=2) + sweep(DUE, times=2) + sweep(LEVEL2, times=2)

    # then: nothing happens to it
    assert done == Counter()
    assert footprint() == before
    application.refresh_from_db()
    assert (application.status, application.escalation_level, application.reminder_sent_at) == (
        status,
        0,
        None,
    )
    permit = Permit.objects.filter(application=application).first()
    assert permit is None or permit.is_tacit is False


# --- low tier: overdue post-issue checks -------------------------------------------------------


def test_an_overdue_post_issue_check_escalates_to_the_supervisors_once(settings):
    # given: every low-tier permit is sampled; the check is due ten working days after issue
    settings.PORTAL_POST_CHECK_SHARE = 1.0
    settings.PORTAL_POST_CHECK_DAYS = 10
    w = world(tier="low")
    application = submit(w.licence_type, w.owner, at=MONDAY)
    permit = Permit.objects.get(application=application)
    assert application.status == S.APPROVED
    assert permit.post_check_status == "pending"
    assert permit.post_check_due_at == DUE
    assert application.next_sla_at == DUE
    assert sweep(DUE - MINUTE) == Counter()

    # when: the check's deadline passes without a check; swept three times
    done = sweep(DUE, times=3)

    # then: the supervisors are told, once each; one audit event
    assert done == Counter(escalations=1)
    assert told("permit.post_check_overdue", application=application.pk) == w.supervisor_names
    assert len(audits("permit.post_check_overdue", application)) == 1
    application.refresh_from_db()
    assert (application.escalation_level, application.next_sla_at) == (1, None)

    # when: swept again later
    after = footprint()
    assert sweep(almaty(2026, 12, 1), times=2) == Counter()

    # then
    assert footprint() == after


def test_a_post_issue_check_done_in_time_is_not_escalated(settings):
    # given: a sampled low-tier permit
    settings.PORTAL_POST_CHECK_SHARE = 1.0
    settings.PORTAL_POST_CHECK_DAYS = 10
    w = world(tier="low")
    application = submit(w.licence_type, w.owner, at=MONDAY)
    permit = Permit.objects.get(application=application)

    # when: an official records the check before its deadline, then the deadline passes
    with time_machine.travel(almaty(2026, 11, 10), tick=False):
        permit_post_check(actor=w.official, number=permit.number, outcome="passed", reason="All in order.")
    done = sweep(DUE, times=2)

    # then: nothing to escalate
    assert done == Counter()
    assert told("permit.post_check_overdue", application=application.pk) == []
    application.refresh_from_db()
    assert (application.escalation_level, application.next_sla_at) == (0, None)


# --- permit expiry -----------------------------------------------------------------------------


def test_permit_expiry_reminders_then_expiry(settings):
    # given: a low-tier permit valid for three months, issued Monday 2 November 2026
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    w = world(tier="low", validity_months=3)
    application = submit(w.licence_type, w.owner, at=MONDAY)
    permit = Permit.objects.get(application=application)
    assert permit.valid_until == dt.date(2027, 2, 2)
    assert permit.next_sla_at == almaty(2027, 1, 3, 0)  # 30 days before, at the start of the day
    assert sweep(almaty(2027, 1, 2, 23, 59)) == Counter()

    # when: 30 days before the end of validity, swept three times
    thirty = sweep(almaty(2027, 1, 3, 0), times=3)

    # then: one reminder to every member of the holder, one audit event
    assert thirty == Counter(expiry_reminders=1)
    assert told("permit.expiry_reminder", permit=permit.number, days=30) == w.applicants
    assert [e["days"] for e in audits("permit.expiry_reminder", permit)] == [30]
    permit.refresh_from_db()
    assert (permit.expiry_reminder_days, permit.next_sla_at) == (30, almaty(2027, 1, 26, 0))
    assert sweep(almaty(2027, 1, 25, 23, 59), times=2) == Counter()

    # when: 7 days before, swept three times
    seven = sweep(almaty(2027, 1, 26, 0), times=3)

    # then: the second reminder, once
    assert seven == Counter(expiry_reminders=1)
    assert told("permit.expiry_reminder", permit=permit.number, days=7) == w.applicants
    assert [e["days"] for e in audits("permit.expiry_reminder", permit)] == [30, 7]
    # and: still valid on its last day
    assert sweep(almaty(2027, 2, 2, 23, 59), times=2) == Counter()
    permit.refresh_from_db()
    assert permit.status == PermitStatus.ACTIVE

    # when: the day after valid_until begins, swept three times
    expired = sweep(almaty(2027, 2, 3, 0), times=3)

    # then: expired once, audited, the holder's members told
    assert expired == Counter(expiries=1)
    permit.refresh_from_db()
    assert (permit.status, permit.next_sla_at) == (PermitStatus.EXPIRED, None)
    assert [(e["from"], e["to"]) for e in audits("permit.expired", permit)] == [("active", "expired")]
    assert told("permit.expired", permit=permit.number) == w.applicants
    assert told("permit.expiry_reminder", permit=permit.number) == sorted(w.applicants * 2)
    # and: later sweeps leave it alone
    after = footprint()
    assert sweep(almaty(2027, 6, 1), times=2) == Counter()
    assert footprint() == after


def test_a_missed_thirty_day_moment_sends_only_the_seven_day_reminder(settings):
    # given: a permit valid until 2 February 2027 and no sweep for weeks
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    w = world(tier="low", validity_months=3)
    permit = Permit.objects.get(application=submit(w.licence_type, w.owner, at=MONDAY))

    # when: the first sweep runs five days before the end of validity
    done = sweep(almaty(2027, 1, 28, 9), times=3)

    # then: one reminder, the 7-day one; the stale 30-day one is not sent
    assert done == Counter(expiry_reminders=1)
    assert [e["days"] for e in audits("permit.expiry_reminder", permit)] == [7]
    assert told("permit.expiry_reminder", permit=permit.number, days=30) == []


def test_a_permit_expires_the_day_after_valid_until_and_verification_shows_it(settings):
    # given: a permit valid until 2 February 2027 (the sweep did not run for its reminders)
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    w = world(tier="low", validity_months=3)
    permit = Permit.objects.get(application=submit(w.licence_type, w.owner, at=MONDAY))
    verify = f"/api/v1/public/permits/{permit.number}/"
    assert APIClient().get(verify, {"code": permit.verification_code}).json()["status"] == "active"

    # when: the day after valid_until begins; swept three times
    done = sweep(almaty(2027, 2, 3, 0), times=3)

    # then: expired once, audited, the holder's members told; no stale reminder
    assert done == Counter(expiries=1)
    permit.refresh_from_db()
    assert (permit.status, permit.next_sla_at) == (PermitStatus.EXPIRED, None)
    assert [(e["from"], e["to"]) for e in audits("permit.expired", permit)] == [("active", "expired")]
    assert told("permit.expired", permit=permit.number) == w.applicants
    assert told("permit.expiry_reminder", permit=permit.number) == []
    # and: public verification shows it expired
    response = APIClient().get(verify, {"code": permit.verification_code})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "expired"
    # and: later sweeps leave it alone
    after = footprint()
    assert sweep(almaty(2027, 6, 1), times=2) == Counter()
    assert footprint() == after


def test_an_open_ended_permit_is_never_touched(settings):
    # given: a permit with no end of validity
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    w = world(tier="low", validity_months=None)
    permit = Permit.objects.get(application=submit(w.licence_type, w.owner, at=MONDAY))
    assert (permit.valid_until, permit.next_sla_at) == (None, None)

    # when: swept over the years
    before = footprint()
    done = sweep(almaty(2027, 11, 2), times=2) + sweep(almaty(2031, 1, 1), times=2)

    # then
    assert done == Counter()
    assert footprint() == before
    permit.refresh_from_db()
    assert permit.status == PermitStatus.ACTIVE


# --- the command and the cost of a sweep -------------------------------------------------------


def test_manage_py_sla_sweep_prints_progress_and_a_summary():
    # given: one application at its due date
    w = world(tacit=False)
    application = submit(w.licence_type, w.owner, at=MONDAY)

    # when: the command runs at the due date, then again
    first, second = io.StringIO(), io.StringIO()
    with time_machine.travel(DUE, tick=False):
        call_command("sla_sweep", stdout=first)
        call_command("sla_sweep", "--batch-size", "1", stdout=second)

    # then: progress and a summary of what was done; the second run has nothing to do
    assert "Sweeping deadlines..." in first.getvalue()
    assert "Done. escalations: 1." in first.getvalue()
    assert "Sweeping deadlines..." in second.getvalue()
    assert "Done. nothing was due." in second.getvalue()
    assert len(audits("application.escalated", application)) == 1


def test_a_sweep_with_nothing_due_reads_only_the_index_however_many_files_are_open(settings):
    # given: one open application and one permit with an expiry date, none of them due
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    w = world()
    submit(w.licence_type, w.owner, at=MONDAY)
    low = world(tier="low")
    Permit.objects.get(application=submit(low.licence_type, low.owner, at=MONDAY))
    moment = MONDAY + dt.timedelta(days=1)
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as one:
        assert sla_sweep(now=moment) == Counter()

    # when: 29 more open applications exist
    for n in range(29):
        submit(w.licence_type, w.owner, at=MONDAY + dt.timedelta(minutes=n + 1))
    assert Application.objects.filter(status=S.IN_REVIEW, next_sla_at__isnull=False).count() == 30
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as thirty:
        done = sla_sweep(now=moment)

    # then: a couple of queries (one per table, on next_sla_at), the same as before: no per-row work
    assert done == Counter()
    assert len(thirty.captured_queries) == len(one.captured_queries) <= 3
    assert all('"next_sla_at" <=' in q["sql"] for q in thirty.captured_queries), thirty.captured_queries


def test_a_sweep_touches_only_the_due_rows():
    # given: one application submitted a week earlier (now at its due date) and ten fresh ones
    w = world(tacit=False)
    early = submit(w.licence_type, w.owner, at=almaty(2026, 10, 26))
    assert early.due_at == almaty(2026, 11, 9)
    fresh = [submit(w.licence_type, w.owner, at=MONDAY + dt.timedelta(hours=n)) for n in range(10)]

    def fresh_rows():
        return list(
            Application.objects.filter(pk__in=[a.pk for a in fresh])
            .order_by("id")
            .values_list("id", "version", "updated_at", "next_sla_at", "escalation_level")
        )

    untouched = fresh_rows()

    # when: swept at the early one's due date
    done = sweep(almaty(2026, 11, 9), times=2)

    # then: the early one was escalated; no other row was written
    assert done == Counter(escalations=1)
    assert told("application.escalated", application=early.pk) == w.supervisor_names
    assert Notification.objects.filter(channel="in_app", event="application.escalated").count() == len(
        w.supervisors
    )
    assert fresh_rows() == untouched


def test_a_sweep_looks_up_supervisors_applicants_and_oversight_once_not_once_per_row():
    # given: six files of one authority and one business, all past their level-2 moment
    w = world(tacit=False)
    for n in range(6):
        submit(w.licence_type, w.owner, at=MONDAY + dt.timedelta(minutes=n))

    # when: the sweep escalates them all (level 1 and level 2) in one run
    with (
        time_machine.travel(LEVEL2 + dt.timedelta(hours=1), tick=False),
        CaptureQueriesContext(connection) as q,
    ):
        done = sla_sweep(now=LEVEL2 + dt.timedelta(hours=1))

    # then: twelve escalations, but the supervisors, the business's people, the oversight group and
    # the calendar for the level-2 moment were each read once for the whole sweep
    assert done["escalations"] == 12
    sql = [query["sql"] for query in q.captured_queries]
    assert sum('"is_supervisor"' in s for s in sql) == 1
    assert sum('FROM "auth_group"' in s for s in sql) == 1
    assert sum('FROM "accounts_membership"' in s for s in sql) == 1


# A level-1 escalation: lock the row, two notification inserts, the audit lock, tail and insert, the
# row's update, and the savepoint pair of its transaction (a savepoint inside the test's transaction).
PER_DUE_ROW = 9
# Counting, the batch, its businesses' people, supervisors, oversight, the recipients' preferences.
PER_SWEEP = 15


def test_a_sweep_s_queries_grow_by_a_few_per_due_row_however_many_people_it_tells():
    # given: files of different businesses at their due date, people with email opt-outs and a
    # bank's webhook subscription among those told
    w = world(tacit=False)
    NotificationPreference.objects.create(user=w.supervisors[0], event="application.escalated", email=False)
    bank = ApiClientFactory(business=w.business).user
    subscription_create(actor=bank, url="http://127.0.0.1:9/hooks", events=["application.authority_late"])

    def files(n: int, at: dt.datetime) -> None:
        """One file of w's business and n - 1 of businesses of their own, submitted at `at`."""
        owners = [w.owner, *(EntrepreneurFactory() for _ in range(n - 1))]
        for owner in owners:
            submit(w.licence_type, owner, at=at)

    files(4, MONDAY)
    with time_machine.travel(DUE, tick=False), CaptureQueriesContext(connection) as four:
        assert sla_sweep(now=DUE) == Counter(escalations=4)
    files(16, MONDAY + dt.timedelta(hours=2))

    # when: a sweep of four times as many due rows
    with (
        time_machine.travel(DUE + dt.timedelta(hours=3), tick=False),
        CaptureQueriesContext(connection) as sixteen,
    ):
        assert sla_sweep(now=DUE + dt.timedelta(hours=3)) == Counter(escalations=16)

    # then: a few queries more per due row; preferences, API clients and subscriptions read once per batch
    assert len(sixteen.captured_queries) - len(four.captured_queries) <= 12 * PER_DUE_ROW
    assert len(sixteen.captured_queries) <= 16 * PER_DUE_ROW + PER_SWEEP
    sql = [query["sql"] for query in sixteen.captured_queries]
    assert sum('FROM "notifications_notificationpreference"' in s for s in sql) == 1
    assert sum('FROM "notifications_webhooksubscription"' in s for s in sql) == 1
    # API clients twice: those acting for the batch's businesses, and which recipients are clients
    assert sum('FROM "accounts_apiclient"' in s for s in sql) == 2
    # and: told as a plain notify would: the opt-out held, the bank by webhook (once per file of its business)
    assert not Notification.objects.filter(
        recipient=w.supervisors[0], event="application.escalated", channel="email"
    ).exists()
    assert (
        Notification.objects.filter(
            recipient=bank, event="application.authority_late", channel="webhook"
        ).count()
        == 2
    )
