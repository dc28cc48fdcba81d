"""Writing notifications to the outbox, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.notifications.models import Channel, Notification, NotificationStatus


def notify(
    *,
    recipients: Iterable,
    event: str,
    subject_key: str,
    payload: dict[str, Any],
    channel: str = Channel.IN_APP,
) -> list[Notification]:
    """One outbox row per recipient; `subject_key` names what the event is about (e.g. an application).

    The dedupe key (event, subject, recipient, channel) makes a repeated call a no-op, so a retried
    transition never notifies anyone twice. An in-app notification is delivered by being written.
    """
    rows = []
    now = timezone.now()
    for recipient in {r.pk: r for r in recipients if r is not None}.values():
        in_app = channel == Channel.IN_APP
        rows.append(
            Notification(
                recipient=recipient,
                channel=channel,
                event=event,
                payload=payload,
                dedupe_key=f"{event}:{subject_key}:{recipient.pk}:{channel}",
                status=NotificationStatus.SENT if in_app else NotificationStatus.PENDING,
                sent_at=now if in_app else None,
            )
        )
    with transaction.atomic():
        return Notification.objects.bulk_create(rows, ignore_conflicts=True)
