"""Comments, the council's answers, the published outcome, and following a council.

Any signed-in person comments while a consultation is open and edits their own comment until it
closes; any active member of the council answers; the officers publish the outcome only once every
comment has an answer."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.utils import timezone

from council import workflow
from council.errors import CouncilErrorCode
from council.models import (
    Comment,
    CommentResponse,
    Consultation,
    ConsultationStatus,
    Council,
    CouncilSubscription,
    Disposition,
    Outcome,
    Section,
)
from council.policies import check_speaks_for, require_member, require_officer
from council.services.consultations.drafts import MAX_COMMENT, MAX_SUMMARY, outcome_audience
from portal.api.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from portal.api.inputs import clean_text
from portal.audit.services import record
from portal.notifications.services import notify

S = ConsultationStatus


# --- comments --------------------------------------------------------------------------------------


def _lock_consultation_for_comments(consultation_id: int) -> Consultation:
    """Held while a comment or an answer is written, so a close or a publication waits for it."""
    return (
        Consultation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("council")
        .get(pk=consultation_id)
    )


@transaction.atomic
def comment_post(
    *,
    actor,
    consultation_id: int,
    section: str,
    body: str,
    business_id: int | None = None,
    now: dt.datetime | None = None,
) -> Comment:
    """A comment on a section of the current text, by anyone signed in, while the consultation is open."""
    now = now or timezone.now()
    consultation = _lock_consultation_for_comments(consultation_id)
    if consultation.status != S.OPEN:
        raise InvalidState(
            "The consultation is not open for comments.", code=CouncilErrorCode.CONSULTATION_NOT_OPEN
        )
    body = clean_text(body, "body", max_length=MAX_COMMENT)
    number = clean_text(str(section) if section is not None else "", "section", max_length=20)
    current = consultation.versions.order_by("-number").first()
    target = Section.objects.filter(version=current, number=number).first()
    if target is None:
        raise ValidationFailed(fields={"section": [f"The current text has no section {number}."]})
    check_speaks_for(actor, business_id)
    comment = Comment.objects.create(
        consultation=consultation,
        section=target,
        author=actor,
        business_id=business_id,
        body=body,
        created_at=now,
        updated_at=now,
    )
    record(
        actor=actor,
        action="council.comment_posted",
        obj=comment,
        data={
            "consultation": consultation.pk,
            "section": number,
            "version": current.number,
            "business": business_id,
        },
    )
    return comment


@transaction.atomic
def comment_edit(*, actor, comment: Comment, body: str, now: dt.datetime | None = None) -> Comment:
    """Its author rewrites a comment until the consultation closes. The caller found it visible."""
    now = now or timezone.now()
    consultation = _lock_consultation_for_comments(comment.consultation_id)
    comment = Comment.objects.select_for_update(of=("self",)).get(pk=comment.pk)
    if comment.author_id != actor.pk:
        raise Forbidden("Only its author may edit a comment.", code=CouncilErrorCode.NOT_COMMENT_AUTHOR)
    if consultation.status != S.OPEN:
        raise InvalidState(
            "The consultation has closed; comments are final.", code=CouncilErrorCode.CONSULTATION_NOT_OPEN
        )
    previous = comment.body
    comment.body = clean_text(body, "body", max_length=MAX_COMMENT)
    comment.updated_at = now
    comment.save(update_fields=["body", "updated_at"])
    record(
        actor=actor,
        action="council.comment_edited",
        obj=comment,
        data={"consultation": consultation.pk, "previous": previous, "body": comment.body},
    )
    return comment


@transaction.atomic
def comment_respond(
    *, actor, comment: Comment, disposition: str, reason: str = "", now: dt.datetime | None = None
) -> CommentResponse:
    """A council member's answer to a comment; answering again replaces it until the outcome is out."""
    now = now or timezone.now()
    consultation = _lock_consultation_for_comments(comment.consultation_id)
    require_member(actor, consultation.council_id)
    if consultation.status == S.OUTCOME_PUBLISHED:
        raise InvalidState(
            "The outcome is published; its answers are final.", code=CouncilErrorCode.OUTCOME_PUBLISHED
        )
    if disposition not in Disposition.values:
        raise ValidationFailed(fields={"disposition": [f"One of: {', '.join(Disposition.values)}."]})
    reason = clean_text(
        reason, "reason", required=disposition == Disposition.REJECTED, max_length=MAX_COMMENT
    )
    comment = Comment.objects.select_for_update(of=("self",)).select_related("author").get(pk=comment.pk)
    response = CommentResponse.objects.filter(comment=comment).first()
    previous = {"disposition": response.disposition, "reason": response.reason} if response else None
    if response is None:
        response = CommentResponse(comment=comment, created_at=now)
    response.responder = actor
    response.disposition = disposition
    response.reason = reason
    response.updated_at = now
    response.save()
    record(
        actor=actor,
        action="council.comment_answered",
        obj=comment,
        data={
            "consultation": consultation.pk,
            "disposition": disposition,
            "reason": reason,
            "previous": previous,
        },
    )
    notify(
        recipients=[comment.author],
        event="council.comment_answered",
        subject_key=f"comment-{comment.pk}:{now:%Y%m%d%H%M%S%f}",
        payload={"title": consultation.title, "consultation": consultation.pk, "comment": comment.pk},
    )
    return response


