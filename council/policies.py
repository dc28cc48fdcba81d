"""Who may act on what, on the council side: who holds which seat today, the officers, and who
speaks for a business. Every council rule about people starts here.

Only the chair and the secretary (the council's officers) create, open, close and publish; any active
member answers comments and concerns. A seat counts only within its term (active from-until). Someone
raises a concern, or comments on behalf of a business, only for a business they act for.

The checks read and refuse (`Forbidden` / `ValidationFailed` with a `CouncilErrorCode`); none writes.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from council.errors import CouncilErrorCode
from council.models import Council, CouncilMember, CouncilRole
from portal.accounts.selectors import business_ids_for
from portal.api.errors import Forbidden, ValidationFailed

OFFICER_ROLES = (CouncilRole.CHAIR, CouncilRole.SECRETARY)


def seat_of(user, council: Council | int) -> CouncilMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    council_id = council.pk if isinstance(council, Council) else council
    return CouncilMember.objects.active().filter(council_id=council_id, user=user).first()


def holds_a_seat(user_ref: OuterRef) -> Exists:
    """True for a user with a seat on any council today: the `council_member` role of `me/`."""
    return Exists(CouncilMember.objects.active().filter(user_id=user_ref))


def is_member(user, council: Council | int) -> bool:
    return seat_of(user, council) is not None


def require_member(user, council: Council | int) -> CouncilMember:
    seat = seat_of(user, council)
    if seat is None:
        raise Forbidden(
            "Only a member of this council may do this.", code=CouncilErrorCode.NOT_COUNCIL_MEMBER
        )
    return seat


def require_officer(user, council: Council | int) -> CouncilMember:
    seat = require_member(user, council)
    if seat.role not in OFFICER_ROLES:
        raise Forbidden(
            "Only the council's chair or secretary may do this.", code=CouncilErrorCode.NOT_COUNCIL_OFFICER
        )
    return seat


def require_entrepreneur(user) -> list[int]:
    """The businesses the user acts for; a concern speaks for a business, so someone with none may not raise one."""
    business_ids = business_ids_for(user)
    if not business_ids:
        raise Forbidden(
            "Only someone who acts for a business (an entrepreneur or its API client) may raise a concern.",
            code=CouncilErrorCode.NOT_AN_ENTREPRENEUR,
        )
    return business_ids


def check_speaks_for(user, business_id: int | None) -> None:
    """A comment on behalf of a business only by someone who acts for it (400 on the `business` field)."""
    if business_id is not None and business_id not in business_ids_for(user):
        raise ValidationFailed(fields={"business": ["You may not comment on behalf of this business."]})


def council_ids_of(user, *, officers_only: bool = False) -> list[int]:
    """The councils where the user holds an active seat (as chair or secretary, if asked)."""
    if not getattr(user, "is_authenticated", False):
        return []
    seats = CouncilMember.objects.active().filter(user=user)
    if officers_only:
        seats = seats.filter(role__in=OFFICER_ROLES)
    return list(seats.values_list("council_id", flat=True))


def officers_of(council: Council | int) -> list:
    """The active chair and secretary: they hear about new concerns and unanswered comments."""
    council_id = council.pk if isinstance(council, Council) else council
    return [
        seat.user
        for seat in CouncilMember.objects.active()
        .filter(council_id=council_id, role__in=OFFICER_ROLES)
        .select_related("user")
    ]
