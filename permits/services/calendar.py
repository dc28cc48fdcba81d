"""Loading the working-day calendar: statutory holidays of a year from the holidays package."""

from __future__ import annotations

from django.db import connection, transaction

from permits.calendar import FIRST_YEAR, LAST_YEAR, YearLoad, statute_rows_sync, statutory_holidays
from permits.errors import PermitErrorCode
from permits.models import Holiday
from portal.api.errors import ValidationFailed
from portal.audit.services import record

# pg_advisory_xact_lock(key, year): two loads of one year (beat and a command, say) queue instead of
# both inserting the same dates and one failing on the unique date.
_LOAD_LOCK_KEY = 7_401_2026


@transaction.atomic
def calendar_year_load(*, actor, year: int) -> YearLoad:
    """Bring `year`'s statutory rows in line with the package; decree rows are never touched.

    Idempotent: a second load finds nothing to change and records no audit event. A load that does
    change something records one event for the year, with its counts."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            f"The calendar covers {FIRST_YEAR} to {LAST_YEAR}.",
            code=PermitErrorCode.INVALID_YEAR,
            fields={"year": [f"Between {FIRST_YEAR} and {LAST_YEAR}."]},
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOAD_LOCK_KEY, year])
    result = statute_rows_sync(Holiday, year=year, days=statutory_holidays(year))
    if result.changed:
        record(
            actor=actor,
            action="permits.calendar_year_loaded",
            object_type="permits.holiday",
            object_id=year,
            data={
                "year": year,
                "created": result.created,
                "renamed": result.renamed,
                "removed": result.removed,
                "kept_decrees": result.kept_decrees,
            },
        )
    return result
