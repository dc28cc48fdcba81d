"""The doors for every status change of an application, a permit and a permit's post-issue check.

`TRANSITIONS` is the table of allowed moves (from, to) with who may make them; `transition` applies
one to a row the caller has locked, bumps the optimistic-lock version, saves with update_fields,
writes the notifications and records the audit event, all inside the caller's transaction, through
the shared mechanism (`portal.workflow.Transitions.move`). Nothing else assigns
`Application.status`, `Permit.status` or `Permit.post_check_status`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from permits.deadlines import next_moment, permit_next_moment
from permits.errors import PermitErrorCode
from permits.models import Application, ApplicationStatus, Permit, PermitStatus, PostCheckStatus
from portal.api.errors import Conflict, InvalidState
from portal.workflow import Move, Notice, Transitions, move_by

S = ApplicationStatus


class By:
    APPLICANT = "applicant"
    OFFICIAL = "official"
    SYSTEM = "system"


_move = move_by


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


def _permit_moved(permit: Permit, previous: str, to: str) -> tuple[str, ...]:
    permit.next_sla_at = permit_next_moment(permit)
    return ("next_sla_at",)


PERMITS = Transitions(
    prefix="permit",
    choices=PermitStatus,
    moves=PERMIT_TRANSITIONS,
    initial=P.ACTIVE,
    subject=lambda permit: f"Permit {permit.number}",
    on_move=_permit_moved,
)


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
    now: dt.datetime | None = None,
) -> Permit:
    """Move a locked permit to `to`; refuse with 409 from a wrong state. Same door as applications."""
    return PERMITS.move(
        permit,
        to,
        actor=actor,
        changes={**(changes or {}), "status_reason": reason},
        audit=lambda previous: {
            "number": permit.number,
            "from": previous,
            "to": to,
            "reason": reason,
            **(changes or {}),
        },
        notices=lambda previous: [
            Notice(
                recipients=notify_users,
                subject_key=f"{permit.number}:{previous}>{to}:{now or timezone.now():%Y%m%d%H%M%S%f}",
                payload={"permit": permit.number, "status": to, "reason": reason},
            )
        ],
    )


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


def _application_moved(application: Application, previous: str, to: str) -> tuple[str, ...]:
    application.version += 1
    application.next_sla_at = next_moment(application)
    return ("version", "updated_at", "next_sla_at")


APPLICATIONS = Transitions(
    prefix="application",
    choices=ApplicationStatus,
    moves=TRANSITIONS,
    initial=S.DRAFT,
    subject=lambda application: application.reference,
    on_move=_application_moved,
)


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
    return APPLICATIONS.move(
        application,
        to,
        actor=actor,
        by=by,
        action=action,
        changes=changes,
        audit=lambda previous: {
            "reference": application.reference,
            "from": previous,
            "to": to,
            **(data or {}),
        },
        notices=lambda previous: [
            Notice(
                recipients=notify_users,
                subject_key=f"{application.reference}:v{application.version}",
                payload={"application": application.pk, "reference": application.reference, "status": to},
            )
        ],
    )


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
        f"Permit {permit.number} has no pending post-issue check.", code=PermitErrorCode.NO_PENDING_CHECK
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
