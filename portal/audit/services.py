"""Writing and checking the audit trail. Every write of the portal calls `record` in its transaction."""

from __future__ import annotations

import datetime
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from portal.audit.models import GENESIS_HASH, AuditEvent

# Any constant works; it names the one advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 0x4155_4449_54  # "AUDIT"


def _floats_as_text(value: Any) -> Any:
    # PostgreSQL's jsonb rewrites some floats (1e16 -> 10000000000000000, -0.0 -> 0.0), which would
    # make the stored event differ from what was hashed; as text they read back exactly.
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {key: _floats_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats_as_text(item) for item in value]
    return value


def canonical_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """The data exactly as it will read back from the JSON column.

    Decimals, dates and UUIDs become strings (DjangoJSONEncoder), and so do floats.
    """
    return _floats_as_text(json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)))


def compute_hash(event: AuditEvent) -> str:
    """SHA-256 over a canonical serialisation of everything the event says, its predecessor included."""
    payload = {
        "occurred_at": event.occurred_at.astimezone(datetime.UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": str(event.object_id),
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _object_ref(obj: models.Model | None, object_type: str | None, object_id: Any) -> tuple[str, str]:
    if obj is not None:
        return obj._meta.label_lower, str(obj.pk)
    if not object_type:
        raise ValueError("record() needs the object, or its object_type and object_id")
    return object_type, str(object_id if object_id is not None else "")


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    Appends are serialised with a transaction-scoped advisory lock: the next writer waits until
    this transaction commits or rolls back, then reads the true tail. So concurrent writers still
    form one unbroken chain, and a rolled-back write leaves no event behind. Call it last in a
    service, to hold the lock as briefly as possible (or inside `appended_last()`, which holds the
    events until the end of the work).
    """
    object_type, object_id = _object_ref(obj, object_type, object_id)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else (str(actor) if actor else "system"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=canonical_data(data),
    )
    held = getattr(_held, "events", None)
    if held is not None:  # inside appended_last(): chained when the block ends
        held.append(event)
        return event
    _append([event])
    return event


def _append(events: list[AuditEvent]) -> None:
    """Link `events` to the tail of the chain, in order, under the chain's lock."""
    # No savepoint of its own: an append fails only with the caller's transaction, which then
    # rolls back as a whole.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        tail = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        for event in events:
            event.prev_hash = tail or GENESIS_HASH
            event.hash = tail = compute_hash(event)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:  # one INSERT; PostgreSQL numbers the rows in the order given, so ids follow the chain
            AuditEvent.objects.bulk_create(events)


# The events held by the appended_last() block running in this thread (None outside one).
_held = threading.local()


@contextmanager
def appended_last():
    """Hold the `record` calls made inside the block and append them all as its last statement.

    The chain's lock is transaction-scoped: once a transaction has appended, every other audited
    write of the portal waits for its commit. A unit of work that does more after its first event
    (the SLA sweep's row: notifications, a tacit permit, the row's own update) therefore appends
    at its very end, so the lock is held only from the append to the commit. Open it right inside
    the transaction it belongs to (`with transaction.atomic(), appended_last():`): an exception
    out of the block discards the held events together with the transaction. Catch none inside
    it: an event recorded in a savepoint rolled back there would still be appended. It joins an
    enclosing block.
    """
    if getattr(_held, "events", None) is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("appended_last() must run inside the transaction whose events it appends")
    _held.events = []
    try:
        yield
        events = _held.events
    finally:
        _held.events = None
    if events:
        _append(events)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(*, chunk_size: int = 2000, progress=None) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain in order; return (events checked, the first break or None)."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in _events(chunk_size):
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.pk, "its previous hash does not match the event before it")
        if compute_hash(event) != event.hash:
            return checked, ChainBreak(event.pk, "its content does not match its hash (altered)")
        expected_prev = event.hash
        checked += 1
        if progress is not None and checked % chunk_size == 0:
            progress(checked)
    return checked, None


def _events(chunk_size: int) -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size)
