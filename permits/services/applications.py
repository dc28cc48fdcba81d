"""The applicant's writes: drafts, submission (with the risk assessment), withdrawal, messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from permits import selectors
from permits.deadlines import due_moment, reminder_moment
from permits.errors import PermitErrorCode
from permits.models import Application, ApplicationStatus, Bundle, LicenceType, Message, Tier
from permits.policies import check_applicant_of, check_member_of
from permits.risk import answers_errors, assess, base_tier_reason
from permits.services.assignment import start_review
from permits.services.permits import permit_issue
from permits.workflow import By, check_version, lock, transition
from portal.api.errors import ErrorCode, InvalidState, ValidationFailed
from portal.api.inputs import clean_text
from portal.audit.services import record

S = ApplicationStatus
MAX_MESSAGE_LENGTH = 5000


def _next_reference() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('permits_application_reference_seq')")
        (value,) = cursor.fetchone()
    return f"APP-{timezone.localdate().year}-{value:06d}"


def licence_type_for_code(code: Any, *, field: str = "licence_type") -> LicenceType:
    if not isinstance(code, str) or not code:
        raise ValidationFailed(fields={field: ["Give a licence type code."]})
    licence_type = selectors.licence_types_by_code([code]).get(code)
    if licence_type is None:
        raise ValidationFailed(
            f"Unknown licence type: {code}.",
            code=PermitErrorCode.UNKNOWN_LICENCE_TYPE,
            fields={field: [f"Unknown licence type: {code}."]},
        )
    return licence_type


def lock_for_applicant(actor, application_id: int) -> Application:
    """The application row, locked, once `actor` is known to act on it as the applicant.

    The same answers as the API's reads: a file the actor cannot see is a 404, one they see (an
    official of its authority) but do not hold a 403 `not_the_applicant`; checked before the lock, so a
    refused caller never waits on (or takes) the row.
    """
    check_applicant_of(actor, application_id)
    return lock(application_id)


def _check_answers(licence_type: LicenceType, answers: Any, *, require_all: bool = False) -> None:
    errors = answers_errors(selectors.question_specs(licence_type), answers, require_all=require_all)
    if errors:
        raise ValidationFailed("Some answers are not valid.", fields=errors)


@transaction.atomic
def application_create(
    *, actor, business, licence_type: LicenceType, answers: dict[str, Any], bundle: Bundle | None = None
) -> Application:
    """A draft application of `business` for `licence_type`, by a member of the business (else a 404)."""
    check_member_of(actor, business.pk)
    _check_answers(licence_type, answers)
    application = Application.objects.create(
        reference=_next_reference(),
        business=business,
        licence_type=licence_type,
        authority_id=licence_type.authority_id,
        bundle=bundle,
        created_by=actor,
        answers=answers,
    )
    # A new draft has no permit: say so, so that showing it does not ask the database.
    Application.permit.related.set_cached_value(application, None)
    record(
        actor=actor,
        action="application.created",
        obj=application,
        data={
            "reference": application.reference,
            "licence_type": licence_type.code,
            "bundle": bundle and bundle.pk,
        },
    )
    return application


@transaction.atomic
def application_update(
    *, actor, application_id: int, answers: Any, version: int | None = None
) -> Application:
    """Edit a draft's answers: given keys replace, a null removes an answer."""
    application = lock_for_applicant(actor, application_id)
    check_version(application, version)
    if application.status != S.DRAFT:
        raise InvalidState(
            f"{application.reference} is no longer a draft; it cannot be edited.", code=ErrorCode.NOT_DRAFT
        )
    if not isinstance(answers, dict):
        raise ValidationFailed(fields={"answers": ["Expected an object of answers keyed by question."]})
    merged = {**application.answers, **answers}
    merged = {key: value for key, value in merged.items() if value is not None}
    _check_answers(application.licence_type, merged)
    application.answers = merged
    application.version += 1
    application.save(update_fields=["answers", "version", "updated_at"])
    record(actor=actor, action="application.updated", obj=application, data={"answers": sorted(answers)})
    return application


def incomplete_detail(application: Application, missing: dict[str, list[str]]) -> str:
    parts = [f"missing {key}: {', '.join(items)}" for key, items in missing.items()]
    return f"{application.reference} is incomplete ({'; '.join(parts)})."


