"""The risk engine (permits/risk.py): pure functions over plain data, so no database here.

A rule raises the licence type's base tier when the answer meets its condition; it never lowers it.
Comparisons are type-strict (True is not 1, "5" is not 5) and an unanswered question meets no rule
by itself, not even a negative one ("ne", "not_in"). But silence must never lower a tier either: when
the licence type asks the question, `assess` counts an unanswered one as the answer that raises the
tier most, and says so in the reasons.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permits.models import Comparison, QuestionType, Tier
from permits.risk import (
    MAX_STRING_ANSWER,
    Assessment,
    QuestionSpec,
    Rule,
    answer_error,
    answers_errors,
    assess,
    base_tier_reason,
    matches,
    missing_answers,
    worst_answer,
)

TIERS = [Tier.LOW.value, Tier.MEDIUM.value, Tier.HIGH.value]
RANK = {"low": 0, "medium": 1, "high": 2}
BASE = "Why the licence type starts at its tier"  # what base_tier_reason writes, opaque to assess


def rule(comparison: str, value, *, key: str = "q", raises_to: str = "high", reason: str = "because") -> Rule:
    return Rule(question_key=key, comparison=comparison, value=value, raises_to=raises_to, reason=reason)


# --- matches: each comparison --------------------------------------------------------------------

MATCH_CASES = [
    # (comparison, rule value, answer, expected)
    ("eq", True, True, True),
    ("eq", True, False, False),
    ("eq", "outdoor", "outdoor", True),
    ("eq", "outdoor", "indoor", False),
    ("eq", 500, 500, True),
    ("eq", 500, 501, False),
    ("ne", True, False, True),
    ("ne", True, True, False),
    ("ne", "outdoor", "indoor", True),
    ("ne", "outdoor", "outdoor", False),
    ("gt", 500, 501, True),
    ("gt", 500, 500, False),
    ("gt", 500, 499, False),
    ("gte", 500, 501, True),
    ("gte", 500, 500, True),
    ("gte", 500, 499, False),
    ("lt", 18, 17, True),
    ("lt", 18, 18, False),
    ("lt", 18, 19, False),
    ("lte", 18, 17, True),
    ("lte", 18, 18, True),
    ("lte", 18, 19, False),
    ("gt", 0.5, 1, True),
    ("lt", 10, 9.5, True),
    ("in", ["alcohol", "tobacco"], "alcohol", True),
    ("in", ["alcohol", "tobacco"], "tobacco", True),
    ("in", ["alcohol", "tobacco"], "tea", False),
    ("in", "alcohol", "alcohol", True),  # a scalar value is a one-item list
    ("not_in", ["alcohol", "tobacco"], "tea", True),
    ("not_in", ["alcohol", "tobacco"], "alcohol", False),
    ("not_in", "alcohol", "tea", True),
]


@pytest.mark.parametrize(("comparison", "value", "answer", "expected"), MATCH_CASES)
def test_matches_each_comparison(comparison, value, answer, expected):
    # given: a rule on question "q" and an answer to it
    the_rule = rule(comparison, value)

    # when
    result = matches(the_rule, {"q": answer})

    # then
    assert result is expected


STRICT_CASES = [
    # True == 1 and "5" != 5 in Python; the engine compares type as well as value.
    ("eq", True, 1, False),
    ("eq", 1, True, False),
    ("eq", 0, False, False),
    ("eq", 5, "5", False),
    ("eq", "5", 5, False),
    ("ne", True, 1, True),
    ("ne", 5, "5", True),
    ("in", [1, 2], True, False),
    ("in", [True], 1, False),
    ("in", [5], "5", False),
    ("not_in", [1, 2], True, True),
    ("not_in", ["5"], 5, True),
]


@pytest.mark.parametrize(("comparison", "value", "answer", "expected"), STRICT_CASES)
def test_matches_is_type_strict(comparison, value, answer, expected):
    # given: a rule and an answer equal in Python but of another type
    the_rule = rule(comparison, value)

    # when
    result = matches(the_rule, {"q": answer})

    # then: a boolean is not a number and text is not a number
    assert result is expected


@pytest.mark.parametrize("comparison", [c.value for c in Comparison])
def test_unanswered_question_matches_no_comparison(comparison):
    # given: a rule on a question the applicant has not answered (others are answered)
    value = ["a", "b"] if comparison in ("in", "not_in") else 5
    the_rule = rule(comparison, value, key="attendance")

    # when
    result = matches(the_rule, {"other": 5, "pyrotechnics": True})

    # then: not even "does not equal" or "is none of" is met by silence
    assert result is False


@pytest.mark.parametrize("comparison", ["gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("answer", ["600", True, False, None, [600], {"n": 600}])
def test_non_numeric_answer_never_meets_an_ordering(comparison, answer):
    # given: an ordering rule whose bound every number in play would satisfy one way or the other
    the_rule = rule(comparison, 500)

    # when
    result = matches(the_rule, {"q": answer})

    # then: text, booleans, null and containers are not numbers
    assert result is False


@pytest.mark.parametrize("comparison", ["gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("value", ["500", True, None, [500]])
def test_non_numeric_rule_value_never_meets_an_ordering(comparison, value):
    # given: a rule whose bound is not a number (bad data in the admin)
    the_rule = rule(comparison, value)

    # when
    result = matches(the_rule, {"q": 500})

    # then
    assert result is False


def test_unknown_comparison_never_matches():
    # given: a rule with a comparison the engine does not know
    the_rule = rule("approximately", 500)

    # when
    result = matches(the_rule, {"q": 500})

    # then
    assert result is False


# --- assess ------------------------------------------------------------------------------------


def test_assess_keeps_the_base_tier_when_nothing_matches():
    # given: rules none of which the answers meet
    rules = [
        rule("gt", 500, key="attendance", raises_to="high", reason="Over 500 guests"),
        rule("eq", True, key="pyrotechnics", raises_to="high", reason="Pyrotechnics"),
    ]

    # when
    result = assess(
        "medium", rules, {"attendance": 120, "pyrotechnics": False}, base_reason=BASE, questions=()
    )

    # then
    assert result == Assessment(tier="medium", reasons=[BASE])


def test_assess_without_rules_is_the_base_tier():
    # given / when
    result = assess("low", [], {"attendance": 10_000}, base_reason=BASE, questions=())

    # then
    assert result == Assessment(tier="low", reasons=[BASE])


def test_assess_raises_to_the_highest_matching_rule():
    # given: two matching rules (medium, high) and one that does not match
    rules = [
        rule("eq", True, key="food", raises_to="medium", reason="Food service"),
        rule("gt", 500, key="attendance", raises_to="high", reason="Over 500 guests"),
        rule("eq", True, key="alcohol", raises_to="high", reason="Alcohol"),
    ]

    # when
    result = assess(
        "low", rules, {"food": True, "attendance": 800, "alcohol": False}, base_reason=BASE, questions=()
    )

    # then
    assert result.tier == "high"
    assert result.reasons == [BASE, "Food service", "Over 500 guests"]


def test_assess_lists_reasons_in_rule_order_without_duplicates():
    # given: matching rules, two of which share a reason, listed in a fixed order
    rules = [
        rule("gt", 500, key="attendance", raises_to="high", reason="Large crowd"),
        rule("eq", True, key="minors", raises_to="medium", reason="Minors take part"),
        rule("gt", 1000, key="attendance", raises_to="high", reason="Large crowd"),
        rule("eq", True, key="food", raises_to="medium", reason="Food service"),
    ]

    # when
    result = assess(
        "low", rules, {"attendance": 2000, "minors": True, "food": True}, base_reason=BASE, questions=()
    )

    # then
    assert result.reasons == [BASE, "Large crowd", "Minors take part", "Food service"]
    assert result.tier == "high"


def test_a_matching_rule_below_the_base_tier_gives_its_reason_but_keeps_the_tier():
    # given: a high-tier licence type and a matching rule that raises only to medium
    rules = [rule("eq", True, key="food", raises_to="medium", reason="Food service")]

    # when
    result = assess("high", rules, {"food": True}, base_reason=BASE, questions=())

    # then
    assert result.tier == "high"
    assert result.reasons == [BASE, "Food service"]


def test_a_rule_repeating_the_base_reason_does_not_list_it_twice():
    # given
    rules = [rule("eq", True, key="food", raises_to="high", reason=BASE)]

    # when
    result = assess("medium", rules, {"food": True}, base_reason=BASE, questions=())

    # then
    assert result == Assessment(tier="high", reasons=[BASE])


def test_the_base_tier_reason_names_the_licence_type_its_kind_the_law_and_the_tier():
    # when
    with_law = base_tier_reason(
        "Film distribution certificate", "permit", "medium", 'Law "On Cinematography", Art. 16'
    )
    without = base_tier_reason("Facade sign permit", "permit", "medium")

    # then
    assert with_law == (
        'Film distribution certificate is a permit under Law "On Cinematography", Art. 16, '
        "so its risk tier is medium at least."
    )
    assert without == "Facade sign permit is a permit by law, so its risk tier is medium at least."


@pytest.mark.parametrize(("base", "raises_to"), list(itertools.product(TIERS, TIERS)))
def test_tier_table_base_by_raises_to(base, raises_to):
    # given: one matching rule raising to `raises_to` and one non-matching rule raising to high
    rules = [
        rule("eq", True, key="pyrotechnics", raises_to=raises_to, reason="Pyrotechnics"),
        rule("eq", True, key="alcohol", raises_to="high", reason="Alcohol"),
    ]

    # when
    result = assess(base, rules, {"pyrotechnics": True, "alcohol": False}, base_reason=BASE, questions=())

    # then: the higher of the two, as the table of DESIGN §4 reads
    expected = {
        ("low", "low"): "low",
        ("low", "medium"): "medium",
        ("low", "high"): "high",
        ("medium", "low"): "medium",
        ("medium", "medium"): "medium",
        ("medium", "high"): "high",
        ("high", "low"): "high",
        ("high", "medium"): "high",
        ("high", "high"): "high",
    }[(base, raises_to)]
    assert result.tier == expected
    assert result.reasons == [BASE, "Pyrotechnics"]


# --- assess: properties ------------------------------------------------------------------------

KEYS = ["attendance", "pyrotechnics", "venue", "minors"]
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-5, max_value=2000),
    st.sampled_from(["indoor", "outdoor", "mixed", "5", ""]),
    st.none(),
)
rule_values = st.one_of(scalars, st.lists(scalars, max_size=3))
rules_strategy = st.builds(
    Rule,
    question_key=st.sampled_from(KEYS),
    comparison=st.sampled_from([c.value for c in Comparison]),
    value=rule_values,
    raises_to=st.sampled_from(TIERS),
    reason=st.sampled_from(["Large crowd", "Pyrotechnics", "Outdoor venue", "Minors", "Other"]),
)
rule_lists = st.lists(rules_strategy, max_size=8)
answers_strategy = st.dictionaries(st.sampled_from(KEYS), scalars, max_size=len(KEYS))
base_tiers = st.sampled_from(TIERS)


@settings(max_examples=300, deadline=None)
@given(base=base_tiers, rules=rule_lists, answers=answers_strategy)
def test_property_tier_never_falls_below_the_base_tier(base, rules, answers):
    # given: any base tier, any rules, any answers
    # when
    result = assess(base, rules, answers, base_reason=BASE, questions=())

    # then
    assert RANK[result.tier] >= RANK[base]
    assert result.tier in TIERS


@settings(max_examples=300, deadline=None)
@given(base=base_tiers, rules=rule_lists, extra=rule_lists, answers=answers_strategy, at=st.integers(0, 8))
def test_property_more_rules_never_lower_the_tier(base, rules, extra, answers, at):
    # given: a rule list and the same list with more rules inserted anywhere
    position = min(at, len(rules))
    more = rules[:position] + extra + rules[position:]

    # when
    before = assess(base, rules, answers, base_reason=BASE, questions=())
    after = assess(base, more, answers, base_reason=BASE, questions=())

    # then: the tier is monotonic in the rules, and every earlier reason is still given
    assert RANK[after.tier] >= RANK[before.tier]
    assert set(before.reasons) <= set(after.reasons)


@settings(max_examples=300, deadline=None)
@given(base=base_tiers, rules=rule_lists, answers=answers_strategy, raises_to=st.sampled_from(TIERS))
def test_property_adding_a_matching_rule_never_lowers_the_tier(base, rules, answers, raises_to):
    # given: a rule that the answers certainly meet, added to any rule list
    answers = {**answers, "venue": "outdoor"}
    matching = rule("eq", "outdoor", key="venue", raises_to=raises_to, reason="Outdoor venue (added)")

    # when
    before = assess(base, rules, answers, base_reason=BASE, questions=())
    after = assess(base, [*rules, matching], answers, base_reason=BASE, questions=())

    # then: the tier does not fall and reaches at least what the added rule raises to
    assert RANK[after.tier] >= RANK[before.tier]
    assert RANK[after.tier] >= RANK[raises_to]
    assert after.reasons == [*before.reasons, "Outdoor venue (added)"]


@settings(max_examples=300, deadline=None)
@given(base=base_tiers, rules=rule_lists, answers=answers_strategy)
def test_property_tier_is_the_max_of_base_and_matching_rules(base, rules, answers):
    # given: the rules the answers meet
    matching = [r for r in rules if matches(r, answers)]

    # when
    result = assess(base, rules, answers, base_reason=BASE, questions=())

    # then: the tier is max(base, raises_to of each matching rule); reasons are theirs, deduplicated
    assert RANK[result.tier] == max([RANK[base], *(RANK[r.raises_to] for r in matching)])
    assert result.reasons == [BASE, *dict.fromkeys(r.reason for r in matching)]


@settings(max_examples=300, deadline=None)
@given(base=base_tiers, rules=rule_lists, answers=answers_strategy)
def test_property_the_base_reason_comes_first_and_no_reason_twice(base, rules, answers):
    # when
    result = assess(base, rules, answers, base_reason=BASE, questions=())

    # then: whatever matches, the applicant is told why the tier starts where it does
    assert result.reasons[0] == BASE
    assert len(result.reasons) == len(set(result.reasons))


@settings(max_examples=200, deadline=None)
@given(base=base_tiers, rules=rule_lists, answers=answers_strategy)
def test_property_rules_on_a_question_not_asked_never_change_the_tier(base, rules, answers):
    # given: rules on a question the licence type does not ask (so nobody can answer it)
    silent = [Rule("never_asked", r.comparison, r.value, "high", "Silent") for r in rules]

    # when
    with_silent = assess(base, [*rules, *silent], answers, base_reason=BASE, questions=())

    # then
    assert with_silent == assess(base, rules, answers, base_reason=BASE, questions=())


# --- assess: unanswered questions ----------------------------------------------------------------

MINORS = QuestionSpec(key="minors", label="Minors?", type=QuestionType.BOOLEAN, required=False)
CROWD = QuestionSpec(key="attendance", label="Attendance", type=QuestionType.INTEGER, required=False)
VENUE = QuestionSpec(
    key="venue",
    label="Venue",
    type=QuestionType.CHOICE,
    required=False,
    choices=("indoor", "outdoor", "mixed"),
)
TITLE = QuestionSpec(key="title", label="Title", type=QuestionType.STRING, required=False)
AGE = QuestionSpec(
    key="youngest", label="Youngest performer's age", type=QuestionType.INTEGER, required=False
)
# One rule set with every kind of rule: a boolean raising when true, integer thresholds above and
# below, a choice list, a text, a negative comparison.
RULE_SET = [
    rule("eq", True, key="minors", raises_to="medium", reason="Minors involved"),
    rule("gt", 500, key="attendance", raises_to="medium", reason="Over 500 people"),
    rule("gt", 3000, key="attendance", raises_to="high", reason="Over 3,000 people"),
    rule("in", ["outdoor", "mixed"], key="venue", raises_to="medium", reason="Outdoor venue"),
    rule("eq", "Fire show", key="title", raises_to="high", reason="A fire show"),
    rule("lt", 16, key="youngest", raises_to="medium", reason="Performers under 16"),
]
NOTE = "{key}: not answered, counted as the answer that raises the tier to {tier} ({why})."


@pytest.mark.parametrize(
    ("spec", "tier", "why"),
    [
        (MINORS, "medium", "Minors involved"),
        (CROWD, "high", "Over 3,000 people"),
        (VENUE, "medium", "Outdoor venue"),
        (TITLE, "high", "A fire show"),
        (AGE, "medium", "Performers under 16"),
    ],
    ids=lambda v: v.key if isinstance(v, QuestionSpec) else None,
)
def test_an_unanswered_question_counts_as_the_answer_that_raises_the_tier_most(spec, tier, why):
    # given: a low licence type asking every question, all answered harmlessly but one
    harmless = {
        "minors": False,
        "attendance": 100,
        "venue": "indoor",
        "title": "Quiet evening",
        "youngest": 30,
    }
    answers = {key: value for key, value in harmless.items() if key != spec.key}

    # when
    result = assess("low", RULE_SET, answers, base_reason=BASE, questions=[MINORS, CROWD, VENUE, TITLE, AGE])

    # then: the tier of the worst answer, and the applicant is told why
    assert result.tier == tier
    assert result.reasons == [BASE, NOTE.format(key=spec.key, tier=tier, why=why)]


def test_answering_the_question_harmlessly_keeps_the_base_tier():
    # given: every question answered, none meeting a rule
    answers = {
        "minors": False,
        "attendance": 100,
        "venue": "indoor",
        "title": "Quiet evening",
        "youngest": 30,
    }

    # when
    result = assess("low", RULE_SET, answers, base_reason=BASE, questions=[MINORS, CROWD, VENUE, TITLE, AGE])

    # then
    assert result == Assessment(tier="low", reasons=[BASE])


def test_several_unanswered_questions_each_give_their_reason_in_question_order():
    # given: nothing answered
    # when
    result = assess("low", RULE_SET, {}, base_reason=BASE, questions=[VENUE, MINORS, CROWD])

    # then
    assert result.tier == "high"
    assert result.reasons == [
        BASE,
        NOTE.format(key="venue", tier="medium", why="Outdoor venue"),
        NOTE.format(key="minors", tier="medium", why="Minors involved"),
        NOTE.format(key="attendance", tier="high", why="Over 3,000 people"),
    ]


def test_an_unanswered_question_next_to_a_matching_rule_gives_both_reasons():
    # given: the crowd is large (answered), minors left out
    # when
    result = assess("low", RULE_SET, {"attendance": 800}, base_reason=BASE, questions=[CROWD, MINORS])

    # then
    assert result.tier == "medium"
    assert result.reasons == [
        BASE,
        "Over 500 people",
        NOTE.format(key="minors", tier="medium", why="Minors involved"),
    ]


@pytest.mark.parametrize(
    ("spec", "the_rule"),
    [
        # no valid answer meets these: the range is 0..10**9, the choices are fixed
        (CROWD, rule("gt", 10**9, key="attendance")),
        (CROWD, rule("lt", 0, key="attendance")),
        (CROWD, rule("eq", -5, key="attendance")),
        (CROWD, rule("in", [-1, 10**9 + 1], key="attendance")),
        (VENUE, rule("eq", "stadium", key="venue")),
        (VENUE, rule("not_in", ["indoor", "outdoor", "mixed"], key="venue")),
        (MINORS, rule("not_in", [True, False], key="minors")),
        (MINORS, rule("gt", 0, key="minors")),  # a boolean is not a number
        (TITLE, rule("eq", "x" * (MAX_STRING_ANSWER + 1), key="title")),
    ],
)
def test_a_rule_no_valid_answer_meets_does_not_count_for_an_unanswered_question(spec, the_rule):
    # when
    result = assess("low", [the_rule], {}, base_reason=BASE, questions=[spec])

    # then
    assert result == Assessment(tier="low", reasons=[BASE])


@pytest.mark.parametrize(
    ("spec", "the_rule"),
    [
        (MINORS, rule("eq", False, key="minors")),
        (MINORS, rule("ne", True, key="minors")),
        (CROWD, rule("gte", 10**9, key="attendance")),
        (CROWD, rule("lte", 0, key="attendance")),
        (CROWD, rule("gt", 499.5, key="attendance")),
        (CROWD, rule("eq", 7, key="attendance")),
        (CROWD, rule("ne", 7, key="attendance")),
        (CROWD, rule("not_in", [0, 1, 2], key="attendance")),
        (VENUE, rule("not_in", ["indoor", "outdoor"], key="venue")),
        (TITLE, rule("ne", "", key="title")),
        (TITLE, rule("not_in", ["", "0", "1"], key="title")),
        (TITLE, rule("in", ["Fire show", "Laser show"], key="title")),
    ],
)
def test_any_rule_some_valid_answer_meets_counts_for_an_unanswered_question(spec, the_rule):
    # when
    result = assess("low", [the_rule], {}, base_reason=BASE, questions=[spec])

    # then
    assert result.tier == "high"
    assert result.reasons == [BASE, NOTE.format(key=spec.key, tier="high", why="because")]


def test_an_unanswered_question_that_cannot_raise_above_the_base_tier_is_not_mentioned():
    # given: a medium licence type; minors would raise to medium only
    # when
    result = assess("medium", RULE_SET, {}, base_reason=BASE, questions=[MINORS])

    # then
    assert result == Assessment(tier="medium", reasons=[BASE])


def test_rules_on_other_licence_types_questions_do_not_count_when_unanswered():
    # given: the licence type asks only about minors (answered); attendance is another type's question
    # when
    result = assess("low", RULE_SET, {"minors": False}, base_reason=BASE, questions=[MINORS])

    # then
    assert result == Assessment(tier="low", reasons=[BASE])


PROPERTY_SPECS = {
    "attendance": CROWD,
    "pyrotechnics": QuestionSpec(key="pyrotechnics", label="Pyro", type=QuestionType.BOOLEAN, required=False),
    "venue": VENUE,
    "minors": MINORS,
    "title": TITLE,
}
property_rules = st.lists(
    st.builds(
        Rule,
        question_key=st.sampled_from(list(PROPERTY_SPECS)),
        comparison=st.sampled_from([c.value for c in Comparison]),
        value=st.one_of(
            rule_values,
            st.integers(-2, 10**9 + 2),
            st.lists(st.integers(-2, 3000), max_size=3),
            st.floats(-2, 5000),
        ),
        raises_to=st.sampled_from(TIERS),
        reason=st.sampled_from(["Large crowd", "Pyrotechnics", "Outdoor venue", "Minors", "Other"]),
    ),
    max_size=8,
)


def _valid_answers(spec: QuestionSpec, rules: list[Rule]):
    near = [
        v + d
        for r in rules
        for v in (r.value if isinstance(r.value, list) else [r.value])
        if isinstance(v, int) and not isinstance(v, bool)
        for d in (-1, 0, 1)
    ]
    texts = [
        v for r in rules for v in (r.value if isinstance(r.value, list) else [r.value]) if isinstance(v, str)
    ]
    strategy = {
        QuestionType.BOOLEAN: st.booleans(),
        QuestionType.INTEGER: st.one_of(st.integers(0, 10**9), *([st.sampled_from(near)] if near else [])),
        QuestionType.CHOICE: st.sampled_from(spec.choices),
        QuestionType.STRING: st.one_of(st.text(max_size=4), *([st.sampled_from(texts)] if texts else [])),
    }[spec.type]
    return strategy.filter(lambda value: answer_error(spec, value) is None)


@settings(max_examples=300, deadline=None)
@given(base=base_tiers, rules=property_rules, key=st.sampled_from(list(PROPERTY_SPECS)), data=st.data())
def test_property_leaving_a_question_out_never_gives_a_lower_tier_than_any_answer(base, rules, key, data):
    # given: a licence type asking every question, one of them answered with any valid answer
    spec = PROPERTY_SPECS[key]
    answer = data.draw(_valid_answers(spec, rules))
    questions = list(PROPERTY_SPECS.values())

    # when
    answered = assess(base, rules, {key: answer}, base_reason=BASE, questions=[spec])
    left_out = assess(base, rules, {}, base_reason=BASE, questions=questions)

    # then
    assert RANK[left_out.tier] >= RANK[answered.tier]


@settings(max_examples=300, deadline=None)
@given(base=base_tiers, rules=property_rules, key=st.sampled_from(list(PROPERTY_SPECS)))
def test_property_the_counted_answer_is_a_valid_answer_giving_that_tier(base, rules, key):
    # given: one question, unanswered
    spec = PROPERTY_SPECS[key]

    # when
    left_out = assess(base, rules, {}, base_reason=BASE, questions=[spec])
    worst = worst_answer(spec, rules)

    # then: the tier is the one a real answer gives, never more
    if worst is None:
        assert left_out == assess(base, rules, {}, base_reason=BASE, questions=())
    else:
        assert answer_error(spec, worst.answer) is None
        answered = assess(base, rules, {key: worst.answer}, base_reason=BASE, questions=[spec])
        assert left_out.tier == answered.tier


# --- answers: validation -----------------------------------------------------------------------

BOOLEAN = QuestionSpec(key="pyrotechnics", label="Pyrotechnics?", type=QuestionType.BOOLEAN, required=True)
INTEGER = QuestionSpec(
    key="attendance", label="Expected attendance", type=QuestionType.INTEGER, required=True
)
STRING = QuestionSpec(key="title", label="Event title", type=QuestionType.STRING, required=False)
CHOICE = QuestionSpec(
    key="venue", label="Venue", type=QuestionType.CHOICE, required=True, choices=("indoor", "outdoor")
)
SPECS = [BOOLEAN, INTEGER, STRING, CHOICE]


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        (BOOLEAN, True),
        (BOOLEAN, False),
        (INTEGER, 0),
        (INTEGER, 500),
        (INTEGER, 10**9),
        (STRING, ""),
        (STRING, "Dala Sessions"),
        (STRING, "ж" * MAX_STRING_ANSWER),
        (CHOICE, "indoor"),
        (CHOICE, "outdoor"),
    ],
)
def test_valid_answers_have_no_error(spec, value):
    # given / when
    error = answer_error(spec, value)

    # then
    assert error is None


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (BOOLEAN, 1, "Expected true or false."),
        (BOOLEAN, 0, "Expected true or false."),
        (BOOLEAN, "true", "Expected true or false."),
        (BOOLEAN, None, "Expected true or false."),
        (INTEGER, True, "Expected a whole number."),
        (INTEGER, False, "Expected a whole number."),
        (INTEGER, "500", "Expected a whole number."),
        (INTEGER, 500.0, "Expected a whole number."),
        (INTEGER, 1.5, "Expected a whole number."),
        (INTEGER, None, "Expected a whole number."),
        (INTEGER, -1, "Expected a whole number between 0 and 1000000000."),
        (INTEGER, 10**9 + 1, "Expected a whole number between 0 and 1000000000."),
        (INTEGER, 10**30, "Expected a whole number between 0 and 1000000000."),
        (STRING, 5, "Expected text."),
        (STRING, None, "Expected text."),
        (STRING, ["a"], "Expected text."),
        (STRING, "x" * (MAX_STRING_ANSWER + 1), "At most 1000 characters."),
        (CHOICE, "stadium", "Expected one of: indoor, outdoor."),
        (CHOICE, "Indoor", "Expected one of: indoor, outdoor."),
        (CHOICE, 1, "Expected one of: indoor, outdoor."),
        (CHOICE, True, "Expected one of: indoor, outdoor."),
        (CHOICE, ["indoor"], "Expected one of: indoor, outdoor."),
        (CHOICE, None, "Expected one of: indoor, outdoor."),
    ],
)
def test_invalid_answers_are_explained(spec, value, message):
    # given / when
    error = answer_error(spec, value)

    # then
    assert error == message


def test_a_question_of_unknown_type_cannot_be_answered():
    # given: a question whose type the engine does not know
    spec = QuestionSpec(key="mood", label="Mood", type="colour", required=False)

    # when
    error = answer_error(spec, "blue")

    # then
    assert error == "This question cannot be answered."


def test_valid_answers_give_no_errors():
    # given: every question answered well
    answers = {"pyrotechnics": False, "attendance": 40, "title": "Dala Sessions", "venue": "indoor"}

    # when
    errors = answers_errors(SPECS, answers, require_all=True)

    # then
    assert errors == {}


def test_unknown_key_is_refused_naming_the_field():
    # given: an answer to a question this licence type does not ask
    answers = {"attendance": 40, "helicopter": True}

    # when
    errors = answers_errors(SPECS, answers, require_all=False)

    # then
    assert errors == {"answers.helicopter": ["Not a question of this licence type."]}


def test_wrong_types_are_reported_per_field():
    # given: two answers of the wrong type and one good one
    answers = {"pyrotechnics": "no", "attendance": True, "venue": "indoor"}

    # when
    errors = answers_errors(SPECS, answers, require_all=False)

    # then
    assert errors == {
        "answers.pyrotechnics": ["Expected true or false."],
        "answers.attendance": ["Expected a whole number."],
    }


@pytest.mark.parametrize("answers", [None, [], ["attendance", 40], "attendance=40", 40, True])
def test_non_object_answers_are_refused_as_a_whole(answers):
    # given / when
    errors = answers_errors(SPECS, answers, require_all=True)

    # then
    assert errors == {"answers": ["Expected an object of answers keyed by question."]}


def test_require_all_adds_only_missing_required_questions():
    # given: the optional question and one required question unanswered, one answer invalid
    answers = {"pyrotechnics": True, "attendance": -3}

    # when
    draft_errors = answers_errors(SPECS, answers, require_all=False)
    submit_errors = answers_errors(SPECS, answers, require_all=True)

    # then: a draft may be partial; at submission the missing required one is named, the optional not
    assert draft_errors == {"answers.attendance": ["Expected a whole number between 0 and 1000000000."]}
    assert submit_errors == {
        "answers.attendance": ["Expected a whole number between 0 and 1000000000."],
        "answers.venue": ["This question must be answered."],
    }
    assert "answers.title" not in submit_errors


def test_require_all_with_nothing_answered_names_every_required_question():
    # given / when
    errors = answers_errors(SPECS, {}, require_all=True)

    # then
    assert errors == {
        "answers.pyrotechnics": ["This question must be answered."],
        "answers.attendance": ["This question must be answered."],
        "answers.venue": ["This question must be answered."],
    }


def test_missing_answers_lists_required_keys_in_question_order():
    # given: only the optional question and one required one answered
    answers = {"title": "Dala Sessions", "attendance": 40}

    # when
    missing = missing_answers(SPECS, answers)

    # then
    assert missing == ["pyrotechnics", "venue"]


def test_missing_answers_is_empty_when_every_required_question_is_answered():
    # given: the optional question left out
    answers = {"pyrotechnics": False, "attendance": 40, "venue": "outdoor"}

    # when
    missing = missing_answers(SPECS, answers)

    # then
    assert missing == []
