"""Webhook targets are checked where the post is made: one DNS answer, every address global in
production, the connection pinned to it, and a redirect is a failed delivery (never followed)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from council import workflow as council_workflow
from permits import workflow as permits_workflow
from portal.api.errors import ValidationFailed
from portal.notifications import services
from portal.notifications.events import Event
from portal.notifications.models import Notification, NotificationPreference, WebhookDelivery
from portal.notifications.webhooks import SIGNATURE_HEADER, subscription_create
from tests.factories import ApiClientFactory, EntrepreneurFactory
from tests.portal.notifications.test_webhooks import bank_for_a_permit

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Asia/Almaty"))
HOST = "hooks.bank.example"


class Endpoint:
    """A local HTTP server recording each request; answers `status` with an optional Location."""

    def __init__(self, status: int = 204, location: str | None = None):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                received.append(dict(self.headers))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoints():
    made = []

    def make(*args, **kwargs):
        made.append(Endpoint(*args, **kwargs))
        return made[-1]

    yield make
    for endpoint in made:
        endpoint.close()


@pytest.fixture(autouse=True)
def noon(time_machine):
    time_machine.move_to(NOON, tick=False)


def dns(monkeypatch, *answers: str):
    """HOST resolves to each answer in turn (the last one repeats); other names resolve as usual."""
    real, queue = socket.getaddrinfo, list(answers)

    def getaddrinfo(host, port, *args, **kwargs):
        if host != HOST:
            return real(host, port, *args, **kwargs)
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.django_db
def test_a_name_that_rebinds_to_a_private_address_after_subscribing_is_not_posted_to(
    settings, monkeypatch, endpoints
):
    # given: production; the name answers a public address when subscribing, then loopback
    settings.PORTAL_WEBHOOKS_ALLOW_PRIVATE = False
    inside = endpoints()
    dns(monkeypatch, "93.184.216.34", "127.0.0.1")
    bank_for_a_permit(f"http://{HOST}:{inside.port}/hooks")
    row = Notification.objects.get(channel="webhook")

    # when
    outcome = services.deliver(row.pk)

    # then: nothing reached the private host, and the row says why
    row.refresh_from_db()
    assert outcome == "failed"
    assert inside.received == []
    assert "private or loopback" in row.last_error
    assert WebhookDelivery.objects.get().status_code is None


@pytest.mark.django_db
def test_the_delivery_connects_to_the_address_it_resolved_and_names_the_host(monkeypatch, endpoints):
    # given: outside production, the name resolves to the local endpoint
    endpoint = endpoints()
    dns(monkeypatch, "127.0.0.1")
    bank_for_a_permit(f"http://{HOST}:{endpoint.port}/hooks")
    row = Notification.objects.get(channel="webhook")

    # when
    outcome = services.deliver(row.pk)

    # then
    assert outcome == "sent"
    assert [headers["Host"] for headers in endpoint.received] == [f"{HOST}:{endpoint.port}"]


@pytest.mark.django_db
def test_a_redirect_is_a_failed_delivery_and_the_signed_post_does_not_follow_it(endpoints):
    # given: the subscribed endpoint answers 302 to another server
    elsewhere = endpoints()
    redirecting = endpoints(302, location=elsewhere.url)
    bank_for_a_permit(redirecting.url)
    row = Notification.objects.get(channel="webhook")

    # when
    outcome = services.deliver(row.pk)

    # then: only the subscribed URL got the signed request; the error names the redirect
    row.refresh_from_db()
    assert outcome == "failed"
    assert len(redirecting.received) == 1
    assert SIGNATURE_HEADER in redirecting.received[0]
    assert elsewhere.received == []
    log = WebhookDelivery.objects.get()
    assert (log.status_code, log.succeeded) == (302, False)
    assert "redirect" in row.last_error
    assert "not followed" in row.last_error


@pytest.mark.django_db
def test_an_out_of_range_port_is_a_400_naming_the_url(client_for):
    # given
    api = client_for(ApiClientFactory().user)

    # when
    answer = api.post("/api/v1/webhooks/", {"url": "http://bank.example:99999/h"}, format="json")

    # then
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["url"]


@pytest.mark.django_db
@pytest.mark.parametrize("event", ["*", "x" * 64, "permit.issuedd"])
def test_a_webhook_for_an_unknown_event_is_refused(client_for, endpoints, event):
    # given
    api = client_for(ApiClientFactory().user)

    # when
    answer = api.post("/api/v1/webhooks/", {"url": endpoints().url, "events": [event]}, format="json")

    # then
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["events"]


@pytest.mark.django_db
def test_a_webhook_with_no_events_still_means_every_event(client_for, endpoints):
    # given
    api = client_for(ApiClientFactory().user)

    # when
    answer = api.post("/api/v1/webhooks/", {"url": endpoints().url, "events": []}, format="json")

    # then
    assert answer.status_code == 201
    assert answer.json()["events"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("event", ["*", "y" * 64])
def test_a_preference_for_an_unknown_event_is_refused(client_for, event):
    # given
    person = EntrepreneurFactory()

    # when
    answer = client_for(person).post(
        "/api/v1/notifications/preferences/", {"event": event, "email": False}, format="json"
    )

    # then
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["event"]
    assert not NotificationPreference.objects.filter(user=person).exists()


def test_every_workflow_move_is_a_known_event():
    # given: what the workflows emit
    emitted = {f"application.{move.action}" for move in permits_workflow.TRANSITIONS.values()}
    emitted |= {f"permit.{action}" for action in permits_workflow.PERMIT_TRANSITIONS.values()}
    emitted |= {f"council.{action}" for action in council_workflow.TRANSITIONS.values()}
    for table in (council_workflow.CONCERNS, council_workflow.REPORTS):
        emitted |= {f"{table.prefix}.{move.action}" for move in table.moves.values()}

    # when / then
    assert emitted - set(Event.values) == set()


@pytest.mark.django_db
def test_the_service_refuses_unknown_events_too(endpoints):
    # given
    client = ApiClientFactory()

    # when / then
    with pytest.raises(ValidationFailed) as excinfo:
        subscription_create(actor=client.user, url=endpoints().url, events=["permit.issued", "*"])
    assert excinfo.value.fields == {"events": ["Unknown event: *."]}
