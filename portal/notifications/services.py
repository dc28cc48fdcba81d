"""The notification outbox: rows written in the transaction that causes them, delivered after commit.

In-app notifications are delivered by being written. Email rows wait as `pending` and a Celery task,
enqueued only once the transaction commits, sends each; a periodic outbox sweep re-enqueues whatever
is still pending (the broker was down, the SMTP server refused) with capped exponential backoff. The
dedupe key (event, subject, recipient, channel) is unique, so no one gets the same notification twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import ApiClient
from portal.audit.services import record
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


# The Celery task that delivers one row (portal/notifications/tasks.py, registered by the app's ready()).
DELIVER_TASK = "portal.notifications.tasks.deliver_notification"


def enqueue(ids: list[int], *, probe: bool = False) -> None:
    """Hand deliveries to Celery; if the broker is down they stay pending for the outbox sweep.

    This runs on commit inside requests, so a broker outage must neither raise nor hang them: one
    connection attempt bounded by ENQUEUE_TIMEOUT, publishing without kombu's retry loop, and for a
    while after a failure (portal.outage) no attempt at all. The sweep passes probe=True: it always
    tries, and is how the portal learns that the broker is back.
    """
    from portal.celery import app

    if not ids:
        return
    deliver_notification = app.tasks[DELIVER_TASK]
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
    """Deliver one pending notification: claim it, send it, mark it sent (each step committed).

    Safe to run twice or at once, and safe when the worker is killed at any point (SIGKILL, OOM, a
    lost machine): the broker gives the task back or the outbox sweep re-enqueues the row, and the
    row says how far the dead attempt got.

    1. Claim: in a transaction of its own the row goes `pending` -> `sending` with `claimed_at`,
       the start of a lease (DELIVERY_LEASE). Only a `pending` row can be claimed, so a second run
       (a redelivered task, the sweep's copy) finds nothing to do. No row lock or transaction is
       held while talking to the outside world.
    2. Send. An email is marked `handed_over_at` (committed) once the connection to the mail server
       is open and greeted, just before the message itself goes out.
    3. Mark `sent` (or back to `pending` with backoff when the server refused).

    What a dead attempt means, as the sweep finds its lease run out (`recover_abandoned`):
    - An email not yet handed over was certainly not accepted (a mail server accepts a message only
      once it has all of it), so the row goes back to `pending` and is sent once.
    - An email handed over may have been accepted: the server may have taken the whole message and
      the worker died before hearing the answer (RFC 1047). Sending it again could deliver it twice,
      so it is not resent: the row becomes `unconfirmed`. This is DESIGN §6's at-most-once per event
      and recipient; the window is the few milliseconds of one SMTP exchange.
    - A webhook is sent again. Each carries the row's id in X-Portal-Delivery, the same on every
      attempt, so a receiver that keeps the ids it has seen processes the event once: webhooks are
      at least once with a delivery id, which receivers are told to deduplicate on.

    The lease must outlast any live attempt, or the sweep would take a slow send for a dead one: it
    is twice the task's hard time limit, and sends are bounded (EMAIL_TIMEOUT, the webhook timeout).
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "webhook")
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return "skipped"
        notification.status = NotificationStatus.SENDING
        notification.claimed_at = timezone.now()
        notification.handed_over_at = None
        notification.attempts += 1
        notification.save(update_fields=["status", "claimed_at", "handed_over_at", "attempts"])
    claim = Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.SENDING, claimed_at=notification.claimed_at
    )
    try:
        if notification.channel == Channel.EMAIL:
            _send_email(notification, claim)
        elif notification.channel == Channel.WEBHOOK:
            webhooks.post(notification)
    except Exception as exc:
        if notification.handed_over_at is not None and not isinstance(exc, SMTP_ANSWERS):
            # cut off mid-message (a timeout, a dropped connection): as uncertain as a dead worker
            claim.update(status=NotificationStatus.UNCONFIRMED, next_attempt_at=None, last_error=INTERRUPTED)
            return "unconfirmed"
        if notification.attempts >= MAX_ATTEMPTS:
            status, next_attempt_at = NotificationStatus.FAILED, None
        else:
            status = NotificationStatus.PENDING
            next_attempt_at = timezone.now() + backoff(notification.attempts)
        claim.update(
            status=status,
            next_attempt_at=next_attempt_at,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            claimed_at=None,
            handed_over_at=None,
        )
        # The row keeps the error for the admin; the log is where an operator sees it happen.
        logger.warning(
            "%s notification #%s not delivered (attempt %s of %s, %s): %s: %s",
            notification.channel,
            notification.pk,
            notification.attempts,
            MAX_ATTEMPTS,
            "given up" if status == NotificationStatus.FAILED else "will retry",
            type(exc).__name__,
            exc,
        )
        return "failed"
    claim.update(status=NotificationStatus.SENT, sent_at=timezone.now(), next_attempt_at=None)
    return "sent"


