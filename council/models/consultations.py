"""Public consultations on draft legislation: versioned draft text, comments per section, the
council's answer to every comment, and the published outcome ("you said, we did")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for comments")
    CLOSED = "closed", _("Closed, answers being prepared")
    OUTCOME_PUBLISHED = "outcome_published", _("Outcome published")


class Consultation(models.Model):
    council = models.ForeignKey("council.Council", on_delete=models.PROTECT, related_name="consultations")
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"))
    # The draft amends an act already in force, or proposes a new one (then only its title is known).
    legal_act = models.ForeignKey(
        "permits.LegalAct",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("existing legal act"),
    )
    proposed_act_title = models.CharField(_("title of a proposed new act"), max_length=300, blank=True)
    # The activities the draft concerns: businesses in them are told when it opens.
    activities = models.ManyToManyField(
        "permits.ActivityCategory", blank=True, related_name="consultations", verbose_name=_("activities")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ConsultationStatus.choices, default=ConsultationStatus.DRAFT
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    # Comments are public once the consultation closes, or at once when the council chooses so.
    comments_public_while_open = models.BooleanField(_("comments public while open"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [
            # The beat sweep opens drafts and closes open consultations on time: only those rows.
            models.Index(fields=["opens_at"], name="consultation_to_open_idx", condition=Q(status="draft")),
            models.Index(fields=["closes_at"], name="consultation_to_close_idx", condition=Q(status="open")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="consultation_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(opened_at__isnull=False), name="consultation_open_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["closed", "outcome_published"]) | Q(closed_at__isnull=False),
                name="consultation_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ConsultationVersion(models.Model):
    """One version of the draft text. A new version never overwrites an old one: comments keep
    pointing at the text they were written about."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    note = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["consultation", "number"]
        verbose_name = _("draft version")
        verbose_name_plural = _("draft versions")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="consultation_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.consultation} v{self.number}"


class Section(models.Model):
    version = models.ForeignKey(ConsultationVersion, on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(_("number"), max_length=20, help_text=_("As printed: 1, 2, 3.1 ..."))
    position = models.PositiveIntegerField(_("position"))
    heading = models.CharField(_("heading"), max_length=300, blank=True)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="section_number_unique"),
            models.UniqueConstraint(fields=["version", "position"], name="section_position_unique"),
        ]

    def __str__(self) -> str:
        return f"§{self.number} {self.heading}".strip()


class CouncilSubscription(models.Model):
    """A person who wants to hear when the council opens a consultation or publishes an outcome."""

    council = models.ForeignKey("council.Council", on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("council subscription")
        verbose_name_plural = _("council subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["council", "user"], name="council_subscription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.council}"


class Comment(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="comments")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Written on behalf of a business the author is a member of (shown publicly with the comment).
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written at"))
    updated_at = models.DateTimeField(_("last edited at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["consultation", "created_at", "id"], name="comment_consultation_idx")]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="comment_has_body")]

    def __str__(self) -> str:
        return f"#{self.pk} on {self.section}"


class Disposition(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTLY_ACCEPTED = "partly_accepted", _("Partly accepted")
    REJECTED = "rejected", _("Rejected")
    NOTED = "noted", _("Noted")


class CommentResponse(models.Model):
    """The council's answer to one comment. Every comment gets one before the outcome is published."""

    comment = models.OneToOneField(Comment, on_delete=models.PROTECT, related_name="response")
    responder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disposition = models.CharField(_("disposition"), max_length=16, choices=Disposition.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("answered at"))
    updated_at = models.DateTimeField(_("last changed at"))

    class Meta:
        verbose_name = _("answer to a comment")
        verbose_name_plural = _("answers to comments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(disposition="rejected") | ~Q(reason=""), name="comment_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_disposition_display()}: comment #{self.comment_id}"


class Outcome(models.Model):
    consultation = models.OneToOneField(Consultation, on_delete=models.PROTECT, related_name="outcome")
    summary = models.TextField(_("summary"))
    final_version = models.ForeignKey(
        ConsultationVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("final text")
    )
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self) -> str:
        return f"Outcome of {self.consultation}"
