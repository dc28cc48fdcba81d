"""Concerns through the API: raised by an entrepreneur, answered once by the council, on a deadline
counted in working days, visible only to the business's people and the council's members."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from council.errors import CouncilErrorCode
from council.models import Concern, ConcernStatus
from council.services.concerns import concern_respond
from permits.models import Holiday
from portal.audit.models import AuditEvent
from portal.notifications.models import Channel, Notification
from tests.council.concerns_factories import (
    ChairFactory,
    CityCouncilFactory,
    ConcernFactory,
    NationalCouncilFactory,
    SecretaryFactory,
    answered,
    raised,
)
from tests.factories import (
    ApiClientFactory,
    AuthorityFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    MembershipFactory,
    OfficialProfileFactory,
)
from tests.permits.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db

CONCERNS = "/api/v1/council/concerns/"
NOW = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in Almaty


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def council():
    """The national council with its two officers and a plain member."""
    council = NationalCouncilFactory()
    ChairFactory(council=council)
    SecretaryFactory(council=council)
    CouncilMemberFactory(council=council)
    return council


def officer(council, role: str):
    return council.members.get(role=role).user


def plain_member(council):
    return council.members.get(role="member").user


def test_an_entrepreneur_raises_a_concern_and_the_council_officers_are_told(council, client_for):
    # given
    owner = EntrepreneurFactory(first_name="Aigerim")
    business = owner.memberships.get().business
    licence_type = LicenceTypeFactory(code="sanitary-event-permit")

    # when
    response = client_for(owner).post(
        CONCERNS,
        {
            "subject": "  Sanitary approval for a café takes too long  ",
            "body": "We filed in January and nobody has visited the premises.",
            "licence_type": licence_type.code,
        },
        format="json",
    )

    # then: addressed to the national council, on the licence type's authority, due in 15 working days
    assert response.status_code == 201, response.json()
    body = response.json()
    concern = Concern.objects.get()
    assert body == {
        "id": concern.pk,
        "council": council.pk,
        "subject": "Sanitary approval for a café takes too long",
        "body": "We filed in January and nobody has visited the premises.",
        "business": {"id": business.pk, "name": business.name},
        "licence_type": licence_type.code,
        "authority": licence_type.authority.code,
        "status": "open",
        "created_at": "2026-03-10T10:00:00+05:00",
        "due_at": "2026-03-31T10:00:00+05:00",
        "overdue": False,
        "working_days_left": 15,
        "disposition": None,
        "response": None,
        "responded_at": None,
        "responded_by": None,
    }
    assert concern.raised_by == owner

    # then: one audit event, and the chair and the secretary (not the plain member) are told
    events = AuditEvent.objects.filter(action="council.concern_raised")
    assert [(e.object_id, e.data["business"], e.data["authority"]) for e in events] == [
        (str(concern.pk), business.pk, licence_type.authority.code)
    ]
    told = Notification.objects.filter(event="council.concern_raised", channel=Channel.IN_APP)
    assert {n.recipient for n in told} == {officer(council, "chair"), officer(council, "secretary")}
    assert all(n.payload["subject"] == concern.subject for n in told)


def test_the_deadline_skips_weekends_and_public_holidays(council, client_for):
    # given: Nauryz (21-23 March) falls inside the 15 working days; 21-22 are a weekend anyway
    for day in (21, 22, 23):
        Holiday.objects.create(date=dt.date(2026, 3, day), name="Nauryz meyrami")
    owner = EntrepreneurFactory()

    # when
    response = client_for(owner).post(
        CONCERNS, {"subject": "Street performances", "body": "Which permit do we need?"}, format="json"
    )

    # then: the Monday holiday pushes the answer one working day later, to Wednesday 1 April
    assert response.status_code == 201
    assert response.json()["due_at"] == "2026-04-01T10:00:00+05:00"
    assert response.json()["working_days_left"] == 15
    assert response.json()["authority"] is None


def test_a_member_answers_and_the_raiser_is_told(council, client_for):
    # given
    owner = EntrepreneurFactory()
    concern = raised(owner)
    member = plain_member(council)
    member.first_name, member.last_name = "Saule", "Dzhaksybekova"
    member.save()

    # when: two days later
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        response = client_for(member).post(
            f"{CONCERNS}{concern.pk}/respond/",
            {"disposition": "accepted_for_review", "response": "We take this to the next session."},
            format="json",
        )

    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["disposition"], body["response"], body["responded_by"]) == (
        "answered",
        "accepted_for_review",
        "We take this to the next session.",
        "Saule Dzhaksybekova",
    )
    assert (body["responded_at"], body["overdue"], body["working_days_left"]) == (
        "2026-03-12T10:00:00+05:00",
        False,
        None,
    )
    told = Notification.objects.filter(event="council.concern_answered", channel=Channel.IN_APP)
    assert [(n.recipient, n.payload["subject"], n.payload["concern"]) for n in told] == [
        (owner, concern.subject, concern.pk)
    ]
    assert (
        AuditEvent.objects.filter(action="council.concern_answered", object_id=str(concern.pk)).count() == 1
    )


def test_a_referral_tells_the_supervisors_of_the_concerns_authority(council, client_for):
    # given: an authority with a supervisor and an ordinary official
    authority = AuthorityFactory()
    supervisor = OfficialProfileFactory(authority=authority, supervisor=True).user
    OfficialProfileFactory(authority=authority)
    OfficialProfileFactory(supervisor=True)  # another authority's supervisor
    concern = raised(EntrepreneurFactory(), authority_code=authority.code)

    # when
    response = client_for(officer(council, "secretary")).post(
        f"{CONCERNS}{concern.pk}/respond/",
        {"disposition": "referred", "response": "Referred to the authority, who must answer within a month."},
        format="json",
    )

    # then
    assert response.status_code == 200, response.json()
    referred = Notification.objects.filter(event="council.concern_referred", channel=Channel.IN_APP)
    assert [(n.recipient, n.payload["authority"], n.payload["body"]) for n in referred] == [
        (supervisor, authority.code, concern.body)
    ]


def test_a_concern_is_answered_only_once(council, client_for):
    # given
    concern = answered(EntrepreneurFactory(), plain_member(council))
    client = client_for(officer(council, "chair"))
    events = AuditEvent.objects.count()

    # when
    response = client.post(
        f"{CONCERNS}{concern.pk}/respond/",
        {"disposition": "declined", "response": "Outside the council's remit."},
        format="json",
    )

    # then
    assert response.status_code == 409
    assert response.json()["code"] == CouncilErrorCode.ALREADY_ANSWERED
    concern.refresh_from_db()
    assert (concern.disposition, concern.responded_by) == ("accepted_for_review", plain_member(council))
    assert AuditEvent.objects.count() == events


def test_overdue_flags_and_filters(council, client_for):
    # given: one open and late, one answered late, one answered on time, one open in time
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business
    late_authority = AuthorityFactory(code="sanepid")
    member = plain_member(council)
    with time_machine.travel(NOW - dt.timedelta(days=40), tick=False):
        open_late = raised(owner, subject="Open and late", authority_code=late_authority.code)
        answered_late = raised(owner, subject="Answered late")
        answered_on_time = answered(owner, member, subject="Answered on time")
    with time_machine.travel(NOW - dt.timedelta(days=5), tick=False):
        concern_respond(
            actor=member, concern_id=answered_late.pk, disposition="declined", response="No remit."
        )
    open_in_time = raised(owner, subject="Open in time")
    client = client_for(owner)

    def ids(**params) -> list[int]:
        response = client.get(CONCERNS, params)
        assert response.status_code == 200, response.json()
        return [c["id"] for c in response.json()["results"]]

    # when
    flags = {c["id"]: (c["overdue"], c["working_days_left"]) for c in client.get(CONCERNS).json()["results"]}

    # then
    assert flags == {
        open_late.pk: (True, 0),
        answered_late.pk: (True, None),
        answered_on_time.pk: (False, None),
        open_in_time.pk: (False, 15),
    }
    assert sorted(ids(overdue="true")) == sorted([open_late.pk, answered_late.pk])
    assert sorted(ids(overdue="false")) == sorted([answered_on_time.pk, open_in_time.pk])
    assert sorted(ids(status="open")) == sorted([open_late.pk, open_in_time.pk])
    assert ids(authority="sanepid") == [open_late.pk]
    assert ids(status="open", overdue="true") == [open_late.pk]
    assert Concern.objects.filter(business=business).count() == 4


def test_bad_filter_values_name_the_parameter(council, client_for):
    # given
    client = client_for(EntrepreneurFactory())

    # when
    response = client.get(CONCERNS, {"status": "closed", "overdue": "maybe"})

    # then
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"status", "overdue"}


def test_each_caller_sees_only_their_businesses_and_their_councils_concerns(council, client_for):
    # given: two entrepreneurs' concerns to the national council, one to a city council
    owner, stranger = EntrepreneurFactory(), EntrepreneurFactory()
    city = CityCouncilFactory()
    city_member = CouncilMemberFactory(council=city).user
    mine = raised(owner)
    theirs = raised(stranger)
    to_the_city = raised(owner, council_id=city.pk, subject="Street performances in Almaty")
    bound = ApiClientFactory(business=owner.memberships.get().business).user

    def listed(user) -> set[int]:
        response = client_for(user).get(CONCERNS)
        assert response.status_code == 200
        return {c["id"] for c in response.json()["results"]}

    # then
    assert listed(owner) == listed(bound) == {mine.pk, to_the_city.pk}
    assert listed(stranger) == {theirs.pk}
    assert listed(plain_member(council)) == {mine.pk, theirs.pk}
    assert listed(city_member) == {to_the_city.pk}
    assert listed(OfficialProfileFactory().user) == set()
    assert client_for(stranger).get(f"{CONCERNS}{mine.pk}/").status_code == 404
    assert client_for(city_member).get(f"{CONCERNS}{mine.pk}/").status_code == 404
    assert client_for(bound).get(f"{CONCERNS}{mine.pk}/").json()["subject"] == mine.subject


def test_a_members_list_puts_open_concerns_first_soonest_due(council, client_for):
    # given: an answered concern (newest), and two open ones raised on different days
    owner = EntrepreneurFactory()
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        older = raised(owner, subject="Older")
    newer = raised(owner, subject="Newer")
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        done = answered(owner, plain_member(council), subject="Done")

        # when
        member_order = [c["id"] for c in client_for(plain_member(council)).get(CONCERNS).json()["results"]]
        owner_order = [c["id"] for c in client_for(owner).get(CONCERNS).json()["results"]]

    # then
    assert member_order == [older.pk, newer.pk, done.pk]
    assert owner_order == [done.pk, newer.pk, older.pk]


def test_a_bound_api_client_raises_a_concern_for_its_business(council, client_for):
    # given
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business
    client_user = ApiClientFactory(business=business).user

    # when
    response = client_for(client_user).post(
        CONCERNS, {"subject": "Webhooks for permit status", "body": "Please publish them."}, format="json"
    )

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["business"]["id"] == business.pk
    assert client_for(owner).get(f"{CONCERNS}{response.json()['id']}/").status_code == 200


def test_a_concern_may_name_another_council_and_a_business_among_several(council, client_for):
    # given: an entrepreneur of two businesses
    owner = EntrepreneurFactory()
    second = MembershipFactory(user=owner).business
    city = CityCouncilFactory()
    city_chair = ChairFactory(council=city).user

    # when
    response = client_for(owner).post(
        CONCERNS,
        {
            "subject": "Outdoor stages",
            "body": "Who approves them?",
            "business": second.pk,
            "council": city.pk,
        },
        format="json",
    )

    # then: the city council's officers hear of it, not the national council's
    assert response.status_code == 201, response.json()
    assert (response.json()["council"], response.json()["business"]["id"]) == (city.pk, second.pk)
    told = Notification.objects.filter(event="council.concern_raised", channel=Channel.IN_APP)
    assert [n.recipient for n in told] == [city_chair]


def test_an_idempotency_key_makes_a_retry_return_the_first_concern(council, client_for):
    # given
    client = client_for(EntrepreneurFactory())
    payload = {"subject": "Retry", "body": "The network dropped."}

    # when
    first = client.post(CONCERNS, payload, format="json", HTTP_IDEMPOTENCY_KEY="concern-1")
    second = client.post(CONCERNS, payload, format="json", HTTP_IDEMPOTENCY_KEY="concern-1")

    # then
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Concern.objects.count() == 1
    assert AuditEvent.objects.filter(action="council.concern_raised").count() == 1


@pytest.mark.parametrize("caller", ["owner", "member"])
def test_the_list_costs_the_same_queries_for_one_concern_and_for_many(council, client_for, caller):
    # given: one concern of the owner's
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business
    ConcernFactory(council=council, raised_by=owner, business=business, licence_type=LicenceTypeFactory())
    client = client_for(owner if caller == "owner" else plain_member(council))

    def list_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(CONCERNS, {"page_size": 100})
        assert response.status_code == 200
        return len(captured.captured_queries), len(response.json()["results"])

    one_queries, one_count = list_queries()

    # when: 39 more, answered and open, with and without licence types and authorities
    for index in range(39):
        ConcernFactory(
            council=council,
            raised_by=owner,
            business=business,
            answered=index % 2 == 0,
            authority=AuthorityFactory() if index % 3 == 0 else None,
            licence_type=LicenceTypeFactory() if index % 5 == 0 else None,
        )
    many_queries, many_count = list_queries()

    # then
    assert (one_count, many_count) == (1, 40)
    assert many_queries == one_queries
    assert Concern.objects.filter(status=ConcernStatus.ANSWERED).count() == 20
