"""Reads about people: built once, with the related rows fetched up front."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Exists, OuterRef, Prefetch, Q

from council.models import CouncilMember
from portal.accounts.models import Business, Membership, OfficialProfile, User


class Role:
    ENTREPRENEUR = "entrepreneur"
    OFFICIAL = "official"
    SUPERVISOR = "supervisor"
    OVERSIGHT = "oversight"  # national oversight: receives level-2 escalations of missed deadlines
    COUNCIL_MEMBER = "council_member"
    API_CLIENT = "api_client"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    """Who the caller is, as `GET /api/v1/me/` shows it."""

    user: User
    roles: list[str]
    businesses: list[Business]

    @property
    def official(self):
        return getattr(self.user, "official_profile", None)


def caller_get(*, user: User) -> Caller:
    """Load a user with everything their roles depend on, in a fixed number of queries."""
    from permits.deadlines import OVERSIGHT_GROUP  # the permit side defines the group it escalates to

    in_oversight = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=OVERSIGHT_GROUP)
    user = (
        User.objects.select_related("official_profile__authority", "api_client__business")
        .annotate(in_oversight=Exists(in_oversight))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("business").order_by("business__name"),
            ),
            Prefetch(
                "council_seats", queryset=CouncilMember.objects.active(), to_attr="active_council_seats"
            ),
        )
        .get(pk=user.pk)
    )
    memberships = list(user.memberships.all())
    businesses = [m.business for m in memberships]
    client = getattr(user, "api_client", None)
    # An API client bound to a business acts for it, as a member would.
    if client is not None and client.business_id and client.business_id not in {b.pk for b in businesses}:
        businesses.append(client.business)
    official = getattr(user, "official_profile", None)
    roles = []
    if memberships:
        roles.append(Role.ENTREPRENEUR)
    if official is not None:
        roles.append(Role.OFFICIAL)
        if official.is_supervisor:
            roles.append(Role.SUPERVISOR)
    if user.in_oversight:
        roles.append(Role.OVERSIGHT)
    if user.active_council_seats:
        roles.append(Role.COUNCIL_MEMBER)
    if client is not None:
        roles.append(Role.API_CLIENT)
    if user.is_staff:
        roles.append(Role.ADMIN)
    return Caller(user=user, roles=roles, businesses=businesses)


def businesses_for(user):
    """The businesses a user may act for: their memberships, and an API client's bound business."""
    if not getattr(user, "is_authenticated", False):
        return Business.objects.none()
    return Business.objects.filter(Q(memberships__user=user) | Q(api_clients__user=user)).distinct()


def business_ids_for(user) -> list[int]:
    return sorted(businesses_for(user).values_list("id", flat=True))


def official_profile_for(user):
    """The caller's OfficialProfile (with its authority), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return OfficialProfile.objects.select_related("authority").filter(user=user).first()


# --- links between officials and businesses ------------------------------------------------------

# Every way an official can be tied to a business, as (model, official field). A tie of any kind is a
# conflict of interest by rule: declared or found, or being on the business's own side (a member).
# A new kind of tie (representative, director) is one more row here, and every check follows.
CONFLICT_LINKS = (
    ("accounts.ConflictOfInterest", "official_id"),
    ("accounts.Membership", "user_id"),
)


def _link_models():
    from django.apps import apps

    return [(apps.get_model(label), field) for label, field in CONFLICT_LINKS]


def linked_business_q(user, *, field: str = "business_id") -> Q:
    """Rows whose business (at `field`) the user is tied to: exclude them to keep the user off them."""
    return reduce(
        operator.or_,
        (
            Q(**{f"{field}__in": model.objects.filter(**{official_field: user.pk}).values("business_id")})
            for model, official_field in _link_models()
        ),
    )


def linked_official_q(business_id: int, *, field: str = "pk") -> Q:
    """Users (at `field`) tied to the business: the officials who must never act on its files."""
    return reduce(
        operator.or_,
        (
            Q(**{f"{field}__in": model.objects.filter(business_id=business_id).values(official_field)})
            for model, official_field in _link_models()
        ),
    )


def is_linked(user, business_id: int) -> bool:
    return any(
        model.objects.filter(**{official_field: user.pk}, business_id=business_id).exists()
        for model, official_field in _link_models()
    )
