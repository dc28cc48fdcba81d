"""Issuing permits: the number, the validity, the verification code and the post-issue sample."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from permits.calendar import add_working_days
from permits.deadlines import permit_next_moment
from permits.models import (
    Application,
    Permit,
    PermitStatus,
    PostCheckStatus,
    Review,
    ReviewOutcome,
    ReviewStage,
    Tier,
)
from permits.policies import check_issuing_official
from permits.selectors import business_members
from permits.workflow import (
    POST_CHECKS,
    By,
    lock_permit,
    permit_transition,
    post_check_initial,
    post_check_opened,
    post_check_record,
)
from portal.api.errors import ValidationFailed
from portal.api.inputs import clean_text
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


def permit_issue(
    *, application: Application, actor, tacit: bool = False, notify_users=(), now: dt.datetime | None = None
) -> Permit:
    """Issue the permit of an application being approved, inside the caller's transaction."""
    now = now or timezone.now()
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
        **post_check_initial(
            sampled=sampled,
            due_at=add_working_days(now, settings.PORTAL_POST_CHECK_DAYS) if sampled else None,
        ),
    )
    # The check has its own deadline: the SLA sweep escalates it when it passes.
    post_check_opened(application, permit)
    permit.next_sla_at = permit_next_moment(permit)
    if permit.next_sla_at:
        permit.save(update_fields=["next_sla_at"])
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


# --- after issue: suspension, reinstatement, revocation, post-issue checks ----------------------


def _locked_for_official(number: str, actor) -> Permit:
    """The permit, locked for the rest of the transaction, once the actor may act on it."""
    permit = lock_permit(number)
    check_issuing_official(permit, actor)
    return permit


@transaction.atomic
def permit_suspend(*, actor, number: str, reason: Any, until: dt.date | None = None) -> Permit:
    reason = clean_text(reason, "reason")
    permit = _locked_for_official(number, actor)
    if until is not None and until <= timezone.localdate():
        raise ValidationFailed(fields={"until": ["A suspension ends in the future."]})
    return permit_transition(
        permit, PermitStatus.SUSPENDED, actor=actor, reason=reason, changes={"suspended_until": until},
        notify_users=business_members(permit.holder),
    )  # fmt: skip


@transaction.atomic
def permit_reinstate(*, actor, number: str, reason: Any) -> Permit:
    reason = clean_text(reason, "reason")
    permit = _locked_for_official(number, actor)
    return permit_transition(
        permit, PermitStatus.ACTIVE, actor=actor, reason=reason, changes={"suspended_until": None},
        notify_users=business_members(permit.holder),
    )  # fmt: skip


@transaction.atomic
def permit_revoke(*, actor, number: str, reason: Any) -> Permit:
    reason = clean_text(reason, "reason")
    permit = _locked_for_official(number, actor)
    return permit_transition(
        permit, PermitStatus.REVOKED, actor=actor, reason=reason, notify_users=business_members(permit.holder)
    )


@transaction.atomic
def permit_post_check(
    *, actor, number: str, outcome: Any, reason: Any, suspend: bool = False, now: dt.datetime | None = None
) -> Permit:
    """Record the post-issue check of a sampled low-risk permit; a problem can suspend the permit."""
    if outcome not in (ReviewOutcome.PASSED, ReviewOutcome.PROBLEM_FOUND):
        raise ValidationFailed(fields={"outcome": ["Choose passed or problem_found."]})
    reason = clean_text(reason, "reason")
    permit = _locked_for_official(number, actor)
    checked = PostCheckStatus.PASSED if outcome == ReviewOutcome.PASSED else PostCheckStatus.PROBLEM_FOUND
    POST_CHECKS.check(permit, checked, by=By.OFFICIAL)
    if suspend and outcome != ReviewOutcome.PROBLEM_FOUND:
        raise ValidationFailed(fields={"suspend": ["Only a problem found can suspend the permit."]})
    Review.objects.create(
        application=permit.application,
        stage=ReviewStage.POST_CHECK,
        reviewer=actor,
        outcome=outcome,
        reason=reason,
        created_at=now or timezone.now(),
    )
    post_check_record(
        permit,
        checked,
        actor=actor,
        by=By.OFFICIAL,
        data={"number": permit.number, "outcome": outcome, "reason": reason, "suspend": suspend},
    )
    if suspend and permit.status == PermitStatus.ACTIVE:
        permit_transition(
            permit, PermitStatus.SUSPENDED, actor=actor, reason=f"Post-issue check: {reason}",
            notify_users=business_members(permit.holder),
        )  # fmt: skip
    return permit
