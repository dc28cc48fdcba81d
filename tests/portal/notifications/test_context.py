"""A notification context (portal/notifications/services.py): inside `notification_context()` every
`notify` reads its recipients' email opt-outs, API clients and webhook subscriptions once for the
whole block, and still delivers exactly what a plain `notify` would."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.notifications import services
from portal.notifications.models import Notification, NotificationPreference
from portal.notifications.webhooks import subscription_create
from tests.factories import ApiClientFactory, UserFactory

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 11, 19, 10, tzinfo=ZoneInfo("Asia/Almaty"))


@pytest.fixture(autouse=True)
def _clock_and_settings(time_machine, settings):
    time_machine.move_to(MOMENT, tick=False)
    settings.PORTAL_EMAIL_NOTIFICATIONS = True
    settings.PORTAL_WEBHOOKS_ALLOW_PRIVATE = True  # the receiver's address is never called here


def people():
    """One who opted out of one event's email, one who reads everything, and a bank's service
    account subscribed by webhook to one event."""
    quiet, keen = UserFactory(), UserFactory()
    NotificationPreference.objects.create(user=quiet, event="application.escalated", email=False)
    bank = ApiClientFactory().user
    subscription_create(actor=bank, url="http://127.0.0.1:9/hooks", events=["application.escalated"])
    return quiet, keen, bank


def tell(users, events, keys):
    for event in events:
        for key in keys:
            services.notify(recipients=users, event=event, subject_key=key, payload={"reference": key})


def delivered():
    return sorted(Notification.objects.values_list("event", "dedupe_key", "recipient_id", "channel"))


EVENTS = ["application.escalated", "application.authority_late"]


def test_notify_inside_a_context_delivers_exactly_what_plain_notify_delivers():
    # given: the same people told the same events, once plainly
    quiet, keen, bank = people()
    tell([quiet, keen, bank], EVENTS, ["APP-1", "APP-2"])
    plain = delivered()
    Notification.objects.all().delete()

    # when: told again inside a context
    with services.notification_context():
        tell([quiet, keen, bank], EVENTS, ["APP-1", "APP-2"])

    # then: the same rows: the opt-out held, the bank got webhooks and no email
    assert delivered() == plain
    channels = {(event, user, channel) for event, _, user, channel in plain}
    assert ("application.escalated", quiet.pk, "email") not in channels
    assert ("application.authority_late", quiet.pk, "email") in channels
    assert ("application.escalated", bank.pk, "webhook") in channels
    assert ("application.authority_late", bank.pk, "webhook") not in channels
    assert not any(user == bank.pk and channel == "email" for _, _, user, channel in plain)


def test_a_context_reads_preferences_clients_and_subscriptions_once_for_many_notifications():
    # given
    quiet, keen, bank = people()

    # when: twenty notifications, plainly, then twenty more inside a context
    with CaptureQueriesContext(connection) as plain:
        tell([quiet, keen, bank], EVENTS, [f"APP-{n}" for n in range(10)])
    with CaptureQueriesContext(connection) as shared, services.notification_context():
        tell([quiet, keen, bank], EVENTS, [f"APP-{n}" for n in range(10, 20)])

    # then: plainly, three reads per notification; in a context, three in all, then one insert each
    def reads(captured):
        return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]

    assert len(reads(plain)) == 3 * 20
    assert len(reads(shared)) == 3
    assert len(shared.captured_queries) == 3 + 20


def test_a_context_reads_a_recipient_it_has_not_seen_when_first_told():
    # given: a context that read two people ahead; a third was not among them
    quiet, keen, bank = people()
    with services.notification_context() as context:
        context.prefetch([quiet.pk, keen.pk])

        # when: the third is told
        with CaptureQueriesContext(connection) as later:
            tell([bank, keen], ["application.escalated"], ["APP-1"])

    # then: read on demand (three reads for the bank alone), and told as always: a webhook
    assert sum(q["sql"].startswith("SELECT") for q in later.captured_queries) == 3
    assert sorted(Notification.objects.filter(recipient=bank).values_list("channel", flat=True)) == [
        "in_app",
        "webhook",
    ]
