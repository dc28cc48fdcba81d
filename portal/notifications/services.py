"""The notification outbox: rows written in the transaction that causes them, delivered after commit.

In-app notifications are delivered by being written. Email rows wait as `pending` and a Celery task,
enqueued only once the transaction commits, sends each; a periodic outbox sweep re-enqueues whatever
is still pending (the broker was down, the SMTP server refused) with capped exponential backoff. The
dedupe key (event, subject, recipient, channel) is unique, so no one gets the same notification twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import ApiClient
from portal.notifications import templates_text as text
from portal.notifications import webhooks
from portal.notifications.models import (
    Channel,
    Notification,
    NotificationPreference,
    NotificationStatus,
    WebhookSubscription,
)
from portal.outage import outage_of

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_CAP = dt.timedelta(hours=1)
ENQUEUE_TIMEOUT = 0.5  # seconds a request may spend finding the broker down
BROKER_RETRY_AFTER = 10.0  # seconds requests skip the broker after it failed one of them


class NotificationContext:
    """What `notify` reads about its recipients (email opt-outs, which are API clients' service
    accounts, their webhook subscriptions), read once for many notifications instead of per call.

    A sweep that tells hundreds of people in one run opens one (`with notification_context():`)
    and `prefetch`es the people of each batch; a recipient it has not read yet is read on demand,
    so a missed prefetch costs queries, never a wrong delivery. What it read stays as read for
    its lifetime (a sweep's few seconds): a preference changed meanwhile counts from the next one.
    """

    def __init__(self) -> None:
        self._known: set[int] = set()
        self._opted_out: dict[int, set[str]] = {}
        self._clients: set[int] = set()
        self._hooks: dict[int, list[WebhookSubscription]] = {}

    def prefetch(self, user_ids: Iterable[int]) -> None:
        """Read, in one query per table, everyone of `user_ids` not read yet."""
        missing = {pk for pk in user_ids if pk is not None} - self._known
        if not missing:
            return
        if settings.PORTAL_EMAIL_NOTIFICATIONS:
            for user_id, event in NotificationPreference.objects.filter(
                user_id__in=missing, email=False
            ).values_list("user_id", "event"):
                self._opted_out.setdefault(user_id, set()).add(event)
        self._clients |= set(ApiClient.objects.filter(user_id__in=missing).values_list("user_id", flat=True))
        for hook in WebhookSubscription.objects.filter(
            client__user_id__in=missing, is_active=True
        ).select_related("client"):
            self._hooks.setdefault(hook.client.user_id, []).append(hook)
        self._known |= missing

    def wants_email(self, people: list, event: str) -> set[int]:
        """Users who receive email for this event: everyone with an address, unless they opted out."""
        self.prefetch(person.pk for person in people)
        # API clients' service accounts are told by webhook, not email.
        return {
            r.pk
            for r in people
            if r.email and event not in self._opted_out.get(r.pk, ()) and r.pk not in self._clients
        }

    def webhooks(self, people: list, event: str) -> dict[int, list]:
        """Active subscriptions that want this event, by the API client's service user."""
        self.prefetch(person.pk for person in people)
        wanted = {
            person.pk: [h for h in self._hooks.get(person.pk, ()) if h.wants(event)] for person in people
        }
        return {pk: hooks for pk, hooks in wanted.items() if hooks}


_context: ContextVar[NotificationContext | None] = ContextVar("notification_context", default=None)


@contextmanager
def notification_context() -> Iterator[NotificationContext]:
    """Every `notify` inside the block (however deep: workflow transitions, permit issue) reads
    its recipients through one shared context. An enclosing block's context is reused."""
    current = _context.get()
    if current is not None:
        yield current
        return
    token = _context.set(NotificationContext())
    try:
        yield _context.get()
    finally:
        _context.reset(token)


def notify(
    *, recipients: Iterable, event: str, subject_key: str, payload: dict[str, Any]
) -> list[Notification]:
    """Write the notifications of one event: in-app for each recipient, email for those who want it.

    Call it inside the transaction of the change; a repeated call is a no-op (dedupe keys).
    """
    people = list({r.pk: r for r in recipients if r is not None}.values())
    if not people:
        return []
    now = timezone.now()
    context = _context.get() or NotificationContext()
    email_to = context.wants_email(people, event) if settings.PORTAL_EMAIL_NOTIFICATIONS else set()
    hooks = context.webhooks(people, event)
    rows = []
    for person in people:
        rows.append(_row(person, Channel.IN_APP, event, subject_key, payload, now))
        if person.pk in email_to:
            email = _row(person, Channel.EMAIL, event, subject_key, payload, now)
            if person.daily_digest:  # waits for the digest: no delivery of its own, no retries
                email.in_digest, email.next_attempt_at = True, None
            rows.append(email)
        for hook in hooks.get(person.pk, ()):
            rows.append(_row(person, Channel.WEBHOOK, event, subject_key, payload, now, webhook=hook))
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)  # one statement: no savepoint
    pending = [row.dedupe_key for row in created if row.channel != Channel.IN_APP and not row.in_digest]
    if pending:
        transaction.on_commit(lambda: _enqueue_keys(pending))
    return created


