"""A worker killed mid-delivery (SIGKILL) loses nothing and sends nothing twice.

Real workers on the configured broker (Redis) deliver to a local SMTP server or HTTP receiver that
holds the first delivery open at a chosen step, so the test kills the worker exactly there; then a
new worker takes over, with the outbox sweep re-enqueuing what the dead one left (see
services.deliver for what each step means). The clock is not moved: the workers run on the real
clock, and the sweep is given a moment just past the dead attempt's lease, read from its own row.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from portal.celery import app as celery_app
from portal.notifications import services
from portal.notifications.models import Notification, WebhookDelivery
from portal.notifications.tasks import deliver_notification
from portal.notifications.webhooks import SIGNATURE_HEADER
from tests.factories import UserFactory
from tests.portal.notifications.test_webhooks import bank_for_a_permit
from tests.processes import celery_worker, child_env, free_port, wait_until

pytestmark = [pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]


class HoldingSmtpServer:
    """A local SMTP server that holds its first client at one step (`ehlo` or `data`) until released.

    Holding at `data` means it has the whole message (and counts it) but has not answered yet: the
    moment when a sender cannot know whether the message was accepted.
    """

    def __init__(self, hold_at: str):
        self.hold_at = hold_at
        self.messages: list[tuple[list[str], str]] = []
        self.holding = threading.Event()
        self.released = threading.Event()
        self._held_once = False
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    async def _hold(self, step: str) -> None:
        if step != self.hold_at or self._held_once:
            return
        self._held_once = True
        self.holding.set()
        while not self.released.is_set():
            await asyncio.sleep(0.05)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        await self._hold("ehlo")
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        await self._hold("data")
        return "250 Message accepted for delivery"

    def close(self) -> None:
        self.released.set()
        self._controller.stop()


class HoldingReceiver:
    """A webhook endpoint that records every request and holds the first one open until released."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.holding = threading.Event()
        self.released = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.received.append((dict(self.headers), body))
                if len(owner.received) == 1:
                    owner.holding.set()
                    owner.released.wait(60)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:  # the sender is gone
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/portal"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def past_the_lease(row: Notification) -> dt.datetime:
    """A moment at which the sweep takes the attempt that claimed `row` for dead."""
    return row.claimed_at + services.DELIVERY_LEASE + dt.timedelta(seconds=1)


def notify_ana() -> Notification:
    ana = UserFactory(email="ana@example.kz", preferred_language="en")
    services.notify(recipients=[ana], event="permit.issued", subject_key="KZ-7", payload={"permit": "KZ-7"})
    return Notification.objects.get(channel="email")


def test_an_email_whose_worker_died_before_handing_it_over_is_sent_once_by_the_next_worker():
    # given: a mail server that holds the first worker at its greeting
    smtp = HoldingSmtpServer(hold_at="ehlo")
    env = child_env(EMAIL_URL=smtp.url)
    celery_app.control.purge()
    try:
        with celery_worker(env=env) as first:
            row = notify_ana()
            assert wait_until(smtp.holding.is_set, timeout=60, alive=[first]), first.log()

            # when: the worker is killed while connecting
            first.kill()
        smtp.released.set()
        row.refresh_from_db()
        assert (row.status, row.handed_over_at, row.attempts) == ("sending", None, 1)

        with celery_worker(env=env) as second:
            # when: the sweep finds the dead attempt's lease run out; a new worker takes the row
            picked = services.outbox_sweep(now=past_the_lease(row))
            sent = wait_until(
                lambda: Notification.objects.filter(pk=row.pk, status="sent").exists(),
                timeout=60,
                alive=[second],
            )

            # then: the email arrived exactly once, on the second attempt
            assert sent, second.log()
            assert picked == 1
            assert [recipients for recipients, _ in smtp.messages] == [["ana@example.kz"]]
            assert "KZ-7" in smtp.messages[0][1]
            row.refresh_from_db()
            assert (row.status, row.attempts) == ("sent", 2)
            assert services.outbox_sweep(now=past_the_lease(row)) == 0
    finally:
        smtp.close()


def test_an_email_whose_worker_died_after_the_server_took_it_is_never_sent_again():
    # given: a mail server that holds the first worker after receiving the whole message
    smtp = HoldingSmtpServer(hold_at="data")
    env = child_env(EMAIL_URL=smtp.url)
    celery_app.control.purge()
    try:
        with celery_worker(env=env) as first:
            row = notify_ana()
            assert wait_until(smtp.holding.is_set, timeout=60, alive=[first]), first.log()

            # when: the worker is killed before it hears the server's answer
            first.kill()
        smtp.released.set()
        row.refresh_from_db()
        assert row.status == "sending"
        assert row.handed_over_at is not None

        with celery_worker(env=env) as second:
            # when: the sweep finds the dead attempt, and the broker hands the task out again
            picked = services.outbox_sweep(now=past_the_lease(row))
            deliver_notification.delay(row.pk)
            redelivered = wait_until(lambda: "'skipped'" in second.log(), timeout=60, alive=[second])

            # then: nothing is sent again; the row says why
            assert redelivered, second.log()
            assert picked == 0
            assert len(smtp.messages) == 1
            row.refresh_from_db()
            assert (row.status, row.attempts) == ("unconfirmed", 1)
            assert "not resent" in row.last_error
            assert services.outbox_sweep(now=past_the_lease(row)) == 0
    finally:
        smtp.close()


def test_a_webhook_whose_worker_died_mid_request_is_sent_again_with_the_same_delivery_id():
    # given: a receiver that holds the first delivery open
    receiver = HoldingReceiver()
    celery_app.control.purge()
    try:
        with celery_worker() as first:
            subscription = bank_for_a_permit(receiver.url)
            assert wait_until(receiver.holding.is_set, timeout=60, alive=[first]), first.log()

            # when: the worker is killed while waiting for the receiver's answer
            first.kill()
        receiver.released.set()
        row = Notification.objects.get(channel="webhook")
        assert row.status == "sending"

        with celery_worker() as second:
            # when: the sweep finds the dead attempt's lease run out; a new worker takes the rows
            outbox = Notification.objects.exclude(channel="in_app")
            waiting = outbox.exclude(status="sent").count()
            picked = services.outbox_sweep(now=past_the_lease(row))
            sent = wait_until(
                lambda: set(outbox.values_list("status", flat=True)) == {"sent"}, timeout=60, alive=[second]
            )

            # then: the event was posted again, signed, under the same delivery id, so a receiver
            # that deduplicates on X-Portal-Delivery processes it once; the row is sent. The
            # owner's email, if the dead worker had taken its task from the queue without starting
            # it, was re-enqueued by the same sweep; either way it was sent once.
            assert sent, second.log()
            assert picked == waiting
            assert sorted(outbox.values_list("channel", "attempts")) == [("email", 1), ("webhook", 2)]
            assert len(receiver.received) == 2
            assert {headers["X-Portal-Delivery"] for headers, _ in receiver.received} == {str(row.pk)}
            for headers, body in receiver.received:
                expected = hmac.new(subscription.secret.encode(), body, hashlib.sha256).hexdigest()
                assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
            row.refresh_from_db()
            assert (row.status, row.attempts) == ("sent", 2)
            assert list(
                WebhookDelivery.objects.filter(notification=row).values_list("succeeded", flat=True)
            ) == [True]
            assert services.outbox_sweep(now=past_the_lease(row)) == 0
    finally:
        receiver.close()
