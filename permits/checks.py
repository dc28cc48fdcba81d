"""System checks of the permits app's data that a deployment must have."""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

from permits.calendar import years_missing


@checks.register(checks.Tags.database)
def calendar_loaded_check(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """A Warning, not an Error, when this year or next has no statutory holidays: deadlines still work
    (holidays count as working days) and `migrate`, which runs the checks first, must not be blocked.

    A database check, like the demo-account one: it runs when a database is asked for
    (`check --database default`, as compose's deploy step does, and `migrate`), not at the start of
    every command and worker, which would otherwise each wait on the database to read it. Silent
    when the database cannot be read (not migrated yet): there is nothing to judge then."""
    if not databases:
        return []
    try:
        missing = years_missing(today=timezone.localdate())
    except DatabaseError:
        return []
    if not missing:
        return []
    years = ", ".join(str(year) for year in missing)
    return [
        checks.Warning(
            f"The working-day calendar has no public holidays for {years}: deadlines would count them "
            "as working days.",
            hint=f"Run `manage.py calendar_load {' '.join(str(y) for y in missing)}`.",
            id="permits.W001",
        )
    ]
