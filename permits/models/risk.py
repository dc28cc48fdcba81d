"""Risk tiers and the versioned rules that raise them (data, editable in the admin)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    """Hazard ranking of the Law "On Permits and Notifications": notification, permit, licence."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")

    @classmethod
    def rank(cls, value: str) -> int:
        return _TIER_RANK[value]

    @classmethod
    def highest(cls, *values: str) -> str:
        return max(values, key=cls.rank)


_TIER_RANK = {"low": 0, "medium": 1, "high": 2}


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RiskRuleSet(models.Model):
    """A version of the risk rules. Once published it is frozen; a change is a new version.

    An application records the version it was assessed under, so publishing a new version never
    changes the tier of an application already submitted.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT
    )
    notes = models.TextField(_("what changed"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("risk rule set")
        verbose_name_plural = _("risk rule sets")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="rule_set_published_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"


class Comparison(models.TextChoices):
    EQUALS = "eq", _("equals")
    NOT_EQUALS = "ne", _("does not equal")
    GREATER_THAN = "gt", _("greater than")
    GREATER_OR_EQUAL = "gte", _("greater than or equal to")
    LESS_THAN = "lt", _("less than")
    LESS_OR_EQUAL = "lte", _("less than or equal to")
    IN = "in", _("is one of")
    NOT_IN = "not_in", _("is none of")


class RiskRule(models.Model):
    """When the answer to `question_key` compares true against `value`, the tier rises to `raises_to`."""

    rule_set = models.ForeignKey(RiskRuleSet, on_delete=models.CASCADE, related_name="rules")
    licence_type = models.ForeignKey(
        "permits.LicenceType",
        on_delete=models.PROTECT,  # a published rule set is frozen: its rules never vanish
        null=True,
        blank=True,
        related_name="risk_rules",
        help_text=_("Leave empty for a rule that applies to every licence type asking the question."),
    )
    question_key = models.SlugField(_("question key"), max_length=64)
    comparison = models.CharField(_("comparison"), max_length=8, choices=Comparison.choices)
    value = models.JSONField(
        _("value"), help_text=_("A number, text, true/false, or a list for 'is one of'.")
    )
    raises_to = models.CharField(_("raises the tier to"), max_length=8, choices=Tier.choices)
    reason = models.CharField(_("reason shown to the applicant"), max_length=200)

    class Meta:
        ordering = ["rule_set", "id"]
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")

    def __str__(self) -> str:
        return self.reason
