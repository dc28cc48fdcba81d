"""Reads of concerns, scoped to the caller before anything else.

Concerns are not public (they may describe a business's affairs): the businesses' own people (members
and their bound API clients) see their concerns, and the members of a council see every concern
addressed to it. Anyone else is told it does not exist.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, Q, QuerySet, When

from council.models import Concern, ConcernStatus
from council.policies import council_ids_of
from portal.accounts.selectors import business_ids_for
from portal.api.errors import NotFound


def overdue_q(now: dt.datetime) -> Q:
    """Open past its due date, or answered after it: both count against the council."""
    return Q(status=ConcernStatus.OPEN, due_at__lte=now) | Q(
        status=ConcernStatus.ANSWERED, responded_at__gt=F("due_at")
    )


def is_overdue(concern: Concern, now: dt.datetime) -> bool:
    if concern.status == ConcernStatus.OPEN:
        return concern.due_at <= now
    return concern.responded_at is not None and concern.responded_at > concern.due_at


def concerns_visible_to(user, *, council_ids: list[int] | None = None) -> QuerySet[Concern]:
    if not getattr(user, "is_authenticated", False):
        return Concern.objects.none()
    visible = Q(business_id__in=business_ids_for(user)) | Q(raised_by=user)
    council_ids = council_ids_of(user) if council_ids is None else council_ids
    if council_ids:
        visible |= Q(council_id__in=council_ids)
    return Concern.objects.filter(visible)


def concern_list(*, user) -> QuerySet[Concern]:
    """Newest first; a council member's list puts the open ones first, the soonest due at the top."""
    council_ids = council_ids_of(user)
    queryset = concerns_visible_to(user, council_ids=council_ids).select_related(
        "council", "business", "licence_type", "authority", "responded_by"
    )
    if council_ids:
        return queryset.order_by(
            Case(When(status=ConcernStatus.OPEN, then="due_at")).asc(nulls_last=True), "-created_at", "-id"
        )
    return queryset.order_by("-created_at", "-id")


def concern_get(*, user, concern_id: int) -> Concern:
    concern = (
        concerns_visible_to(user)
        .select_related("council", "business", "licence_type", "authority", "responded_by")
        .filter(pk=concern_id)
        .first()
    )
    if concern is None:
        raise NotFound("No such concern among yours.")
    return concern
