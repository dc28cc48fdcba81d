"""Councils and their members: public."""

from __future__ import annotations

from django.db.models import Prefetch

from council.models import (
    AccountabilityReport,
    Consultation,
    Council,
    CouncilMember,
    HelixSector,
    ReportStatus,
)
from council.selectors.consultations import PUBLIC_STATUSES


def council_list():
    """Councils with their members of today, each with the user fetched: a constant number of queries."""
    members = (
        CouncilMember.objects.active().select_related("user").order_by("sector", "role", "user__last_name")
    )
    return Council.objects.prefetch_related(Prefetch("members", queryset=members, to_attr="current_members"))


def council_page_list() -> list[Council]:
    """Councils for the public page: members grouped by sector in helix order, public consultations
    and published reports, in a fixed number of queries."""
    councils = list(
        council_list().prefetch_related(
            Prefetch(
                "consultations",
                queryset=Consultation.objects.filter(status__in=PUBLIC_STATUSES).order_by("-opens_at", "-id"),
                to_attr="public_consultations",
            ),
            Prefetch(
                "reports",
                queryset=AccountabilityReport.objects.filter(status=ReportStatus.PUBLISHED).order_by(
                    "-period_end"
                ),
                to_attr="published_reports",
            ),
        )
    )
    for council in councils:
        council.sectors = [
            {"label": label, "members": [m for m in council.current_members if m.sector == value]}
            for value, label in HelixSector.choices
        ]
    return councils
