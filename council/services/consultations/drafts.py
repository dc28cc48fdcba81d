"""The consultation itself: the draft and its text versions, and its opening and closing (by an
officer, or on time by the beat sweep). Every service takes `now` so that the sweep and the demo
seed can act at a given moment; the API always passes none."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from council import workflow
from council.errors import CouncilErrorCode
from council.models import (
    Comment,
    Consultation,
    ConsultationStatus,
    ConsultationVersion,
    Council,
    CouncilSubscription,
    Section,
)
from council.policies import require_officer
from permits.models import ActivityCategory, LegalAct
from portal.accounts.models import User
from portal.api.errors import ErrorCode, InvalidState, ValidationFailed
from portal.api.inputs import clean_text
from portal.audit.services import record

logger = logging.getLogger(__name__)
S = ConsultationStatus

MAX_SECTIONS = 200
MAX_SECTION_TEXT = 20_000
MAX_HEADING = 300
MAX_TITLE = 300
MAX_SUMMARY = 10_000
MAX_COMMENT = 5_000
# Fields an officer may change while the consultation is still a draft.
DRAFT_FIELDS = (
    "title",
    "summary",
    "legal_act",
    "proposed_act_title",
    "activities",
    "opens_at",
    "closes_at",
    "comments_public_while_open",
)


# --- checks ----------------------------------------------------------------------------------------


def _clean_sections(sections: Sequence[dict]) -> list[dict]:
    """Numbered sections in the order given; a 400 on `sections` names what is wrong."""
    if not sections:
        raise ValidationFailed(fields={"sections": ["Give the draft text as at least one section."]})
    if len(sections) > MAX_SECTIONS:
        raise ValidationFailed(fields={"sections": [f"At most {MAX_SECTIONS} sections."]})
    cleaned, seen = [], set()
    for section in sections:
        number = clean_text(section.get("number"), "sections", max_length=20)
        if number in seen:
            raise ValidationFailed(fields={"sections": [f"Section number {number} appears twice."]})
        seen.add(number)
        cleaned.append(
            {
                "number": number,
                "heading": clean_text(
                    section.get("heading", ""), "sections", required=False, max_length=MAX_HEADING
                ),
                "text": clean_text(section.get("text"), "sections", max_length=MAX_SECTION_TEXT),
            }
        )
    return cleaned


def _check_period(opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime) -> None:
    if closes_at <= opens_at:
        raise ValidationFailed(fields={"closes_at": ["The consultation must close after it opens."]})
    if closes_at <= now:
        raise ValidationFailed(fields={"closes_at": ["The closing time must be in the future."]})


def _legal_act(code: str | None) -> LegalAct | None:
    if not code:
        return None
    act = LegalAct.objects.filter(code=code).first()
    if act is None:
        raise ValidationFailed(fields={"legal_act": [f"No legal act with code {code}."]})
    return act


def _activities(codes: Iterable[str]) -> list[ActivityCategory]:
    codes = list(dict.fromkeys(codes))
    found = {a.code: a for a in ActivityCategory.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationFailed(fields={"activities": [f"Unknown activity code: {code}." for code in unknown]})
    return [found[code] for code in codes]


def _check_act(legal_act: LegalAct | None, proposed_act_title: str) -> None:
    if legal_act is None and not proposed_act_title:
        raise ValidationFailed(
            fields={
                "legal_act": ["Name the existing legal act the draft amends, or the proposed act's title."]
            }
        )


def _add_version(
    consultation: Consultation, *, actor, sections: list[dict], note: str, now
) -> ConsultationVersion:
    latest = consultation.versions.aggregate(n=Max("number"))["n"] or 0
    version = ConsultationVersion.objects.create(
        consultation=consultation, number=latest + 1, note=note, created_by=actor, created_at=now
    )
    Section.objects.bulk_create(
        Section(version=version, position=position, **section) for position, section in enumerate(sections, 1)
    )
    return version


# --- the consultation --------------------------------------------------------------------------------


@transaction.atomic
def consultation_create(
    *,
    actor,
    council: Council,
    title: str,
    summary: str,
    sections: Sequence[dict],
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    legal_act: str | None = None,
    proposed_act_title: str = "",
    activities: Iterable[str] = (),
    comments_public_while_open: bool = False,
    now: dt.datetime | None = None,
) -> Consultation:
    """A draft with its first text version; it opens at `opens_at` (beat) or when an officer says so."""
    now = now or timezone.now()
    require_officer(actor, council)
    title = clean_text(title, "title", max_length=MAX_TITLE)
    summary = clean_text(summary, "summary", max_length=MAX_SUMMARY)
    proposed_act_title = clean_text(proposed_act_title, "proposed_act_title", required=False, max_length=300)
    act = _legal_act(legal_act)
    _check_act(act, proposed_act_title)
    sections = _clean_sections(sections)
    _check_period(opens_at, closes_at, now)
    kinds = _activities(activities)
    consultation = Consultation.objects.create(
        council=council,
        title=title,
        summary=summary,
        legal_act=act,
        proposed_act_title=proposed_act_title,
        opens_at=opens_at,
        closes_at=closes_at,
        comments_public_while_open=comments_public_while_open,
        created_by=actor,
    )
    consultation.activities.set(kinds)
    _add_version(consultation, actor=actor, sections=sections, note="", now=now)
    record(
        actor=actor,
        action="council.consultation_created",
        obj=consultation,
        data={
            "council": council.pk,
            "title": title,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "sections": len(sections),
        },
    )
    return consultation


@transaction.atomic
def consultation_update(
    *, actor, consultation_id: int, changes: dict[str, Any], now: dt.datetime | None = None
) -> Consultation:
    """Edit a draft's particulars (its text changes through a new version)."""
    now = now or timezone.now()
    consultation = workflow.lock(consultation_id)
    require_officer(actor, consultation.council_id)
    if consultation.status != S.DRAFT:
        raise InvalidState(
            "Only a draft can be edited; add a new text version instead.", code=ErrorCode.NOT_DRAFT
        )
    unknown = set(changes) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: ["This cannot be changed here."] for name in sorted(unknown)})
    fields = set()
    for name in ("title", "summary", "proposed_act_title"):
        if name in changes:
            limit = MAX_SUMMARY if name == "summary" else MAX_TITLE
            value = clean_text(changes[name], name, required=name != "proposed_act_title", max_length=limit)
            setattr(consultation, name, value)
            fields.add(name)
    if "legal_act" in changes:
        consultation.legal_act = _legal_act(changes["legal_act"])
        fields.add("legal_act")
    for name in ("opens_at", "closes_at", "comments_public_while_open"):
        if name in changes:
            setattr(consultation, name, changes[name])
            fields.add(name)
    _check_act(consultation.legal_act, consultation.proposed_act_title)
    if {"opens_at", "closes_at"} & fields:
        _check_period(consultation.opens_at, consultation.closes_at, now)
    if "activities" in changes:
        consultation.activities.set(_activities(changes["activities"]))
    if fields:
        consultation.save(update_fields=sorted(fields))
    record(
        actor=actor,
        action="council.consultation_updated",
        obj=consultation,
        data={"council": consultation.council_id, "changed": sorted(changes)},
    )
    return consultation


