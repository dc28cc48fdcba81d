"""The risk engine: which tier an application falls in, and why. Pure functions over plain data.

tier = the licence type's base tier, raised by every rule whose condition the answers meet. A rule
can only raise, so the tier never falls below the base tier and adding a matching rule never lowers
it. The reasons say why, in words the applicant can follow: first the base tier (what the law makes
of the licence type), then each matching rule's reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    base_tier: str, rules: Iterable[Rule], answers: Mapping[str, Any], *, base_reason: str
) -> Assessment:
    """The tier and its reasons: `base_reason` (see `base_tier_reason`) first, then the rules'."""
    tier = base_tier
    reasons: list[str] = [base_reason]
    for rule in rules:
        if matches(rule, answers):
            tier = Tier.highest(tier, rule.raises_to)
            if rule.reason not in reasons:
                reasons.append(rule.reason)
    return Assessment(tier=str(tier), reasons=reasons)


# --- answers ---------------------------------------------------------------------------------

MAX_STRING_ANSWER = 1000


def answer_error(spec: QuestionSpec, value: Any) -> str | None:
    """Why `value` is not a valid answer to the question, or None when it is."""
    if spec.type == QuestionType.BOOLEAN:
        return None if isinstance(value, bool) else "Expected true or false."
    if spec.type == QuestionType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            return "Expected a whole number."
        return None if 0 <= value <= 10**9 else "Expected a whole number between 0 and 1000000000."
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
