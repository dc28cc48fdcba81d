"""Webhooks to API clients: HMAC-SHA256-signed JSON posts, retried with backoff, logged per attempt."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from portal.api.errors import Forbidden, ValidationFailed
from portal.audit.services import record
from portal.notifications.models import Notification, WebhookDelivery, WebhookSubscription

SIGNATURE_HEADER = "X-Portal-Signature"
TIMEOUT_SECONDS = 5


def check_url(url: str) -> None:
    """http(s) only; in production, never a loopback, private or link-local address (no SSRF)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(fields={"url": ["Use an http or https URL."]})
    if settings.PORTAL_WEBHOOKS_ALLOW_PRIVATE:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except OSError:
        raise ValidationFailed(fields={"url": ["This host name does not resolve."]}) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            raise ValidationFailed(fields={"url": ["Webhooks cannot target private or loopback addresses."]})


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@transaction.atomic
def subscription_create(*, actor, url: str, events: list[str]) -> WebhookSubscription:
    client = getattr(actor, "api_client", None)
    if client is None:
        raise Forbidden("Webhooks belong to API clients.", code="not_an_api_client")
    check_url(url)
    subscription = WebhookSubscription.objects.create(
        client=client, url=url, events=sorted(set(events)), secret=secrets.token_hex(32)
    )
    record(
        actor=actor,
        action="notifications.webhook_subscribed",
        obj=subscription,
        data={"url": url, "events": events},
    )
    return subscription


def body_of(notification: Notification) -> bytes:
    document = {
        "id": notification.pk,
        "event": notification.event,
        "created_at": notification.created_at,
        "data": notification.payload,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, sort_keys=True).encode()


def post(notification: Notification) -> None:
    """Deliver one webhook row; raises on failure (the caller schedules the retry)."""
    subscription = notification.webhook
    body = body_of(notification)
    request = urllib.request.Request(  # noqa: S310 (scheme checked when subscribing)
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(subscription.secret, body),
            "X-Portal-Event": notification.event,
            "X-Portal-Delivery": str(notification.pk),
        },
    )
    log = WebhookDelivery(notification=notification, subscription=subscription, attempted_at=timezone.now())
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            log.status_code = response.status
            log.succeeded = 200 <= response.status < 300
    except urllib.error.HTTPError as exc:
        log.status_code, log.error = exc.code, str(exc)[:2000]
    except OSError as exc:
        log.error = f"{type(exc).__name__}: {exc}"[:2000]
    log.save()
    if not log.succeeded:
        raise RuntimeError(log.error or f"HTTP {log.status_code}")
