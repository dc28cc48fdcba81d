"""Sweeps racing on real PostgreSQL (permits/services/sla_sweep.py): due rows are locked with SKIP LOCKED in small
batches, so sweeps started at the same instant share the work and never handle a row twice. After
the race every due application got exactly one reminder, one escalation per level or one tacit
permit; a further sweep changes nothing."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Max, Min
from django.db.models.signals import post_save

from permits.models import Application, ApplicationStatus, Permit
from permits.services.applications import application_submit
from permits.services.sla_sweep import sla_sweep
from portal.accounts.services import oversight_join
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.concurrency import run_together
from tests.factories import AuthorityFactory, EntrepreneurFactory, OfficialProfileFactory, UserFactory
from tests.permits.factories import DraftApplicationFactory, LicenceTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)

ALMATY = ZoneInfo("Asia/Almaty")
S = ApplicationStatus


def almaty(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=ALMATY)


# 10-working-day deadlines, no holidays in these weeks (none are seeded here).
SUBMITTED_FOR_REMINDER = almaty(2026, 11, 9)  # reminder Thu 19 Nov 10:00, due Mon 23 Nov
SUBMITTED_FOR_LEVEL_ONE = almaty(2026, 11, 2)  # due Mon 16 Nov; level 2 on Mon 23 Nov
SUBMITTED_FOR_LEVEL_TWO = almaty(2026, 10, 26)  # due Mon 9 Nov; level 2 on Mon 16 Nov
SWEEP_AT = almaty(2026, 11, 19, 12)  # Thursday 19 November, noon
BATCH_SIZE = 3


@dataclass
class Due:
    reminder: list[Application] = field(default_factory=list)
    level_one: list[Application] = field(default_factory=list)
    level_two: list[Application] = field(default_factory=list)
    tacit: list[Application] = field(default_factory=list)


def due_applications(*, reminders: int, level_one: int, level_two: int, tacit: int) -> Due:
    """Applications of one authority, each due for exactly one kind of action at SWEEP_AT."""
    authority = AuthorityFactory()
    for _ in range(3):
        OfficialProfileFactory(authority=authority)
    OfficialProfileFactory(authority=authority, supervisor=True)
    for _ in range(2):
        oversight_join(actor=None, user=UserFactory())
    plain = LicenceTypeFactory(authority=authority, tacit_approval=False, deadline_working_days=10)
    silent = LicenceTypeFactory(authority=authority, tacit_approval=True, deadline_working_days=10)
    owners = [EntrepreneurFactory() for _ in range(4)]
    due = Due()
    plan = [
        (due.reminder, reminders, plain, SUBMITTED_FOR_REMINDER),
        (due.level_one, level_one, plain, SUBMITTED_FOR_LEVEL_ONE),
        (due.level_two, level_two, plain, SUBMITTED_FOR_LEVEL_TWO),
        (due.tacit, tacit, silent, SUBMITTED_FOR_LEVEL_ONE),
    ]
    n = 0
    for bucket, count, licence_type, submitted_at in plan:
        for _ in range(count):
            owner = owners[n % len(owners)]
            draft = DraftApplicationFactory(
                business=owner.memberships.get().business, licence_type=licence_type, created_by=owner
            )
            with time_machine.travel(submitted_at + dt.timedelta(minutes=n), tick=False):
                application_submit(actor=owner, application_id=draft.pk)
            bucket.append(Application.objects.get(pk=draft.pk))
            n += 1
    assert all(a.status == S.IN_REVIEW and a.next_sla_at <= SWEEP_AT for b in plan for a in b[0])
    return due


def race(threads: int) -> list[Counter]:
    """`threads` sweeps released together at SWEEP_AT; each closes its own DB connection."""
    with time_machine.travel(SWEEP_AT, tick=False):
        results = run_together([lambda: sla_sweep(now=SWEEP_AT, batch_size=BATCH_SIZE)] * threads)
    assert len(results) == threads
    return results


def footprint() -> tuple[int, int, int, list]:
    return (
        AuditEvent.objects.count(),
        Notification.objects.count(),
        Permit.objects.count(),
        list(
            Application.objects.order_by("id").values_list("id", "status", "escalation_level", "next_sla_at")
        ),
    )


def escalation_levels(application: Application) -> list[int]:
    return sorted(
        AuditEvent.objects.filter(
            action="application.escalated", object_id=str(application.pk), object_type="permits.application"
        ).values_list("data__level", flat=True)
    )


def assert_each_done_once(due: Due) -> None:
    for application in due.reminder:
        reminders = Notification.objects.filter(
            channel="in_app", event="application.deadline_reminder", payload__application=application.pk
        )
        assert reminders.count() == 1, application.reference
        assert reminders.get().recipient_id == application.assigned_to_id
        audits = AuditEvent.objects.filter(
            action="application.deadline_reminder", object_id=str(application.pk)
        )
        assert audits.count() == 1, application.reference
        assert escalation_levels(application) == []
    for application in due.level_one:
        assert escalation_levels(application) == [1], application.reference
        late = Notification.objects.filter(
            channel="in_app", event="application.authority_late", payload__application=application.pk
        )
        assert late.count() == 1  # the owner, once
    for application in due.level_two:
        assert escalation_levels(application) == [1, 2], application.reference
    for application in due.tacit:
        assert Permit.objects.filter(application=application, is_tacit=True).count() == 1, (
            application.reference
        )
        tacit = AuditEvent.objects.filter(
            action="application.tacitly_approved", object_id=str(application.pk)
        )
        assert tacit.count() == 1
        assert escalation_levels(application) == []
    # no reminder after a deadline, and nothing for rows that were not due
    reminded = set(
        Notification.objects.filter(channel="in_app", event="application.deadline_reminder").values_list(
            "payload__application", flat=True
        )
    )
    assert reminded == {a.pk for a in due.reminder}
    assert Permit.objects.count() == len(due.tacit)


@pytest.mark.parametrize("threads", [2, 4])
def test_concurrent_sweeps_escalate_and_deem_approved_exactly_once(threads):
    # given: 20 applications due at once: 8 for level 1, 4 for levels 1 and 2, 8 for tacit approval
    due = due_applications(reminders=0, level_one=8, level_two=4, tacit=8)

    # when: several sweeps start at the same instant, in batches of three
    results = race(threads)

    # then: the work was shared, never duplicated
    assert sum(results, Counter()) == Counter(escalations=8 + 2 * 4, tacit_approvals=8)
    assert_each_done_once(due)
    statuses = Counter(Application.objects.values_list("status", flat=True))
    assert statuses == Counter({S.IN_REVIEW: 12, S.APPROVED: 8})
    # and: the audit chain is unbroken after the concurrent appends
    call_command("verify_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # when: the sweep runs again at the same moment
    before = footprint()
    again = sla_sweep(now=SWEEP_AT, batch_size=BATCH_SIZE)

    # then: nothing changes
    assert again == Counter()
    assert footprint() == before


def test_concurrent_sweeps_send_each_reminder_escalation_and_permit_exactly_once():
    # given: 20 due applications: 6 reminders, 5 level-1, 3 level-1-and-2 escalations, 6 tacit approvals
    due = due_applications(reminders=6, level_one=5, level_two=3, tacit=6)

    # when: four sweeps start at the same instant, in batches of three
    results = race(4)

    # then: exactly one of each action per application, shared between the sweeps
    assert sum(results, Counter()) == Counter(reminders=6, escalations=5 + 2 * 3, tacit_approvals=6)
    assert_each_done_once(due)
    call_command("verify_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # when: the sweep runs again
    before = footprint()
    again = sla_sweep(now=SWEEP_AT, batch_size=BATCH_SIZE)

    # then: nothing changes
    assert again == Counter()
    assert footprint() == before


# --- a long sweep and the portal's other writers ---------------------------------------------------

LONG_SWEEP_ROWS = 1000
WRITER_DRAFTS = 200


def copies(application: Application, n: int) -> list[int]:
    """`n` more rows in the state the submission service left `application` in, each with its own
    reference (written in one statement: a thousand submissions would only slow the test down)."""
    fields = [f.name for f in Application._meta.concrete_fields if f.name not in ("id", "reference")]
    rows = [
        Application(
            reference=f"{application.reference}-{k:03d}", **{f: getattr(application, f) for f in fields}
        )
        for k in range(n)
    ]
    return [row.pk for row in Application.objects.bulk_create(rows)]


def test_a_sweep_of_a_thousand_due_rows_never_stalls_a_submission_meanwhile():
    # given: 1,000 applications of one authority past their due date (level-1 escalation): ten
    # submitted through the service, each copied a hundredfold; and a business with drafts to
    # submit while the sweep runs
    authority = AuthorityFactory()
    OfficialProfileFactory(authority=authority)
    OfficialProfileFactory(authority=authority, supervisor=True)
    plain = LicenceTypeFactory(authority=authority, tacit_approval=False, deadline_working_days=10)
    due_ids = []
    with time_machine.travel(SUBMITTED_FOR_LEVEL_ONE, tick=False):
        for _ in range(LONG_SWEEP_ROWS // 100):
            owner = EntrepreneurFactory()
            draft = DraftApplicationFactory(
                business=owner.memberships.get().business, licence_type=plain, created_by=owner
            )
            application_submit(actor=owner, application_id=draft.pk)
            due_ids += [draft.pk, *copies(Application.objects.get(pk=draft.pk), 99)]
    writer = EntrepreneurFactory()
    business = writer.memberships.get().business
    drafts = [
        row.pk
        for row in Application.objects.bulk_create(
            DraftApplicationFactory.build_batch(
                WRITER_DRAFTS, business=business, licence_type=plain, authority=authority, created_by=writer
            )
        )
    ]
    sweeping = threading.Event()
    swept = threading.Event()
    submitted_while_sweeping: list[int] = []
    in_sweep = threading.local()
    at_each_row: list[tuple[int, int]] = []

    def locks_at_row_save(sender, instance, **kwargs) -> None:
        """When the sweep saves a row: its own audit-chain and transaction locks, from pg_locks."""
        if getattr(in_sweep, "on", False):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE locktype = 'advisory'), "
                    "count(*) FILTER (WHERE locktype = 'transactionid') "
                    "FROM pg_locks WHERE pid = pg_backend_pid() AND granted"
                )
                at_each_row.append(cursor.fetchone())

    def sweep() -> Counter:
        in_sweep.on = True
        sweeping.set()
        try:
            return sla_sweep(now=SWEEP_AT)
        finally:
            swept.set()

    def submit_meanwhile() -> Counter:
        sweeping.wait(timeout=30)
        for draft in drafts:
            if swept.is_set():
                break
            application_submit(actor=writer, application_id=draft)
            if not swept.is_set():
                submitted_while_sweeping.append(draft)
        return Counter()

    # when: the sweep runs while the applicant submits one draft after another
    post_save.connect(locks_at_row_save, sender=Application)
    try:
        with time_machine.travel(SWEEP_AT, tick=False):
            results = run_together([sweep, submit_meanwhile], timeout=600)
    finally:
        post_save.disconnect(locks_at_row_save, sender=Application)

    # then: every due row escalated exactly once
    assert sum(results, Counter()) == Counter(escalations=LONG_SWEEP_ROWS)
    escalated = AuditEvent.objects.filter(actor_label="sla-sweep", action="application.escalated")
    assert sorted(int(pk) for pk in escalated.values_list("object_id", flat=True)) == sorted(due_ids)
    # and: whenever the sweep saved a row it held no audit-chain lock, and its transaction was that
    # row's alone (one transaction id: no earlier row's work still uncommitted in it)
    assert len(at_each_row) == LONG_SWEEP_ROWS
    assert set(at_each_row) == {(0, 1)}
    # and: the applicant's submissions went through while the sweep was still running, their
    # audit events between the sweep's own in the one chain
    assert len(submitted_while_sweeping) >= 10
    span = escalated.aggregate(first=Min("id"), last=Max("id"))
    inside = AuditEvent.objects.filter(
        actor_label=writer.username, action="application.submitted", id__gt=span["first"], id__lt=span["last"]
    )
    assert inside.count() >= 10
    assert Application.objects.filter(pk__in=submitted_while_sweeping, status=S.IN_REVIEW).count() == len(
        submitted_while_sweeping
    )
    call_command("verify_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115
