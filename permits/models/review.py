"""The authority's side of an application: review stages with their reasons, and internal notes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReviewStage(models.TextChoices):
    FIRST = "first", _("Review (first pair of eyes)")
    SECOND = "second", _("Second review (four eyes)")
    POST_CHECK = "post_check", _("Post-issue check")


class ReviewOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PASSED = "passed", _("Check passed")
    PROBLEM_FOUND = "problem_found", _("Problem found")


class Review(models.Model):
    """One decision at one stage: who, what, why, on what basis, when. One per stage of an application."""

    application = models.ForeignKey("permits.Application", on_delete=models.PROTECT, related_name="reviews")
    stage = models.CharField(_("stage"), max_length=16, choices=ReviewStage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReviewOutcome.choices)
    reason = models.TextField(_("reason"))
    legal_basis = models.ForeignKey(
        "permits.LegalAct", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requirement = models.ForeignKey(
        "permits.DocumentRequirement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["application", "stage"], name="review_one_per_stage"),
            models.CheckConstraint(condition=~Q(reason=""), name="review_has_reason"),
            # A rejection rests on a requirement or a legal act (DESIGN §5).
            models.CheckConstraint(
                condition=~Q(outcome="rejected")
                | Q(legal_basis__isnull=False)
                | Q(requirement__isnull=False),
                name="review_rejection_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.stage}: {self.outcome}"


class InternalNote(models.Model):
    """A note officials of the authority leave for each other; never shown to the applicant."""

    application = models.ForeignKey(
        "permits.Application", on_delete=models.CASCADE, related_name="internal_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return f"{self.application}: {self.body[:40]}"
