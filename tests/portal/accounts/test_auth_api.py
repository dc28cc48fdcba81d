"""Token authentication over real HTTP: issue, use, expire, revoke, throttle, audit."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
LOGOUT_ALL_URL = "/api/v1/auth/logout-all/"
ME_URL = "/api/v1/me/"


def login(client: APIClient, username: str, password: str = PASSWORD):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def issue(user) -> str:
    response = login(APIClient(), user.username)
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- issuing a token ----------------------------------------------------------------------------


def test_good_credentials_give_a_token_that_works_on_me(api_client):
    # given
    user = UserFactory(username="aliya")

    # when
    response = login(api_client, "aliya")

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    me = token_client(body["token"]).get(ME_URL)
    assert me.status_code == 200
    assert me.json()["id"] == user.pk
    assert me.json()["username"] == "aliya"


def test_expires_at_is_the_stored_expiry_one_ttl_ahead(api_client):
    # given
    UserFactory(username="aliya")
    before = timezone.now()

    # when
    response = login(api_client, "aliya")

    # then
    after = timezone.now()
    expires_at = parse_datetime(response.json()["expires_at"])
    stored = AuthToken.objects.get()
    ttl = django_settings.REST_KNOX["TOKEN_TTL"]
    assert expires_at == stored.expiry
    assert before + ttl <= expires_at <= after + ttl


def test_wrong_password_is_invalid_credentials_with_fields(api_client):
    # given
    UserFactory(username="aliya")

    # when
    response = login(api_client, "aliya", "not-the-password")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.INVALID_CREDENTIALS
    assert "fields" in body
    assert isinstance(body["detail"], str) and body["detail"]
    assert AuthToken.objects.count() == 0


def test_unknown_username_is_the_same_invalid_credentials(api_client):
    # given: nobody is called "ghost"

    # when
    response = login(api_client, "ghost")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.INVALID_CREDENTIALS


@pytest.mark.parametrize(
    ("payload", "missing"),
    [
        ({}, {"username", "password"}),
        ({"username": "aliya"}, {"password"}),
        ({"password": "x"}, {"username"}),
    ],
    ids=["both", "password", "username"],
)
def test_missing_fields_are_invalid_and_named(api_client, payload, missing):
    # given
    UserFactory(username="aliya")

    # when
    response = api_client.post(TOKEN_URL, payload, format="json")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == ErrorCode.INVALID
    assert set(body["fields"]) == missing


def test_inactive_user_is_refused(api_client):
    # given
    UserFactory(username="gone", is_active=False)

    # when
    response = login(api_client, "gone")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.INVALID_CREDENTIALS
    assert AuthToken.objects.count() == 0


def test_token_of_a_user_deactivated_later_stops_working():
    # given
    user = UserFactory()
    key = issue(user)

    # when
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = token_client(key).get(ME_URL)

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.AUTHENTICATION_FAILED


# --- using a token ------------------------------------------------------------------------------


def test_no_header_is_not_authenticated(api_client):
    # given: no Authorization header

    # when
    response = api_client.get(ME_URL)

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("prefix", ["Bearer", "bearer", "token"])
def test_the_token_also_works_under_the_bearer_prefix_and_any_case(api_client, prefix):
    # given: generated clients send `Bearer <key>` by default
    user = UserFactory(username="aliya")
    key = issue(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"{prefix} {key}")

    # when
    response = api_client.get(ME_URL)

    # then
    assert response.status_code == 200
    assert response.json()["username"] == "aliya"


def test_an_expired_token_is_refused_under_the_bearer_prefix_too():
    # given
    user = UserFactory()
    with time_machine.travel(timezone.now() - django_settings.REST_KNOX["TOKEN_TTL"] * 2, tick=False):
        key = issue(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    # when
    response = client.get(ME_URL)

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.AUTHENTICATION_FAILED


@pytest.mark.parametrize(
    "header", ["Token not-a-real-key", "Token", "Token a b", "Bearer not-a-real-key", "Bearer", "Bearer a b"]
)
def test_bad_token_header_is_authentication_failed(header):
    # given
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    # when
    response = client.get(ME_URL)

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.AUTHENTICATION_FAILED


def test_token_expires_after_ttl_and_use_does_not_extend_it():
    # given
    user = UserFactory()
    issued_at = timezone.now()
    key = issue(user)
    ttl = django_settings.REST_KNOX["TOKEN_TTL"]
    client = token_client(key)

    # when
    with time_machine.travel(issued_at + ttl - datetime.timedelta(minutes=1), tick=False):
        just_before = client.get(ME_URL)
    with time_machine.travel(issued_at + ttl + datetime.timedelta(minutes=1), tick=False):
        just_after = client.get(ME_URL)

    # then
    assert just_before.status_code == 200
    assert just_after.status_code == 401
    assert just_after.json()["code"] == ErrorCode.AUTHENTICATION_FAILED
    assert not AuthToken.objects.filter(user=user).exists()  # knox deletes the expired row


def test_only_a_hash_of_the_key_is_stored():
    # given
    user = UserFactory()

    # when
    key = issue(user)

    # then
    row = AuthToken.objects.get(user=user)
    assert row.token_key == key[: CONSTANTS.TOKEN_KEY_LENGTH]
    assert len(key) > len(row.token_key)
    assert row.digest == hash_token(key)
    assert row.digest != key
    stored = AuthToken.objects.filter(user=user).values_list("digest", "token_key").get()
    assert all(key not in value for value in stored)
    assert not AuditEvent.objects.filter(data__icontains=key).exists()
    assert all(key not in str(event.data) for event in AuditEvent.objects.all())


# --- revoking -----------------------------------------------------------------------------------


def test_logout_revokes_only_the_token_it_was_made_with():
    # given
    user = UserFactory()
    first, second = issue(user), issue(user)

    # when
    response = token_client(first).post(LOGOUT_URL)

    # then
    assert response.status_code == 200
    assert response.json() == {"revoked": 1}
    assert token_client(first).get(ME_URL).status_code == 401
    assert token_client(second).get(ME_URL).status_code == 200
    assert AuthToken.objects.filter(user=user).count() == 1


def test_logout_all_revokes_every_token_of_the_caller_only():
    # given
    user, other = UserFactory(), UserFactory()
    keys = [issue(user) for _ in range(3)]
    others_key = issue(other)

    # when
    response = token_client(keys[0]).post(LOGOUT_ALL_URL)

    # then
    assert response.status_code == 200
    assert response.json() == {"revoked": 3}
    assert [token_client(key).get(ME_URL).status_code for key in keys] == [401, 401, 401]
    assert token_client(others_key).get(ME_URL).status_code == 200


@pytest.mark.parametrize("url", [LOGOUT_URL, LOGOUT_ALL_URL])
def test_logout_without_a_token_is_not_authenticated(api_client, url):
    # given: no Authorization header

    # when
    response = api_client.post(url)

    # then
    assert response.status_code == 401
    assert response.json()["code"] == ErrorCode.NOT_AUTHENTICATED


# --- audit --------------------------------------------------------------------------------------


def test_issuing_a_token_writes_one_token_issued_event():
    # given
    user = UserFactory()
    before = AuditEvent.objects.count()

    # when
    key = issue(user)

    # then
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "accounts.token_issued"
    assert event.actor_id == user.pk
    assert event.object_type == "knox.authtoken"
    assert event.object_id == key[: CONSTANTS.TOKEN_KEY_LENGTH]
    assert event.data["user"] == user.pk


def test_failed_login_writes_no_audit_event(api_client):
    # given
    UserFactory(username="aliya")
    before = AuditEvent.objects.count()

    # when
    login(api_client, "aliya", "wrong")

    # then
    assert AuditEvent.objects.count() == before


def test_logout_writes_one_token_revoked_event():
    # given
    user = UserFactory()
    key = issue(user)
    before = AuditEvent.objects.count()

    # when
    token_client(key).post(LOGOUT_URL)

    # then
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "accounts.token_revoked"
    assert event.actor_id == user.pk
    assert event.object_id == key[: CONSTANTS.TOKEN_KEY_LENGTH]


def test_logout_all_writes_one_tokens_revoked_all_event():
    # given
    user = UserFactory()
    key, _ = issue(user), issue(user)
    before = AuditEvent.objects.count()

    # when
    token_client(key).post(LOGOUT_ALL_URL)

    # then
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "accounts.tokens_revoked_all"
    assert event.actor_id == user.pk
    assert event.object_type == "accounts.user"
    assert event.object_id == str(user.pk)
    assert event.data == {"count": 2}


def test_a_full_session_leaves_the_expected_trail():
    # given
    user = UserFactory()
    start = AuditEvent.objects.count()

    # when
    first = issue(user)
    issue(user)
    token_client(first).post(LOGOUT_URL)
    third = issue(user)
    token_client(third).post(LOGOUT_ALL_URL)

    # then
    assert audit_actions()[start:] == [
        "accounts.token_issued",
        "accounts.token_issued",
        "accounts.token_revoked",
        "accounts.token_issued",
        "accounts.tokens_revoked_all",
    ]


# --- throttle -----------------------------------------------------------------------------------


@pytest.fixture
def login_rate_3_per_minute(settings, monkeypatch):
    rates = {**django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "3/minute"}
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF read the rates into the class attribute at import time; the setting alone does not reach it.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


def test_login_is_throttled_after_the_configured_rate(api_client, login_rate_3_per_minute):
    # given
    UserFactory(username="aliya")

    # when
    statuses = [login(api_client, "aliya").status_code for _ in range(4)]
    throttled = login(api_client, "aliya")

    # then
    assert statuses == [200, 200, 200, 429]
    assert throttled.status_code == 429
    assert throttled.json()["code"] == ErrorCode.THROTTLED
    assert "Retry-After" in throttled
    assert AuthToken.objects.count() == 3


def test_failed_attempts_count_towards_the_login_throttle(api_client, login_rate_3_per_minute):
    # given
    UserFactory(username="aliya")
    for _ in range(3):
        login(api_client, "aliya", "guess")

    # when
    response = login(api_client, "aliya")

    # then
    assert response.status_code == 429
    assert response.json()["code"] == ErrorCode.THROTTLED
    assert AuthToken.objects.count() == 0


def test_login_throttle_resets_after_the_window(api_client, login_rate_3_per_minute):
    # given
    UserFactory(username="aliya")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        for _ in range(3):
            login(api_client, "aliya")

    # when
    with time_machine.travel(now + datetime.timedelta(seconds=61), tick=False):
        response = login(api_client, "aliya")

    # then
    assert response.status_code == 200
