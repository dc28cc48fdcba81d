"""The authority's side: information requests, four-eyes decisions, reassignment, conflicts.

Fairness is built in, not left to discretion: the system picks the least-loaded eligible official
(clearance at least the tier, active, no conflict of interest; ties broken by id: see
permits.services.assignment); an official works
their queue oldest first and must give a recorded reason to take a file out of turn; the second
reviewer of a high-risk file is never the first; every decision carries a reason, and a rejection
names the requirement or the legal act it rests on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from permits import selectors
from permits.calendar import add_working_days, working_days_between
from permits.errors import PermitErrorCode
from permits.models import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    DocumentRequirement,
    InternalNote,
    LegalAct,
    Message,
    Review,
    ReviewOutcome,
    ReviewStage,
    Tier,
)
from permits.policies import check_assignee, check_may_review, check_official_of
from permits.services.applications import lock_for_applicant
from permits.services.assignment import enter_review, pick_official
from permits.services.permits import permit_issue
from permits.workflow import By, check_version, lock, transition
from portal.accounts.models import Business, Clearance, ConflictOfInterest, OfficialProfile, User
from portal.accounts.selectors import linked_business_q
from portal.api.errors import Conflict, ErrorCode, InvalidState, ValidationFailed
from portal.api.inputs import clean_text
from portal.audit.services import record
from portal.notifications.services import notify

S = ApplicationStatus
# Files waiting on their assigned official (not on the applicant).
WAITING_ON_OFFICIAL = (S.IN_REVIEW, S.SECOND_REVIEW)


# --- the stage -------------------------------------------------------------------------------


def _stage_of(application: Application) -> str:
    return ReviewStage.SECOND if application.status == S.SECOND_REVIEW else ReviewStage.FIRST


# --- oldest first ------------------------------------------------------------------------------


def _older_waiting(application: Application, user, *, claiming: bool) -> Application | None:
    """The oldest file the official should handle before this one, if any."""
    if claiming:
        profile = OfficialProfile.objects.get(user=user)
        older = Application.objects.filter(
            authority_id=application.authority_id,
            status__in=OPEN_STATUSES,
            assigned_to__isnull=True,
            risk_tier__in=[t for t in Tier.values if Tier.rank(t) <= Clearance.rank(profile.clearance)],
        ).exclude(linked_business_q(user))
    else:
        older = Application.objects.filter(assigned_to=user, status__in=WAITING_ON_OFFICIAL)
    return (
        older.filter(
            Q(submitted_at__lt=application.submitted_at)
            | Q(submitted_at=application.submitted_at, id__lt=application.pk)
        )
        .order_by("submitted_at", "id")
        .first()
    )


def check_order(application: Application, user, *, reason: str, claiming: bool = False) -> None:
    """Oldest first; out of turn only with a reason, which goes into the audit trail (and the reports)."""
    older = _older_waiting(application, user, claiming=claiming)
    if older is None:
        return
    if not reason.strip():
        raise InvalidState(
            f"{older.reference} has waited longer; handle it first, or give `out_of_order_reason`.",
            code=PermitErrorCode.OUT_OF_ORDER,
        )
    record(
        actor=user,
        action="application.out_of_order",
        obj=application,
        data={"reference": application.reference, "skipped": older.reference, "reason": reason.strip()},
    )


# --- the official's transitions ----------------------------------------------------------------


def _locked_for_official(
    application_id: int, actor, version: int | None, *, supervisor: bool = False
) -> Application:
    application = lock(application_id)
    check_official_of(application, actor, supervisor=supervisor)
    if application.status in (S.APPROVED, S.REJECTED, S.WITHDRAWN):
        raise Conflict(
            f"{application.reference} is already {application.get_status_display().lower()}.",
            code=ErrorCode.CONFLICT,
        )
    check_version(application, version)
    return application


def _basis(legal_basis: Any, requirement: Any) -> tuple[LegalAct | None, DocumentRequirement | None]:
    act = req = None
    if legal_basis:
        act = LegalAct.objects.filter(code=legal_basis).first() if isinstance(legal_basis, str) else None
        if act is None:
            raise ValidationFailed(fields={"legal_basis": [f"Unknown legal act: {legal_basis}."]})
    if requirement:
        req = (
            DocumentRequirement.objects.filter(code=requirement).first()
            if isinstance(requirement, str)
            else None
        )
        if req is None:
            raise ValidationFailed(fields={"requirement": [f"Unknown document requirement: {requirement}."]})
    return act, req


@transaction.atomic
def application_decide(
    *,
    actor,
    application_id: int,
    decision: str,
    reason: Any,
    legal_basis: Any = None,
    requirement: Any = None,
    version: int | None = None,
    out_of_order_reason: str = "",
    now: dt.datetime | None = None,
) -> Application:
    """Approve or reject at the current stage. Two officials deciding at once: one wins, one gets 409."""
    if decision not in ("approve", "reject"):
        raise ValidationFailed(fields={"decision": ["Choose approve or reject."]})
    reason = clean_text(reason, "reason")
    act, req = _basis(legal_basis, requirement)
    if decision == "reject" and act is None and req is None:
        raise ValidationFailed(
            "A rejection must name the legal act or the requirement it rests on.",
            code=PermitErrorCode.BASIS_REQUIRED,
            fields={"legal_basis": ["Name the legal act (or the requirement) the rejection rests on."]},
        )
    application = _locked_for_official(application_id, actor, version)
    if application.status not in WAITING_ON_OFFICIAL:
        raise InvalidState(
            f"{application.reference} is {application.get_status_display().lower()}; it cannot be decided now.",
            code=ErrorCode.INVALID_TRANSITION,
        )
    stage = _stage_of(application)
    check_may_review(application, actor, stage=stage)
    check_assignee(application, actor)
    check_order(application, actor, reason=out_of_order_reason)
    now = now or timezone.now()
    approved = decision == "approve"
    Review.objects.create(
        application=application,
        stage=stage,
        reviewer=actor,
        outcome=ReviewOutcome.APPROVED if approved else ReviewOutcome.REJECTED,
        reason=reason,
        legal_basis=act,
        requirement=req,
        created_at=now,
    )
    applicants = selectors.business_users(application.business)
    basis = {"legal_basis": act and act.code, "requirement": req and req.code, "stage": stage}
    if not approved:
        cited = "; ".join(filter(None, [act and str(act), req and f"requirement: {req.name}"]))
        return transition(
            application,
            S.REJECTED,
            actor=actor,
            by=By.OFFICIAL,
            changes={"decided_at": now, "decision_reason": f"{reason} (basis: {cited})"},
            data={"reason": reason, **basis},
            notify_users=applicants,
        )
    if application.risk_tier == Tier.HIGH and stage == ReviewStage.FIRST:
        # Four eyes: a different official cleared for high approves before anything is issued.
        second = pick_official(application, stage=ReviewStage.SECOND, actor=actor, event="first-approved")
        return transition(
            application,
            S.SECOND_REVIEW,
            actor=actor,
            by=By.OFFICIAL,
            changes={"assigned_to": second},
            data={"reason": reason, "second_reviewer": second and second.username, **basis},
            notify_users=[second] if second else (),
        )
    transition(
        application,
        S.APPROVED,
        actor=actor,
        by=By.OFFICIAL,
        changes={"decided_at": now, "decision_reason": reason},
        data={"reason": reason, **basis},
    )
    permit_issue(application=application, actor=actor, notify_users=applicants, now=now)
    return application


@transaction.atomic
def application_request_info(
    *,
    actor,
    application_id: int,
    message: Any,
    version: int | None = None,
    out_of_order_reason: str = "",
    now: dt.datetime | None = None,
) -> Application:
    """Ask the applicant for more: the clock stops until they answer."""
    body = clean_text(message, "message")
    application = _locked_for_official(application_id, actor, version)
    check_may_review(application, actor, stage=_stage_of(application))
    check_assignee(application, actor)
    check_order(application, actor, reason=out_of_order_reason)
    now = now or timezone.now()
    Message.objects.create(application=application, author=actor, body=body, created_at=now)
    return transition(
        application,
        S.INFO_REQUESTED,
        actor=actor,
        by=By.OFFICIAL,
        changes={"paused_at": now},
        data={"message": body},
        notify_users=selectors.business_users(application.business),
    )


@transaction.atomic
def application_resubmit(
    *,
    actor,
    application_id: int,
    message: Any = "",
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Application:
    """The applicant answers an information request: the clock resumes, the due date moves by the
    working days the file waited on them."""
    application = lock_for_applicant(actor, application_id)
    body = clean_text(message, "message", required=False)
    check_version(application, version)
    now = now or timezone.now()
    changes: dict[str, Any] = {"paused_at": None}
    if application.status == S.INFO_REQUESTED and application.due_at and application.paused_at:
        paused_days = working_days_between(application.paused_at, now)
        changes["paused_working_days"] = application.paused_working_days + paused_days
        changes["due_at"] = (
            add_working_days(application.due_at, paused_days) if paused_days else application.due_at
        )
        if application.remind_at and application.reminder_sent_at is None:
            changes["remind_at"] = (
                add_working_days(application.remind_at, paused_days) if paused_days else application.remind_at
            )
    if body and application.status == S.INFO_REQUESTED:
        Message.objects.create(application=application, author=actor, body=body, created_at=now)
    return transition(
        application,
        S.IN_REVIEW,
        actor=actor,
        by=By.APPLICANT,
        changes=changes,
        data={"message": bool(body)},
        notify_users=[application.assigned_to]
        if application.assigned_to_id
        else selectors.supervisors_of(application.authority_id),
    )


@transaction.atomic
def application_claim(*, actor, application_id: int, out_of_order_reason: str = "") -> Application:
    """Take a file that no one could be assigned to (oldest first, unless a reason is given)."""
    application = _locked_for_official(application_id, actor, None)
    if application.assigned_to_id is not None or application.status not in OPEN_STATUSES:
        raise InvalidState(
            f"{application.reference} is not waiting for an official.", code=PermitErrorCode.NOT_CLAIMABLE
        )
    stage = _stage_of(application)
    check_may_review(application, actor, stage=stage)
    check_order(application, actor, reason=out_of_order_reason, claiming=True)
    if application.status == S.SUBMITTED:
        return enter_review(application, actor, actor=actor, by=By.OFFICIAL, how="claimed", notify=False)
    return _assign_in_place(
        application, actor=actor, to=actor, reason="claimed", action="application.claimed"
    )


def _assign_in_place(
    application: Application, *, actor, to: User | None, reason: str, action: str
) -> Application:
    """Change the assignee without a status change (the file stays where it is in its pathway)."""
    previous = application.assigned_to
    application.assigned_to = to
    application.version += 1
    application.save(update_fields=["assigned_to", "version", "updated_at"])
    record(
        actor=actor,
        action=action,
        obj=application,
        data={
            "reference": application.reference,
            "from": previous.username if previous else None,
            "to": to.username if to else None,
            "reason": reason,
        },
    )
    notify(
        recipients=[u for u in (to, previous) if u is not None],
        event=action,
        subject_key=f"{application.reference}:v{application.version}",
        payload={
            "application": application.pk,
            "reference": application.reference,
            "assigned_to": to and to.username,
        },
    )
    return application


@transaction.atomic
def application_reassign(*, actor, application_id: int, to_username: Any, reason: Any) -> Application:
    """A supervisor moves a file to another eligible official, with a recorded reason."""
    reason = clean_text(reason, "reason")
    application = _locked_for_official(application_id, actor, None, supervisor=True)
    target = (
        User.objects.filter(username=to_username, is_active=True).first()
        if isinstance(to_username, str)
        else None
    )
    if target is None:
        raise ValidationFailed(fields={"to": [f"No active official named {to_username}."]})
    stage = _stage_of(application)
    check_may_review(application, target, stage=stage)
    if application.status == S.SUBMITTED:
        return enter_review(
            application,
            target,
            actor=actor,
            by=By.OFFICIAL,
            how="reassigned by a supervisor",
            notify=True,
            reason=reason,
        )
    if application.assigned_to_id == target.pk:
        raise InvalidState(
            f"{application.reference} is already assigned to {target.username}.",
            code=PermitErrorCode.ALREADY_ASSIGNED,
        )
    return _assign_in_place(
        application, actor=actor, to=target, reason=reason, action="application.reassigned"
    )


@transaction.atomic
def note_add(*, actor, application: Application, body: Any) -> InternalNote:
    check_official_of(application, actor)
    body = clean_text(body, "body")
    note = InternalNote.objects.create(
        application=application, author=actor, body=body, created_at=timezone.now()
    )
    record(actor=actor, action="application.note_added", obj=note, data={"reference": application.reference})
    return note


@transaction.atomic
def conflict_declare(
    *,
    actor,
    official: User,
    business,
    reason: Any,
    source: str = "declared",
    now: dt.datetime | None = None,
) -> ConflictOfInterest:
    """Record a link between an official and a business (at `now`), and take that business's open
    files off them."""
    reason = clean_text(reason, "reason")
    if ConflictOfInterest.objects.filter(official=official, business=business).exists():
        raise InvalidState("This link is already recorded.", code=PermitErrorCode.ALREADY_DECLARED)
    conflict = ConflictOfInterest.objects.create(
        official=official,
        business=business,
        reason=reason,
        source=source,
        recorded_by=actor,
        created_at=now or timezone.now(),
    )
    record(
        actor=actor,
        action="accounts.conflict_of_interest_recorded",
        obj=conflict,
        data={"official": official.username, "business": business.pk, "source": source},
    )
    files_off_linked_official(
        actor=actor,
        official=official,
        business=business,
        event=f"conflict-{conflict.pk}",
        reason="conflict of interest recorded",
    )
    return conflict


def files_off_linked_official(*, actor, official: User, business, event: str, reason: str) -> None:
    """Hand each open file of `business` assigned to `official` to the next eligible official (or to
    nobody, telling the supervisors), now that a link makes them ineligible."""
    for application_id in Application.objects.filter(
        assigned_to=official, business=business, status__in=OPEN_STATUSES
    ).values_list("id", flat=True):
        application = lock(application_id)
        successor = pick_official(application, stage=_stage_of(application), actor=actor, event=event)
        _assign_in_place(
            application, actor=actor, to=successor, reason=reason, action="application.reassigned"
        )


def business_by_id(business_id: int):
    business = Business.objects.filter(pk=business_id).first()
    if business is None:
        raise ValidationFailed(fields={"business": [f"No business has the id {business_id}."]})
    return business
