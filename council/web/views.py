"""Readable public pages: the councils with their members, and published reports with inline SVG
charts. Plain HTML, no script, no login."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from council.api.reports import export
from council.charts import goals_chart, on_time_chart
from council.selectors.councils import council_page_list
from council.selectors.reports import published_reports

PAGE_SIZE = 50
SHARE_COLUMNS = {"on_time_share", "accepted_share"}


def _shown(column: str, value) -> str:
    """A figure as a reader wants it: shares in percent, nothing to measure as a dash."""
    if value is None or value == "":
        return "\N{EN DASH}"
    if column in SHARE_COLUMNS and isinstance(value, int | float):
        return f"{value * 100:.1f} %"
    return str(value)


def _table(rows) -> dict:
    """The CSV table as a header and rows of shown cells: the page and the export never disagree."""
    header, *body = list(rows)
    return {
        "header": [column.replace("_", " ") for column in header],
        "rows": [[_shown(column, value) for column, value in zip(header, row, strict=True)] for row in body],
    }


@require_safe
def council_list_page(request):
    return render(request, "council/council_list.html", {"councils": council_page_list()})


@require_safe
def report_list_page(request):
    page = Paginator(published_reports(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "council/report_list.html", {"page": page})


@require_safe
def report_page(request, pk: int):
    # A draft does not exist here, whoever asks: the page is the public record.
    report = get_object_or_404(published_reports(), pk=pk)
    metrics = report.metrics or {}
    context = {
        "report": report,
        "applications": _table(export.by_authority_tier(metrics)),
        "concerns": _table(export.concerns(metrics)),
        "consultations": _table(export.consultations(metrics)),
        "goals": metrics.get("goals", []),
        "definitions": metrics.get("definitions", {}),
        "on_time_chart": on_time_chart(metrics),
        "goals_chart": goals_chart(metrics),
        "tables": list(export.TABLES),
    }
    return render(request, "council/report_detail.html", context)