def _send_email(notification: Notification, claim) -> None:
    subject, body = _render(notification)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
    backend = get_connection()
    backend.open()  # SMTP: connect, greeting, TLS, login
    try:
        smtp = getattr(backend, "connection", None)
        if smtp is not None:  # the SMTP backend: finish the greeting too, so only the message is left
            smtp.ehlo_or_helo_if_needed()
        notification.handed_over_at = timezone.now()
        claim.update(handed_over_at=notification.handed_over_at)
        backend.send_messages([message])
    finally:
        # A failed QUIT after the server took the message must not pass for a failed send (which
        # would be retried): once sent, how the connection ends does not matter.
        with contextlib.suppress(Exception):
            backend.close()


# The mail server's own refusals: it answered, so the message was certainly not accepted.
SMTP_ANSWERS = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)


# How long a claimed row may stay `sending` before the sweep takes its worker for dead: twice the
# hard time limit after which Celery (its prefork pool, as deployed) kills a task, so no live attempt
# is ever mistaken for a dead one.
DELIVERY_LEASE = dt.timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)

INTERRUPTED = (
    "Cut off after handing the email to the mail server, before hearing its answer; "
    "not resent, so that it cannot arrive twice."
)


def recover_abandoned(*, now: dt.datetime) -> list[int]:
    """Settle the attempts whose worker died (lease run out); the ids that may be sent again.

    See `deliver` for why an email handed to the mail server is not resent and the rest are.
    """
    cutoff = now - DELIVERY_LEASE
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=NotificationStatus.SENDING, claimed_at__lt=cutoff)
            .values_list("id", "channel", "handed_over_at", "attempts")[:1000]
        )
        unconfirmed = [pk for pk, channel, handed, _ in rows if channel == Channel.EMAIL and handed]
        spent = [pk for pk, _, _, attempts in rows if attempts >= MAX_ATTEMPTS and pk not in unconfirmed]
        again = [pk for pk, *_ in rows if pk not in unconfirmed and pk not in spent]
        Notification.objects.filter(pk__in=unconfirmed).update(
            status=NotificationStatus.UNCONFIRMED, next_attempt_at=None, last_error=INTERRUPTED
        )
        Notification.objects.filter(pk__in=spent).update(
            status=NotificationStatus.FAILED, next_attempt_at=None, last_error="The worker stopped mid-send."
        )
        Notification.objects.filter(pk__in=again).update(
            status=NotificationStatus.PENDING,
            next_attempt_at=now,
            claimed_at=None,
            handed_over_at=None,
            last_error="The worker stopped mid-send; sent again.",
        )
    return again


def outbox_sweep(
    *, now: dt.datetime | None = None, stale_after: dt.timedelta = dt.timedelta(minutes=2)
) -> int:
    """Re-enqueue what still waits: due retries, rows whose first delivery never happened, and the
    attempts of workers that died mid-send (`recover_abandoned`)."""
    now = now or timezone.now()
    again = recover_abandoned(now=now)
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now - stale_after)
        .exclude(pk__in=again)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:1000]
    )
    enqueue(again + ids, probe=True)
    return len(again) + len(ids)


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


@transaction.atomic
def preference_set(*, actor, event: str, email: bool) -> NotificationPreference:
    """Whether `actor` receives `event` by email (in-app notifications always arrive)."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user=actor, event=event, defaults={"email": email}
    )
    record(
        actor=actor,
        action="notifications.preference_set",
        obj=preference,
        data={"event": event, "email": email},
    )
    return preference
