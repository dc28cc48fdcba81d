"""Writes to the catalogue and the risk rules (used by the admin, seed_demo and tests)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from permits import catalogue_workflow
from permits.models import (
    ActivityCategory,
    Comparison,
    DocumentRequirement,
    Holiday,
    LegalAct,
    LicenceType,
    LicenceTypeQuestion,
    Question,
    QuestionType,
    RiskRule,
    RiskRuleSet,
    RuleSetStatus,
)
from portal.api.errors import InvalidState, ValidationFailed
from portal.api.inputs import full_clean
from portal.audit.services import record


def _save(obj) -> None:
    """Save a new catalogue row after the model's own validation, its errors as a 400 by field."""
    full_clean(obj)
    obj.save()


@transaction.atomic
def activity_create(*, actor, code: str, name: str, description: str = "") -> ActivityCategory:
    activity = ActivityCategory(code=code, name=name, description=description)
    _save(activity)
    record(actor=actor, action="permits.activity_created", obj=activity, data={"code": code, "name": name})
    return activity


@transaction.atomic
def legal_act_create(
    *, actor, code: str, title: str, reference: str, articles: str = "", url: str = ""
) -> LegalAct:
    act = LegalAct(code=code, title=title, reference=reference, articles=articles, url=url)
    _save(act)
    record(actor=actor, action="permits.legal_act_created", obj=act, data={"code": code, "title": title})
    return act


@transaction.atomic
def requirement_create(*, actor, code: str, name: str, description: str = "") -> DocumentRequirement:
    requirement = DocumentRequirement(code=code, name=name, description=description)
    _save(requirement)
    record(actor=actor, action="permits.requirement_created", obj=requirement, data={"code": code})
    return requirement


@transaction.atomic
def question_create(
    *, actor, key: str, label: str, type: str, choices: Iterable[str] = (), help_text: str = ""
) -> Question:
    choices = list(choices)
    if (type == QuestionType.CHOICE) != bool(choices):
        raise ValidationFailed(
            fields={"choices": ["A choice question needs choices; other types take none."]}
        )
    question = Question(key=key, label=label, type=type, choices=choices, help_text=help_text)
    _save(question)
    record(actor=actor, action="permits.question_created", obj=question, data={"key": key, "type": type})
    return question


@transaction.atomic
def licence_type_create(
    *,
    actor,
    code: str,
    name: str,
    authority,
    legal_basis: LegalAct,
    kind: str,
    base_tier: str,
    fee: Decimal = Decimal("0"),
    validity_months: int | None = None,
    deadline_working_days: int | None = None,
    tacit_approval: bool = False,
    description: str = "",
    legal_articles: str = "",
    activities: Iterable[ActivityCategory] = (),
    required_documents: Iterable[DocumentRequirement] = (),
    questions: Iterable[tuple[Question, bool]] = (),
) -> LicenceType:
    licence_type = LicenceType(
        code=code,
        name=name,
        description=description,
        authority=authority,
        legal_basis=legal_basis,
        legal_articles=legal_articles,
        kind=kind,
        base_tier=base_tier,
        fee=Decimal(fee),
        validity_months=validity_months,
        deadline_working_days=deadline_working_days,
        tacit_approval=tacit_approval,
    )
    questions = list(questions)
    if len({question.pk for question, _ in questions}) != len(questions):
        raise ValidationFailed(fields={"questions": ["Each question can be asked once."]})
    licence_type.fee = licence_type.fee.quantize(Decimal("0.01"))
    _save(licence_type)
    licence_type.activities.set(activities)
    licence_type.required_documents.set(required_documents)
    LicenceTypeQuestion.objects.bulk_create(
        LicenceTypeQuestion(licence_type=licence_type, question=question, required=required, position=index)
        for index, (question, required) in enumerate(questions)
    )
    record(
        actor=actor,
        action="permits.licence_type_created",
        obj=licence_type,
        data={"code": code, "authority": authority.code, "kind": kind, "base_tier": base_tier, "fee": fee},
    )
    return licence_type


@transaction.atomic
def rule_set_create(*, actor, version: int, notes: str = "") -> RiskRuleSet:
    rule_set = RiskRuleSet(version=version, notes=notes)
    _save(rule_set)
    record(actor=actor, action="permits.rule_set_created", obj=rule_set, data={"version": version})
    return rule_set


