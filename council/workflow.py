"""The doors for every status change on the council side: consultations, concerns, reports.

A consultation moves one way only: draft → open → closed → outcome_published. A concern is open until
a council member answers it, once. A report is a draft until an officer publishes it, once. Each table
names the allowed moves, who may make them and the audit action each records; the shared mechanism
(`portal.workflow.Transitions.move`) applies one to a row the caller has locked, saves with
update_fields, writes the notifications and records the audit event, all inside the caller's
transaction. Nothing else assigns `Consultation.status`, `Concern.status` or
`AccountabilityReport.status`; each row is created in its table's `initial` state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from council.errors import CouncilErrorCode
from council.models import (
    AccountabilityReport,
    Concern,
    ConcernStatus,
    Consultation,
    ConsultationStatus,
    ReportStatus,
)
from portal.api.errors import InvalidState
from portal.workflow import Move, Notice, Transitions, move_by

S = ConsultationStatus


class By:
    MEMBER = "council member"
    OFFICER = "council officer"


# --- consultations ---------------------------------------------------------------------------

# (from, to) -> the audit action (and notification event, where people are told).
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.OPEN): "consultation_opened",
    (S.OPEN, S.CLOSED): "consultation_closed",
    (S.CLOSED, S.OUTCOME_PUBLISHED): "outcome_published",
}

# The moment each move stamps on the row; the database checks an open or closed row has it.
_STAMPS = {S.OPEN: "opened_at", S.CLOSED: "closed_at"}

CONSULTATIONS = Transitions(
    prefix="council",
    choices=ConsultationStatus,
    moves=TRANSITIONS,
    initial=S.DRAFT,
    subject=lambda consultation: "The consultation",
)


def lock(consultation_id: int) -> Consultation:
    """The consultation row, locked until the end of the caller's transaction."""
    return (
        Consultation.objects.select_for_update(of=("self",)).select_related("council").get(pk=consultation_id)
    )


def check_move(consultation: Consultation, to: str) -> str:
    """The move's action, or a 409 `invalid_transition` naming both states."""
    return CONSULTATIONS.check(consultation, to).action


def transition(
    consultation: Consultation,
    to: str,
    *,
    actor,
    now: dt.datetime,
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    notify_users: Iterable = (),
) -> Consultation:
    """Move a locked consultation to `to` and stamp the moment, or refuse with 409 `invalid_transition`."""
    changes = dict(changes or {})
    if to in _STAMPS:
        changes[_STAMPS[to]] = now
    return CONSULTATIONS.move(
        consultation,
        to,
        actor=actor,
        changes=changes,
        audit=lambda previous: {
            "council": consultation.council_id,
            "from": previous,
            "to": to,
            **(data or {}),
        },
        notices=[
            Notice(
                recipients=notify_users,
                subject_key=f"consultation-{consultation.pk}:{to}",
                payload={"title": consultation.title, "consultation": consultation.pk, "status": to},
            )
        ],
    )


# --- concerns ----------------------------------------------------------------------------------

C = ConcernStatus

CONCERN_TRANSITIONS: dict[tuple[str, str], Move] = {
    # Answered once, by a member of the council it is addressed to; the answer is final.
    (C.OPEN, C.ANSWERED): move_by("concern_answered", By.MEMBER),
}

CONCERNS = Transitions(
    prefix="council",
    choices=ConcernStatus,
    moves=CONCERN_TRANSITIONS,
    initial=C.OPEN,
    subject=lambda concern: "The concern",
    refuse=lambda concern, to: InvalidState(
        "This concern has already been answered.", code=CouncilErrorCode.ALREADY_ANSWERED
    ),
)


def concern_answer(
    concern: Concern, *, actor, changes: dict[str, Any], audit: dict[str, Any], notices: Iterable[Notice]
) -> Concern:
    """Answer a locked open concern, or refuse with 409 `already_answered`."""
    return CONCERNS.move(
        concern, C.ANSWERED, actor=actor, by=By.MEMBER, changes=changes, audit=audit, notices=notices
    )


# --- accountability reports --------------------------------------------------------------------

R = ReportStatus

REPORT_TRANSITIONS: dict[tuple[str, str], Move] = {
    # Published once, by an officer of the council, after the period has ended; then frozen.
    (R.DRAFT, R.PUBLISHED): move_by("report_published", By.OFFICER),
}


def _refuse_published(report: AccountabilityReport, to: str = R.PUBLISHED) -> InvalidState:
    return InvalidState(
        "This report is published; its figures are frozen.", code=CouncilErrorCode.REPORT_PUBLISHED
    )


REPORTS = Transitions(
    prefix="council",
    choices=ReportStatus,
    moves=REPORT_TRANSITIONS,
    initial=R.DRAFT,
    subject=lambda report: "The report",
    refuse=_refuse_published,
)


def report_publish(
    report: AccountabilityReport,
    *,
    actor,
    changes: dict[str, Any],
    audit: dict[str, Any],
    notices: Iterable[Notice],
) -> AccountabilityReport:
    """Publish a locked draft report, or refuse with 409 `report_published`."""
    return REPORTS.move(
        report, R.PUBLISHED, actor=actor, by=By.OFFICER, changes=changes, audit=audit, notices=notices
    )


def refuse_if_published(report: AccountabilityReport) -> None:
    """A published report's figures are frozen: nothing recomputes them (409 `report_published`)."""
    if report.status == R.PUBLISHED:
        raise _refuse_published(report)
