from celery import shared_task
from django.utils import timezone

from permits.services.calendar import calendar_year_load
from permits.sla import sla_sweep as run_sla_sweep


@shared_task(name="permits.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> dict:
    """Beat runs this every few minutes; safe to run twice at once (SKIP LOCKED, state-guarded)."""
    return dict(run_sla_sweep())


@shared_task(name="permits.tasks.calendar_load_next_year", ignore_result=True)
def calendar_load_next_year() -> dict:
    """Loads next year's statutory holidays (idempotent: a run that finds them loaded changes nothing)."""
    result = calendar_year_load(actor=None, year=timezone.localdate().year + 1)
    return {"year": result.year, "created": result.created, "removed": result.removed}
