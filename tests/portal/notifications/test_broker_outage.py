"""Broker down during submissions: nothing fails, nothing is lost, nothing is delivered twice.

Runs against real Redis (REDIS_URL): the outage is a broker URL nobody listens on; recovery is the
real Redis again, with a real worker process delivering what the outbox sweep re-enqueues.
tests/portal/test_redis_outage.py stops a real Redis server instead, cache and all.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from portal.celery import app as celery_app
from portal.notifications import services
from portal.notifications.models import Notification
from tests.factories import EntrepreneurFactory
from tests.permits.factories import LicenceTypeFactory, submit
from tests.processes import celery_worker, use_broker, wait_until


@pytest.mark.needs_redis
@pytest.mark.django_db(transaction=True)
def test_notifications_survive_a_broker_outage_and_arrive_exactly_once():
    # given: the broker is down
    real_broker = settings.CELERY_BROKER_URL
    use_broker("redis://127.0.0.1:9/0")
    owners = [EntrepreneurFactory() for _ in range(3)]
    low = LicenceTypeFactory(low=True)
    try:
        # when: three applicants submit; each gets a permit and emails are written
        for owner in owners:
            application = submit(low, owner)
            assert application.status == "approved"

        # then: every email waits, none was sent or lost
        emails = Notification.objects.filter(channel="email")
        assert emails.count() == 3
        assert set(emails.values_list("status", flat=True)) == {"pending"}

        # when: the broker is back, a worker runs, and the outbox sweep re-enqueues what waits
        use_broker(real_broker)
        celery_app.control.purge()
        with celery_worker() as worker:
            picked = services.outbox_sweep(now=timezone.now() + dt.timedelta(minutes=5))
            wait_until(lambda: emails.filter(status="sent").count() == 3, alive=[worker])

            # then: each delivered exactly once, and a further sweep finds nothing to do
            assert picked == 3
            assert list(emails.values_list("status", "attempts")) == [("sent", 1)] * 3
            assert services.outbox_sweep(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    finally:
        use_broker(real_broker)
