"""Deadlines that enforce themselves: reminders, escalation, tacit approval, expiry (DESIGN §5).

Every row that has a deadline ahead carries `next_sla_at`, the next moment the sweep must look at
it (computed by permits.deadlines); a partial index holds only those rows, so a sweep reads the rows
that are due and nothing else. The sweep reads due rows in bounded batches and handles each in a
short transaction of its own, locked with SKIP LOCKED (two sweeps at once share the work and never
handle a row twice): it does everything that is due for the row in one pass, moves `next_sla_at` to
the row's next milestone (or clears it) and appends the row's audit events last, so the audit
chain's lock that every audited write of the portal takes is held for one append, never for a
batch. Each action is guarded by state (the reminder time, the escalation level, the status), so a
second sweep changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from permits.deadlines import (
    CLOCK_RUNS,
    EXPIRY_REMINDER_DAYS,
    level_two_moment,
    next_moment,
    permit_next_moment,
)
from permits.models import Application, ApplicationStatus, Permit, PermitStatus, Tier
from permits.selectors import supervisors_of
from permits.services.permits import permit_issue
from permits.workflow import By, permit_transition, transition
from portal.accounts.models import OVERSIGHT_GROUP, ApiClient, Membership
from portal.audit.services import appended_last, record
from portal.notifications.services import NotificationContext, notification_context, notify

logger = logging.getLogger(__name__)
S = ApplicationStatus


# --- the sweep ---------------------------------------------------------------------------------


class _Memo:
    """What one sweep looks up again and again: an authority's supervisors, a business's people,
    the oversight group, the level-2 moment of a due date. Read once per sweep, not once per row
    (a business's people once per batch, for all the batch's businesses at once); a sweep lasts
    seconds, so a change made meanwhile is seen by the next one."""

    def __init__(self) -> None:
        self._values: dict[tuple, object] = {}

    def get(self, key: tuple, load):
        if key not in self._values:
            self._values[key] = load()
        return self._values[key]

    def supervisors(self, application: Application) -> list:
        return self.supervisors_of(application.authority_id)

    def supervisors_of(self, authority_id: int) -> list:
        return self.get(("supervisors", authority_id), lambda: supervisors_of(authority_id))

    def load_businesses(self, business_ids) -> None:
        """Members and API clients of every business of a batch not read yet: two queries."""
        missing = {pk for pk in business_ids if ("members", pk) not in self._values}
        if not missing:
            return
        members: dict[int, list] = {pk: [] for pk in missing}
        clients: dict[int, list] = {pk: [] for pk in missing}
        for membership in (
            Membership.objects.filter(business_id__in=missing).select_related("user").order_by("id")
        ):
            members[membership.business_id].append(membership.user)
        for client in ApiClient.objects.filter(business_id__in=missing).select_related("user").order_by("id"):
            clients[client.business_id].append(client.user)
        for pk in missing:
            self._values[("members", pk)] = members[pk]
            self._values[("clients", pk)] = clients[pk]

    def members(self, business_id: int) -> list:
        self.load_businesses([business_id])
        return self._values[("members", business_id)]

    def business_users(self, application: Application) -> list:
        """Everyone to tell about a business's application: its members and the API clients acting for it."""
        self.load_businesses([application.business_id])
        return [*self.members(application.business_id), *self._values[("clients", application.business_id)]]

    def oversight(self) -> list:
        def load() -> list:
            group = Group.objects.filter(name=OVERSIGHT_GROUP).first()
            return list(group.user_set.filter(is_active=True)) if group else []

        return self.get(("oversight",), load)

    def level_two(self, due_at: dt.datetime) -> dt.datetime:
        return self.get(("level2", due_at), lambda: level_two_moment(due_at))

    def people_of_batch(self, model, batch: list[dict]) -> set[int]:
        """Everyone the sweep may tell about the rows of a batch, read ahead in a few queries."""
        if model is Permit:
            self.load_businesses(row["holder_id"] for row in batch)
            return {user.pk for row in batch for user in self.members(row["holder_id"])}
        self.load_businesses(row["business_id"] for row in batch)
        people = {user.pk for user in self.oversight()}
        for row in batch:
            people.add(row["assigned_to_id"])
            people.update(user.pk for user in self._values[("members", row["business_id"])])
            people.update(user.pk for user in self._values[("clients", row["business_id"])])
            people.update(user.pk for user in self.supervisors_of(row["authority_id"]))
        return people


