"""The catalogue: what an activity needs, who issues it, on what legal basis, asking what."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from permits.models.risk import Tier


class ActivityCategory(models.Model):
    """A creative-industry activity (design, music recording, live events ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("activity category")
        verbose_name_plural = _("activity categories")

    def __str__(self) -> str:
        return self.name


class LegalAct(models.Model):
    """A law or regulation that is the legal basis of licence types (and of rejections)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    reference = models.CharField(
        _("official reference"), max_length=200, help_text=_("Number and date of adoption.")
    )
    articles = models.TextField(_("relevant articles"), blank=True)
    url = models.URLField(_("official text"), blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("legal act")
        verbose_name_plural = _("legal acts")

    def __str__(self) -> str:
        return f"{self.title} ({self.reference})"


class DocumentRequirement(models.Model):
    """A kind of document an applicant must give (reused across licence types: given once)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")

    def __str__(self) -> str:
        return self.name


class QuestionType(models.TextChoices):
    BOOLEAN = "boolean", _("Yes / no")
    INTEGER = "integer", _("Whole number")
    STRING = "string", _("Text")
    CHOICE = "choice", _("One of a list")


class Question(models.Model):
    """A question about the activity, identified by its key so that a bundle asks it once."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=300)
    type = models.CharField(_("type"), max_length=8, choices=QuestionType.choices)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("Allowed values (choice only).")
    )
    help_text = models.TextField(_("help text"), blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.label


class LicenceKind(models.TextChoices):
    """The three instruments of the Law "On Permits and Notifications", by hazard."""

    LICENCE = "licence", _("Licence")
    PERMIT = "permit", _("Permit")
    NOTIFICATION = "notification", _("Notification")


class LicenceType(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    authority = models.ForeignKey(
        "accounts.Authority", on_delete=models.PROTECT, related_name="licence_types"
    )
    legal_basis = models.ForeignKey(LegalAct, on_delete=models.PROTECT, related_name="licence_types")
    legal_articles = models.CharField(_("articles"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=LicenceKind.choices)
    base_tier = models.CharField(_("base risk tier"), max_length=8, choices=Tier.choices)
    deadline_working_days = models.PositiveSmallIntegerField(
        _("review deadline (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: the default for the tier (medium 10, high 15). Low tier is issued at once."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), null=True, blank=True, help_text=_("Empty: open-ended.")
    )
    fee = models.DecimalField(_("fee (tenge)"), max_digits=12, decimal_places=2, default=0)
    tacit_approval = models.BooleanField(
        _("tacit approval applies"),
        default=False,
        help_text=_(
            "Silence means consent: deemed approved when the authority misses the deadline (medium tier)."
        ),
    )
    required_documents = models.ManyToManyField(DocumentRequirement, blank=True, related_name="licence_types")
    activities = models.ManyToManyField(ActivityCategory, blank=True, related_name="licence_types")
    questions = models.ManyToManyField(Question, through="LicenceTypeQuestion", blank=True, related_name="+")
    is_active = models.BooleanField(_("open for applications"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
        constraints = [models.CheckConstraint(condition=Q(fee__gte=0), name="licence_type_fee_not_negative")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def deadline_for(self, tier: str) -> int | None:
        """Working days an authority has to decide at `tier`; None for low (issued at once)."""
        if tier == Tier.LOW:
            return None
        return self.deadline_working_days or DEFAULT_DEADLINE_DAYS[tier]


# DESIGN §5: medium 10 working days, high 15; a low-tier notification is issued at once.
DEFAULT_DEADLINE_DAYS = {Tier.MEDIUM: 10, Tier.HIGH: 15}


class LicenceTypeQuestion(models.Model):
    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="question_links")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="licence_type_links")
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("question asked")
        verbose_name_plural = _("questions asked")
        constraints = [
            models.UniqueConstraint(fields=["licence_type", "question"], name="licence_type_question_unique")
        ]

    def __str__(self) -> str:
        return f"{self.licence_type.code}: {self.question.key}"
