"""A report's tables as CSV: one table per request, named by `?table=`."""

from __future__ import annotations

from collections.abc import Iterable

from council.metrics import DISPOSITIONS

APPLICATION_COLUMNS = (
    "received",
    "decided",
    "approved",
    "rejected",
    "withdrawn",
    "issued_tacitly",
    "median_working_days",
    "p90_working_days",
    "decided_with_deadline",
    "decided_on_time",
    "on_time_share",
    "escalated",
    "out_of_order_picks",
    "information_requests",
    "post_checks_drawn",
    "post_checks_pending",
    "post_checks_passed",
    "post_checks_problems_found",
)
CONCERN_COLUMNS = (
    "received",
    "answered",
    "answered_on_time",
    "answered_late",
    "open",
    "overdue",
    "on_time_share",
)
GOAL_COLUMNS = (
    "id",
    "title",
    "metric",
    "kind",
    "unit",
    "baseline",
    "baseline_date",
    "target",
    "deadline",
    "value",
    "progress_percent",
    "time_elapsed_percent",
    "on_track",
    "status",
)
ALL = "all"
NONE = "none"


def _authority_cells(authority: dict | None) -> list:
    return [authority["code"], authority["name"]] if authority else [NONE, ""]


def by_authority_tier(metrics: dict) -> Iterable[list]:
    """A row per authority and tier, then each authority over all tiers, then the total."""
    data = metrics.get("applications", {})
    yield ["authority_code", "authority_name", "tier", *APPLICATION_COLUMNS]
    for row in data.get("by_authority_tier", []):
        yield [*_authority_cells(row["authority"]), row["tier"], *(row[c] for c in APPLICATION_COLUMNS)]
    for row in data.get("by_authority", []):
        yield [*_authority_cells(row["authority"]), ALL, *(row[c] for c in APPLICATION_COLUMNS)]
    if "total" in data:
        yield [ALL, "", ALL, *(data["total"][c] for c in APPLICATION_COLUMNS)]


def concerns(metrics: dict) -> Iterable[list]:
    data = metrics.get("concerns", {})
    yield ["authority_code", "authority_name", *CONCERN_COLUMNS]
    for row in data.get("by_authority", []):
        yield [*_authority_cells(row["authority"]), *(row[c] for c in CONCERN_COLUMNS)]
    if "total" in data:
        yield [ALL, "", *(data["total"][c] for c in CONCERN_COLUMNS)]


def consultations(metrics: dict) -> Iterable[list]:
    data = metrics.get("consultations", {})
    yield ["id", "title", "status", "opened_on", "comments", "answered", *DISPOSITIONS, "accepted_share"]
    for row in data.get("items", []):
        yield [
            row["id"],
            row["title"],
            row["status"],
            row["opened_on"],
            row["comments"],
            row["answered"],
            *(row["dispositions"][d] for d in DISPOSITIONS),
            row["accepted_share"],
        ]
    if "total" in data:
        total = data["total"]
        yield [
            ALL,
            f"{total['held']} consultations",
            "",
            "",
            total["comments"],
            total["answered"],
            *(total["dispositions"][d] for d in DISPOSITIONS),
            total["accepted_share"],
        ]


def goals(metrics: dict) -> Iterable[list]:
    yield list(GOAL_COLUMNS)
    for row in metrics.get("goals", []):
        yield [row.get(c) for c in GOAL_COLUMNS]


TABLES = {
    "by_authority_tier": by_authority_tier,
    "concerns": concerns,
    "consultations": consultations,
    "goals": goals,
}
