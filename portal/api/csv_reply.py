"""CSV downloads: cells a spreadsheet never runs as formulas, and the one shape of the reply."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """Plain text for a spreadsheet: never a formula (such text is quoted), empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if isinstance(value, str) and text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def to_csv(rows: Iterable[Iterable]) -> str:
    """Rows (the header first) as comma-separated text, every value through `cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()


def csv_reply(rows: Iterable[Iterable], filename: str) -> HttpResponse:
    """An attachment in UTF-8 with a byte-order mark (so spreadsheets read it as UTF-8), never sniffed."""
    reply = HttpResponse("\ufeff" + to_csv(rows), content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    reply["X-Content-Type-Options"] = "nosniff"
    return reply
