"""Who may call which accounts endpoint: every caller kind against every endpoint, as an explicit table.

The accounts endpoints act on the caller's own session and nothing else, so no object here belongs to
a business: the member official (an official cleared high who is a member of a business) and the
conflicted official (one who declared a conflict of interest with a business), whom every matrix
includes (`tests.matrix.tied_officials`), are signed-in callers like any other. `me/` shows the
member official both roles, the business included.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import matrix
from tests.factories import (
    PASSWORD,
    ApiClientFactory,
    CouncilMemberFactory,
    EntrepreneurFactory,
    OfficialProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    # name: (method, path)
    "token-bad-credentials": ("post", "/api/v1/auth/token/"),
    "logout": ("post", "/api/v1/auth/logout/"),
    "logout-all": ("post", "/api/v1/auth/logout-all/"),
    "me": ("get", "/api/v1/me/"),
}

CALLERS = [
    "anonymous",
    "entrepreneur",
    "official-medium",
    "official-high",
    "supervisor",
    "member-official",
    "conflicted-official",
    "council-member",
    "api-client",
]

# fmt: off
STATUS_TABLE = {
    #                      token/ (bad credentials)   logout/   logout-all/   me/
    "anonymous":           (400,                       401,      401,          401),
    "entrepreneur":        (400,                       200,      200,          200),
    "official-medium":     (400,                       200,      200,          200),
    "official-high":       (400,                       200,      200,          200),
    "supervisor":          (400,                       200,      200,          200),
    "member-official":     (400,                       200,      200,          200),
    "conflicted-official": (400,                       200,      200,          200),
    "council-member":      (400,                       200,      200,          200),
    "api-client":          (400,                       200,      200,          200),
}
# fmt: on
EXPECTED_STATUS = {caller: dict(zip(ENDPOINTS, row, strict=True)) for caller, row in STATUS_TABLE.items()}
EXPECTED_CODE = {400: "invalid_credentials", 401: "not_authenticated"}


def make_user(caller: str):
    """The user behind a caller kind (None for anonymous)."""
    match caller:
        case "anonymous":
            return None
        case "entrepreneur":
            return EntrepreneurFactory()
        case "official-medium":
            return OfficialProfileFactory().user
        case "official-high":
            return OfficialProfileFactory(high=True).user
        case "supervisor":
            return OfficialProfileFactory(supervisor=True).user
        case "member-official" | "conflicted-official":
            business = EntrepreneurFactory().memberships.get().business
            return matrix.tied_officials(business)[caller.replace("-", "_")]
        case "council-member":
            return CouncilMemberFactory().user
        case "api-client":
            return ApiClientFactory().user
    raise AssertionError(caller)


def test_the_table_covers_every_caller_and_endpoint():
    # given
    callers, endpoints = set(CALLERS), set(ENDPOINTS)

    # when
    rows = set(STATUS_TABLE)
    widths = {len(row) for row in STATUS_TABLE.values()}

    # then
    assert rows == callers
    assert widths == {len(endpoints)}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("caller", CALLERS)
def test_status_matrix(client_for, caller, endpoint):
    # given
    UserFactory(username="someone-else")  # a real account, so bad credentials are a wrong password
    user = make_user(caller)
    client = client_for(user)
    method, path = ENDPOINTS[endpoint]
    payload = {"username": "someone-else", "password": "wrong"} if endpoint.startswith("token") else None

    # when
    response = getattr(client, method)(path, payload, format="json")

    # then
    expected = EXPECTED_STATUS[caller][endpoint]
    assert response.status_code == expected, response.content
    if expected in EXPECTED_CODE:
        assert response.json()["code"] == EXPECTED_CODE[expected]
    if endpoint == "me" and user is not None:
        assert response.json()["id"] == user.pk
        assert response.json()["username"] == user.username


@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "anonymous"])
def test_every_caller_kind_can_obtain_a_token_with_own_credentials(caller):
    # given
    user = make_user(caller)

    # when
    response = APIClient().post(
        ENDPOINTS["token-bad-credentials"][1],
        {"username": user.username, "password": PASSWORD},
        format="json",
    )

    # then
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expires_at"}


@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "anonymous"])
def test_me_shows_the_caller_not_another_user(client_for, caller):
    # given: two users of the same kind, each with a token
    user, other = make_user(caller), make_user(caller)
    client_for(other)

    # when
    body = client_for(user).get(ENDPOINTS["me"][1]).json()

    # then
    assert body["id"] == user.pk
    assert body["id"] != other.pk


def test_a_token_header_does_not_change_who_logs_in(client_for):
    # given: an authenticated entrepreneur asks for a token with someone else's credentials
    caller = make_user("entrepreneur")
    other = UserFactory()
    client = client_for(caller)

    # when
    response = client.post(
        ENDPOINTS["token-bad-credentials"][1],
        {"username": other.username, "password": PASSWORD},
        format="json",
    )

    # then: the token belongs to the credentials' owner, not to the header's
    assert response.status_code == 200
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert fresh.get(ENDPOINTS["me"][1]).json()["id"] == other.pk


def test_me_shows_a_member_official_both_roles_and_the_business(client_for):
    # given: an official who is also a member of a business
    user = make_user("member-official")
    business = user.memberships.get().business

    # when
    body = client_for(user).get(ENDPOINTS["me"][1]).json()

    # then: they act for it as an entrepreneur, and are an official
    assert {"entrepreneur", "official"} <= set(body["roles"])
    assert business.pk in [b["id"] for b in body["businesses"]]
