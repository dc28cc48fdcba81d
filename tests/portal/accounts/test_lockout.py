"""Sign-in and verification throttles cannot be escaped with a forged X-Forwarded-For, and an
account is locked after repeated wrong passwords whatever address they come from."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings as django_settings
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from portal.accounts.models import LoginFailure
from portal.api.errors import ErrorCode
from portal.audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
VERIFY_URL = "/api/v1/public/permits/KZ-NO-SUCH-PERMIT/"
ALMATY = datetime.timezone(datetime.timedelta(hours=5))
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)


def login(client: APIClient, username: str, password: str = PASSWORD, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


def forged(i: int) -> dict:
    return {"HTTP_X_FORWARDED_FOR": f"198.51.100.{i % 250 + 1}"}


@pytest.fixture
def rates_3_per_minute(monkeypatch):
    # DRF read the rates into the class attribute at import time; patch it, keeping the other scopes.
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "login": "3/minute", "verify": "3/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def trusted_proxies(settings):
    def set_to(n: int) -> None:
        settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": n}

    return set_to


@pytest.fixture
def lockout_after_3(settings):
    settings.PORTAL_LOGIN_LOCKOUT_FAILURES = 3
    settings.PORTAL_LOGIN_LOCKOUT_WINDOW_MINUTES = 15
    settings.PORTAL_LOCKOUT_MINUTES = 15


# --- forwarded addresses ------------------------------------------------------------------------


def test_development_default_trusts_no_proxy():
    assert django_settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


def test_a_rotating_forwarded_for_does_not_escape_the_login_throttle(
    api_client, rates_3_per_minute, time_machine
):
    # given: the default (no proxy trusted), three wrong passwords each from a different claimed address
    time_machine.move_to(START, tick=False)
    UserFactory(username="aliya")
    for i in range(3):
        login(api_client, "aliya", "guess", **forged(i))

    # when: the right password with yet another claimed address
    response = login(api_client, "aliya", **forged(99))

    # then
    assert response.status_code == 429
    assert response.json()["code"] == ErrorCode.THROTTLED
    assert AuthToken.objects.count() == 0


def test_a_rotating_forwarded_for_does_not_escape_the_verification_throttle(
    api_client, rates_3_per_minute, time_machine
):
    # given: the default (no proxy trusted)
    time_machine.move_to(START, tick=False)
    guesses = [api_client.get(VERIFY_URL, {"code": "X"}, **forged(i)).status_code for i in range(3)]

    # when
    response = api_client.get(VERIFY_URL, {"code": "X"}, **forged(99))

    # then
    assert guesses == [404, 404, 404]
    assert response.status_code == 429
    assert response.json()["code"] == ErrorCode.THROTTLED


def test_a_rotating_forwarded_for_does_not_escape_the_anonymous_throttle(
    api_client, monkeypatch, time_machine
):
    # given: the anonymous rate used up on a public endpoint with the default throttles
    time_machine.move_to(START, tick=False)
    monkeypatch.setattr(
        AnonRateThrottle, "THROTTLE_RATES", {**AnonRateThrottle.THROTTLE_RATES, "anon": "2/minute"}
    )
    statuses = [api_client.get("/api/v1/catalogue/activities/", **forged(i)).status_code for i in range(2)]

    # when
    response = api_client.get("/api/v1/catalogue/activities/", **forged(99))

    # then
    assert statuses == [200, 200]
    assert response.status_code == 429


def test_behind_one_proxy_the_last_hop_is_the_identity(
    api_client, rates_3_per_minute, trusted_proxies, time_machine
):
    # given: one trusted proxy; the client forges the start of the header, the proxy appends the
    # real address (the same one each time)
    time_machine.move_to(START, tick=False)
    trusted_proxies(1)
    for i in range(3):
        api_client.get(VERIFY_URL, {"code": "X"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 203.0.113.7")

    # when: the same client again, and another client behind the same proxy
    same = api_client.get(VERIFY_URL, {"code": "X"}, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    other = api_client.get(VERIFY_URL, {"code": "X"}, HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.8")

    # then
    assert same.status_code == 429
    assert other.status_code == 404


# --- lockout per account ------------------------------------------------------------------------


def test_failures_from_many_addresses_lock_the_account(api_client, lockout_after_3, time_machine):
    # given: three wrong passwords, each from a different real address
    time_machine.move_to(START, tick=False)
    user = UserFactory(username="aliya")
    for i in range(3):
        assert login(api_client, "aliya", "guess", REMOTE_ADDR=f"192.0.2.{i + 1}").status_code == 400

    # when: the right password from a fresh address
    response = login(api_client, "aliya", REMOTE_ADDR="192.0.2.200")

    # then: refused, with how long to wait, and the lock is on the audit trail
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == ErrorCode.ACCOUNT_LOCKED
    assert isinstance(body["detail"], str) and body["detail"]
    assert int(response["Retry-After"]) == 15 * 60
    assert AuthToken.objects.count() == 0
    locked = AuditEvent.objects.get(action="accounts.account_locked")
    assert locked.data["user"] == user.pk
    assert locked.data["failures"] == 3
    assert locked.data["client"] == "192.0.2.3"
    assert AuditEvent.objects.count() == 1  # the failures before the lock are counted, not audited


def test_the_lock_ends_after_the_period(api_client, lockout_after_3, time_machine):
    # given: locked
    time_machine.move_to(START, tick=False)
    UserFactory(username="aliya")
    for i in range(3):
        login(api_client, "aliya", "guess", REMOTE_ADDR=f"192.0.2.{i + 1}")
    time_machine.move_to(START + datetime.timedelta(minutes=14, seconds=59), tick=False)
    still_locked = login(api_client, "aliya", REMOTE_ADDR="192.0.2.50")

    # when
    time_machine.move_to(START + datetime.timedelta(minutes=15), tick=False)
    response = login(api_client, "aliya", REMOTE_ADDR="192.0.2.51")

    # then
    assert still_locked.status_code == 429
    assert still_locked["Retry-After"] == "1"
    assert response.status_code == 200
    assert not LoginFailure.objects.filter(username="aliya").exists()


def test_a_success_resets_the_count(api_client, lockout_after_3, time_machine):
    # given: two failures, then the right password
    time_machine.move_to(START, tick=False)
    UserFactory(username="aliya")
    for i in range(2):
        login(api_client, "aliya", "guess", REMOTE_ADDR=f"192.0.2.{i + 1}")
    assert login(api_client, "aliya", REMOTE_ADDR="192.0.2.9").status_code == 200

    # when: two more failures
    failures = [login(api_client, "aliya", "guess", REMOTE_ADDR=f"192.0.2.{i + 20}") for i in range(2)]

    # then: still below the limit, so the right password works
    assert [r.status_code for r in failures] == [400, 400]
    assert login(api_client, "aliya", REMOTE_ADDR="192.0.2.30").status_code == 200


def test_failures_outside_the_window_do_not_add_up(api_client, lockout_after_3, time_machine):
    # given: two failures, then a third after the window has passed
    time_machine.move_to(START, tick=False)
    UserFactory(username="aliya")
    for i in range(2):
        login(api_client, "aliya", "guess", REMOTE_ADDR=f"192.0.2.{i + 1}")
    time_machine.move_to(START + datetime.timedelta(minutes=16), tick=False)
    login(api_client, "aliya", "guess", REMOTE_ADDR="192.0.2.3")

    # when
    response = login(api_client, "aliya", REMOTE_ADDR="192.0.2.4")

    # then
    assert response.status_code == 200


def test_an_unknown_username_locks_with_the_same_answer(api_client, lockout_after_3, time_machine):
    # given: nobody is called "ghost"; three guesses
    time_machine.move_to(START, tick=False)
    answers = [login(api_client, "ghost", "guess", REMOTE_ADDR=f"192.0.2.{i + 1}") for i in range(3)]

    # when
    response = login(api_client, "ghost", "guess", REMOTE_ADDR="192.0.2.77")

    # then: the same answers an existing account gets
    assert [a.json()["code"] for a in answers] == ["invalid_credentials"] * 3
    assert response.status_code == 429
    assert response.json()["code"] == ErrorCode.ACCOUNT_LOCKED
    assert AuditEvent.objects.get(action="accounts.account_locked").data["user"] is None


@pytest.mark.django_db(transaction=True)
def test_the_failure_count_survives_the_failed_request(api_client, lockout_after_3, time_machine):
    # given: real commits (no test transaction around the requests)
    time_machine.move_to(START, tick=False)
    UserFactory(username="aliya")

    # when
    response = login(api_client, "aliya", "guess")

    # then: the 400 did not roll the count back
    assert response.status_code == 400
    assert LoginFailure.objects.get(username="aliya").failures == 1
