"""Members answering one concern at once, on real PostgreSQL: the answer locks the concern's row, so
one answer wins and every other member is told it was already answered; nobody's answer is lost in
a half-written row, and the raiser hears once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from council.models import Concern, ConcernStatus
from portal.audit.models import AuditEvent
from portal.notifications.models import Channel, Notification
from tests.council.concerns_factories import ChairFactory, NationalCouncilFactory, SecretaryFactory, raised
from tests.factories import CouncilMemberFactory, EntrepreneurFactory

pytestmark = pytest.mark.django_db(transaction=True)

CONCERNS = "/api/v1/council/concerns"


def race(calls: list[Callable[[], object]]) -> list[tuple[int, dict]]:
    """Run every call in its own thread, released together; each thread closes its DB connection."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list[tuple[int, dict]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            barrier.wait()
            response = call()
            with lock:
                results.append((response.status_code, response.json()))
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert not errors, errors
    return results


@pytest.mark.parametrize("members", [2, 8])
def test_members_answering_at_once_make_one_answer(client_for, members):
    # given: a concern and several members of its council, each with a different answer
    council = NationalCouncilFactory()
    people = [ChairFactory(council=council).user, SecretaryFactory(council=council).user]
    people += [CouncilMemberFactory(council=council).user for _ in range(members - 2)]
    owner = EntrepreneurFactory()
    concern = raised(owner)
    dispositions = ["accepted_for_review", "referred", "declined"]
    calls = []
    for index, person in enumerate(people):
        client = client_for(person)
        payload = {"disposition": dispositions[index % 3], "response": f"Answer number {index}."}
        calls.append(
            lambda client=client, payload=payload: client.post(
                f"{CONCERNS}/{concern.pk}/respond/", payload, format="json"
            )
        )

    # when
    results = race(calls)

    # then: one success, the others a clear 409
    assert sorted(status for status, _ in results) == [200] + [409] * (members - 1), results
    assert {body["code"] for status, body in results if status == 409} == {"already_answered"}
    winner = next(body for status, body in results if status == 200)
    concern = Concern.objects.get(pk=concern.pk)
    assert (concern.status, concern.disposition, concern.response) == (
        ConcernStatus.ANSWERED,
        winner["disposition"],
        winner["response"],
    )
    assert AuditEvent.objects.filter(action="council.concern_answered").count() == 1
    told = Notification.objects.filter(event="council.concern_answered", channel=Channel.IN_APP)
    assert [n.recipient for n in told] == [owner]
