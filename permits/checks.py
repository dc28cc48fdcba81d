"""System checks of the permits app's data that a deployment must have."""

from __future__ import annotations

from django.core import checks
from django.utils import timezone


@checks.register("permits")
def calendar_loaded_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A Warning, not an Error, when this year or next has no statutory holidays: deadlines still work
    (holidays count as working days) and `migrate`, which runs the checks first, must not be blocked.
    Silent when the database cannot be read (not migrated yet, none at all as in `check --deploy`
    at build time, or closed to the caller as in a test that does not use it): there is nothing to
    judge then, and the checks also run when every command, and every Celery worker, starts, which
    a reading failure here must never stop."""
    from permits.calendar import years_missing

    try:
        missing = years_missing(today=timezone.localdate())
    except Exception:
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
