"""A worker killed mid-delivery (SIGKILL) loses nothing and sends nothing twice.

Real workers on the configured broker (Redis) deliver to a local SMTP server or HTTP receiver that
holds the first delivery open at a chosen step, so the test kills the worker exactly there; then a
new worker takes over, with the outbox sweep re-enqueuing what the dead one left (see
services.deliver for what each step means). The clock is not moved: the workers run on the real
clock, and the sweep is given a moment just past the dead attempt's lease, read from its own row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest

from portal.celery import app as celery_app
from portal.notifications import services
from portal.notifications.models import Notification, WebhookDelivery
from portal.notifications.tasks import deliver_notification
from portal.notifications.webhooks import SIGNATURE_HEADER
from tests.factories import UserFactory
from tests.portal.notifications.test_webhooks import Receiver, bank_for_a_permit
from tests.processes import SmtpSink, celery_worker, wait_until

pytestmark = [pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]


def past_the_lease(row: Notification) -> dt.datetime:
    """A moment at which the sweep takes the attempt that claimed `row` for dead."""
    return row.claimed_at + services.DELIVERY_LEASE + dt.timedelta(seconds=1)


def email_ana_and_kill_the_worker_held_by(smtp: SmtpSink) -> Notification:
    """Ana's email row, as left by a worker killed while `smtp` held it; the server is released."""
    celery_app.control.purge()
    with celery_worker(env={"EMAIL_URL": smtp.url}) as first:
        ana = UserFactory(email="ana@example.kz", preferred_language="en")
        services.notify(
            recipients=[ana], event="permit.issued", subject_key="KZ-7", payload={"permit": "KZ-7"}
        )
        row = Notification.objects.get(channel="email")
        assert wait_until(smtp.holding.is_set, timeout=60, alive=[first]), first.log()
        first.kill()
    smtp.release()
    row.refresh_from_db()
    return row


def test_an_email_whose_worker_died_before_handing_it_over_is_sent_once_by_the_next_worker():
    # given: a mail server that holds the first worker at its greeting
    with SmtpSink(hold_at="ehlo") as smtp:
        # when: the worker is killed while connecting
        row = email_ana_and_kill_the_worker_held_by(smtp)
        assert (row.status, row.handed_over_at, row.attempts) == ("sending", None, 1)

        with celery_worker(env={"EMAIL_URL": smtp.url}) as second:
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


def test_an_email_whose_worker_died_after_the_server_took_it_is_never_sent_again():
    # given: a mail server that holds the first worker after receiving the whole message
    with SmtpSink(hold_at="data") as smtp:
        # when: the worker is killed before it hears the server's answer
        row = email_ana_and_kill_the_worker_held_by(smtp)
        assert row.status == "sending"
        assert row.handed_over_at is not None

        with celery_worker(env={"EMAIL_URL": smtp.url}) as second:
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


def test_a_webhook_whose_worker_died_mid_request_is_sent_again_with_the_same_delivery_id():
    # given: a receiver that holds the first delivery open
    receiver = Receiver(hold_first=True)
    celery_app.control.purge()
    try:
        with celery_worker() as first:
            subscription = bank_for_a_permit(receiver.url)
            assert wait_until(receiver.holding.is_set, timeout=60, alive=[first]), first.log()

            # when: the worker is killed while waiting for the receiver's answer
            first.kill()
        receiver.release()
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