@transaction.atomic
def consultation_version_add(
    *, actor, consultation_id: int, sections: Sequence[dict], note: str = "", now: dt.datetime | None = None
) -> ConsultationVersion:
    """A new text version; older ones stay readable and comments keep pointing at theirs.

    Allowed until the outcome is published: a version added after closing is the final text.
    """
    now = now or timezone.now()
    consultation = workflow.lock(consultation_id)
    require_officer(actor, consultation.council_id)
    if consultation.status == S.OUTCOME_PUBLISHED:
        raise InvalidState(
            "The outcome is published; the text is final.", code=CouncilErrorCode.OUTCOME_PUBLISHED
        )
    sections = _clean_sections(sections)
    note = clean_text(note, "note", required=False)
    version = _add_version(consultation, actor=actor, sections=sections, note=note, now=now)
    record(
        actor=actor,
        action="council.consultation_version_added",
        obj=consultation,
        data={"version": version.number, "sections": len(sections), "note": note},
    )
    return version


def opening_audience(consultation: Consultation) -> list[User]:
    """The council's followers, and the people of businesses in the activities the draft concerns."""
    activity_ids = list(consultation.activities.values_list("id", flat=True))
    followers = CouncilSubscription.objects.filter(council_id=consultation.council_id).values("user_id")
    who = Q(pk__in=followers)
    if activity_ids:
        who |= Q(memberships__business__activity_id__in=activity_ids)
        who |= Q(api_client__business__activity_id__in=activity_ids)
    return list(User.objects.filter(who, is_active=True).distinct().order_by("pk"))