def _tell(users, event: str, application: Application, key: str, **payload) -> None:
    notify(
        recipients=users,
        event=event,
        subject_key=f"{application.reference}:{key}",
        payload={"application": application.pk, "reference": application.reference, **payload},
    )


def _handle_application(application: Application, now: dt.datetime, done: Counter, memo: _Memo) -> None:
    if application.status in CLOCK_RUNS and application.due_at:
        if application.reminder_sent_at is None and application.remind_at and application.remind_at <= now:
            application.reminder_sent_at = now
            if application.due_at > now:  # a reminder after the deadline would only be noise
                officials = (
                    [application.assigned_to] if application.assigned_to_id else memo.supervisors(application)
                )
                _tell(
                    officials,
                    "application.deadline_reminder",
                    application,
                    "reminder",
                    due_at=application.due_at,
                )
                record(actor="sla-sweep", action="application.deadline_reminder", obj=application,
                       data={"reference": application.reference, "due_at": application.due_at})  # fmt: skip
                done["reminders"] += 1
        if application.due_at <= now:
            licence_type = application.licence_type
            if (
                application.risk_tier == Tier.MEDIUM
                and licence_type.tacit_approval
                and application.status in (S.SUBMITTED, S.IN_REVIEW)
            ):
                # Silence means consent: the authority missed its deadline on a permit the law
                # deems granted then. Never for high tier, never while information is requested.
                applicants = memo.business_users(application)
                transition(
                    application, S.APPROVED, actor="sla-sweep", by=By.SYSTEM, action="tacitly_approved",
                    changes={"decided_at": now, "reminder_sent_at": application.reminder_sent_at,
                             "decision_reason": "Deemed approved: the authority did not decide by the deadline."},
                    data={"due_at": application.due_at}, notify_users=[*applicants, *memo.supervisors(application)],
                )  # fmt: skip
                permit_issue(
                    application=application, actor="sla-sweep", tacit=True, notify_users=applicants, now=now
                )
                done["tacit_approvals"] += 1
                return
            if application.escalation_level == 0:
                application.escalation_level = 1
                _tell(memo.supervisors(application), "application.escalated", application, "level1", level=1)
                _tell(memo.business_users(application), "application.authority_late", application, "late")
                record(actor="sla-sweep", action="application.escalated", obj=application,
                       data={"reference": application.reference, "level": 1, "due_at": application.due_at})  # fmt: skip
                done["escalations"] += 1
            if application.escalation_level == 1 and now >= memo.level_two(application.due_at):
                application.escalation_level = 2
                _tell(memo.oversight(), "application.escalated", application, "level2", level=2)
                record(actor="sla-sweep", action="application.escalated", obj=application,
                       data={"reference": application.reference, "level": 2, "due_at": application.due_at})  # fmt: skip
                done["escalations"] += 1
    elif (
        application.status == S.APPROVED
        and application.post_check_pending
        and application.escalation_level == 0
    ):
        application.escalation_level = 1
        _tell(memo.supervisors(application), "permit.post_check_overdue", application, "post-check")
        record(actor="sla-sweep", action="permit.post_check_overdue", obj=application,
               data={"reference": application.reference})  # fmt: skip
        done["escalations"] += 1
        application.next_sla_at = None
    application.next_sla_at = next_moment(application, level_two=memo.level_two)
    application.save(update_fields=["reminder_sent_at", "escalation_level", "next_sla_at", "updated_at"])


