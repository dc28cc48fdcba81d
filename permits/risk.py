"""The risk engine: which tier an application falls in, and why. Pure functions over plain data.

tier = the licence type's base tier, raised by every rule whose condition the answers meet. A rule
can only raise, so the tier never falls below the base tier and adding a matching rule never lowers
it. The reasons say why, in words the applicant can follow: first the base tier (what the law makes
of the licence type), then each matching rule's reason.

Silence never lowers a tier: a question the licence type asks but the applicant left unanswered
counts as the answer that raises the tier most (the most severe tier any valid answer to it could
give), and the reasons say so. Otherwise leaving out "are minors involved?" would be a way to a
low-tier permit issued at once. A question the licence type does not ask cannot be answered, so the
rules on it never count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from permits.models.catalogue import QuestionType
from permits.models.risk import Comparison, Tier


@dataclass(frozen=True)
class Rule:
    question_key: str
    comparison: str
    value: Any
    raises_to: str
    reason: str


@dataclass(frozen=True)
class Assessment:
    tier: str
    reasons: list[str]


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    label: str
    type: str
    required: bool
    choices: tuple = ()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def matches(rule: Rule, answers: Mapping[str, Any]) -> bool:
    """Whether the answers meet the rule's condition. An unanswered question meets none."""
    if rule.question_key not in answers:
        return False
    answer = answers[rule.question_key]
    op = rule.comparison
    if op == Comparison.EQUALS:
        return answer == rule.value and type(answer) is type(rule.value)
    if op == Comparison.NOT_EQUALS:
        return not (answer == rule.value and type(answer) is type(rule.value))
    if op in (Comparison.IN, Comparison.NOT_IN):
        options = rule.value if isinstance(rule.value, list) else [rule.value]
        found = any(answer == option and type(answer) is type(option) for option in options)
        return found if op == Comparison.IN else not found
    left, right = _number(answer), _number(rule.value)
    if left is None or right is None:
        return False
    return {
        Comparison.GREATER_THAN: left > right,
        Comparison.GREATER_OR_EQUAL: left >= right,
        Comparison.LESS_THAN: left < right,
        Comparison.LESS_OR_EQUAL: left <= right,
    }.get(op, False)


def base_tier_reason(licence_type: str, kind: str, tier: str, legal_basis: str = "") -> str:
    """Why the tier starts where it does, even when no rule matches: the instrument the law names."""
    under = f" under {legal_basis}" if legal_basis else " by law"
    return f"{licence_type} is a {kind}{under}, so its risk tier is {tier} at least."


def assess(
    base_tier: str,
    rules: Iterable[Rule],
    answers: Mapping[str, Any],
    *,
    base_reason: str,
    questions: Iterable[QuestionSpec],
) -> Assessment:
    """The tier and its reasons: `base_reason` (see `base_tier_reason`) first, then the rules', then
    one per unanswered question of `questions` (those the licence type asks) that raises the tier."""
    rules = list(rules)
    tier = base_tier
    reasons: list[str] = [base_reason]
    for rule in rules:
        if matches(rule, answers):
            tier = Tier.highest(tier, rule.raises_to)
            if rule.reason not in reasons:
                reasons.append(rule.reason)
    for spec in questions:
        if spec.key in answers:
            continue
        worst = worst_answer(spec, [rule for rule in rules if rule.question_key == spec.key])
        if worst is None or Tier.rank(worst.tier) <= Tier.rank(base_tier):
            continue
        tier = Tier.highest(tier, worst.tier)
        reason = unanswered_reason(spec.key, worst.tier, worst.reasons)
        if reason not in reasons:
            reasons.append(reason)
    return Assessment(tier=str(tier), reasons=reasons)


def unanswered_reason(key: str, tier: str, rule_reasons: Sequence[str]) -> str:
    because = f" ({'; '.join(rule_reasons)})" if rule_reasons else ""
    return f"{key}: not answered, counted as the answer that raises the tier to {tier}{because}."


@dataclass(frozen=True)
class WorstAnswer:
    answer: Any
    tier: str
    reasons: list[str]  # of the rules it meets that raise to `tier`


