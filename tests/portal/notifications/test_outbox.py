"""The outbox: in-app rows at once, email rows delivered after commit, retried with backoff, never twice."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from portal.notifications import services
from portal.notifications.models import Notification, NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def write(users, key="APP-2026-000001", event="application.submitted"):
    return services.notify(recipients=users, event=event, subject_key=key, payload={"reference": key})


def test_each_recipient_gets_an_in_app_row_and_an_email_row():
    # given
    ana, bek = UserFactory(), UserFactory(email="")

    # when
    write([ana, bek, ana, None])

    # then: in-app for both (delivered by being written); email only for the one with an address
    rows = sorted(Notification.objects.values_list("recipient__username", "channel", "status"))
    assert rows == [
        (ana.username, "email", "pending"),
        (ana.username, "in_app", "sent"),
        (bek.username, "in_app", "sent"),
    ]


def test_the_same_event_never_reaches_anyone_twice():
    # given
    ana = UserFactory()
    write([ana])

    # when
    write([ana])

    # then
    assert Notification.objects.count() == 2


def test_a_user_can_opt_out_of_email_per_event():
    # given
    ana = UserFactory()
    NotificationPreference.objects.create(user=ana, event="application.submitted", email=False)

    # when
    write([ana])
    write([ana], event="permit.issued")

    # then
    assert sorted(Notification.objects.values_list("event", "channel")) == [
        ("application.submitted", "in_app"),
        ("permit.issued", "email"),
        ("permit.issued", "in_app"),
    ]


def test_email_is_queued_only_after_commit(django_capture_on_commit_callbacks):
    # given
    ana = UserFactory()

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        write([ana])

    # then: one callback hands the email row to Celery once the transaction commits
    assert len(callbacks) == 1


def test_delivery_sends_the_email_once():
    # given
    ana = UserFactory(email="ana@example.kz")
    write([ana])
    row = Notification.objects.get(channel="email")

    # when
    first = services.deliver(row.pk)
    second = services.deliver(row.pk)

    # then
    row.refresh_from_db()
    assert (first, second) == ("sent", "skipped")
    assert row.status == "sent"
    assert row.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.kz"]
    assert "APP-2026-000001" in mail.outbox[0].subject


def test_a_failed_delivery_waits_with_capped_backoff_then_gives_up(settings):
    # given: a mail backend that refuses everything
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    ana = UserFactory()
    write([ana])
    row = Notification.objects.get(channel="email")

    # when
    with time_machine.travel(dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC), tick=False):
        outcome = services.deliver(row.pk)

    # then
    row.refresh_from_db()
    assert outcome == "failed"
    assert row.status == "pending"
    assert row.next_attempt_at == dt.datetime(2026, 11, 27, 6, 0, 30, tzinfo=dt.UTC)
    assert row.last_error
    assert services.backoff(1) == dt.timedelta(seconds=30)
    assert services.backoff(20) == services.BACKOFF_CAP

    # when: it keeps failing
    for _ in range(services.MAX_ATTEMPTS):
        services.deliver(row.pk)

    # then
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.attempts == services.MAX_ATTEMPTS


def test_a_failed_delivery_is_logged_as_a_warning_with_its_error(settings, caplog, time_machine):
    # given: a mail backend that refuses everything, and a row two attempts from giving up
    time_machine.move_to(dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC), tick=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    write([UserFactory()])
    row = Notification.objects.get(channel="email")
    Notification.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS - 2)

    # when
    services.deliver(row.pk)
    services.deliver(row.pk)

    # then: the terminal says so at once (the row keeps the same error for the admin)
    row.refresh_from_db()
    warnings = [r.getMessage() for r in caplog.records if r.name == services.logger.name]
    last = services.MAX_ATTEMPTS
    assert warnings == [
        f"email notification #{row.pk} not delivered (attempt {last - 1} of {last}, will retry): {row.last_error}",
        f"email notification #{row.pk} not delivered (attempt {last} of {last}, given up): {row.last_error}",
    ]
    assert all(r.levelname == "WARNING" for r in caplog.records if r.name == services.logger.name)


def test_the_outbox_sweep_picks_only_what_waits_too_long():
    # given: one fresh pending email, one stale
    ana, bek = UserFactory(), UserFactory()
    with time_machine.travel(dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC), tick=False):
        write([ana], key="APP-2026-000001")
    with time_machine.travel(dt.datetime(2026, 11, 27, 6, 10, tzinfo=dt.UTC), tick=False):
        write([bek], key="APP-2026-000002")

    # when
    picked = services.outbox_sweep(now=dt.datetime(2026, 11, 27, 6, 11, tzinfo=dt.UTC))

    # then
    assert picked == 1


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Your permit KZ-MCI-2026-000001 has been issued"),
        ("ru", "Ваше разрешение KZ-MCI-2026-000001 выдано"),
        ("kk", "Сіздің KZ-MCI-2026-000001 рұқсатыңыз берілді"),
    ],
)
def test_email_is_written_in_the_recipients_language(language, subject):
    # given
    ana = UserFactory(preferred_language=language)
    services.notify(
        recipients=[ana], event="permit.issued", subject_key="KZ-1", payload={"permit": "KZ-MCI-2026-000001"}
    )

    # when
    services.deliver(Notification.objects.get(channel="email").pk)

    # then
    assert mail.outbox[0].subject == f"[Creative Permits Portal] {subject}"
    assert "permit: KZ-MCI-2026-000001" in mail.outbox[0].body


def test_an_event_without_its_own_wording_gets_the_generic_one():
    # given
    bek = UserFactory(preferred_language="ru")
    services.notify(recipients=[bek], event="application.reassigned", subject_key="APP-1", payload={})

    # when
    services.deliver(Notification.objects.get(channel="email").pk)

    # then
    assert (
        mail.outbox[0].subject
        == "[Creative Permits Portal] Портал креативных разрешений: application.reassigned"
    )


def test_a_digest_reader_gets_one_email_a_day_with_everything_held(django_capture_on_commit_callbacks):
    # given: a user who chose the daily digest, and three events
    ana = UserFactory(daily_digest=True)
    with django_capture_on_commit_callbacks() as callbacks:
        for key in ("APP-2026-000001", "APP-2026-000002"):
            write([ana], key=key)
        services.notify(
            recipients=[ana], event="permit.issued", subject_key="KZ-1", payload={"permit": "KZ-1"}
        )

    # when
    first = services.digest_send()
    second = services.digest_send()

    # then: nothing went out on its own; one digest carries all three; a second run sends nothing
    assert callbacks == []
    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    assert "3" in mail.outbox[0].subject
    assert "APP-2026-000001" in mail.outbox[0].body
    assert "KZ-1" in mail.outbox[0].body
    assert set(Notification.objects.filter(channel="email").values_list("status", flat=True)) == {"sent"}


def test_digest_rows_are_not_picked_by_the_outbox_sweep():
    # given
    ana = UserFactory(daily_digest=True)
    write([ana])

    # when
    picked = services.outbox_sweep(now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))

    # then
    assert picked == 0


def test_the_digest_is_chosen_through_the_api(client_for):
    # given
    ana = UserFactory()
    client = client_for(ana)

    # when
    before = client.get("/api/v1/notifications/digest/").json()
    chosen = client.post("/api/v1/notifications/digest/", {"daily_digest": True}, format="json")

    # then
    ana.refresh_from_db()
    assert before == {"daily_digest": False}
    assert chosen.json() == {"daily_digest": True}
    assert ana.daily_digest is True


@pytest.mark.needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_email_to_an_smtp_server():
    # given: a local SMTP sink, and a worker on the configured broker (Redis) sending through it
    from portal.celery import app as celery_app
    from tests.processes import SmtpSink, celery_worker, wait_until

    celery_app.control.purge()
    with SmtpSink() as sink, celery_worker(env={"EMAIL_URL": sink.url}) as worker:
        # when: an event is written; its email is handed to the worker after commit
        ana = UserFactory(email="ana@example.kz", preferred_language="ru")
        services.notify(
            recipients=[ana], event="permit.issued", subject_key="KZ-9", payload={"permit": "KZ-9"}
        )
        wait_until(lambda: sink.messages, alive=[worker])

        # then: one email, in Russian, to her; the outbox row is sent
        assert len(sink.messages) == 1
        recipients, content = sink.messages[0]
        assert recipients == ["ana@example.kz"]
        assert "KZ-9" in content
        # the worker commits the row after the SMTP server has answered: wait for that commit
        rows = Notification.objects.filter(channel="email")
        wait_until(lambda: rows.filter(status="sent").exists(), alive=[worker])
        assert list(rows.values_list("status", "attempts")) == [("sent", 1)]


def test_the_sweep_leaves_a_live_claim_alone_and_settles_a_dead_one_by_how_far_it_got():
    # given: two emails claimed by workers at 06:00; one had handed its message to the mail server
    claimed = dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)
    ana, bek = UserFactory(), UserFactory()
    with time_machine.travel(claimed - dt.timedelta(minutes=5), tick=False):
        write([ana], key="APP-2026-000001")
        write([bek], key="APP-2026-000002")
    emails = Notification.objects.filter(channel="email")
    emails.update(status="sending", claimed_at=claimed, attempts=1)
    emails.filter(recipient=bek).update(handed_over_at=claimed + dt.timedelta(seconds=1))

    # when: the sweep runs while the lease still holds
    early = services.outbox_sweep(now=claimed + services.DELIVERY_LEASE - dt.timedelta(seconds=1))

    # then: a slow live worker is never taken for a dead one
    assert early == 0
    assert set(emails.values_list("status", flat=True)) == {"sending"}

    # when: the lease has run out (the workers died)
    late = services.outbox_sweep(now=claimed + services.DELIVERY_LEASE + dt.timedelta(seconds=1))

    # then: the email never handed over is sent again; the one handed over is not (at most once)
    assert late == 1
    assert dict(emails.values_list("recipient", "status")) == {ana.pk: "pending", bek.pk: "unconfirmed"}
    assert "not resent" in emails.get(recipient=bek).last_error
    assert services.deliver(emails.get(recipient=ana).pk) == "sent"
    assert services.deliver(emails.get(recipient=bek).pk) == "skipped"
    assert [message.to for message in mail.outbox] == [[ana.email]]