def _row(
    person, channel: str, event: str, subject_key: str, payload: dict, now, webhook=None
) -> Notification:
    in_app = channel == Channel.IN_APP
    suffix = f":{webhook.pk}" if webhook is not None else ""
    return Notification(
        recipient=person,
        channel=channel,
        webhook=webhook,
        event=event,
        payload=payload,
        dedupe_key=f"{event}:{subject_key}:{person.pk}:{channel}{suffix}",
        status=NotificationStatus.SENT if in_app else NotificationStatus.PENDING,
        sent_at=now if in_app else None,
        next_attempt_at=None if in_app else now,
    )


def _enqueue_keys(keys: list[str]) -> None:
    ids = list(Notification.objects.filter(dedupe_key__in=keys).values_list("id", flat=True))
    enqueue(ids)


def enqueue(ids: list[int], *, probe: bool = False) -> None:
    """Hand deliveries to Celery; if the broker is down they stay pending for the outbox sweep.

    This runs on commit inside requests, so a broker outage must neither raise nor hang them: one
    connection attempt bounded by ENQUEUE_TIMEOUT, publishing without kombu's retry loop, and for a
    while after a failure (portal.outage) no attempt at all. The sweep passes probe=True: it always
    tries, and is how the portal learns that the broker is back.
    """
    from portal.celery import app
    from portal.notifications.tasks import deliver_notification

    if not ids:
        return
    outage = outage_of("Celery broker", app.conf.broker_url, retry_after=BROKER_RETRY_AFTER)
    if outage.skip() and not probe:
        return
    options = {
        **app.conf.broker_transport_options,
        "socket_connect_timeout": ENQUEUE_TIMEOUT,
        "socket_timeout": ENQUEUE_TIMEOUT * 2,  # this connection only publishes: no long polls
    }
    try:
        with app.connection_for_write(connect_timeout=ENQUEUE_TIMEOUT, transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=ENQUEUE_TIMEOUT)
            for notification_id in ids:
                deliver_notification.apply_async((notification_id,), connection=conn, retry=False)
    except Exception as exc:  # broker unreachable: the rows are still pending; the sweep retries them
        outage.failed(exc)
        return
    outage.succeeded()


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_CAP, dt.timedelta(seconds=30 * 2 ** max(0, attempts - 1)))


def _render(notification: Notification) -> tuple[str, str]:
    """A plain-text subject and body in the recipient's language."""
    return text.render(notification.event, notification.payload, notification.recipient.preferred_language)


def deliver(notification_id: int) -> str:
    """Send one pending notification; safe to run twice or at once (locked, state-checked)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "webhook")
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return "skipped"
        notification.attempts += 1
        try:
            if notification.channel == Channel.EMAIL:
                subject, body = _render(notification)
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
            elif notification.channel == Channel.WEBHOOK:
                webhooks.post(notification)
        except Exception as exc:
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = NotificationStatus.FAILED
                notification.next_attempt_at = None
            else:
                notification.next_attempt_at = timezone.now() + backoff(notification.attempts)
            notification.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            # The row keeps the error for the admin; the log is where an operator sees it happen.
            logger.warning(
                "%s notification #%s not delivered (attempt %s of %s, %s): %s",
                notification.channel,
                notification.pk,
                notification.attempts,
                MAX_ATTEMPTS,
                "given up" if notification.status == NotificationStatus.FAILED else "will retry",
                notification.last_error,
            )
            return "failed"
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.next_attempt_at = None
        notification.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
        return "sent"


def outbox_sweep(
    *, now: dt.datetime | None = None, stale_after: dt.timedelta = dt.timedelta(minutes=2)
) -> int:
    """Re-enqueue what still waits: due retries, and rows whose first delivery never happened."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now - stale_after)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:1000]
    )
    enqueue(ids, probe=True)
    return len(ids)


def digest_send(*, now: dt.datetime | None = None) -> int:
    """Send each digest reader one email with everything held for them; returns the emails sent.

    Safe twice or at once: the held rows are locked (SKIP LOCKED) and marked sent with the email.
    """
    now = now or timezone.now()
    sent = 0
    user_ids = (
        Notification.objects.filter(status=NotificationStatus.PENDING, in_digest=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for user_id in list(user_ids):
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(recipient_id=user_id, status=NotificationStatus.PENDING, in_digest=True)
                .order_by("created_at", "id")
            )
            if not rows:
                continue
            recipient = rows[0].recipient
            parts = [text.render(row.event, row.payload, recipient.preferred_language) for row in rows]
            subject = text.digest_subject(recipient.preferred_language, len(rows))
            body = "\n\n".join(body for _, body in parts)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=NotificationStatus.SENT, sent_at=now, attempts=1
            )
            sent += 1
    return sent


def digest_set(*, user, enabled: bool) -> None:
    from portal.audit.services import record

    with transaction.atomic():
        user.daily_digest = enabled
        user.save(update_fields=["daily_digest"])
        record(actor=user, action="notifications.digest_set", obj=user, data={"daily_digest": enabled})


def notification_read(*, user, notification_id: int) -> Notification:
    from portal.api.errors import NotFound

    notification = Notification.objects.filter(
        pk=notification_id, recipient=user, channel=Channel.IN_APP
    ).first()
    if notification is None:
        raise NotFound("No such notification among yours.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