# --- the outcome -----------------------------------------------------------------------------------


@transaction.atomic
def outcome_publish(
    *,
    actor,
    consultation_id: int,
    summary: str,
    final_version: int | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Publish "you said, we did": refused while any comment is unanswered (their ids are listed)."""
    now = now or timezone.now()
    consultation = workflow.lock(consultation_id)
    require_officer(actor, consultation.council_id)
    workflow.check_move(consultation, S.OUTCOME_PUBLISHED)
    unanswered = [
        str(pk)
        for pk in Comment.objects.filter(consultation=consultation, response__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    ]
    if unanswered:
        raise InvalidState(
            f"Every comment needs an answer first; unanswered: {', '.join(unanswered)}.",
            code=CouncilErrorCode.UNANSWERED_COMMENTS,
            fields={"comments": unanswered},
        )
    summary = clean_text(summary, "summary", max_length=MAX_SUMMARY)
    versions = consultation.versions.order_by("-number")
    version = versions.filter(number=final_version).first() if final_version is not None else versions.first()
    if version is None:
        raise ValidationFailed(fields={"final_version": [f"There is no version {final_version}."]})
    outcome = Outcome.objects.create(
        consultation=consultation,
        summary=summary,
        final_version=version,
        published_by=actor,
        published_at=now,
    )
    answers = Counter(
        CommentResponse.objects.filter(comment__consultation=consultation).values_list(
            "disposition", flat=True
        )
    )
    workflow.transition(
        consultation,
        S.OUTCOME_PUBLISHED,
        actor=actor,
        now=now,
        data={"final_version": version.number, "answers": dict(sorted(answers.items()))},
        notify_users=outcome_audience(consultation),
    )
    return outcome


# --- following a council ---------------------------------------------------------------------------


@transaction.atomic
def subscription_add(*, actor, council_id: int) -> tuple[CouncilSubscription, bool]:
    """Follow a council (its consultations opening, its outcomes); following twice is harmless."""
    council = Council.objects.filter(pk=council_id).first()
    if council is None:
        raise NotFound("No such council.")
    subscription, created = CouncilSubscription.objects.get_or_create(council=council, user=actor)
    if created:
        record(actor=actor, action="council.subscribed", obj=subscription, data={"council": council.pk})
    return subscription, created


@transaction.atomic
def subscription_remove(*, actor, council_id: int) -> bool:
    if not Council.objects.filter(pk=council_id).exists():
        raise NotFound("No such council.")
    subscription = (
        CouncilSubscription.objects.select_for_update().filter(council_id=council_id, user=actor).first()
    )
    if subscription is None:
        return False
    record(actor=actor, action="council.unsubscribed", obj=subscription, data={"council": council_id})
    subscription.delete()
    return True