def worst_answer(spec: QuestionSpec, rules: Iterable[Rule]) -> WorstAnswer | None:
    """The valid answer to `spec` that meets the rules raising the tier most, or None when no valid
    answer meets any of `rules` (all on this question)."""
    rules = [rule for rule in rules if rule.question_key == spec.key]
    worst: WorstAnswer | None = None
    for answer in candidate_answers(spec, rules):
        met = [rule for rule in rules if matches(rule, {spec.key: answer})]
        if not met:
            continue
        tier = Tier.highest(*(rule.raises_to for rule in met))
        if worst is None or Tier.rank(tier) > Tier.rank(worst.tier):
            reasons = list(dict.fromkeys(rule.reason for rule in met if rule.raises_to == tier))
            worst = WorstAnswer(answer=answer, tier=str(tier), reasons=reasons)
    return worst


def _rule_values(rule: Rule) -> list[Any]:
    return rule.value if isinstance(rule.value, list) else [rule.value]


def candidate_answers(spec: QuestionSpec, rules: Iterable[Rule]) -> list[Any]:
    """Valid answers to `spec` among which, for every rule on it that some valid answer meets, is one
    that meets it. Booleans and choices have few answers: all of them. A whole number meets a
    comparison on one side of the rule's value, so the ends of the valid range and the whole numbers
    around every value are enough. Text meets "equals"/"is one of" only with the rule's own values and
    "does not equal"/"is none of" with any other text, so those values and one text unlike them are."""
    rules = list(rules)
    if spec.type == QuestionType.BOOLEAN:
        candidates: list[Any] = [True, False]
    elif spec.type == QuestionType.CHOICE:
        candidates = list(spec.choices)
    elif spec.type == QuestionType.INTEGER:
        points = {MIN_INTEGER_ANSWER, MAX_INTEGER_ANSWER}
        for rule in rules:
            for value in _rule_values(rule):
                number = _number(value)
                if number is None or not math.isfinite(number):
                    continue
                whole = math.floor(number)
                points.update((whole - 1, whole, whole + 1))
        candidates = sorted(points)
    elif spec.type == QuestionType.STRING:
        texts = list(dict.fromkeys(v for rule in rules for v in _rule_values(rule) if isinstance(v, str)))
        # Of len(texts) + 1 distinct texts one is not among them.
        other = next(t for t in ["", *(str(i) for i in range(len(texts)))] if t not in texts)
        candidates = [*texts, other]
    else:
        candidates = []
    return [answer for answer in candidates if answer_error(spec, answer) is None]


# --- answers ---------------------------------------------------------------------------------

MAX_STRING_ANSWER = 1000
MIN_INTEGER_ANSWER = 0
MAX_INTEGER_ANSWER = 10**9


def answer_error(spec: QuestionSpec, value: Any) -> str | None:
    """Why `value` is not a valid answer to the question, or None when it is."""
    if spec.type == QuestionType.BOOLEAN:
        return None if isinstance(value, bool) else "Expected true or false."
    if spec.type == QuestionType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            return "Expected a whole number."
        if MIN_INTEGER_ANSWER <= value <= MAX_INTEGER_ANSWER:
            return None
        return f"Expected a whole number between {MIN_INTEGER_ANSWER} and {MAX_INTEGER_ANSWER}."
    if spec.type == QuestionType.STRING:
        if not isinstance(value, str):
            return "Expected text."
        return None if len(value) <= MAX_STRING_ANSWER else f"At most {MAX_STRING_ANSWER} characters."
    if spec.type == QuestionType.CHOICE:
        if value in spec.choices and isinstance(value, str):
            return None
        return "Expected one of: " + ", ".join(str(c) for c in spec.choices) + "."
    return "This question cannot be answered."


def answers_errors(specs: Iterable[QuestionSpec], answers: Any, *, require_all: bool) -> dict[str, list[str]]:
    """Errors per field, as `answers.<key>`: unknown keys, wrong types, and (when asked) missing ones."""
    if not isinstance(answers, Mapping):
        return {"answers": ["Expected an object of answers keyed by question."]}
    by_key = {spec.key: spec for spec in specs}
    errors: dict[str, list[str]] = {}
    for key, value in answers.items():
        spec = by_key.get(key)
        if spec is None:
            errors[f"answers.{key}"] = ["Not a question of this licence type."]
            continue
        problem = answer_error(spec, value)
        if problem:
            errors[f"answers.{key}"] = [problem]
    if require_all:
        for spec in by_key.values():
            if spec.required and spec.key not in answers:
                errors[f"answers.{spec.key}"] = ["This question must be answered."]
    return errors


def missing_answers(specs: Iterable[QuestionSpec], answers: Mapping[str, Any]) -> list[str]:
    return [spec.key for spec in specs if spec.required and spec.key not in answers]
