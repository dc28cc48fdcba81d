"""Concerns from the business community: raised by those who act for a business, answered by the council.

A concern is a channel of accountability, not a complaint box: it is addressed to one council (the
national one unless the entrepreneur picks another), it gets an answer within a number of working
days (PORTAL_CONCERN_RESPONSE_DAYS, counted on the portal's calendar), and the answer is final: a
triage (accepted for review, referred to the authority, declined) with a written response, which a
decline needs as much as any other answer. A referral also reaches the authority's supervisors, so
the concern lands on the desk of someone who can act on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from council import workflow
from council.models import Concern, ConcernDisposition, ConcernStatus, Council, CouncilScope
from council.policies import officers_of, require_entrepreneur, require_member
from permits.calendar import add_working_days
from permits.models import LicenceType
from permits.selectors import supervisors_of
from portal.accounts.models import Authority
from portal.api.errors import NotFound, ValidationFailed
from portal.api.inputs import clean_text
from portal.audit.services import record
from portal.notifications.services import notify
from portal.workflow import Notice

SUBJECT_MAX = 300
BODY_MAX = 5000


def default_council() -> Council:
    council = Council.objects.filter(scope=CouncilScope.NATIONAL).order_by("id").first()
    if council is None:
        raise ValidationFailed(
            "There is no national council to address; name a council.",
            fields={"council": ["No national council exists; name a council."]},
        )
    return council


def _council(council_id: int | None) -> Council:
    if council_id is None:
        return default_council()
    council = Council.objects.filter(pk=council_id).first()
    if council is None:
        raise ValidationFailed(fields={"council": [f"No council with id {council_id}."]})
    return council


def _business_id(business_id: int | None, allowed: list[int]) -> int:
    if business_id is None:
        if len(allowed) > 1:
            raise ValidationFailed(
                fields={"business": ["You act for several businesses: say which one this concern is for."]}
            )
        return allowed[0]
    if business_id not in allowed:
        raise ValidationFailed(fields={"business": ["Not a business you act for."]})
    return business_id


def _licence_type_and_authority(
    licence_type_code: str | None, authority_code: str | None
) -> tuple[LicenceType | None, Authority | None]:
    licence_type = authority = None
    if licence_type_code:
        licence_type = LicenceType.objects.select_related("authority").filter(code=licence_type_code).first()
        if licence_type is None:
            raise ValidationFailed(
                fields={"licence_type": [f"No licence type with code {licence_type_code!r}."]}
            )
    if authority_code:
        authority = Authority.objects.filter(code=authority_code).first()
        if authority is None:
            raise ValidationFailed(fields={"authority": [f"No authority with code {authority_code!r}."]})
    if licence_type is not None:
        if authority is not None and authority.pk != licence_type.authority_id:
            raise ValidationFailed(
                fields={
                    "authority": [
                        f"{licence_type.code} is issued by {licence_type.authority.code}, not {authority.code}."
                    ]
                }
            )
        authority = licence_type.authority
    return licence_type, authority


@transaction.atomic
def concern_raise(
    *,
    actor,
    subject: str,
    body: str,
    business_id: int | None = None,
    licence_type_code: str | None = None,
    authority_code: str | None = None,
    council_id: int | None = None,
) -> Concern:
    allowed = require_entrepreneur(actor)
    subject = clean_text(subject, "subject", max_length=SUBJECT_MAX)
    body = clean_text(body, "body", max_length=BODY_MAX)
    business = _business_id(business_id, allowed)
    licence_type, authority = _licence_type_and_authority(licence_type_code, authority_code)
    council = _council(council_id)
    now = timezone.now()
    concern = Concern.objects.create(
        council=council,
        raised_by=actor,
        business_id=business,
        subject=subject,
        body=body,
        licence_type=licence_type,
        authority=authority,
        created_at=now,
        due_at=add_working_days(now, settings.PORTAL_CONCERN_RESPONSE_DAYS),
    )
    notify(
        recipients=officers_of(council),
        event="council.concern_raised",
        subject_key=f"concern:{concern.pk}",
        payload={"subject": concern.subject, "concern": concern.pk, "council": council.pk},
    )
    record(
        actor=actor,
        action="council.concern_raised",
        obj=concern,
        data={
            "council": council.pk,
            "business": business,
            "subject": concern.subject,
            "licence_type": licence_type.code if licence_type else None,
            "authority": authority.code if authority else None,
            "due_at": concern.due_at,
        },
    )
    return concern


@transaction.atomic
def concern_respond(*, actor, concern_id: int, disposition: str, response: str) -> Concern:
    """Answer a concern once, through the door (council/workflow.py). The row lock makes two members
    answering at once one answer and one 409."""
    concern = (
        Concern.objects.select_for_update(of=("self",))
        .select_related("authority", "business")
        .filter(pk=concern_id)
        .first()
    )
    if concern is None:
        raise NotFound("No such concern.")
    require_member(actor, concern.council_id)
    workflow.CONCERNS.check(concern, ConcernStatus.ANSWERED, by=workflow.By.MEMBER)
    if disposition not in ConcernDisposition.values:
        raise ValidationFailed(fields={"disposition": [f"{disposition!r} is not a valid choice."]})
    response = clean_text(response, "response", max_length=BODY_MAX)
    responded_at = timezone.now()

    payload = {"subject": concern.subject, "concern": concern.pk, "disposition": disposition}
    notices = [Notice(recipients=[concern.raised_by], subject_key=f"concern:{concern.pk}", payload=payload)]
    referred_to = None
    if disposition == ConcernDisposition.REFERRED and concern.authority_id:
        referred_to = concern.authority.code
        notices.append(
            Notice(
                recipients=supervisors_of(concern.authority_id),
                event="council.concern_referred",
                subject_key=f"concern:{concern.pk}",
                payload={
                    **payload,
                    "authority": referred_to,
                    "business": concern.business.name if concern.business else None,
                    "body": concern.body,
                    "response": response,
                },
            )
        )
    workflow.concern_answer(
        concern,
        actor=actor,
        changes={
            "disposition": disposition,
            "response": response,
            "responded_by": actor,
            "responded_at": responded_at,
        },
        audit={
            "disposition": disposition,
            "referred_to": referred_to,
            "on_time": responded_at <= concern.due_at,
        },
        notices=notices,
    )
    return concern
