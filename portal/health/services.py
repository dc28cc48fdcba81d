"""Checks of the services the portal depends on, and the heartbeat write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.utils import timezone

from portal.health.models import Heartbeat


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    error: str = ""


def database_check(alias: str = "default") -> CheckResult:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return CheckResult(False, f"{type(exc).__name__}: {exc}".strip())
    return CheckResult(True)


def broker_check(*, timeout: float = 2.0) -> CheckResult:
    """Open (and close) a connection to the broker the settings name, failing fast rather than retrying."""
    from portal.celery import app

    options = {
        **getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,  # a broker that accepts and never answers must not hang the check
    }
    try:
        with app.connection_for_write(
            url=settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as exc:
        return CheckResult(False, f"{type(exc).__name__}: {exc}".strip())
    return CheckResult(True)


def heartbeat_record(*, source: str, worker: str = "") -> Heartbeat:
    beat, _ = Heartbeat.objects.update_or_create(
        source=source, defaults={"worker": worker, "seen_at": timezone.now()}
    )
    return beat


def last_heartbeat(source: str = "beat") -> Heartbeat | None:
    return Heartbeat.objects.filter(source=source).first()


# Warnings that an app above portal/ knows how to look for (the permit side: a year without its
# statutory holidays), each a function returning "ok" or what is wrong. The app registers it in its
# AppConfig.ready; /healthz shows each under its name and never fails for one.
_warnings: dict[str, Callable[[], str]] = {}


def warning_register(*, name: str, check: Callable[[], str]) -> None:
    _warnings[name] = check


def warnings_read() -> dict[str, str]:
    return {name: check() for name, check in _warnings.items()}


def warning_names() -> list[str]:
    return list(_warnings)
