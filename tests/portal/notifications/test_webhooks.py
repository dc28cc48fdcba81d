"""Webhooks: signed with HMAC-SHA256, retried with backoff, logged, and never aimed at private hosts in production."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from portal.accounts.models import ApiClient
from portal.notifications import services
from portal.notifications.models import Notification, WebhookDelivery
from portal.notifications.webhooks import SIGNATURE_HEADER, subscription_create
from tests.factories import ApiClientFactory, EntrepreneurFactory
from tests.permits.factories import LicenceTypeFactory, submit
from tests.processes import celery_worker, wait_until


class Receiver:
    """A local HTTP endpoint that records what it is sent and answers `status`.

    With `hold_first` it keeps the first request open, unanswered, until `release` (or `close`):
    a sender waiting on it can be killed mid-delivery.
    """

    def __init__(self, status: int = 204, *, hold_first: bool = False):
        received = self.received = []
        self.holding = threading.Event()
        self._released = threading.Event()
        answer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                if hold_first and len(received) == 1:
                    answer.holding.set()
                    answer._released.wait(60)
                try:
                    self.send_response(answer.status)
                    self.end_headers()
                except OSError:  # the sender is gone
                    pass

            def log_message(self, *args):
                pass

        self.status = status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/portal"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self):
        self._released.set()

    def close(self):
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def bank_for_a_permit(receiver_url: str, events=("permit.issued",)):
    """An API client acting for a business, subscribed to its permits; then that business gets one."""
    owner = EntrepreneurFactory()
    business = owner.memberships.get().business
    client: ApiClient = ApiClientFactory(business=business)
    subscription = subscription_create(actor=client.user, url=receiver_url, events=list(events))
    submit(LicenceTypeFactory(low=True), owner)
    return subscription


@pytest.mark.django_db
def test_a_webhook_is_signed_and_delivered_once(receiver):
    # given
    subscription = bank_for_a_permit(receiver.url)
    row = Notification.objects.get(channel="webhook")

    # when
    outcomes = [services.deliver(row.pk), services.deliver(row.pk)]

    # then: one signed post; the signature verifies with the subscription's secret
    assert outcomes == ["sent", "skipped"]
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(subscription.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected
    assert headers["X-Portal-Event"] == "permit.issued"
    document = json.loads(body)
    assert document["event"] == "permit.issued"
    assert document["data"]["permit"].startswith("KZ-")
    assert WebhookDelivery.objects.get().status_code == 204


@pytest.mark.django_db
def test_a_refused_webhook_is_logged_and_retried_later(receiver):
    # given: the receiver answers 500
    receiver.status = 500
    bank_for_a_permit(receiver.url)
    row = Notification.objects.get(channel="webhook")

    # when
    outcome = services.deliver(row.pk)

    # then
    row.refresh_from_db()
    assert outcome == "failed"
    assert row.status == "pending"
    assert row.next_attempt_at > timezone.now()
    log = WebhookDelivery.objects.get()
    assert (log.status_code, log.succeeded) == (500, False)


@pytest.mark.django_db
def test_events_not_subscribed_to_are_not_sent(receiver):
    # given / when: subscribed only to suspensions; the permit issue is not one
    bank_for_a_permit(receiver.url, events=("permit.suspended",))

    # then
    assert not Notification.objects.filter(channel="webhook").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["ftp://bank.kz/hook", "http:///nohost", "javascript:alert(1)"])
def test_only_http_urls_are_accepted(url):
    # given
    client = ApiClientFactory()

    # when / then
    with pytest.raises(Exception) as excinfo:
        subscription_create(actor=client.user, url=url, events=[])
    assert excinfo.value.fields == {"url": ["Use an http or https URL."]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/h",
        "http://10.0.0.5/h",
        "http://169.254.169.254/latest",
        "http://100.64.1.1/h",  # shared address space (cloud metadata)
        "http://[::ffff:127.0.0.1]/h",  # IPv4-mapped loopback
        "http://[2002:7f00:1::]/h",  # 6to4 of 127.0.0.1
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/h",  # Teredo, client 10.0.0.1
        "http://0.0.0.0/h",
    ],
)
def test_production_refuses_every_address_that_is_not_global(settings, url):
    # given
    settings.PORTAL_WEBHOOKS_ALLOW_PRIVATE = False
    client = ApiClientFactory()

    # when / then
    with pytest.raises(Exception) as excinfo:
        subscription_create(actor=client.user, url=url, events=[])
    assert excinfo.value.fields == {"url": ["Webhooks cannot target private or loopback addresses."]}


@pytest.mark.django_db
def test_the_api_lets_an_api_client_subscribe_and_shows_the_secret_once(client_for, receiver):
    # given
    client = ApiClientFactory()
    api = client_for(client.user)

    # when
    created = api.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["permit.issued"]}, format="json")
    listed = api.get("/api/v1/webhooks/").json()

    # then
    assert created.status_code == 201
    assert len(created.json()["secret"]) == 64
    assert "secret" not in listed["results"][0]
    entrepreneur = EntrepreneurFactory()
    refused = client_for(entrepreneur).post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_an_api_client")


@pytest.mark.needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_signed_webhook(receiver):
    # given: a worker on the configured broker (Redis), pointed at the test database
    from portal.celery import app as celery_app

    celery_app.control.purge()
    with celery_worker() as worker:
        # when: a permit is issued; the delivery task is enqueued on commit
        subscription = bank_for_a_permit(receiver.url)
        wait_until(lambda: receiver.received, alive=[worker])

        # then
        assert len(receiver.received) == 1
        headers, body = receiver.received[0]
        assert (
            headers[SIGNATURE_HEADER]
            == "sha256=" + hmac.new(subscription.secret.encode(), body, hashlib.sha256).hexdigest()
        )
        # the worker commits the row after the receiver has answered: wait for that commit
        rows = Notification.objects.filter(channel="webhook")
        wait_until(lambda: rows.filter(status="sent").exists(), alive=[worker])
        assert list(rows.values_list("status", "attempts")) == [("sent", 1)]
