"""Who may do what with concerns, over every endpoint of `council/api/concerns.py`, for every caller.

Each (endpoint, caller) cell of `EXPECTED` is its own test: a fresh world, one caller, one real HTTP
request. The world: the national council (chair, secretary, a plain member), a city council with a
member of its own, an authority with an official, an entrepreneur (the owner) with an open concern
and an answered one, another entrepreneur, an API client bound to the owner's business and one bound
to none; and two more officials of that authority tied to the owner's business (`tests.matrix.
tied_officials`): the member official, a member of it, and the conflicted official, who declared a
conflict of interest with it.

The rules the table encodes: every endpoint needs a token (401 `not_authenticated`). Only someone
who acts for a business raises a concern (403 `not_an_entrepreneur`), and only for a business of
theirs (400 naming `business`). A concern is seen by its business's people and by the members of its
council; anyone else gets a 404 `not_found`, never a 403 that would confirm it exists. Of those who
see it, only a member of its council answers (403 `not_council_member`), once (409
`already_answered`). A refused request changes nothing.

A concern speaks for a business about an authority, and no official acts on it, so a tie to the
business changes nothing on the authority's side: the member official is one of the business's
people and raises, reads and lists its concerns as the owner does (and, not on the council, may not
answer one: 403 `not_council_member`); the conflicted official acts for no business and is a plain
official (404 on the concerns, 403 `not_an_entrepreneur` to raise one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.urls import resolve
from rest_framework.test import APIClient

from council.api.concerns import urlpatterns as concerns_urlpatterns
from council.errors import CouncilErrorCode
from council.models import Concern
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests import matrix
from tests.council.concerns_factories import (
    ChairFactory,
    CityCouncilFactory,
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
    OfficialProfileFactory,
)
from tests.permits.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
NOW = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)  # a Tuesday, 10:00 in Almaty

# Every (route name, method) of council/api/concerns.py; a coverage test of the whole council API
# may check its union with the other topics' lists against council/api/urls.py.
ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("council-concerns", "GET"),
        ("council-concerns", "POST"),
        ("council-concern-detail", "GET"),
        ("council-concern-respond", "POST"),
    }
)

COLUMNS = (
    "anonymous",
    "owner",
    "other_entrepreneur",
    "official",  # of the authority the concerns are about
    "member_official",  # of that authority, a member of the owner's business
    "conflicted_official",  # of that authority, declared a conflict with the owner's business
    "chair",
    "secretary",
    "member",  # a plain member of the national council
    "other_council_member",  # a member of a city council
    "bound_client",  # an API client bound to the owner's business
    "unbound_client",
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class World:
    licence_type: object
    business: object
    open: Concern
    answered: Concern
    people: dict[str, object]


@pytest.fixture
def world() -> World:
    council = NationalCouncilFactory()
    city = CityCouncilFactory()
    authority = AuthorityFactory()
    licence_type = LicenceTypeFactory(authority=authority)
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business
    people = {
        "anonymous": None,
        "owner": owner,
        "other_entrepreneur": EntrepreneurFactory(),
        "official": OfficialProfileFactory(authority=authority).user,
        **matrix.tied_officials(business, authority=authority),
        "chair": ChairFactory(council=council).user,
        "secretary": SecretaryFactory(council=council).user,
        "member": CouncilMemberFactory(council=council).user,
        "other_council_member": CouncilMemberFactory(council=city).user,
        "bound_client": ApiClientFactory(business=business).user,
        "unbound_client": ApiClientFactory().user,
    }
    open_concern = raised(owner, licence_type_code=licence_type.code)
    answered_concern = answered(owner, people["member"], subject="Noise conclusions differ by inspector")
    return World(licence_type, business, open_concern, answered_concern, people)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[World], str]
    data: Callable[[World], dict] | None = None
    check: Callable[[World, object, object], None] = lambda w, user, response: None


def check_list(w, user, response):
    sees = w.people["owner"], w.people["bound_client"], w.people["chair"], w.people["secretary"]
    sees += (w.people["member"], w.people["member_official"])
    expected = {w.open.pk, w.answered.pk} if user in sees else set()
    assert {c["id"] for c in response.json()["results"]} == expected


def check_created(w, user, response):
    body = response.json()
    concern = Concern.objects.get(pk=body["id"])
    assert (concern.raised_by, body["status"], body["authority"]) == (
        user,
        "open",
        w.licence_type.authority.code,
    )
    assert body["business"]["id"] == concern.business_id
    if user in (w.people["owner"], w.people["bound_client"], w.people["member_official"]):
        assert concern.business_id == w.business.pk


def check_answered(w, user, response):
    concern = Concern.objects.get(pk=w.open.pk)
    assert (concern.status, concern.disposition, concern.responded_by) == ("answered", "referred", user)
    assert response.json()["status"] == "answered"


def _concern(name: str, action: str = "") -> Callable[[World], str]:
    return lambda w: f"{API}/council/concerns/{getattr(w, name).pk}/{action}"


RAISE = {"subject": "Event permits for street performances are unclear", "body": "Which one applies?"}

ENDPOINTS: dict[str, Endpoint] = {
    "concerns_list": Endpoint("GET", lambda w: f"{API}/council/concerns/", check=check_list),
    "concerns_create": Endpoint(
        "POST",
        lambda w: f"{API}/council/concerns/",
        data=lambda w: {**RAISE, "licence_type": w.licence_type.code},
        check=check_created,
    ),
    "concerns_create_for_the_owners_business": Endpoint(
        "POST",
        lambda w: f"{API}/council/concerns/",
        data=lambda w: {**RAISE, "licence_type": w.licence_type.code, "business": w.business.pk},
        check=check_created,
    ),
    "open_retrieve": Endpoint(
        "GET",
        _concern("open"),
        check=lambda w, u, r: (r.json()["id"], r.json()["status"]) == (w.open.pk, "open"),
    ),
    "open_respond": Endpoint(
        "POST",
        _concern("open", "respond/"),
        data=lambda w: {"disposition": "referred", "response": "Referred to the authority."},
        check=check_answered,
    ),
    "answered_respond": Endpoint(
        "POST",
        _concern("answered", "respond/"),
        data=lambda w: {"disposition": "declined", "response": "Outside the council's remit."},
    ),
}

# A 403, 409 or 400 cell names its error code: "403e" not_an_entrepreneur, "403m" not_council_member,
# "409a" already_answered, "400i" invalid. A 401 is always `not_authenticated`, a 404 `not_found`.
# fmt: off
EXPECTED: dict[str, tuple[int | str, ...]] = {
    #                                           anon owner   other   offic   m_off   c_off   chair   secr    membr   o_cnc   bound   unbnd
    "concerns_list":                           (401, 200,    200,    200,    200,    200,    200,    200,    200,    200,    200,    200),
    "concerns_create":                         (401, 201,    201,    "403e", 201,    "403e", "403e", "403e", "403e", "403e", 201,    "403e"),
    "concerns_create_for_the_owners_business": (401, 201,    "400i", "403e", 201,    "403e", "403e", "403e", "403e", "403e", 201,    "403e"),
    "open_retrieve":                           (401, 200,    404,    404,    200,    404,    200,    200,    200,    404,    200,    404),
    "open_respond":                            (401, "403m", 404,    404,    "403m", 404,    200,    200,    200,    404,    "403m", 404),
    "answered_respond":                        (401, "403m", 404,    404,    "403m", 404,    "409a", "409a", "409a", 404,    "403m", 404),
}
# fmt: on

ERROR_CODES = {401: ErrorCode.NOT_AUTHENTICATED, 404: ErrorCode.NOT_FOUND}
NAMED_CODES = {
    "e": CouncilErrorCode.NOT_AN_ENTREPRENEUR,
    "m": CouncilErrorCode.NOT_COUNCIL_MEMBER,
    "a": CouncilErrorCode.ALREADY_ANSWERED,
    "i": ErrorCode.INVALID,
}


def expectation(cell: int | str) -> tuple[int, str | None]:
    return matrix.expectation(cell, ERROR_CODES, NAMED_CODES)


CELLS = matrix.cells(EXPECTED, COLUMNS)


def served_routes() -> set[tuple[str, str]]:
    return matrix.served_routes(concerns_urlpatterns)


def test_the_matrix_covers_every_route_of_the_concerns_api(world):
    # given
    routes = served_routes()

    # when
    covered = {(resolve(spec.path(world)).url_name, spec.method) for spec in ENDPOINTS.values()}

    # then
    assert covered == routes == ROUTES
    assert set(EXPECTED) == set(ENDPOINTS)
    assert all(len(row) == len(COLUMNS) for row in EXPECTED.values())


def snapshot() -> dict:
    return {
        "concerns": list(
            Concern.objects.order_by("id").values_list(
                "id", "status", "disposition", "response", "responded_by", "responded_at"
            )
        ),
        "notifications": list(Notification.objects.order_by("id").values_list("id", flat=True)),
        "audit": list(AuditEvent.objects.order_by("id").values_list("id", flat=True)),
    }


@pytest.mark.parametrize(("endpoint", "caller", "cell"), CELLS)
def test_permission_matrix(world, client_for, endpoint, caller, cell):
    # given
    spec = ENDPOINTS[endpoint]
    expected, code = expectation(cell)
    user = world.people[caller]
    client = client_for(user) if user is not None else APIClient()
    before = snapshot()

    # when
    data = spec.data(world) if spec.data else None
    response = getattr(client, spec.method.lower())(spec.path(world), data, format="json")

    # then
    body = response.json()
    assert response.status_code == expected, body
    if expected < 400:
        assert spec.check(world, user, response) is not False
    else:
        assert body["code"] == code, body
        assert snapshot() == before
