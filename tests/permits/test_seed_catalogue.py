"""`demo.catalogue.seed_catalogue`: a realistic demo catalogue and risk rules v1, loaded idempotently."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count

from demo.catalogue import seed_catalogue
from demo.seed import seed_demo
from permits.models import (
    ActivityCategory,
    DocumentRequirement,
    LicenceKind,
    LicenceType,
    LicenceTypeQuestion,
    Question,
    QuestionType,
    RiskRuleSet,
    RuleSetStatus,
    Tier,
)
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

KEY_ACTIVITIES = ["live-events", "music-recording", "film-production"]


def quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def seeded(module_db):
    """Seeded once for the module: its tests read the catalogue; what one changes rolls back."""
    with module_db():
        seed_demo(out=quiet)
        seed_catalogue(out=quiet)


def test_every_activity_needs_a_licence_type_from_all_authorities_and_kinds(seeded):
    # given the seeded demo and catalogue
    # when
    activities = ActivityCategory.objects.all()
    licence_types = LicenceType.objects.all()
    # then
    assert activities.count() >= 12
    assert licence_types.count() >= 16
    assert licence_types.values("authority").distinct().count() >= 5
    assert set(licence_types.values_list("kind", flat=True)) == set(LicenceKind.values)
    for activity in activities:
        assert activity.licence_types.exists(), activity.code


@pytest.mark.parametrize("code", KEY_ACTIVITIES)
def test_key_activities_need_several_authorities_and_tiers(seeded, code):
    # given the seeded catalogue
    # when
    needed = LicenceType.objects.filter(activities__code=code)
    tiers = set(needed.values_list("base_tier", flat=True))
    # then
    assert needed.count() >= 3
    assert needed.values("authority").distinct().count() >= 2
    assert Tier.LOW in tiers
    assert tiers & {Tier.MEDIUM, Tier.HIGH}


def test_design_needs_a_notification_and_a_medium_permit(seeded):
    # given the seeded catalogue
    # when
    needed = LicenceType.objects.filter(activities__code="design")
    # then
    assert needed.filter(kind=LicenceKind.NOTIFICATION, base_tier=Tier.LOW).exists()
    assert needed.filter(kind=LicenceKind.PERMIT, base_tier=Tier.MEDIUM).exists()


def test_tiers_fit_kinds_and_fees_are_non_negative_decimals(seeded):
    # given the seeded catalogue
    # when
    licence_types = list(LicenceType.objects.all())
    # then
    expected_tier = {LicenceKind.NOTIFICATION: Tier.LOW, LicenceKind.PERMIT: Tier.MEDIUM}
    expected_tier[LicenceKind.LICENCE] = Tier.HIGH
    for licence_type in licence_types:
        assert isinstance(licence_type.fee, Decimal)
        assert licence_type.fee >= 0
        assert licence_type.base_tier == expected_tier[licence_type.kind], licence_type.code
    assert any(licence_type.fee > 0 for licence_type in licence_types)
    assert any(licence_type.tacit_approval for licence_type in licence_types)


def test_documents_and_questions_are_shared_across_licence_types(seeded):
    # given the seeded catalogue
    # when
    shared_documents = DocumentRequirement.objects.annotate(n=Count("licence_types")).filter(n__gt=1)
    shared_questions = Question.objects.annotate(n=Count("licence_type_links")).filter(n__gt=1)
    # then
    assert shared_documents.count() >= 3
    assert shared_questions.count() >= 3


def test_risk_rules_v1_are_published_and_ask_real_questions(seeded):
    # given the seeded catalogue
    # when
    rule_set = RiskRuleSet.objects.get(version=1)
    asked = set(LicenceTypeQuestion.objects.values_list("question__key", flat=True))
    # then
    assert rule_set.status == RuleSetStatus.PUBLISHED
    assert rule_set.published_at is not None
    assert rule_set.rules.count() >= 8
    for rule in rule_set.rules.all():
        assert rule.question_key in asked, rule.question_key
        if rule.licence_type is not None:
            assert rule.licence_type.question_links.filter(question__key=rule.question_key).exists()


def test_every_choice_question_has_choices(seeded):
    # given the seeded catalogue
    # when
    choice_questions = Question.objects.filter(type=QuestionType.CHOICE)
    # then
    assert choice_questions.exists()
    for question in choice_questions:
        assert question.choices, question.key
        assert all(isinstance(choice, str) for choice in question.choices)


def test_second_run_creates_nothing_and_audits_nothing(seeded):
    # given the catalogue already seeded
    before = (AuditEvent.objects.count(), LicenceType.objects.count(), Question.objects.count())
    lines: list[str] = []
    # when
    created = seed_catalogue(out=lines.append)
    # then
    assert created == 0
    assert (AuditEvent.objects.count(), LicenceType.objects.count(), Question.objects.count()) == before
    assert lines and all(line.endswith(": 0 created") for line in lines)
