"""The audit chain: `record` appends linked, hashed events; the database refuses edits; `verify_chain`
and `manage.py verify_audit` find the first event that was altered or removed."""

from __future__ import annotations

import datetime
import threading
import uuid
from decimal import Decimal
from io import StringIO

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from portal.audit.models import GENESIS_HASH, AuditEvent
from portal.audit.services import (
    ChainBreak,
    appended_last,
    canonical_data,
    compute_hash,
    record,
    verify_chain,
)
from tests.factories import BusinessFactory, UserFactory

pytestmark = pytest.mark.django_db

RICH_DATA = {
    "fee": Decimal("12500.50"),
    "valid_from": datetime.date(2026, 3, 1),
    "decided_at": datetime.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=datetime.UTC),
    "application": uuid.UUID("7d3f1a52-7c55-4d5e-9b5c-0d2c3e4f5a6b"),
    "nested": {"z": [1, 2, {"b": True, "a": None}], "a": "Алматы"},
}


def _append(n: int, *, action: str = "test.event") -> list[AuditEvent]:
    return [record(actor=None, action=action, object_type="test.thing", object_id=i) for i in range(n)]


def _tamper(sql: str, params: list) -> None:
    """Run `sql` with the append-only trigger switched off, as only the table owner could."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


# --- record: linking and hashing ---------------------------------------------------------------


def test_first_event_links_to_genesis_and_each_next_to_its_predecessor():
    # given
    assert not AuditEvent.objects.exists()

    # when
    first, second, third = _append(3)

    # then
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_hash_matches_the_event_as_read_back_from_the_database():
    # given
    actor = UserFactory(username="auditor")

    # when
    event = record(actor=actor, action="test.rich", object_type="test.thing", object_id=7, data=RICH_DATA)

    # then
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == canonical_data(RICH_DATA)
    assert stored.data["fee"] == "12500.50"
    assert stored.data["application"] == "7d3f1a52-7c55-4d5e-9b5c-0d2c3e4f5a6b"
    assert stored.hash == event.hash == compute_hash(stored)
    assert (stored.actor_id, stored.actor_label) == (actor.pk, "auditor")


def test_canonical_data_is_what_the_json_column_returns():
    # given
    data = {"amount": Decimal("1.10"), "on": datetime.date(2026, 1, 2), "none": None}

    # when
    canonical = canonical_data(data)

    # then
    assert canonical == {"amount": "1.10", "on": "2026-01-02", "none": None}
    assert canonical_data(None) == {}


def test_actor_label_falls_back_to_the_actor_text_or_system():
    # given / when
    by_system = record(actor=None, action="test.system", object_type="test.thing", object_id=1)
    by_worker = record(actor="celery-beat", action="test.worker", object_type="test.thing", object_id=1)

    # then
    assert (by_system.actor_id, by_system.actor_label) == (None, "system")
    assert (by_worker.actor_id, by_worker.actor_label) == (None, "celery-beat")


@pytest.mark.parametrize("value", [1e16, -0.0], ids=["large-float", "negative-zero"])
def test_float_values_in_data_keep_the_chain_verifiable(value):
    # given / when
    record(actor=None, action="test.float", object_type="test.thing", object_id=1, data={"v": value})

    # then: kept as text, exactly as given, so the stored event still matches its hash
    assert AuditEvent.objects.get().data == {"v": repr(value)}
    assert verify_chain() == (1, None)


# --- record: what the event refers to ---------------------------------------------------------


def test_record_takes_the_object_itself():
    # given
    business = BusinessFactory()

    # when
    event = record(actor=None, action="test.obj", obj=business)

    # then
    assert (event.object_type, event.object_id) == ("accounts.business", str(business.pk))


def test_record_takes_object_type_and_id():
    # given / when
    event = record(actor=None, action="test.ref", object_type="knox.authtoken", object_id=42)

    # then
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.object_type, stored.object_id) == ("knox.authtoken", "42")


def test_record_without_object_or_object_type_raises_and_writes_nothing():
    # given
    before = AuditEvent.objects.count()

    # when / then
    with pytest.raises(ValueError, match="object_type"):
        record(actor=None, action="test.nothing", object_id=1)
    assert AuditEvent.objects.count() == before


# --- transactions -----------------------------------------------------------------------------


def test_rolled_back_transaction_leaves_no_event_and_the_chain_stays_valid():
    # given
    (kept,) = _append(1)

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, action="test.doomed", object_type="test.thing", object_id=1)
        raise RuntimeError("the service failed after recording")
    after = record(actor=None, action="test.after", object_type="test.thing", object_id=2)

    # then
    assert not AuditEvent.objects.filter(action="test.doomed").exists()
    assert after.prev_hash == kept.hash
    assert verify_chain() == (2, None)


# --- appended last -----------------------------------------------------------------------------


def _holds_the_chain_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)  # each append commits, releasing the lock, as in production
def test_appended_last_chains_the_block_s_events_at_its_end_in_order():
    # given
    (kept,) = _append(1)

    # when: three events recorded inside the block
    with transaction.atomic():
        with appended_last():
            held = [
                record(actor=None, action=f"test.held{n}", object_type="test.thing", object_id=n)
                for n in range(3)
            ]
            # then: nothing appended yet, and the chain's lock not taken
            assert AuditEvent.objects.count() == 1
            assert not _holds_the_chain_lock()
        # then: appended in order at the end of the block, linked to the tail, lock held to commit
        assert _holds_the_chain_lock()

    stored = list(AuditEvent.objects.order_by("id").values_list("action", "prev_hash", "hash"))
    assert stored == [
        ("test.event", GENESIS_HASH, kept.hash),
        ("test.held0", kept.hash, held[0].hash),
        ("test.held1", held[0].hash, held[1].hash),
        ("test.held2", held[1].hash, held[2].hash),
    ]
    assert [event.pk for event in held] == sorted(event.pk for event in held)
    assert verify_chain() == (4, None)


def test_a_failure_inside_appended_last_appends_nothing():
    # given
    (kept,) = _append(1)

    # when
    with pytest.raises(RuntimeError), transaction.atomic(), appended_last():
        record(actor=None, action="test.doomed", object_type="test.thing", object_id=1)
        raise RuntimeError("the work failed after recording")
    after = record(actor=None, action="test.after", object_type="test.thing", object_id=2)

    # then
    assert not AuditEvent.objects.filter(action="test.doomed").exists()
    assert after.prev_hash == kept.hash
    assert verify_chain() == (2, None)


@pytest.mark.django_db(transaction=True)
def test_appended_last_refuses_to_run_outside_a_transaction():
    # when / then: outside a transaction there is no end to append at
    with pytest.raises(RuntimeError, match="inside the transaction"), appended_last():
        record(actor=None, action="test.loose", object_type="test.thing", object_id=1)
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_another_writer_appends_while_a_transaction_holds_its_events_to_the_end():
    # given: one transaction has recorded inside appended_last() and is still open
    recorded, written = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def long_unit_of_work() -> None:
        try:
            with transaction.atomic(), appended_last():
                record(actor=None, action="test.long", object_type="test.thing", object_id=1)
                recorded.set()
                # the other writer's append completes while this transaction is open
                outcome["other_done_meanwhile"] = written.wait(timeout=30)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    def other_writer() -> None:
        try:
            recorded.wait(timeout=30)
            with transaction.atomic():
                record(actor=None, action="test.other", object_type="test.thing", object_id=2)
            written.set()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=long_unit_of_work), threading.Thread(target=other_writer)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: the other writer was not kept waiting; the long one appended after it; one chain
    assert not any(thread.is_alive() for thread in threads)
    assert "error" not in outcome
    assert outcome["other_done_meanwhile"] is True
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "test.other",
        "test.long",
    ]
    assert verify_chain() == (2, None)


# --- the database refuses edits ----------------------------------------------------------------


def _orm_update(event: AuditEvent) -> None:
    AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")


def _orm_save(event: AuditEvent) -> None:
    event.action = "test.rewritten"
    event.save()


def _orm_delete(event: AuditEvent) -> None:
    event.delete()


def _orm_queryset_delete(event: AuditEvent) -> None:
    AuditEvent.objects.all().delete()


def _sql(statement: str):
    def run(event: AuditEvent) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement)

    return run


@pytest.mark.parametrize(
    "edit",
    [
        _orm_update,
        _orm_save,
        _orm_delete,
        _orm_queryset_delete,
        _sql("UPDATE audit_auditevent SET data = '{}'::jsonb"),
        _sql("DELETE FROM audit_auditevent"),
    ],
    ids=["orm-update", "orm-save", "orm-delete", "orm-queryset-delete", "sql-update", "sql-delete"],
)
def test_database_refuses_to_update_or_delete_events(edit):
    # given
    event = record(actor=None, action="test.original", object_type="test.thing", object_id=1, data={"a": 1})

    # when / then
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        edit(event)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.data, stored.hash) == ("test.original", {"a": 1}, event.hash)


# --- verify_chain and verify_audit --------------------------------------------------------------


def test_intact_chain_verifies_and_reports_progress():
    # given
    _append(5)
    seen: list[int] = []

    # when
    result = verify_chain(chunk_size=2, progress=seen.append)

    # then
    assert result == (5, None)
    assert seen == [2, 4]


def test_empty_chain_is_intact():
    # given / when / then
    assert verify_chain() == (0, None)


def test_altered_data_of_a_middle_event_is_found_naming_that_event():
    # given
    _, middle, _ = _append(3)
    with pgtrigger.ignore("audit.AuditEvent:append_only"):
        AuditEvent.objects.filter(pk=middle.pk).update(data={"amount": "999"})

    # when
    checked, broken = verify_chain()

    # then
    assert checked == 1
    assert broken == ChainBreak(middle.pk, "its content does not match its hash (altered)")


def test_altered_action_of_a_middle_event_is_found_with_raw_sql():
    # given
    _, middle, _ = _append(3)
    _tamper("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["test.innocent", middle.pk])

    # when
    _, broken = verify_chain()

    # then
    assert broken is not None
    assert broken.event_id == middle.pk
    assert "altered" in broken.reason


def test_rewritten_event_with_a_recomputed_hash_is_found_at_the_next_event():
    # given
    _, middle, last = _append(3)
    forged = AuditEvent.objects.get(pk=middle.pk)
    forged.action = "test.forged"
    forged.hash = compute_hash(forged)
    with pgtrigger.ignore("audit.AuditEvent:append_only"):
        AuditEvent.objects.filter(pk=middle.pk).update(action=forged.action, hash=forged.hash)

    # when
    checked, broken = verify_chain()

    # then
    assert checked == 2
    assert broken == ChainBreak(last.pk, "its previous hash does not match the event before it")


def test_deleted_middle_event_is_found_naming_the_event_after_it():
    # given
    _, middle, last = _append(3)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [middle.pk])

    # when
    checked, broken = verify_chain()

    # then
    assert checked == 1
    assert broken == ChainBreak(last.pk, "its previous hash does not match the event before it")


def test_verify_audit_command_reports_an_intact_chain():
    # given
    _append(3)
    out = StringIO()

    # when
    call_command("verify_audit", stdout=out)

    # then
    assert "Verifying 3 audit events" in out.getvalue()
    assert "Audit chain intact: 3 events verified" in out.getvalue()


def test_verify_audit_command_fails_naming_the_altered_event():
    # given
    _, middle, _ = _append(3)
    with pgtrigger.ignore("audit.AuditEvent:append_only"):
        AuditEvent.objects.filter(pk=middle.pk).update(data={"tampered": True})

    # when / then
    with pytest.raises(CommandError, match=f"#{middle.pk}:"):
        call_command("verify_audit", stdout=StringIO())


def test_verify_audit_command_fails_naming_the_event_after_a_deleted_one():
    # given
    _, middle, last = _append(3)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [middle.pk])

    # when / then
    with pytest.raises(CommandError, match=f"#{last.pk}:"):
        call_command("verify_audit", stdout=StringIO())


# --- concurrency --------------------------------------------------------------------------------

THREADS = 20
EVENTS_PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_unbroken_chain():
    # given
    start = threading.Barrier(THREADS, timeout=30)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EVENTS_PER_THREAD):
                with transaction.atomic():
                    record(
                        actor=None, action="test.concurrent", object_type="test.thread", object_id=f"{n}-{i}"
                    )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    total = THREADS * EVENTS_PER_THREAD
    assert AuditEvent.objects.count() == total
    assert verify_chain() == (total, None)
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == total
