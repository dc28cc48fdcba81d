"""Councils and their members: public."""

from __future__ import annotations

from django.db.models import Prefetch

from council.models import Council, CouncilMember


def council_list():
    """Councils with their members of today, each with the user fetched: a constant number of queries."""
    members = (
        CouncilMember.objects.active().select_related("user").order_by("sector", "role", "user__last_name")
    )
    return Council.objects.prefetch_related(Prefetch("members", queryset=members, to_attr="current_members"))


def council_get(*, council_id: int) -> Council:
    return council_list().get(pk=council_id)
