"""Concerns raised by the business community, triaged and answered by the council on a deadline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ConcernDisposition(models.TextChoices):
    ACCEPTED_FOR_REVIEW = "accepted_for_review", _("Accepted for review")
    REFERRED = "referred", _("Referred to the authority")
    DECLINED = "declined", _("Declined")


class ConcernStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    ANSWERED = "answered", _("Answered")


class Concern(models.Model):
    council = models.ForeignKey("council.Council", on_delete=models.PROTECT, related_name="concerns")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    licence_type = models.ForeignKey(
        "permits.LicenceType", on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    authority = models.ForeignKey(
        "accounts.Authority", on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.OPEN
    )
    created_at = models.DateTimeField(_("raised at"))
    # The council answers within a number of working days (PORTAL_CONCERN_RESPONSE_DAYS, default 15).
    due_at = models.DateTimeField(_("answer due at"))
    disposition = models.CharField(
        _("disposition"), max_length=24, choices=ConcernDisposition.choices, blank=True
    )
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        indexes = [
            models.Index(fields=["raised_by", "-created_at"], name="concern_raised_by_idx"),
            models.Index(fields=["due_at"], name="concern_open_due_idx", condition=Q(status="open")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", disposition="", responded_at__isnull=True)
                | (Q(status="answered", responded_at__isnull=False) & ~Q(disposition="") & ~Q(response="")),
                name="concern_answer_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
