"""Issuing permits: the number, the validity, the verification code and the post-issue sample."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import connection
from django.utils import timezone

from permits.calendar import add_working_days
from permits.models import Application, Permit, PostCheckStatus, Tier
from portal.audit.services import record
from portal.notifications.services import notify

# No 0/O or 1/I/L: a code read aloud over the phone or typed from paper must survive it.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _next_number(authority_code: str, year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('permits_permit_number_seq')")
        (value,) = cursor.fetchone()
    return f"KZ-{authority_code.upper()}-{year}-{value:06d}"


def is_sampled(reference: str) -> bool:
    """Whether a low-tier permit is drawn for a post-issue check.

    Reproducible: a keyed hash of the reference against the configured share (default 10 %), so
    the same application is always drawn the same way and nobody can choose who is checked.
    """
    share = settings.PORTAL_POST_CHECK_SHARE
    digest = hashlib.sha256(f"{settings.PORTAL_POST_CHECK_SEED}:{reference}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def permit_issue(*, application: Application, actor, tacit: bool = False, notify_users=()) -> Permit:
    """Issue the permit of an application being approved, inside the caller's transaction."""
    now = timezone.now()
    licence_type = application.licence_type
    issued_on = timezone.localdate(now)
    sampled = application.risk_tier == Tier.LOW and is_sampled(application.reference)
    permit = Permit.objects.create(
        number=_next_number(licence_type.authority.code, issued_on.year),
        application=application,
        holder=application.business,
        licence_type=licence_type,
        issued_at=now,
        valid_until=add_months(issued_on, licence_type.validity_months)
        if licence_type.validity_months
        else None,
        verification_code="".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH)),
        is_tacit=tacit,
        post_check_status=PostCheckStatus.PENDING if sampled else PostCheckStatus.NOT_SAMPLED,
        post_check_due_at=add_working_days(now, settings.PORTAL_POST_CHECK_DAYS) if sampled else None,
    )
    record(
        actor=actor,
        action="permit.issued",
        obj=permit,
        data={
            "number": permit.number,
            "application": application.reference,
            "valid_until": permit.valid_until,
            "tacit": tacit,
            "sampled_for_check": sampled,
        },
    )
    notify(
        recipients=notify_users,
        event="permit.issued",
        subject_key=permit.number,
        payload={"permit": permit.number, "application": application.reference},
    )
    return permit
