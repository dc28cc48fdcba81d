"""Demo consultations: one finished with its outcome published, one open for comments, one draft.

Written through the services, at moments in the past where the story needs them (each service takes
`now`); the API itself never accepts a closing time in the past. Running the seed again finds each
consultation by its title and creates nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from council.models import Consultation, CouncilMember, Disposition
from council.services import consultations as services
from permits.models import ActivityCategory, LegalAct
from portal.accounts.models import User
from portal.accounts.selectors import business_ids_for

DAY = dt.timedelta(days=1)

STUDIOS = {
    "title": "Small creative studios: a notification instead of a permit",
    "summary": (
        'Draft amendments to the Law "On Permits and Notifications" that move design, recording and '
        "crafts studios with up to 15 employees and no public events from the permit regime to a "
        "notification made once through the portal."
    ),
    "legal_act": "permits-and-notifications",
    "activities": ["design", "music-recording", "folk-crafts"],
    "sections": [
        {
            "number": "1",
            "heading": "Scope",
            "text": "These amendments apply to studios of the creative industries with up to 15 employees "
            "that do not hold public events on their premises.",
        },
        {
            "number": "2",
            "heading": "Notification",
            "text": "Such a studio notifies the authorised body through the portal before it starts work; "
            "no permit is required. The notification is accepted at once.",
        },
        {
            "number": "3",
            "heading": "Post-issue checks",
            "text": "The authorised body checks a sample of notifications within ten working days; a "
            "finding is answered within fifteen working days.",
        },
    ],
    "comments": [
        (
            "aigerim",
            "1",
            "Fifteen employees is low for a design studio that takes seasonal interns: "
            "please count full-time staff only, or raise the threshold to 25.",
        ),
        (
            "daniyar",
            "2",
            "Recording studios rent their rooms to bands in the evenings. Please make clear "
            "that rehearsals without an audience are not a public event.",
        ),
    ],
    "answers": [
        (
            Disposition.PARTLY_ACCEPTED,
            "Interns and part-time staff will not count; the threshold stays at 15 "
            "full-time employees, as agreed with the Ministry of National Economy.",
        ),
        (
            Disposition.ACCEPTED,
            "Section 1 now says that rehearsals and recordings without an audience are not public events.",
        ),
    ],
    "outcome": "The threshold counts full-time staff only, and rehearsals without an audience are not public "
    "events. The amended draft goes to the Ministry of Culture and Information for inter-agency approval.",
}

STREET = {
    "title": "Rules on street performances in Almaty",
    "summary": (
        "Draft rules of the Akimat of Almaty for street musicians, artists and performers: where and "
        "when they may perform in pedestrian zones without a permit, and how noise is limited."
    ),
    "proposed_act_title": "Rules on street performances in the pedestrian zones of Almaty",
    "activities": ["live-events", "performing-arts"],
    "sections": [
        {
            "number": "1",
            "heading": "Places",
            "text": "Street performances are allowed in the pedestrian zones of Zhibek Zholy (Arbat), "
            "Panfilov Street and the Green Bazaar square.",
        },
        {
            "number": "2",
            "heading": "Hours and sound",
            "text": "From 10:00 to 22:00; amplified sound may not exceed 70 dB at five metres.",
        },
        {
            "number": "3",
            "heading": "Registration",
            "text": "A performer registers once, free of charge, through the portal and receives a QR badge.",
        },
    ],
    "comments": [
        (
            "daniyar",
            "2",
            "70 dB at five metres rules out most acoustic duos with a small amplifier; 75 dB "
            "is the usual city limit in the daytime.",
        ),
        ("aigerim", "3", "Please let artists who draw portraits register under the same badge."),
    ],
}

SKILLS = {
    "title": "Tax deduction for creative skills programmes",
    "summary": "A proposed deduction for companies that send creative professionals to accredited courses.",
    "proposed_act_title": "Amendments to the Tax Code on training in the creative industries",
    "activities": ["games-software", "film-production", "design"],
    "sections": [
        {
            "number": "1",
            "heading": "Deduction",
            "text": "A company may deduct the cost of accredited skills programmes for its creative staff.",
        },
        {
            "number": "2",
            "heading": "Accreditation",
            "text": "Programmes are accredited by the Ministry of Science and Higher Education together "
            "with the Council for Creative Industries.",
        },
    ],
}


def _create(spec: dict, *, council, actor, opens_at, closes_at, now) -> Consultation:
    act = spec.get("legal_act")
    known = set(ActivityCategory.objects.filter(code__in=spec["activities"]).values_list("code", flat=True))
    has_act = act is not None and LegalAct.objects.filter(code=act).exists()
    return services.consultation_create(
        actor=actor,
        council=council,
        title=spec["title"],
        summary=spec["summary"],
        sections=spec["sections"],
        opens_at=opens_at,
        closes_at=closes_at,
        legal_act=act if has_act else None,
        proposed_act_title="" if has_act else spec.get("proposed_act_title", "Draft amendments"),
        activities=[code for code in spec["activities"] if code in known],
        now=now,
    )


def _comment(consultation, username: str, section: str, body: str, now) -> object | None:
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    businesses = business_ids_for(user)
    return services.comment_post(
        actor=user,
        consultation_id=consultation.pk,
        section=section,
        body=body,
        business_id=businesses[0] if businesses else None,
        now=now,
    )


def _answerer(council, actor):
    """A plain member answers, as the council shares the work; the officer if there is none."""
    seat = (
        CouncilMember.objects.active().filter(council=council, role="member").select_related("user").first()
    )
    return seat.user if seat else actor


def seed(*, council, actor, progress: Callable[[str], None]) -> int:
    """Create the three demo consultations that are missing; returns how many were created."""
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)  # on the hour: readable dates
    created = 0
    existing = set(Consultation.objects.filter(council=council).values_list("title", flat=True))

    if STUDIOS["title"] not in existing:
        with transaction.atomic():
            opens, closes = now - 60 * DAY, now - 30 * DAY
            c = _create(
                STUDIOS, council=council, actor=actor, opens_at=opens, closes_at=closes, now=opens - DAY
            )
            services.consultation_open(actor=actor, consultation_id=c.pk, now=opens)
            comments = [_comment(c, *item, now=opens + 2 * DAY) for item in STUDIOS["comments"]]
            services.consultation_close(actor=actor, consultation_id=c.pk, now=closes)
            answerer = _answerer(council, actor)
            for comment, (disposition, reason) in zip(comments, STUDIOS["answers"], strict=True):
                if comment is not None:
                    services.comment_respond(
                        actor=answerer,
                        comment=comment,
                        disposition=disposition,
                        reason=reason,
                        now=closes + DAY,
                    )
            services.outcome_publish(
                actor=actor, consultation_id=c.pk, summary=STUDIOS["outcome"], now=closes + 3 * DAY
            )
        created += 1
        progress(f"  consultation with its outcome published: {STUDIOS['title']}")

    if STREET["title"] not in existing:
        with transaction.atomic():
            opens, closes = now - 5 * DAY, now + 21 * DAY
            c = _create(
                STREET, council=council, actor=actor, opens_at=opens, closes_at=closes, now=opens - DAY
            )
            services.consultation_open(actor=actor, consultation_id=c.pk, now=opens)
            for item in STREET["comments"]:
                _comment(c, *item, now=opens + DAY)
        created += 1
        progress(f"  open consultation (closes in three weeks): {STREET['title']}")

    if SKILLS["title"] not in existing:
        with transaction.atomic():
            _create(
                SKILLS,
                council=council,
                actor=actor,
                opens_at=now + 14 * DAY,
                closes_at=now + 35 * DAY,
                now=now,
            )
        created += 1
        progress(f"  draft consultation: {SKILLS['title']}")

    if not created:
        progress("  consultations: nothing new")
    return created
