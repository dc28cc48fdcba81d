"""Members answering one concern at once, on real PostgreSQL: the answer locks the concern's row, so
one answer wins and every other member is told it was already answered; nobody's answer is lost in
a half-written row, and the raiser hears once."""

from __future__ import annotations

import pytest

from council.models import Concern, ConcernStatus
from portal.audit.models import AuditEvent
from portal.notifications.models import Channel, Notification
from tests.concurrency import race
from tests.council.concerns_factories import ChairFactory, NationalCouncilFactory, SecretaryFactory, raised
from tests.factories import CouncilMemberFactory, EntrepreneurFactory

pytestmark = pytest.mark.django_db(transaction=True)

CONCERNS = "/api/v1/council/concerns"


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
