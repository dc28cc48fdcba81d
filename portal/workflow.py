"""The one mechanism behind every status door: a table of allowed moves, and `move()` that applies one.

Each domain keeps its own door module (`permits/workflow.py`, `council/workflow.py`) with its tables:
which field moves, from where to where, who may make the move and the audit action it records. The
door's functions call `Transitions.move`, which checks the table, assigns the field, saves with
update_fields, writes the outbox notifications and records the audit event last, all inside the
caller's transaction. Nothing else assigns a status field (tests/test_status_doors.py checks it).

A row is created in the table's `initial` state: a service creating one passes no status at all
(the model's default is the table's initial state) or takes it from the door.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from portal.api.errors import DomainError, ErrorCode, Forbidden, InvalidState
from portal.audit.services import record
from portal.notifications.services import notify


@dataclass(frozen=True)
class Move:
    """One allowed move: the audit action (`<prefix>.<action>`) and who may make it (empty: the
    service has already decided who may)."""

    action: str
    by: frozenset[str] = frozenset()


def move_by(action: str, *by: str) -> Move:
    return Move(action=action, by=frozenset(by))


@dataclass(frozen=True)
class Notice:
    """An outbox notification written with the move; `event` defaults to the move's audit action."""

    recipients: Iterable
    subject_key: str
    payload: dict[str, Any]
    event: str | None = None


def _refused(transitions: Transitions, obj: models.Model, to: str) -> DomainError:
    choices = transitions.choices
    return InvalidState(
        f"{transitions.subject(obj)} is {choices(transitions.state(obj)).label.lower()}; "
        f"it cannot become {choices(to).label.lower()}.",
        code=ErrorCode.INVALID_TRANSITION,
    )


@dataclass(frozen=True)
class Transitions:
    """The transition table of one status field of one model.

    `subject` names the row in a refusal ("The consultation", "Permit KZ-…"); `refuse` replaces the
    generic 409 `invalid_transition` where a door has always answered with its own code.
    `on_move` adds the fields a move always touches besides the status (a version, a stamp, the
    next SLA look) and returns their names.
    """

    prefix: str
    choices: type[models.TextChoices]
    moves: Mapping[tuple[str, str], Move | str]
    initial: str | tuple[str, ...]
    field: str = "status"
    subject: Callable[[Any], str] = lambda obj: str(obj)
    refuse: Callable[[Any, str], DomainError] | None = None
    on_move: Callable[[Any, str, str], Iterable[str]] | None = None

    def __post_init__(self) -> None:
        # A bare string is a move anyone the service let through may make.
        moves = {pair: Move(move) if isinstance(move, str) else move for pair, move in self.moves.items()}
        object.__setattr__(self, "moves", moves)
        initial = self.initial if isinstance(self.initial, tuple) else (self.initial,)
        unknown = {state for pair in moves for state in pair}.union(initial) - set(self.choices.values)
        if unknown:
            raise ValueError(f"{self.prefix}: unknown states in the table: {sorted(unknown)}")

    def state(self, obj) -> str:
        return getattr(obj, self.field)

    def allows(self, obj, to: str) -> bool:
        return (self.state(obj), to) in self.moves

    def check(self, obj, to: str, *, by: str | None = None) -> Move:
        """The move from the row's state to `to`, or the door's 409; a 403 when `by` may not make it."""
        move = self.moves.get((self.state(obj), to))
        if move is None:
            raise (self.refuse or (lambda o, t: _refused(self, o, t)))(obj, to)
        if move.by and by not in move.by:
            raise Forbidden(f"Only the {' or '.join(sorted(move.by))} may do this.")
        return move

    def move(
        self,
        obj,
        to: str,
        *,
        actor,
        by: str | None = None,
        action: str | None = None,
        changes: Mapping[str, Any] | None = None,
        audit: Callable[[str], dict[str, Any]] | dict[str, Any] | None = None,
        notices: Callable[[str], Iterable[Notice]] | Iterable[Notice] = (),
    ):
        """Apply one move to a row the caller has locked.

        `audit` is the audit event's data and `notices` the notifications, each given directly or as a
        function of the previous state, called once the row is saved (so they see its new values). `action` names the event
        when one move has several meanings (a tacit approval is still in_review → approved).
        """
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError(f"{self.prefix}: a move must run inside the transaction that locked the row")
        move = self.check(obj, to, by=by)
        previous = self.state(obj)
        fields = {self.field}
        for name, value in (changes or {}).items():
            setattr(obj, name, value)
            fields.add(name)
        setattr(obj, self.field, to)
        if self.on_move is not None:
            fields.update(self.on_move(obj, previous, to))
        obj.save(update_fields=sorted(fields))
        name = f"{self.prefix}.{action or move.action}"
        for notice in notices(previous) if callable(notices) else notices:
            notify(
                recipients=notice.recipients,
                event=notice.event or name,
                subject_key=notice.subject_key,
                payload=notice.payload,
            )
        # The audit event last: from the append to the commit, every audited write waits for this one.
        record(actor=actor, action=name, obj=obj, data=audit(previous) if callable(audit) else audit or {})
        return obj
