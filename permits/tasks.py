import logging

from celery import shared_task
from django.utils import timezone

from permits.services.calendar import calendar_year_load
from permits.services.sla_sweep import sla_sweep as run_sla_sweep

logger = logging.getLogger(__name__)


@shared_task(name="permits.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> dict:
    """Beat runs this every few minutes; safe to run twice at once (SKIP LOCKED, state-guarded)."""
    done = dict(run_sla_sweep())
    if done:  # the worker logs no line per task in development: a sweep that acted says so itself
        logger.info("SLA sweep: %s", ", ".join(f"{count} {kind}" for kind, count in sorted(done.items())))
    return done


@shared_task(name="permits.tasks.calendar_load_ahead", ignore_result=True)
def calendar_load_ahead() -> list[dict]:
    """Loads next year's statutory holidays and the year after's. Two years ahead, so that at
    midnight on 1 January the new "next year" is already there: the calendar check (which a
    deploy runs with --fail-level WARNING) never finds it missing in the hours before beat runs.
    Idempotent: a run that finds them loaded changes nothing."""
    year = timezone.localdate().year
    return [
        {"year": result.year, "created": result.created, "removed": result.removed}
        for result in (calendar_year_load(actor=None, year=each) for each in (year + 1, year + 2))
    ]
