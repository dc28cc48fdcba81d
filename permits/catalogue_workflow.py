"""The door for the status of a risk rule set: draft → published, once, and then frozen.

An application records the rule set it was assessed under, so a published version never changes;
a change is a new version. Publishing is the catalogue editors' act (the admin lets through staff
with the change permission; seed_demo publishes the first version as the system), so the table
names no role: the caller has decided who may. A rule set is created in the table's initial state,
the model's default.
"""

from __future__ import annotations

import datetime as dt

from permits.models import RiskRuleSet, RuleSetStatus
from portal.api.errors import InvalidState
from portal.workflow import Transitions

R = RuleSetStatus

RULE_SET_TRANSITIONS: dict[tuple[str, str], str] = {
    (R.DRAFT, R.PUBLISHED): "rule_set_published",
}

RULE_SETS = Transitions(
    prefix="permits",
    choices=RuleSetStatus,
    moves=RULE_SET_TRANSITIONS,
    initial=R.DRAFT,
    subject=lambda rule_set: f"Rule set v{rule_set.version}",
    refuse=lambda rule_set, to: InvalidState(f"Rule set v{rule_set.version} is already published."),
)


def lock(rule_set_id: int) -> RiskRuleSet:
    """The rule set's row, locked until the end of the caller's transaction."""
    return RiskRuleSet.objects.select_for_update().get(pk=rule_set_id)


def rule_set_publish(rule_set: RiskRuleSet, *, actor, now: dt.datetime) -> RiskRuleSet:
    """Publish a locked draft rule set, or refuse with 409 `invalid_state`."""
    return RULE_SETS.move(
        rule_set,
        R.PUBLISHED,
        actor=actor,
        changes={
            "published_at": now,
            "published_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
        audit={"version": rule_set.version},
    )
