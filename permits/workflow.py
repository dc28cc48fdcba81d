"""The one door for every status change of an application.

`TRANSITIONS` is the table of allowed moves (from, to) with who may make them; `transition` applies
one to a row the caller has locked, bumps the optimistic-lock version, saves with update_fields,
writes the notifications and records the audit event, all inside the caller's transaction. Nothing
else assigns `Application.status`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from permits import sla
from permits.models import Application, ApplicationStatus, Permit, PermitStatus, PostCheckStatus
from portal.api.errors import Conflict, Forbidden, InvalidState
from portal.audit.services import record
from portal.notifications.services import notify
from portal.workflow import Transitions, move_by

S = ApplicationStatus


class By:
    APPLICANT = "applicant"
    OFFICIAL = "official"
    SYSTEM = "system"


@dataclass(frozen=True)
class Move:
    by: frozenset[str]
    action: str


def _move(action: str, *by: str) -> Move:
    return Move(by=frozenset(by), action=action)


_WITHDRAW = _move("withdrawn", By.APPLICANT)

TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.DRAFT, S.SUBMITTED): _move("submitted", By.APPLICANT),
    # Low tier: a notification is accepted on submission and the permit issued at once.
    (S.SUBMITTED, S.APPROVED): _move("notification_accepted", By.SYSTEM),
    (S.SUBMITTED, S.IN_REVIEW): _move("review_started", By.SYSTEM, By.OFFICIAL),
    (S.IN_REVIEW, S.INFO_REQUESTED): _move("info_requested", By.OFFICIAL),
    (S.INFO_REQUESTED, S.IN_REVIEW): _move("resubmitted", By.APPLICANT),
    (S.IN_REVIEW, S.SECOND_REVIEW): _move("first_review_approved", By.OFFICIAL),
    (S.IN_REVIEW, S.APPROVED): _move("approved", By.OFFICIAL, By.SYSTEM),
    (S.IN_REVIEW, S.REJECTED): _move("rejected", By.OFFICIAL),
    (S.SECOND_REVIEW, S.APPROVED): _move("approved", By.OFFICIAL),
    (S.SECOND_REVIEW, S.REJECTED): _move("rejected", By.OFFICIAL),
    (S.DRAFT, S.WITHDRAWN): _WITHDRAW,
    (S.SUBMITTED, S.WITHDRAWN): _WITHDRAW,
    (S.IN_REVIEW, S.WITHDRAWN): _WITHDRAW,
    (S.INFO_REQUESTED, S.WITHDRAWN): _WITHDRAW,
    (S.SECOND_REVIEW, S.WITHDRAWN): _WITHDRAW,
}


# --- permits ---------------------------------------------------------------------------------

P = PermitStatus

PERMIT_TRANSITIONS: dict[tuple[str, str], str] = {
    (P.ACTIVE, P.SUSPENDED): "suspended",
    (P.SUSPENDED, P.ACTIVE): "reinstated",
    (P.ACTIVE, P.REVOKED): "revoked",
    (P.SUSPENDED, P.REVOKED): "revoked",
    (P.ACTIVE, P.EXPIRED): "expired",
    (P.SUSPENDED, P.EXPIRED): "expired",
}


def lock_permit(number: str) -> Permit:
    return (
        Permit.objects.select_for_update(of=("self",))
        .select_related("application", "licence_type__authority", "holder")
        .get(number=number)
    )


def permit_transition(
    permit: Permit,
    to: str,
    *,
    actor,
    reason: str,
    changes: dict[str, Any] | None = None,
    notify_users: Iterable = (),
) -> Permit:
    """Move a locked permit to `to`; refuse with 409 from a wrong state. Same door as applications."""
    action = PERMIT_TRANSITIONS.get((permit.status, to))
    if action is None:
        raise InvalidState(
            f"Permit {permit.number} is {permit.get_status_display().lower()}; "
            f"it cannot become {PermitStatus(to).label.lower()}.",
            code="invalid_transition",
        )
    previous = permit.status
    fields = {"status", "status_reason"}
    for name, value in (changes or {}).items():
        setattr(permit, name, value)
        fields.add(name)
    permit.status = to
    permit.status_reason = reason
    permit.next_sla_at = sla.permit_next_moment(permit)
    fields.add("next_sla_at")
    permit.save(update_fields=sorted(fields))
    notify(
        recipients=notify_users,
        event=f"permit.{action}",
        subject_key=f"{permit.number}:{previous}>{to}:{timezone.now():%Y%m%d%H%M%S%f}",
        payload={"permit": permit.number, "status": to, "reason": reason},
    )
    # The audit event last: from the append to the commit, every audited write waits for this one.
    record(
        actor=actor,
        action=f"permit.{action}",
        obj=permit,
        data={"number": permit.number, "from": previous, "to": to, "reason": reason, **(changes or {})},
    )
    return permit


# --- applications ----------------------------------------------------------------------------


def lock(application_id: int) -> Application:
    """The application row, locked until the end of the caller's transaction."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("licence_type", "business")
        .get(pk=application_id)
    )


