"""Versioned risk rule sets (permits/services/catalogue.py): a published set is frozen, versions only
go up, and an application keeps the tier, reasons and version it was assessed under (DESIGN §4)."""

from __future__ import annotations

import pytest

from permits.models import Comparison, RiskRule, RiskRuleSet, RuleSetStatus, Tier
from permits.selectors import current_rule_set
from permits.services.catalogue import risk_rule_add, rule_set_create, rule_set_publish
from portal.api.errors import ErrorCode, InvalidState
from tests.factories import MembershipFactory, UserFactory
from tests.permits.factories import (
    LicenceTypeFactory,
    QuestionFactory,
    base_reason,
    submit,
)

pytestmark = pytest.mark.django_db

CROWD = "Expected attendance of 500 or more"
LARGE_CROWD = "Large crowd: attendance of 500 or more needs four-eyes review"


@pytest.fixture
def admin():
    return UserFactory(username="catalogue-admin", is_staff=True)


@pytest.fixture
def attendance():
    """The question the crowd rules read (a rule must name a question that exists)."""
    return QuestionFactory(key="attendance", label="Expected attendance", integer=True)


def add_crowd_rule(admin, rule_set, *, raises_to: str, reason: str):
    return risk_rule_add(
        actor=admin,
        rule_set=rule_set,
        question_key="attendance",
        comparison=Comparison.GREATER_OR_EQUAL,
        value=500,
        raises_to=raises_to,
        reason=reason,
    )


def test_publishing_freezes_a_rule_set(admin, attendance):
    # given: a draft rule set with one rule
    rule_set = rule_set_create(actor=admin, version=1)
    add_crowd_rule(admin, rule_set, raises_to=Tier.MEDIUM, reason=CROWD)

    # when
    published = rule_set_publish(actor=admin, rule_set=rule_set)

    # then: published, stamped, and no rule can be added any more
    assert published.status == RuleSetStatus.PUBLISHED
    assert published.published_at is not None
    assert published.published_by == admin
    with pytest.raises(InvalidState) as refused:
        add_crowd_rule(admin, rule_set, raises_to=Tier.HIGH, reason=LARGE_CROWD)
    assert refused.value.code == ErrorCode.INVALID_STATE
    assert "v1" in refused.value.detail
    assert RiskRule.objects.filter(rule_set=rule_set).count() == 1


def test_a_published_set_cannot_be_published_again(admin):
    # given
    rule_set = rule_set_publish(actor=admin, rule_set=rule_set_create(actor=admin, version=1))
    published_at = rule_set.published_at

    # when
    with pytest.raises(InvalidState):
        rule_set_publish(actor=admin, rule_set=rule_set)

    # then: the first publication stands
    rule_set.refresh_from_db()
    assert rule_set.published_at == published_at


def test_publishing_an_older_version_after_a_newer_one_is_refused(admin):
    # given: v1 and v2 drafted, v2 published first
    v1 = rule_set_create(actor=admin, version=1)
    v2 = rule_set_create(actor=admin, version=2)
    rule_set_publish(actor=admin, rule_set=v2)

    # when
    with pytest.raises(InvalidState) as refused:
        rule_set_publish(actor=admin, rule_set=v1)

    # then: v1 stays a draft and v2 is the set new submissions use
    assert "v2" in refused.value.detail
    v1.refresh_from_db()
    assert v1.status == RuleSetStatus.DRAFT
    assert v1.published_at is None
    assert current_rule_set() == v2


def test_the_newest_published_version_is_current(admin):
    # given: v1 published, v2 still a draft
    v1 = rule_set_publish(actor=admin, rule_set=rule_set_create(actor=admin, version=1))
    v2 = rule_set_create(actor=admin, version=2)
    assert current_rule_set() == v1

    # when
    rule_set_publish(actor=admin, rule_set=v2)

    # then
    assert current_rule_set() == v2
    assert set(RiskRuleSet.objects.values_list("version", "status")) == {(1, "published"), (2, "published")}


@pytest.fixture
def venue_type(attendance):
    """A low-tier notification asking the expected attendance, with no required documents."""
    return LicenceTypeFactory(code="concert-notification", low=True, asks=[(attendance, True)])