def _handle_permit(permit: Permit, now: dt.datetime, done: Counter, memo: _Memo) -> None:
    holders = memo.members(permit.holder_id)
    today = timezone.localdate(now)
    if permit.valid_until is not None and permit.status in (PermitStatus.ACTIVE, PermitStatus.SUSPENDED):
        days_left = (permit.valid_until - today).days
        if days_left < 0:
            permit_transition(permit, PermitStatus.EXPIRED, actor="sla-sweep", reason="Validity ended.",
                              changes={"next_sla_at": None}, notify_users=holders, now=now)  # fmt: skip
            done["expiries"] += 1
            return
        due = [d for d in EXPIRY_REMINDER_DAYS if days_left <= d]
        if due and (permit.expiry_reminder_days is None or permit.expiry_reminder_days > min(due)):
            days = min(due)
            permit.expiry_reminder_days = days
            notify(recipients=holders, event="permit.expiry_reminder", subject_key=f"{permit.number}:expiry{days}",
                   payload={"permit": permit.number, "valid_until": permit.valid_until, "days": days})  # fmt: skip
            record(actor="sla-sweep", action="permit.expiry_reminder", obj=permit,
                   data={"number": permit.number, "days": days})  # fmt: skip
            done["expiry_reminders"] += 1
    permit.next_sla_at = permit_next_moment(permit)
    permit.save(update_fields=["expiry_reminder_days", "next_sla_at"])


# Per model: the related rows a handler reads, and the fields naming the people it may tell.
_RELATED = {Application: ("licence_type", "business", "assigned_to"), Permit: ("holder",)}
_PEOPLE = {Application: ("assigned_to_id", "authority_id", "business_id"), Permit: ("holder_id",)}


def _sweep(
    model, handle, now: dt.datetime, batch_size: int, done: Counter, memo: _Memo, told: NotificationContext
) -> None:
    """The due rows in batches; each row in a transaction of its own.

    A batch is read without locks, to read ahead everyone its rows may tell (their notification
    preferences, memberships, supervisors) in a few queries. Each row is then locked (SKIP LOCKED:
    a row another sweep holds is that sweep's), re-read, handled and committed alone, its audit
    events appended as the transaction's last statement: the audit chain's lock, which every
    audited write of the portal takes, is held for one append at a time, never for a batch.
    """
    due = model.objects.filter(next_sla_at__lte=now)
    after: tuple[dt.datetime, int] | None = None
    # Bounded: at most the rows due when the sweep started, batch by batch. A handled row leaves
    # the due set (its next moment is ahead); the next batch starts after the last one read, so a
    # row that failed or that another sweep holds is not read again by this sweep.
    for _ in range(math.ceil(due.count() / batch_size)):
        ahead = due.order_by("next_sla_at", "id")
        if after is not None:
            ahead = ahead.filter(next_sla_at__gte=after[0]).exclude(next_sla_at=after[0], id__lte=after[1])
        batch = list(ahead.values("id", "next_sla_at", *_PEOPLE[model])[:batch_size])
        if not batch:
            break
        after = (batch[-1]["next_sla_at"], batch[-1]["id"])
        told.prefetch(memo.people_of_batch(model, batch))
        for candidate in batch:
            try:
                with transaction.atomic(), appended_last():  # one row's failure never blocks the others
                    row = (
                        due.select_for_update(skip_locked=True, of=("self",))
                        .select_related(*_RELATED[model])
                        .filter(pk=candidate["id"])
                        .first()
                    )
                    if row is not None:  # else handled meanwhile, or another sweep's to handle
                        handle(row, now, done, memo)
            except Exception:
                logger.exception(
                    "SLA sweep failed on %s #%s; it will be retried", model.__name__, candidate["id"]
                )
                done["errors"] += 1
        if len(batch) < batch_size:
            break


def sla_sweep(*, now: dt.datetime | None = None, batch_size: int = 50) -> Counter:
    """Do everything that is due; return what was done, by kind.

    Each due row is its own short transaction, so other writers wait for the audit chain's lock
    at most one append; `batch_size` is the number of rows whose recipients are read ahead at once.
    """
    now = now or timezone.now()
    done: Counter = Counter()
    memo = _Memo()
    with notification_context() as told:  # every notify of the sweep reads its recipients here
        _sweep(Application, _handle_application, now, batch_size, done, memo, told)
        _sweep(Permit, _handle_permit, now, batch_size, done, memo, told)
    return done
