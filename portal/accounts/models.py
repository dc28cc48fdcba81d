"""People and organisations: users, businesses, authorities, officials and API clients."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.validators import validate_bin

# The auth group of national oversight (role `oversight` in `me/`), who receive the level-2 escalations
# of missed deadlines. Accounts owns the name: the permit side escalates to it, `oversight_join` fills it.
OVERSIGHT_GROUP = "National oversight"


class Language(models.TextChoices):
    EN = "en", _("English")
    RU = "ru", _("Russian")
    KK = "kk", _("Kazakh")


class User(AbstractUser):
    """The portal's user. Roles come from what a user is linked to, not from a field."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    # Accounts made by seed_demo share a published password; production refuses to run with any.
    is_demo = models.BooleanField(_("demo account"), default=False)
    # Emails gathered into one message a day instead of one per event (in-app is unaffected).
    daily_digest = models.BooleanField(_("daily email digest"), default=False, db_default=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def display_name(self) -> str:
        """How the portal names a person in public: their full name, else their username."""
        return self.get_full_name() or self.username


class BusinessKind(models.TextChoices):
    INDIVIDUAL_ENTREPRENEUR = "individual_entrepreneur", _("Individual entrepreneur")
    COMPANY = "company", _("Company")


class Business(models.Model):
    name = models.CharField(_("name"), max_length=200)
    bin = models.CharField(_("BIN"), max_length=12, unique=True, validators=[validate_bin])
    kind = models.CharField(_("kind"), max_length=32, choices=BusinessKind.choices)
    city = models.CharField(_("city"), max_length=100)
    in_smart_city_zone = models.BooleanField(_("in a smart-city zone"), default=False)
    activity = models.ForeignKey(
        "permits.ActivityCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="businesses",
        verbose_name=_("main creative activity"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    members = models.ManyToManyField("User", through="Membership", related_name="businesses")

    class Meta:
        ordering = ["name"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bin__regex=r"^[0-9]{12}$"), name="business_bin_12_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.bin})"


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        _("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "business"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.business.name} ({self.role})"


class Jurisdiction(models.TextChoices):
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    CITY = "city", _("City")


class Authority(models.Model):
    """A government body that issues licence types."""

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9][a-z0-9-]*\Z", _("Lowercase letters, digits and hyphens only."), "invalid"
            )
        ],
    )
    name = models.CharField(_("name"), max_length=200)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=16, choices=Jurisdiction.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        constraints = [
            models.CheckConstraint(condition=models.Q(code=Lower("code")), name="authority_code_lowercase"),
        ]

    def __str__(self) -> str:
        return self.name


class Clearance(models.TextChoices):
    """An official's clearance: they review applications up to this risk tier."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")

    @classmethod
    def rank(cls, value: str) -> int:
        return [c.value for c in cls].index(value)


class OfficialProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="official_profile")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="officials")
    clearance = models.CharField(
        _("clearance"), max_length=8, choices=Clearance.choices, default=Clearance.LOW
    )
    is_supervisor = models.BooleanField(_("supervisor"), default=False)

    class Meta:
        verbose_name = _("official profile")
        verbose_name_plural = _("official profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.authority.code}, {self.clearance})"


class ApiClient(models.Model):
    """An integrating system (bank, marketplace, city platform).

    A client acts through its own service user: it obtains expiring, hashed knox tokens with
    `POST /api/v1/auth/token/` like anyone else, and may be bound to the one business it acts for.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_client")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="api_clients"
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name


class ConflictSource(models.TextChoices):
    DECLARED = "declared", _("Declared by the official")
    FOUND = "found", _("Found by a supervisor or an audit")


class ConflictOfInterest(models.Model):
    """A link between an official and a business: that official never reviews that business's files."""

    official = models.ForeignKey(User, on_delete=models.CASCADE, related_name="conflicts_of_interest")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="conflicts_of_interest")
    reason = models.TextField(_("nature of the link"))
    source = models.CharField(
        _("source"), max_length=16, choices=ConflictSource.choices, default=ConflictSource.DECLARED
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["official", "business"], name="conflict_of_interest_unique")
        ]

    def __str__(self) -> str:
        return f"{self.official} ↔ {self.business.name}"


class LoginFailure(models.Model):
    """Wrong passwords given for one username, counted whatever address they came from.

    Kept for names that match no account too, so a lockout does not reveal which names exist.
    """

    username = models.CharField(_("username"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("failures in the window"), default=0)
    window_started_at = models.DateTimeField(_("first failure of the window"))
    last_failed_at = models.DateTimeField(_("last failure"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("login failure")
        verbose_name_plural = _("login failures")

    def __str__(self) -> str:
        return f"{self.username}: {self.failures}"
