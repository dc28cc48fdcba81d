"""Webhooks to API clients: HMAC-SHA256-signed JSON posts, retried with backoff, logged per attempt."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from portal.api.errors import ErrorCode, Forbidden, ValidationFailed
from portal.audit.services import record
from portal.notifications.events import Event
from portal.notifications.models import Notification, WebhookDelivery, WebhookSubscription

SIGNATURE_HEADER = "X-Portal-Signature"
TIMEOUT_SECONDS = 5


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Global unicast only, and so is every IPv4 address wrapped in an IPv6 one.

    `is_private`/`is_loopback` checks miss shared address space (100.64.0.0/10, where cloud metadata
    services live) and the IPv4-mapped, 6to4 and Teredo spellings of loopback or private hosts.
    """
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        wrapped = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        return all(inner is None or _public(inner) for inner in wrapped)
    return True


def _parts(url: str):
    parts = urlsplit(url)
    try:
        port = parts.port  # a port outside 0..65535 raises here
    except ValueError:
        raise ValidationFailed(fields={"url": ["The port must be between 1 and 65535."]}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(fields={"url": ["Use an http or https URL."]})
    if port == 0:
        raise ValidationFailed(fields={"url": ["The port must be between 1 and 65535."]})
    return parts, port or (443 if parts.scheme == "https" else 80)


def resolve(url: str) -> tuple:
    """(parts, port, address): the host resolved once, every answer checked, the one to connect to.

    The delivery connects to the address returned here rather than to the name, so a DNS answer that
    changes between the check and the connection (rebinding) cannot steer it to a private host.
    """
    parts, port = _parts(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError:
        raise ValidationFailed(fields={"url": ["This host name does not resolve."]}) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise ValidationFailed(fields={"url": ["This host name does not resolve."]})
    if not settings.PORTAL_WEBHOOKS_ALLOW_PRIVATE:
        for address in addresses:
            if not _public(ipaddress.ip_address(address.split("%")[0])):
                raise ValidationFailed(
                    fields={"url": ["Webhooks cannot target private or loopback addresses."]}
                )
    return parts, port, addresses[0]


def check_url(url: str) -> None:
    """http(s), a valid port; in production, only global addresses (no SSRF). Checked again per delivery."""
    if settings.PORTAL_WEBHOOKS_ALLOW_PRIVATE:
        _parts(url)
        return
    resolve(url)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to an address resolved beforehand; the Host header still names the host."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to an address resolved beforehand; SNI and certificate checks use the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@transaction.atomic
def subscription_create(*, actor, url: str, events: list[str]) -> WebhookSubscription:
    client = getattr(actor, "api_client", None)
    if client is None:
        raise Forbidden("Webhooks belong to API clients.", code=ErrorCode.NOT_AN_API_CLIENT)
    check_url(url)
    unknown = sorted(set(events) - set(Event.values))
    if unknown:
        # An empty list means every event; a name the portal never emits would silently match nothing.
        raise ValidationFailed(fields={"events": [f"Unknown event: {name}." for name in unknown]})
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
    """Deliver one webhook row; raises on failure (the caller schedules the retry).

    Redirects are never followed: the signed body would go to a host nobody checked.
    """
    subscription = notification.webhook
    body = body_of(notification)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(subscription.secret, body),
        "X-Portal-Event": notification.event,
        "X-Portal-Delivery": str(notification.pk),
    }
    log = WebhookDelivery(notification=notification, subscription=subscription, attempted_at=timezone.now())
    try:
        parts, port, address = resolve(subscription.url)
    except ValidationFailed as exc:
        log.error = f"Not sent: {'; '.join(exc.fields['url'])}"
    else:
        pinned = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = pinned(parts.hostname, port, address, TIMEOUT_SECONDS)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            log.status_code = response.status
            log.succeeded = 200 <= response.status < 300
            if 300 <= response.status < 400:
                location = response.getheader("Location", "")
                log.error = (
                    f"HTTP {response.status}: redirect to {location!r} not followed; answer 2xx at the URL"
                )
            elif not log.succeeded:
                log.error = f"HTTP Error {response.status}: {response.reason}"
        except OSError as exc:
            log.error = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
    log.error = log.error[:2000]
    log.save()
    if not log.succeeded:
        raise RuntimeError(log.error or f"HTTP {log.status_code}")
