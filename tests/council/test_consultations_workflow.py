"""The consultation state machine (council/workflow.py): one way only, draft → open → closed →
outcome_published; every other move is a 409 `invalid_transition` that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from council import workflow
from council.errors import CouncilErrorCode
from council.models import Consultation, ConsultationStatus, CouncilRole, Outcome
from council.services import consultations as services
from portal.api.errors import ErrorCode, Forbidden, InvalidState, ValidationFailed
from portal.audit.models import AuditEvent
from tests.council.consultations_factories import (
    DAY,
    ConsultationFactory,
    answer,
    comment_on,
    officer_of,
    seat,
)

pytestmark = pytest.mark.django_db

S = ConsultationStatus
ALL = list(S.values)
ALLOWED = {(S.DRAFT, S.OPEN), (S.OPEN, S.CLOSED), (S.CLOSED, S.OUTCOME_PUBLISHED)}
REFUSED = [(a, b) for a in ALL for b in ALL if (a, b) not in ALLOWED]
TRAITS = {
    S.DRAFT: {},
    S.OPEN: {"open": True},
    S.CLOSED: {"closed": True},
    S.OUTCOME_PUBLISHED: {"published": True},
}


def test_the_table_is_exactly_the_one_way_path():
    # given / when
    table = set(workflow.TRANSITIONS)

    # then
    assert table == ALLOWED


@pytest.mark.parametrize(("current", "to"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_every_other_move_is_refused_and_changes_nothing(current, to):
    # given
    consultation = ConsultationFactory(**TRAITS[current])
    events = AuditEvent.objects.count()

    # when
    with pytest.raises(InvalidState) as refused, transaction.atomic():
        locked = workflow.lock(consultation.pk)
        workflow.transition(locked, to, actor=None, now=timezone.now())

    # then
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert Consultation.objects.get(pk=consultation.pk).status == current
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db(transaction=True)
def test_a_move_outside_a_transaction_is_a_programming_error():
    # given
    consultation = ConsultationFactory()

    # when / then
    with pytest.raises(RuntimeError):
        workflow.transition(consultation, S.OPEN, actor=None, now=timezone.now())


# --- the officers' moves through the services ---------------------------------------------------


@pytest.mark.parametrize(
    ("trait", "service"),
    [
        ("open", services.consultation_open),
        ("closed", services.consultation_open),
        ("published", services.consultation_open),
        ("draft", services.consultation_close),
        ("closed", services.consultation_close),
        ("published", services.consultation_close),
    ],
)
def test_officers_cannot_open_or_close_from_the_wrong_state(trait, service):
    # given
    consultation = ConsultationFactory(**({trait: True} if trait != "draft" else {}))

    # when / then
    with pytest.raises(InvalidState) as refused:
        service(actor=officer_of(consultation.council), consultation_id=consultation.pk)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION


@pytest.mark.parametrize("trait", ["draft", "open", "published"])
def test_an_outcome_is_published_only_from_closed(trait):
    # given
    consultation = ConsultationFactory(**({trait: True} if trait != "draft" else {}))

    # when / then
    with pytest.raises(InvalidState) as refused:
        services.outcome_publish(
            actor=officer_of(consultation.council), consultation_id=consultation.pk, summary="Done."
        )
    assert refused.value.code == ErrorCode.INVALID_TRANSITION
    assert Outcome.objects.filter(consultation=consultation).count() == (1 if trait == "published" else 0)


def test_opening_early_moves_the_opening_to_now():
    # given: a draft that would open next week
    now = timezone.now()
    consultation = ConsultationFactory(opens_at=now + 7 * DAY)

    # when
    with time_machine.travel(now, tick=False):
        opened = services.consultation_open(
            actor=officer_of(consultation.council), consultation_id=consultation.pk
        )

    # then
    assert (opened.status, opened.opens_at, opened.opened_at) == (S.OPEN, now, now)


def test_closing_early_moves_the_closing_to_now():
    # given
    consultation = ConsultationFactory(open=True)
    now = timezone.now()

    # when
    with time_machine.travel(now, tick=False):
        closed = services.consultation_close(
            actor=officer_of(consultation.council), consultation_id=consultation.pk
        )

    # then
    assert (closed.status, closed.closes_at, closed.closed_at) == (S.CLOSED, now, now)


def test_a_draft_past_its_closing_time_cannot_be_opened():
    # given: a draft whose period passed while nobody opened it
    consultation = ConsultationFactory()
    later = consultation.closes_at + DAY

    # when / then
    with pytest.raises(InvalidState) as refused:
        services.consultation_open(
            actor=officer_of(consultation.council), consultation_id=consultation.pk, now=later
        )
    assert refused.value.code == CouncilErrorCode.CLOSING_TIME_PASSED


def test_a_plain_member_may_not_move_a_consultation():
    # given
    consultation = ConsultationFactory()
    member = seat(consultation.council, CouncilRole.MEMBER)

    # when / then
    with pytest.raises(Forbidden) as refused:
        services.consultation_open(actor=member, consultation_id=consultation.pk)
    assert refused.value.code == CouncilErrorCode.NOT_COUNCIL_OFFICER


def test_the_final_version_defaults_to_the_latest_and_may_be_named():
    # given: a closed consultation with a second text version added after closing
    consultation = ConsultationFactory(closed=True)
    officer = officer_of(consultation.council)
    services.consultation_version_add(
        actor=officer,
        consultation_id=consultation.pk,
        sections=[{"number": "1", "heading": "Scope", "text": "Studios of up to 20 employees."}],
        note="Threshold raised after the consultation.",
    )

    # when: a wrong number is refused, the first is accepted
    with pytest.raises(ValidationFailed) as wrong:
        services.outcome_publish(actor=officer, consultation_id=consultation.pk, summary="x", final_version=9)
    outcome = services.outcome_publish(
        actor=officer, consultation_id=consultation.pk, summary="x", final_version=1
    )

    # then
    assert list(wrong.value.fields) == ["final_version"]
    assert outcome.final_version.number == 1


def test_no_text_version_after_the_outcome():
    # given
    consultation = ConsultationFactory(published=True)

    # when / then
    with pytest.raises(InvalidState) as refused:
        services.consultation_version_add(
            actor=officer_of(consultation.council),
            consultation_id=consultation.pk,
            sections=[{"number": "1", "text": "Late."}],
        )
    assert refused.value.code == CouncilErrorCode.OUTCOME_PUBLISHED


def test_the_outcome_lists_the_unanswered_comments():
    # given: a closed consultation with two comments, one answered
    consultation = ConsultationFactory(open=True)
    answered, waiting = comment_on(consultation), comment_on(consultation, section="2")
    answer(answered)
    services.consultation_close(actor=officer_of(consultation.council), consultation_id=consultation.pk)

    # when
    with pytest.raises(InvalidState) as refused:
        services.outcome_publish(
            actor=officer_of(consultation.council), consultation_id=consultation.pk, summary="Done."
        )

    # then
    assert refused.value.code == CouncilErrorCode.UNANSWERED_COMMENTS
    assert refused.value.fields == {"comments": [str(waiting.pk)]}
    assert str(waiting.pk) in refused.value.detail
    assert Consultation.objects.get(pk=consultation.pk).status == S.CLOSED


def test_editing_is_for_drafts_only():
    # given
    consultation = ConsultationFactory(open=True)

    # when / then
    with pytest.raises(InvalidState) as refused:
        services.consultation_update(
            actor=officer_of(consultation.council), consultation_id=consultation.pk, changes={"title": "New"}
        )
    assert refused.value.code == ErrorCode.NOT_DRAFT


def test_a_draft_edit_keeps_the_period_valid():
    # given
    consultation = ConsultationFactory()

    # when / then
    with pytest.raises(ValidationFailed) as refused:
        services.consultation_update(
            actor=officer_of(consultation.council),
            consultation_id=consultation.pk,
            changes={"closes_at": consultation.opens_at - dt.timedelta(hours=1)},
        )
    assert list(refused.value.fields) == ["closes_at"]