def submit_locked(
    application: Application, *, actor, rule_set, now: dt.datetime | None = None
) -> Application:
    """Submit a locked draft: assess its risk, then start the pathway of its tier (DESIGN §5).

    Low tier is a notification: accepted and its permit issued in this same transaction. Medium and
    high wait for review with a due date counted in working days.
    """
    missing = selectors.completeness(application)
    if missing:
        raise ValidationFailed(
            incomplete_detail(application, missing), code=PermitErrorCode.INCOMPLETE, fields=missing
        )
    _check_answers(application.licence_type, application.answers, require_all=True)
    licence_type = application.licence_type
    assessment = assess(
        licence_type.base_tier,
        selectors.rules_for(rule_set, licence_type),
        application.answers,
        base_reason=base_tier_reason(
            licence_type.name,
            licence_type.kind,
            licence_type.base_tier,
            ", ".join(filter(None, [licence_type.legal_basis.title, licence_type.legal_articles])),
        ),
        questions=selectors.question_specs(licence_type),
    )
    now = now or timezone.now()
    deadline = application.licence_type.deadline_for(assessment.tier)
    recipients = selectors.business_users(application.business)
    transition(
        application,
        S.SUBMITTED,
        actor=actor,
        by=By.APPLICANT,
        changes={
            "submitted_at": now,
            "risk_tier": assessment.tier,
            "risk_reasons": assessment.reasons,
            "rule_set_version": rule_set.version if rule_set else None,
            "due_at": due_moment(now, deadline) if deadline else None,
            "remind_at": reminder_moment(now, deadline) if deadline else None,
        },
        data={
            "risk_tier": assessment.tier,
            "reasons": assessment.reasons,
            "rule_set": rule_set and rule_set.version,
        },
        notify_users=recipients if assessment.tier != Tier.LOW else (),
    )
    if assessment.tier == Tier.LOW:
        transition(
            application,
            S.APPROVED,
            actor=actor,
            by=By.SYSTEM,
            changes={
                "decided_at": now,
                "decision_reason": "Notification accepted: a low-risk activity needs no review.",
            },
        )
        permit_issue(application=application, actor=actor, notify_users=recipients, now=now)
    else:
        start_review(application, actor=actor)
    return application


@transaction.atomic
def application_submit(
    *, actor, application_id: int, version: int | None = None, now: dt.datetime | None = None
) -> Application:
    application = lock_for_applicant(actor, application_id)
    check_version(application, version)
    if application.status != S.DRAFT:
        raise InvalidState(
            f"{application.reference} is {application.get_status_display().lower()}; only a draft can be submitted.",
            code=ErrorCode.INVALID_TRANSITION,
        )
    return submit_locked(application, actor=actor, rule_set=selectors.current_rule_set(), now=now)


@transaction.atomic
def application_withdraw(
    *, actor, application_id: int, version: int | None = None, reason: str = ""
) -> Application:
    """The applicant withdraws before a decision; a decided application cannot be withdrawn."""
    application = lock_for_applicant(actor, application_id)
    check_version(application, version)
    return transition(
        application,
        S.WITHDRAWN,
        actor=actor,
        by=By.APPLICANT,
        changes={"decision_reason": reason.strip()} if reason.strip() else None,
        data={"reason": reason.strip()},
        notify_users=[*selectors.business_users(application.business), application.assigned_to],
    )


@transaction.atomic
def message_post(*, actor, application_id: int, body: Any) -> Message:
    """A message from the applicant to the authority on a submitted application."""
    application = lock_for_applicant(actor, application_id)
    body = clean_text(body, "body", max_length=MAX_MESSAGE_LENGTH)
    if application.status == S.DRAFT:
        raise InvalidState(
            "Submit the application before writing to the authority.", code=PermitErrorCode.NOT_SUBMITTED
        )
    message = Message.objects.create(
        application=application, author=actor, body=body.strip(), created_at=timezone.now()
    )
    record(
        actor=actor,
        action="application.message_posted",
        obj=message,
        data={"application": application.reference, "length": len(message.body)},
    )
    return message