def submitted(venue_type, user, answers: dict):
    return submit(venue_type, user, business=MembershipFactory(user=user).business, answers=answers)


def test_an_application_keeps_the_rule_set_it_was_assessed_under(admin, venue_type, client_for):
    # given: v1 raises a crowd of 500 to medium, and an application submitted under it
    v1 = rule_set_create(actor=admin, version=1)
    add_crowd_rule(admin, v1, raises_to=Tier.MEDIUM, reason=CROWD)
    rule_set_publish(actor=admin, rule_set=v1)
    applicant = UserFactory(username="aigerim")
    first = submitted(venue_type, applicant, {"attendance": 800})
    base = base_reason(venue_type)
    assert (first.risk_tier, first.risk_reasons, first.rule_set_version) == ("medium", [base, CROWD], 1)

    # when: v2 adds a rule that would raise the same answers to high, and is published
    v2 = rule_set_create(actor=admin, version=2, notes="Large crowds get four eyes.")
    add_crowd_rule(admin, v2, raises_to=Tier.MEDIUM, reason=CROWD)
    add_crowd_rule(admin, v2, raises_to=Tier.HIGH, reason=LARGE_CROWD)
    rule_set_publish(actor=admin, rule_set=v2)
    second = submitted(venue_type, UserFactory(username="daniyar"), {"attendance": 800})

    # then: the first application is unchanged ...
    first.refresh_from_db()
    assert first.risk_tier == "medium"
    assert first.risk_reasons == [base, CROWD]
    assert first.rule_set_version == 1
    assert first.status == "submitted"
    # ... and the new one is assessed under v2
    second.refresh_from_db()
    assert second.risk_tier == "high"
    assert second.risk_reasons == [base, CROWD, LARGE_CROWD]
    assert second.rule_set_version == 2
    # and: the API shows what the applicant's tier rests on
    response = client_for(applicant).get(f"/api/v1/applications/{first.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["risk_tier"] == "medium"
    assert body["risk_reasons"] == [base, CROWD]
    assert body["rule_set_version"] == 1
    assert body["status"] == "submitted"
    assert body["permit"] is None


def test_without_a_published_rule_set_the_base_tier_applies(admin, venue_type, client_for, settings):
    # given: only a draft rule set (drafts assess nothing) and no sampling for post-issue checks
    settings.PORTAL_POST_CHECK_SHARE = 0.0
    draft_set = rule_set_create(actor=admin, version=1)
    add_crowd_rule(admin, draft_set, raises_to=Tier.HIGH, reason=LARGE_CROWD)
    applicant = UserFactory(username="madina")

    # when
    application = submitted(venue_type, applicant, {"attendance": 5000})

    # then: the notification's base tier, for that reason alone, no version; issued at once
    application.refresh_from_db()
    assert (application.risk_tier, application.risk_reasons, application.rule_set_version) == (
        "low",
        [base_reason(venue_type)],
        None,
    )
    body = client_for(applicant).get(f"/api/v1/applications/{application.pk}/").json()
    assert body["risk_tier"] == "low"
    assert body["risk_reasons"] == [base_reason(venue_type)]
    assert body["rule_set_version"] is None
    assert body["status"] == "approved"
    assert body["permit"] is not None


def test_rules_for_another_licence_type_do_not_apply(admin, venue_type, attendance):
    # given: a v1 rule scoped to another licence type that asks the same question
    other = LicenceTypeFactory(code="festival-licence", asks=[(attendance, True)])
    v1 = rule_set_create(actor=admin, version=1)
    risk_rule_add(
        actor=admin,
        rule_set=v1,
        licence_type=other,
        question_key="attendance",
        comparison=Comparison.GREATER_THAN,
        value=100,
        raises_to=Tier.HIGH,
        reason="Festival crowd",
    )
    add_crowd_rule(admin, v1, raises_to=Tier.MEDIUM, reason=CROWD)
    rule_set_publish(actor=admin, rule_set=v1)

    # when
    application = submitted(venue_type, UserFactory(username="ainur"), {"attendance": 900})

    # then: only the rule for every licence type applies
    assert application.risk_tier == "medium"
    assert application.risk_reasons == [base_reason(venue_type), CROWD]
    assert application.rule_set_version == 1
