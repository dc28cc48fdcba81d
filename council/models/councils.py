"""The Creative Industries Council and its members from the four helix sectors."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CouncilScope(models.TextChoices):
    NATIONAL = "national", _("National")
    CITY = "city", _("City or smart-city zone")


class Council(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    scope = models.CharField(_("scope"), max_length=16, choices=CouncilScope.choices)
    city = models.CharField(_("city or zone"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("council")
        verbose_name_plural = _("councils")

    def __str__(self) -> str:
        return self.name


class HelixSector(models.TextChoices):
    """The quadruple helix: every sector has a voice on the council."""

    GOVERNMENT = "government", _("Government")
    ACADEMIA = "academia", _("Academia")
    BUSINESS = "business", _("Business")
    CIVIL_SOCIETY = "civil_society", _("Civil society")


class CouncilRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")


class CouncilMemberQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(active_from__lte=on), Q(active_until__isnull=True) | Q(active_until__gte=on))


class CouncilMember(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="council_seats")
    sector = models.CharField(_("sector"), max_length=16, choices=HelixSector.choices)
    role = models.CharField(_("role"), max_length=16, choices=CouncilRole.choices, default=CouncilRole.MEMBER)
    active_from = models.DateField(_("active from"))
    active_until = models.DateField(_("active until"), null=True, blank=True)

    objects = CouncilMemberQuerySet.as_manager()

    class Meta:
        ordering = ["council", "role", "user__username"]
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        constraints = [
            models.UniqueConstraint(
                fields=["council", "user", "active_from"], name="council_member_unique_term"
            ),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True) | Q(active_until__gte=models.F("active_from")),
                name="council_member_term_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.get_sector_display()})"