def outcome_audience(consultation: Consultation) -> list[User]:
    followers = CouncilSubscription.objects.filter(council_id=consultation.council_id).values("user_id")
    commenters = Comment.objects.filter(consultation=consultation).values("author_id")
    return list(
        User.objects.filter(Q(pk__in=followers) | Q(pk__in=commenters), is_active=True).order_by("pk")
    )


def _open(consultation: Consultation, *, actor, now: dt.datetime) -> Consultation:
    workflow.check_move(consultation, S.OPEN)
    if consultation.closes_at <= now:
        raise InvalidState(
            "Its closing time has passed; move the closing time before opening it.",
            code=CouncilErrorCode.CLOSING_TIME_PASSED,
        )
    # Opened early by an officer: the opening moves to now, so the record says when it really opened.
    changes = {"opens_at": now} if consultation.opens_at > now else {}
    return workflow.transition(
        consultation,
        S.OPEN,
        actor=actor,
        now=now,
        changes=changes,
        notify_users=opening_audience(consultation),
    )


def _close(consultation: Consultation, *, actor, now: dt.datetime) -> Consultation:
    workflow.check_move(consultation, S.CLOSED)
    # Closed early: the closing moves to now (never onto the opening, which the database forbids).
    changes = {"closes_at": now} if consultation.opens_at < now < consultation.closes_at else {}
    return workflow.transition(consultation, S.CLOSED, actor=actor, now=now, changes=changes)


@transaction.atomic
def consultation_open(*, actor, consultation_id: int, now: dt.datetime | None = None) -> Consultation:
    consultation = workflow.lock(consultation_id)
    require_officer(actor, consultation.council_id)
    return _open(consultation, actor=actor, now=now or timezone.now())


@transaction.atomic
def consultation_close(*, actor, consultation_id: int, now: dt.datetime | None = None) -> Consultation:
    consultation = workflow.lock(consultation_id)
    require_officer(actor, consultation.council_id)
    return _close(consultation, actor=actor, now=now or timezone.now())


def consultation_sweep(*, now: dt.datetime | None = None, batch_size: int = 50) -> dict[str, int]:
    """Open the drafts whose time has come, then close the open ones past their end.

    Only due rows are read (the partial indexes on draft and open rows); each batch locks its rows
    with SKIP LOCKED and re-checks them, so two sweeps at once share the work and never act twice.
    A draft whose whole period passed unopened (beat was down) is left for the officers to reschedule:
    opening it only to close it at once would invite no one.
    """
    now = now or timezone.now()
    done: Counter = Counter(opened=0, closed=0)
    steps = (
        ("opened", Q(status=S.DRAFT, opens_at__lte=now), _open),
        ("closed", Q(status=S.OPEN, closes_at__lte=now), _close),
    )
    for kind, due, act in steps:
        if kind == "opened":
            # A draft past its closing time cannot open on its own: the officers must move the date.
            due &= Q(closes_at__gt=now)
        # Bounded: at most the rows due when this step started, batch by batch.
        for _ in range(math.ceil(Consultation.objects.filter(due).count() / batch_size)):
            with transaction.atomic():
                rows = list(
                    Consultation.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("council")
                    .filter(due)
                    .order_by("opens_at" if kind == "opened" else "closes_at", "id")[:batch_size]
                )
                for row in rows:
                    try:
                        with transaction.atomic():  # one row's failure never blocks the others
                            act(row, actor=None, now=now)
                        done[kind] += 1
                    except Exception:
                        logger.exception("Consultation sweep failed on #%s; it will be retried", row.pk)
                        done["errors"] += 1
            if len(rows) < batch_size:
                break
    return dict(done)
