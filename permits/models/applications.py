"""Applications, bundles (one-stop submissions), their documents and message threads."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from permits.models.risk import Tier


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    SECOND_REVIEW = "second_review", _("Second review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Submitted and not yet decided or withdrawn: the files an authority has open.
OPEN_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.INFO_REQUESTED,
    ApplicationStatus.SECOND_REVIEW,
)


class Bundle(models.Model):
    """One one-stop submission that fans out into one Application per licence type.

    Its status is derived from its children (see permits.selectors.bundle_status); it stores only
    what was asked once for all of them.
    """

    business = models.ForeignKey("accounts.Business", on_delete=models.PROTECT, related_name="bundles")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bundle")
        verbose_name_plural = _("bundles")

    def __str__(self) -> str:
        return f"Bundle #{self.pk} ({self.business})"


class Application(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    business = models.ForeignKey("accounts.Business", on_delete=models.PROTECT, related_name="applications")
    licence_type = models.ForeignKey(
        "permits.LicenceType", on_delete=models.PROTECT, related_name="applications"
    )
    # The licence type's authority, copied at creation: the review queue filters on it through an index.
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="applications")
    bundle = models.ForeignKey(
        Bundle, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    risk_tier = models.CharField(_("risk tier"), max_length=8, choices=Tier.choices, blank=True)
    risk_reasons = models.JSONField(_("risk reasons"), default=list, blank=True)
    rule_set_version = models.PositiveIntegerField(_("risk rule-set version"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_applications",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # When information was requested: the clock stops until the applicant answers.
    paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    # Working days the file waited on the applicant, summed over every information request: the
    # processing time the council reports is the working days from submission to decision minus these.
    paused_working_days = models.PositiveIntegerField(_("working days paused"), default=0, db_default=0)
    # A sampled low-tier permit waits for its post-issue check (mirrors Permit.post_check_status).
    post_check_pending = models.BooleanField(_("post-issue check pending"), default=False)
    # Deadlines that enforce themselves (permits.deadlines, permits.services.sla_sweep): the reminder
    # moment (80 % of the allowed time), when it went out, and the next moment the SLA sweep must look
    # at this row (null: never).
    remind_at = models.DateTimeField(_("reminder due at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    next_sla_at = models.DateTimeField(_("next deadline check"), null=True, blank=True)
    # Optimistic lock: every change increments it; a client sending a stale version gets a 409.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["business", "-created_at"], name="application_business_idx"),
            models.Index(fields=["status", "submitted_at"], name="application_status_idx"),
            # The review queue: an authority's open work and pending checks, oldest first. One partial
            # index with the queue's own condition, so a page is an in-order scan that stops early.
            models.Index(
                fields=["authority", "submitted_at", "id"],
                name="application_review_queue_idx",
                condition=Q(status__in=["submitted", "in_review", "info_requested", "second_review"])
                | Q(post_check_pending=True),
            ),
            # The SLA sweep reads only rows with a deadline moment, soonest first.
            models.Index(
                fields=["next_sla_at"], name="application_sla_idx", condition=Q(next_sla_at__isnull=False)
            ),
            models.Index(
                fields=["assigned_to", "submitted_at", "id"],
                name="application_assigned_idx",
                condition=Q(status__in=["submitted", "in_review", "info_requested", "second_review"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                # A withdrawn draft was never submitted, so it has no tier either.
                condition=Q(status="draft")
                | Q(status="withdrawn", submitted_at__isnull=True)
                | (Q(submitted_at__isnull=False) & ~Q(risk_tier="")),
                name="application_submitted_has_tier",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected"]) | Q(decided_at__isnull=False),
                name="application_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


def document_path(instance: Document, filename: str) -> str:
    """A generated path: nothing of the uploader's file name reaches the file system."""
    return f"documents/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class Document(models.Model):
    """An uploaded file, owned by a business; one document can serve several applications of a bundle."""

    business = models.ForeignKey("accounts.Business", on_delete=models.PROTECT, related_name="documents")
    requirement = models.ForeignKey("permits.DocumentRequirement", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("original name"), max_length=150)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("uploaded at"))

    EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")


class ApplicationDocument(models.Model):
    """Which document answers which requirement of an application (the newest upload wins)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="document_links")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="application_links")
    requirement = models.ForeignKey("permits.DocumentRequirement", on_delete=models.PROTECT, related_name="+")
    attached_at = models.DateTimeField(_("attached at"))

    class Meta:
        ordering = ["requirement__code"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "requirement"], name="application_document_one_per_requirement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.requirement_id} → {self.document_id}"


class Message(models.Model):
    """The thread between the applicant and the authority on one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.application}: {self.body[:40]}"
