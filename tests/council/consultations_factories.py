"""Factories for consultations. Every state is reached through the services (draft → open → closed
→ outcome_published), so a test never holds a consultation the workflow could not produce."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from council.models import (
    Comment,
    CommentResponse,
    Consultation,
    ConsultationStatus,
    Council,
    CouncilMember,
    CouncilRole,
    Disposition,
)
from council.services import consultations as services
from tests.factories import CouncilFactory, CouncilMemberFactory, UserFactory

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

SECTIONS = [
    {
        "number": "1",
        "heading": "Scope",
        "text": "This law applies to creative studios with up to 15 employees.",
    },
    {
        "number": "2",
        "heading": "Notification",
        "text": "A studio notifies the authority before it starts work.",
    },
    {
        "number": "3",
        "heading": "Entry into force",
        "text": "This law enters into force ten days after publication.",
    },
]


def seat(council: Council, role: str = CouncilRole.MEMBER, user=None):
    """A user holding an active seat of `role` on `council`."""
    return CouncilMemberFactory(council=council, role=role, **({"user": user} if user else {})).user


def officer_of(council: Council):
    """The council's secretary (created on first need)."""
    existing = (
        CouncilMember.objects.active()
        .filter(council=council, role=CouncilRole.SECRETARY)
        .select_related("user")
        .first()
    )
    return existing.user if existing else seat(council, CouncilRole.SECRETARY)


class ConsultationFactory(factory.Factory):
    """`ConsultationFactory()` is a draft opening tomorrow; traits `open`, `closed`, `published`.

    `comments` (a list of (author, section) pairs) are written while it is open; `published`
    answers them all before publishing.
    """

    class Meta:
        model = Consultation

    council = factory.SubFactory(CouncilFactory)
    title = factory.Sequence(lambda n: f"Draft amendments no. {n} to the Law on Permits and Notifications")
    summary = "Moves small creative studios from a permit to a notification."
    sections = factory.LazyFunction(lambda: [dict(s) for s in SECTIONS])
    opens_at = factory.LazyFunction(lambda: timezone.now() + DAY)
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + 21 * DAY)
    legal_act = None
    proposed_act_title = "Law on creative studios"
    activities = ()
    comments_public_while_open = False
    state = ConsultationStatus.DRAFT
    comments = ()
    actor = None

    class Params:
        open = factory.Trait(
            state=ConsultationStatus.OPEN,
            opens_at=factory.LazyFunction(lambda: timezone.now() - DAY),
            closes_at=factory.LazyFunction(lambda: timezone.now() + 20 * DAY),
        )
        closed = factory.Trait(
            state=ConsultationStatus.CLOSED,
            opens_at=factory.LazyFunction(lambda: timezone.now() - 22 * DAY),
            closes_at=factory.LazyFunction(lambda: timezone.now() - DAY),
        )
        published = factory.Trait(
            state=ConsultationStatus.OUTCOME_PUBLISHED,
            opens_at=factory.LazyFunction(lambda: timezone.now() - 30 * DAY),
            closes_at=factory.LazyFunction(lambda: timezone.now() - 9 * DAY),
        )

    @classmethod
    def _create(cls, model_class, *, state, comments, actor, **kwargs):
        council = kwargs["council"]
        actor = actor or officer_of(council)
        opens_at, closes_at = kwargs["opens_at"], kwargs["closes_at"]
        consultation = services.consultation_create(actor=actor, now=opens_at - HOUR, **kwargs)
        if state == ConsultationStatus.DRAFT:
            return consultation
        services.consultation_open(actor=actor, consultation_id=consultation.pk, now=opens_at)
        written = [
            comment_on(consultation, author=author, section=section, now=opens_at + HOUR)
            for author, section in comments
        ]
        if state == ConsultationStatus.OPEN:
            return Consultation.objects.get(pk=consultation.pk)
        services.consultation_close(actor=actor, consultation_id=consultation.pk, now=closes_at)
        if state == ConsultationStatus.OUTCOME_PUBLISHED:
            for comment in written:
                answer(comment, by=actor, now=closes_at + HOUR)
            services.outcome_publish(
                actor=actor,
                consultation_id=consultation.pk,
                summary="Studios of up to 15 people will notify instead of applying.",
                now=closes_at + 2 * HOUR,
            )
        return Consultation.objects.get(pk=consultation.pk)


def comment_on(
    consultation: Consultation,
    *,
    author=None,
    section: str = "1",
    body: str = "Please raise the threshold to 25 employees.",
    business=None,
    now: dt.datetime | None = None,
) -> Comment:
    return services.comment_post(
        actor=author or UserFactory(),
        consultation_id=consultation.pk,
        section=section,
        body=body,
        business_id=business.pk if business is not None else None,
        now=now,
    )


def answer(
    comment: Comment,
    *,
    by=None,
    disposition: str = Disposition.ACCEPTED,
    reason: str = "The threshold goes to 25.",
    now: dt.datetime | None = None,
) -> CommentResponse:
    by = by or officer_of(comment.consultation.council)
    return services.comment_respond(
        actor=by, comment=comment, disposition=disposition, reason=reason, now=now
    )


def close(consultation: Consultation, *, now: dt.datetime | None = None) -> Consultation:
    return services.consultation_close(
        actor=officer_of(consultation.council), consultation_id=consultation.pk, now=now
    )
