"""Bad input to the concern endpoints: always a 400 that names the field, and nothing written."""

from __future__ import annotations

import pytest

from council.models import Concern
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.council.concerns_factories import ChairFactory, NationalCouncilFactory, raised
from tests.factories import AuthorityFactory, BusinessFactory, EntrepreneurFactory, MembershipFactory
from tests.permits.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db

CONCERNS = "/api/v1/council/concerns/"
GOOD = {"subject": "Event permits for street performances", "body": "Nobody can say which one applies."}


@pytest.fixture
def council():
    return NationalCouncilFactory()


def written() -> tuple[int, int, int]:
    return Concern.objects.count(), AuditEvent.objects.count(), Notification.objects.count()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": None}, "subject"),
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 301}, "subject"),
        ({"subject": ["a list"]}, "subject"),
        ({"body": None}, "body"),
        ({"body": ""}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": {"an": "object"}}, "body"),
        ({"licence_type": "no-such-licence"}, "licence_type"),
        ({"licence_type": 42}, "licence_type"),
        ({"authority": "no-such-authority"}, "authority"),
        ({"business": "first"}, "business"),
        ({"business": 0}, "business"),
        ({"business": True}, "business"),
        ({"council": "national"}, "council"),
        ({"council": 999999}, "council"),
    ],
)
def test_bad_concern_input_is_a_400_naming_the_field(council, client_for, change, field):
    # given
    payload = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    client = client_for(EntrepreneurFactory())
    before = written()

    # when
    response = client.post(CONCERNS, payload, format="json")

    # then
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == ErrorCode.INVALID
    assert list(response.json()["fields"]) == [field]
    assert written() == before


def test_a_business_the_caller_does_not_act_for_is_refused(council, client_for):
    # given
    client = client_for(EntrepreneurFactory())
    foreign = BusinessFactory()

    # when
    response = client.post(CONCERNS, {**GOOD, "business": foreign.pk}, format="json")

    # then
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["business"]
    assert not Concern.objects.exists()


def test_someone_acting_for_several_businesses_must_name_one(council, client_for):
    # given
    owner = EntrepreneurFactory()
    MembershipFactory(user=owner)

    # when
    response = client_for(owner).post(CONCERNS, GOOD, format="json")

    # then
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["business"]


def test_an_authority_other_than_the_licence_types_is_refused(council, client_for):
    # given
    licence_type = LicenceTypeFactory()
    other = AuthorityFactory()

    # when
    response = client_for(EntrepreneurFactory()).post(
        CONCERNS, {**GOOD, "licence_type": licence_type.code, "authority": other.code}, format="json"
    )

    # then
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["authority"]


def test_without_a_national_council_the_council_must_be_named(client_for):
    # given: no council at all

    # when
    response = client_for(EntrepreneurFactory()).post(CONCERNS, GOOD, format="json")

    # then
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["council"]


def test_a_body_that_is_not_an_object_is_a_400(council, client_for):
    # given
    client = client_for(EntrepreneurFactory())

    # when
    response = client.post(CONCERNS, ["subject", "body"], format="json")

    # then
    assert response.status_code == 400
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"response": "Why not."}, "disposition"),
        ({"disposition": "rejected", "response": "Not a concern disposition."}, "disposition"),
        ({"disposition": ["referred"], "response": "A list."}, "disposition"),
        ({"disposition": "declined"}, "response"),
        ({"disposition": "declined", "response": ""}, "response"),
        ({"disposition": "declined", "response": "   "}, "response"),
        ({"disposition": "referred", "response": "x" * 5001}, "response"),
        ({"disposition": "referred", "response": ["a", "list"]}, "response"),
    ],
)
def test_bad_answers_are_a_400_naming_the_field(council, client_for, payload, field):
    # given
    chair = ChairFactory(council=council).user
    concern = raised(EntrepreneurFactory())
    client = client_for(chair)
    before = written()

    # when
    response = client.post(f"{CONCERNS}{concern.pk}/respond/", payload, format="json")

    # then
    assert response.status_code == 400, response.json()
    assert list(response.json()["fields"]) == [field]
    concern.refresh_from_db()
    assert (concern.status, concern.disposition, concern.response) == ("open", "", "")
    assert written() == before
