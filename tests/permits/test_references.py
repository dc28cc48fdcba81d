"""Application references and permit numbers: formatted, unique, and unique under concurrency
(they come from PostgreSQL sequences, so a rolled-back creation leaves a gap and never an error)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from permits.models import Application, Permit
from permits.services.applications import application_create, application_submit
from portal.audit.models import AuditEvent
from tests.factories import EntrepreneurFactory
from tests.permits.factories import DraftApplicationFactory, LicenceTypeFactory

REFERENCE = re.compile(r"^APP-(\d{4})-(\d{6})$")
PERMIT_NUMBER = re.compile(r"^KZ-[A-Z0-9-]+-(\d{4})-(\d{6})$")
THREADS = 20


@pytest.fixture
def owner():
    return EntrepreneurFactory()


@pytest.fixture
def business(owner):
    return owner.memberships.get().business


@pytest.fixture
def licence_type():
    return LicenceTypeFactory()


@pytest.fixture
def low_type():
    """A low-tier notification that asks for nothing: every draft of it is complete."""
    return LicenceTypeFactory(low=True)


def serial(reference: str) -> int:
    return int(REFERENCE.fullmatch(reference).group(2))


def create(owner, business, licence_type) -> Application:
    return application_create(actor=owner, business=business, licence_type=licence_type, answers={})


def run_concurrently(work: Callable[[int], str]) -> tuple[list[str], list[BaseException]]:
    """Run `work(i)` in THREADS threads released at once; each thread closes its own connection."""
    barrier = threading.Barrier(THREADS, timeout=30)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def target(index: int) -> None:
        try:
            barrier.wait()
            value = work(index)
            with lock:
                results.append(value)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results, errors


@pytest.mark.django_db
def test_references_are_formatted_with_the_local_year_and_unique(owner, business, licence_type):
    # when
    references = [create(owner, business, licence_type).reference for _ in range(5)]

    # then
    year = timezone.localdate().year
    for reference in references:
        match = REFERENCE.fullmatch(reference)
        assert match, reference
        assert int(match.group(1)) == year
    assert len(set(references)) == 5
    assert [serial(r) for r in references] == sorted(serial(r) for r in references)


@pytest.mark.django_db
def test_the_year_is_the_local_one_at_new_year(owner, business, licence_type):
    # given: 20:00 UTC on 31 December is already 1 January in Almaty
    moment = dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC)
    assert moment.astimezone(ZoneInfo("Asia/Almaty")).year == 2027

    # when
    with time_machine.travel(moment, tick=False):
        reference = create(owner, business, licence_type).reference

    # then
    assert reference.startswith("APP-2027-")


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_get_distinct_references(owner, business, licence_type):
    # when: 20 drafts created at once, each in its own thread and transaction
    references, errors = run_concurrently(lambda _: create(owner, business, licence_type).reference)

    # then
    assert errors == []
    assert len(references) == THREADS
    assert len(set(references)) == THREADS
    assert all(REFERENCE.fullmatch(reference) for reference in references)
    assert set(Application.objects.values_list("reference", flat=True)) == set(references)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_creation_leaves_a_gap_but_no_error(owner, business, licence_type):
    # given
    first = create(owner, business, licence_type)

    # when: a creation whose transaction rolls back, then another one
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = create(owner, business, licence_type)
        raise RuntimeError("something later in the same transaction failed")
    third = create(owner, business, licence_type)

    # then: the lost number is skipped, never reused, and nothing of the lost draft remains
    assert serial(lost.reference) == serial(first.reference) + 1
    assert serial(third.reference) == serial(first.reference) + 2
    assert set(Application.objects.values_list("reference", flat=True)) == {first.reference, third.reference}
    assert not AuditEvent.objects.filter(
        action="application.created", data__reference=lost.reference
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_low_tier_submissions_get_distinct_permit_numbers(owner, business, low_type):
    # given: 20 complete low-tier drafts
    drafts = [
        DraftApplicationFactory(business=business, licence_type=low_type, created_by=owner)
        for _ in range(THREADS)
    ]

    # when: all submitted at once, each in its own thread
    numbers, errors = run_concurrently(
        lambda i: application_submit(actor=owner, application_id=drafts[i].pk).permit.number
    )

    # then
    assert errors == []
    assert len(numbers) == THREADS
    assert len(set(numbers)) == THREADS
    year = str(timezone.localdate().year)
    for number in numbers:
        match = PERMIT_NUMBER.fullmatch(number)
        assert match, number
        assert match.group(1) == year
        assert number.startswith(f"KZ-{low_type.authority.code.upper()}-")
    assert set(Permit.objects.values_list("number", flat=True)) == set(numbers)
    assert set(Application.objects.values_list("status", flat=True)) == {"approved"}
