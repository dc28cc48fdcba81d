"""The one door for every status change of a consultation.

A consultation moves one way only: draft → open → closed → outcome_published. `TRANSITIONS` names
each allowed move and the audit action it records; `transition` applies one to a row the caller has
locked, stamps the moment, saves with update_fields, records the audit event and writes the
notifications, all inside the caller's transaction. Nothing else assigns `Consultation.status`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from council.models import Consultation, ConsultationStatus
from portal.api.errors import InvalidState
from portal.audit.services import record
from portal.notifications.services import notify

S = ConsultationStatus

# (from, to) -> the audit action (and notification event, where people are told).
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.OPEN): "consultation_opened",
    (S.OPEN, S.CLOSED): "consultation_closed",
    (S.CLOSED, S.OUTCOME_PUBLISHED): "outcome_published",
}

# The moment each move stamps on the row; the database checks an open or closed row has it.
_STAMPS = {S.OPEN: "opened_at", S.CLOSED: "closed_at"}


def lock(consultation_id: int) -> Consultation:
    """The consultation row, locked until the end of the caller's transaction."""
    return (
        Consultation.objects.select_for_update(of=("self",)).select_related("council").get(pk=consultation_id)
    )


def can_move(consultation: Consultation, to: str) -> bool:
    return (consultation.status, to) in TRANSITIONS


def check_move(consultation: Consultation, to: str) -> str:
    """The move's action, or a 409 `invalid_transition` naming both states."""
    action = TRANSITIONS.get((consultation.status, to))
    if action is None:
        raise InvalidState(
            f"The consultation is {S(consultation.status).label.lower()}; "
            f"it cannot become {S(to).label.lower()}.",
            code="invalid_transition",
        )
    return action


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
    """Move a locked consultation to `to`, or refuse with 409 `invalid_transition`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside the transaction that locked the row")
    action = check_move(consultation, to)
    previous = consultation.status
    fields = {"status"}
    for name, value in (changes or {}).items():
        setattr(consultation, name, value)
        fields.add(name)
    if to in _STAMPS:
        setattr(consultation, _STAMPS[to], now)
        fields.add(_STAMPS[to])
    consultation.status = to
    consultation.save(update_fields=sorted(fields))
    record(
        actor=actor,
        action=f"council.{action}",
        obj=consultation,
        data={"council": consultation.council_id, "from": previous, "to": to, **(data or {})},
    )
    notify(
        recipients=notify_users,
        event=f"council.{action}",
        subject_key=f"consultation-{consultation.pk}:{to}",
        payload={"title": consultation.title, "consultation": consultation.pk, "status": to},
    )
    return consultation
