"""Redis down is not an outage: the API serves, throttles still count, notifications wait and arrive once.

Redis is the portal's cache (where DRF's throttles count) and its Celery broker. The test runs a
redis-server of its own, points both at it, stops it while people sign in, submit and verify, and
starts it again on the same port: the outbox sweep then hands what waited to a real worker, which
lived through the outage, and an SMTP sink counts what arrives.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from permits.models import Application
from portal.api.errors import ErrorCode
from portal.celery import app as celery_app
from portal.notifications import services
from portal.notifications.models import Notification
from tests.factories import PASSWORD, EntrepreneurFactory
from tests.permits.factories import DraftApplicationFactory, LicenceTypeFactory
from tests.processes import RedisServer, SmtpSink, celery_worker, use_broker, wait_until

ALMATY = ZoneInfo("Asia/Almaty")
API = "/api/v1"
# A hang guard, not a speed target (those live in bench/): the client's socket timeouts are half a
# second, so a request that took this long waited on the dead Redis instead of giving up on it.
SLOWEST_REQUEST = 10.0


class Timed:
    """An APIClient that remembers its slowest request."""

    def __init__(self, **defaults):
        self.client = APIClient(**defaults)
        self.slowest = 0.0

    def _timed(self, method: str, *args, **kwargs):
        started = time.monotonic()
        response = getattr(self.client, method)(*args, **kwargs)
        self.slowest = max(self.slowest, time.monotonic() - started)
        return response

    def get(self, *args, **kwargs):
        return self._timed("get", *args, **kwargs)

    def post(self, *args, **kwargs):
        return self._timed("post", *args, **kwargs)

    def sign_in(self, username: str, password: str = PASSWORD):
        return self.post(f"{API}/auth/token/", {"username": username, "password": password}, format="json")


@pytest.fixture
def redis_server(tmp_path):
    with RedisServer(tmp_path) as server:
        yield server


@pytest.fixture
def portal_on(redis_server, settings, monkeypatch):
    """Cache (db 1) and broker (db 0) on the test's Redis; sign-in and verification at 3 a minute."""
    # The cache the settings configure for Redis (REDIS_URL), moved to the test's server.
    configured = django_settings.CACHES["default"] if django_settings.REDIS_URL else {}
    settings.CACHES = {
        "default": {
            **configured,
            "BACKEND": configured.get("BACKEND", "portal.cache.FallbackRedisCache"),
            "LOCATION": redis_server.url(1),
        }
    }
    # The broker this process publishes to, read before it is moved: handing back the test's own
    # (stopped) server would leave every later test that publishes a task failing to connect.
    real_broker = celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = redis_server.url(0)
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    use_broker(redis_server.url(0))
    # DRF read the rates into the class attribute at import time; patch it, keeping the other scopes.
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "login": "3/minute", "verify": "3/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    yield redis_server
    use_broker(real_broker)


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_portal_serves_and_the_notifications_arrive_once_afterwards(
    portal_on, time_machine
):
    # given: two applicants with low-risk drafts (approved on submission: a permit and an email
    # each), a worker on the test's Redis sending mail to a local sink
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY))
    redis_server = portal_on
    low = LicenceTypeFactory(low=True)
    owners = [EntrepreneurFactory() for _ in range(2)]
    drafts = [
        DraftApplicationFactory(business=o.memberships.get().business, licence_type=low, created_by=o)
        for o in owners
    ]
    with (
        SmtpSink() as sink,
        celery_worker(
            env={
                "CELERY_BROKER_URL": redis_server.url(0),
                "REDIS_URL": redis_server.url(1),
                "EMAIL_URL": sink.url,
            }
        ) as worker,
    ):
        assert wait_until(lambda: bool(celery_app.control.ping(timeout=0.5))), worker.log()
        assert APIClient().get(f"{API}/catalogue/activities/").status_code == 200  # a warm process

        # when: Redis stops; the applicants sign in, submit and look around
        redis_server.stop()
        applicants = [Timed() for _ in owners]
        signed_in = [c.sign_in(o.username) for c, o in zip(applicants, owners, strict=True)]
        assert [r.status_code for r in signed_in] == [200, 200]
        for client, response in zip(applicants, signed_in, strict=True):
            client.client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        submitted = [
            c.post(f"{API}/applications/{d.pk}/submit/") for c, d in zip(applicants, drafts, strict=True)
        ]
        lists = [
            applicants[0].get(f"{API}/{path}")
            for path in ("me/", "applications/", "permits/", "notifications/", "catalogue/activities/")
        ]

        # then: everything answered, the submissions were decided and their emails wait in the outbox
        assert [r.status_code for r in submitted] == [200, 200], [r.json() for r in submitted]
        assert [r.json()["status"] for r in submitted] == ["approved", "approved"]
        assert [r.status_code for r in lists] == [200] * len(lists)
        emails = Notification.objects.filter(channel="email")
        assert emails.count() >= 2
        assert set(emails.values_list("status", flat=True)) == {"pending"}

        # when: someone guesses a password, and someone else guesses verification codes
        guesser = Timed(REMOTE_ADDR="203.0.113.7")
        wrong_passwords = [guesser.sign_in(owners[0].username, "not-it").status_code for _ in range(3)]
        right_password = guesser.sign_in(owners[0].username)
        permit = Application.objects.get(pk=drafts[0].pk).permit
        checker = Timed(REMOTE_ADDR="198.51.100.9")
        verify = f"{API}/public/permits/{permit.number}/"
        wrong_codes = [checker.get(verify, {"code": f"WRONG{i}"}).status_code for i in range(3)]
        right_code = checker.get(verify, {"code": permit.verification_code})
        elsewhere = Timed(REMOTE_ADDR="192.0.2.44").get(verify, {"code": permit.verification_code})

        # then: the throttles still count, here in this process's memory
        assert wrong_passwords == [400, 400, 400]
        assert right_password.status_code == 429
        assert right_password.json()["code"] == ErrorCode.THROTTLED
        assert wrong_codes == [404, 404, 404]
        assert right_code.status_code == 429
        assert elsewhere.status_code == 200

        # when: the health check is asked
        health = Timed().get("/healthz")

        # then: it names the broker while the API serves
        assert health.status_code == 503
        assert health.json()["failing"] == ["broker"]
        assert health.json()["checks"]["database"] == {"ok": True}

        # and no request waited long on the dead Redis
        everyone = [*applicants, guesser, checker]
        assert max(c.slowest for c in everyone) < SLOWEST_REQUEST

        # when: Redis is back on the same port, nothing restarted, and the outbox sweep runs
        redis_server.start()
        picked = services.outbox_sweep(now=timezone.now() + dt.timedelta(minutes=5))
        wait_until(lambda: emails.filter(status="sent").count() == emails.count(), alive=[worker])

        # then: each email was delivered exactly once, by the worker that lived through the outage
        assert worker.alive(), worker.log()
        assert picked == emails.count()
        assert set(emails.values_list("status", "attempts")) == {("sent", 1)}
        expected = Counter(emails.values_list("recipient__email", flat=True))
        assert Counter(to for recipients, _ in sink.messages for to in recipients) == expected

        # when: the sweep runs again
        again = services.outbox_sweep(now=timezone.now() + dt.timedelta(minutes=10))

        # then: nothing is left to send and nothing arrives twice
        assert again == 0
        assert not wait_until(lambda: len(sink.messages) > sum(expected.values()), timeout=2)
        assert Counter(to for recipients, _ in sink.messages for to in recipients) == expected

        # when: the cache's outage has been remembered long enough and someone signs in
        assert wait_until(lambda: not cache.outage.skip(), timeout=10, interval=0.1)
        later = Timed(REMOTE_ADDR="192.0.2.45").sign_in(owners[1].username)

        # then: the throttles count in Redis again
        assert later.status_code == 200
        assert any(b"throttle_login_192.0.2.45" in key for key in redis_server.client(1).keys("*"))
        assert APIClient().get("/healthz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_redis_that_hangs_is_found_out_once_and_then_skipped(portal_on, time_machine):
    # given: an applicant with a low-risk draft; Redis accepts connections and never answers
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY))
    owner = EntrepreneurFactory()
    draft = DraftApplicationFactory(
        business=owner.memberships.get().business, licence_type=LicenceTypeFactory(low=True), created_by=owner
    )
    assert APIClient().get(f"{API}/catalogue/activities/").status_code == 200  # a warm process
    portal_on.pause()
    try:
        # when: she signs in and submits, then looks at her applications twice
        applicant = Timed()
        signed_in = applicant.sign_in(owner.username)
        found_out = cache.outage.ongoing
        applicant.client.credentials(HTTP_AUTHORIZATION=f"Token {signed_in.json()['token']}")
        submitted = applicant.post(f"{API}/applications/{draft.pk}/submit/")
        after = Timed()
        after.client.credentials(HTTP_AUTHORIZATION=f"Token {signed_in.json()['token']}")
        listed = [after.get(f"{API}/applications/") for _ in range(2)]
        checker = Timed()
        health = checker.get("/healthz")

        # then: each answered and none waited on the hung Redis; the sign-in found the outage out
        # and it stood for every request after it (the cache served them from process memory)
        assert signed_in.status_code == 200
        assert found_out
        assert submitted.status_code == 200
        assert submitted.json()["status"] == "approved"
        assert [r.status_code for r in listed] == [200, 200]
        assert cache.outage.ongoing
        assert max(applicant.slowest, after.slowest, checker.slowest) < SLOWEST_REQUEST
        assert (health.status_code, health.json()["failing"]) == (503, ["broker"])
        assert Notification.objects.filter(channel="email", status="pending").exists()
    finally:
        portal_on.resume()