@transaction.atomic
def risk_rule_add(
    *,
    actor,
    rule_set: RiskRuleSet,
    question_key: str,
    comparison: str,
    value: Any,
    raises_to: str,
    reason: str,
    licence_type: LicenceType | None = None,
) -> RiskRule:
    rule_set = RiskRuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.status != RuleSetStatus.DRAFT:
        raise InvalidState(f"Rule set v{rule_set.version} is published and frozen; start a new version.")
    _check_rule(question_key=question_key, comparison=comparison, value=value, licence_type=licence_type)
    rule = RiskRule(
        rule_set=rule_set,
        licence_type=licence_type,
        question_key=question_key,
        comparison=comparison,
        value=value,
        raises_to=raises_to,
        reason=reason,
    )
    _save(rule)
    record(
        actor=actor,
        action="permits.risk_rule_added",
        obj=rule,
        data={"rule_set": rule_set.version, "question": question_key, "comparison": comparison, "value": value,
              "raises_to": raises_to},
    )  # fmt: skip
    return rule


_NUMERIC = (
    Comparison.GREATER_THAN,
    Comparison.GREATER_OR_EQUAL,
    Comparison.LESS_THAN,
    Comparison.LESS_OR_EQUAL,
)
_VALUE_TYPES = {
    QuestionType.BOOLEAN: bool,
    QuestionType.INTEGER: int,
    QuestionType.STRING: str,
    QuestionType.CHOICE: str,
}


def _check_rule(*, question_key: str, comparison: str, value: Any, licence_type: LicenceType | None) -> None:
    """A rule that could never match is a silent hole in the regulation: refuse it when written."""
    question = Question.objects.filter(key=question_key).first()
    if question is None:
        raise ValidationFailed(fields={"question_key": [f"No question has the key {question_key}."]})
    if licence_type is not None and not licence_type.question_links.filter(question=question).exists():
        raise ValidationFailed(fields={"question_key": [f"{licence_type.code} does not ask {question_key}."]})
    if comparison in _NUMERIC:
        if (
            question.type != QuestionType.INTEGER
            or isinstance(value, bool)
            or not isinstance(value, int | float)
        ):
            raise ValidationFailed(
                fields={"value": ["Greater/less comparisons need a number and a number question."]}
            )
        return
    values = value if comparison in (Comparison.IN, Comparison.NOT_IN) else [value]
    if comparison in (Comparison.IN, Comparison.NOT_IN) and (not isinstance(value, list) or not value):
        raise ValidationFailed(fields={"value": ["'is one of' compares against a non-empty list."]})
    expected = _VALUE_TYPES[question.type]
    if not all(type(item) is expected for item in values):
        raise ValidationFailed(
            fields={"value": [f"{question_key} is answered with {question.get_type_display()}."]}
        )
    if question.type == QuestionType.CHOICE and not set(values) <= set(question.choices):
        raise ValidationFailed(fields={"value": [f"Choose among {', '.join(question.choices)}."]})


@transaction.atomic
def rule_set_publish(*, actor, rule_set: RiskRuleSet) -> RiskRuleSet:
    """Freeze a draft rule set and make it the one new submissions are assessed under."""
    rule_set = catalogue_workflow.lock(rule_set.pk)
    catalogue_workflow.RULE_SETS.check(rule_set, RuleSetStatus.PUBLISHED)
    newest = RiskRuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).order_by("-version").first()
    if newest is not None and newest.version > rule_set.version:
        raise InvalidState(f"v{newest.version} is already published; publish a higher version than that.")
    catalogue_workflow.rule_set_publish(rule_set, actor=actor, now=timezone.now())
    return rule_set


@transaction.atomic
def holiday_create(*, actor, date, name: str, kind: str = "holiday") -> Holiday:
    """A public holiday, or a decreed transfer that makes a weekend day a working day."""
    holiday = Holiday(date=date, name=name, kind=kind)
    _save(holiday)
    record(
        actor=actor,
        action="permits.holiday_created",
        obj=holiday,
        data={"date": date, "name": name, "kind": kind},
    )
    return holiday
