"""Permits: the issued result of an approved application, verifiable by anyone."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PermitStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class PostCheckStatus(models.TextChoices):
    """A sampled share of low-risk permits gets a post-issue check by an official."""

    NOT_SAMPLED = "not_sampled", _("Not sampled")
    PENDING = "pending", _("Check pending")
    PASSED = "passed", _("Check passed")
    PROBLEM_FOUND = "problem_found", _("Problem found")


class Permit(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    application = models.OneToOneField("permits.Application", on_delete=models.PROTECT, related_name="permit")
    holder = models.ForeignKey("accounts.Business", on_delete=models.PROTECT, related_name="permits")
    licence_type = models.ForeignKey("permits.LicenceType", on_delete=models.PROTECT, related_name="permits")
    status = models.CharField(
        _("status"), max_length=16, choices=PermitStatus.choices, default=PermitStatus.ACTIVE
    )
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: open-ended."))
    verification_code = models.CharField(_("verification code"), max_length=32)
    is_tacit = models.BooleanField(_("issued tacitly"), default=False)
    post_check_status = models.CharField(
        _("post-issue check"),
        max_length=16,
        choices=PostCheckStatus.choices,
        default=PostCheckStatus.NOT_SAMPLED,
    )
    post_check_due_at = models.DateTimeField(_("post-issue check due"), null=True, blank=True)
    status_reason = models.TextField(_("reason for the current status"), blank=True)
    # Expiry reminders sent so far (days before expiry: 30, then 7) and the sweep's next look.
    expiry_reminder_days = models.PositiveSmallIntegerField(
        _("last expiry reminder (days before)"), null=True, blank=True
    )
    next_sla_at = models.DateTimeField(_("next expiry check"), null=True, blank=True)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        indexes = [
            models.Index(fields=["holder", "-issued_at"], name="permit_holder_idx"),
            models.Index(
                fields=["next_sla_at"], name="permit_sla_idx", condition=Q(next_sla_at__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(post_check_status="pending") | Q(post_check_due_at__isnull=False),
                name="permit_pending_check_has_due",
            )
        ]

    def __str__(self) -> str:
        return self.number