def check_version(application: Application, expected: int | None) -> None:
    if expected is not None and expected != application.version:
        raise Conflict(
            f"{application.reference} changed meanwhile (version {application.version}, you sent {expected}); "
            "reload it and try again."
        )


def can_move(application: Application, to: str) -> bool:
    return (application.status, to) in TRANSITIONS


def transition(
    application: Application,
    to: str,
    *,
    actor,
    by: str,
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    notify_users: Iterable = (),
    action: str | None = None,
) -> Application:
    """Move a locked application to `to`; refuse with 409 from a wrong state, 403 for a wrong actor.

    `action` names the event when one move has several meanings (a tacit approval is still
    in_review → approved). The SLA schedule (`next_sla_at`) is recomputed here, on every move.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside the transaction that locked the row")
    move = TRANSITIONS.get((application.status, to))
    if move is None:
        raise InvalidState(
            f"{application.reference} is {application.get_status_display().lower()}; "
            f"it cannot become {ApplicationStatus(to).label.lower()}.",
            code="invalid_transition",
        )
    if by not in move.by:
        raise Forbidden(f"Only the {' or '.join(sorted(move.by))} may do this.")
    previous = application.status
    fields = {"status", "version", "updated_at"}
    for name, value in (changes or {}).items():
        setattr(application, name, value)
        fields.add(name)
    application.status = to
    application.version += 1
    application.next_sla_at = sla.next_moment(application)
    fields.add("next_sla_at")
    application.save(update_fields=sorted(fields))
    notify(
        recipients=notify_users,
        event=f"application.{action or move.action}",
        subject_key=f"{application.reference}:v{application.version}",
        payload={"application": application.pk, "reference": application.reference, "status": to},
    )
    # The audit event last: from the append to the commit, every audited write waits for this one.
    record(
        actor=actor,
        action=f"application.{action or move.action}",
        obj=application,
        data={"reference": application.reference, "from": previous, "to": to, **(data or {})},
    )
    return application


# --- post-issue checks ------------------------------------------------------------------------

C = PostCheckStatus

# A sampled low-risk permit's check is pending until an official of the issuing authority records
# its outcome, once. The application mirrors a pending check (`post_check_pending`, with the check's
# due moment as its next SLA look) so the sweep and the queue find it; this door keeps the two equal.
POST_CHECK_TRANSITIONS = {
    (C.PENDING, C.PASSED): move_by("post_check_recorded", By.OFFICIAL),
    (C.PENDING, C.PROBLEM_FOUND): move_by("post_check_recorded", By.OFFICIAL),
}


def _clear_mirror(permit: Permit, previous: str, to: str) -> tuple[str, ...]:
    application = permit.application
    application.post_check_pending = False
    application.next_sla_at = None
    application.save(update_fields=["post_check_pending", "next_sla_at", "updated_at"])
    return ()


POST_CHECKS = Transitions(
    prefix="permit",
    choices=PostCheckStatus,
    moves=POST_CHECK_TRANSITIONS,
    # Issued either drawn for a check (pending, with its due moment) or not drawn at all.
    initial=(C.NOT_SAMPLED, C.PENDING),
    field="post_check_status",
    refuse=lambda permit, to: InvalidState(
        f"Permit {permit.number} has no pending post-issue check.", code="no_pending_check"
    ),
    on_move=_clear_mirror,
)


def post_check_initial(*, sampled: bool, due_at: dt.datetime | None) -> dict[str, Any]:
    """The post-check fields of a permit being issued: pending with its due moment when sampled."""
    if sampled:
        return {"post_check_status": C.PENDING, "post_check_due_at": due_at}
    return {"post_check_status": C.NOT_SAMPLED, "post_check_due_at": None}


def post_check_opened(application: Application, permit: Permit) -> None:
    """A sampled permit's application carries the pending flag; the SLA sweep escalates the check
    when its due moment passes."""
    if permit.post_check_status != C.PENDING:
        return
    application.post_check_pending = True
    application.next_sla_at = permit.post_check_due_at
    application.save(update_fields=["post_check_pending", "next_sla_at", "updated_at"])


def post_check_record(permit: Permit, to: str, *, actor, by: str, data: dict[str, Any]) -> Permit:
    """Record the outcome of a locked permit's pending check, or refuse with 409 `no_pending_check`."""
    return POST_CHECKS.move(permit, to, actor=actor, by=by, audit=data)
