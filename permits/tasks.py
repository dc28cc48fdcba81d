import logging

from celery import shared_task

from permits.sla import sla_sweep as run_sla_sweep

logger = logging.getLogger(__name__)


@shared_task(name="permits.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> dict:
    """Beat runs this every few minutes; safe to run twice at once (SKIP LOCKED, state-guarded)."""
    done = dict(run_sla_sweep())
    if done:  # the worker logs no line per task in development: a sweep that acted says so itself
        logger.info("SLA sweep: %s", ", ".join(f"{count} {kind}" for kind, count in sorted(done.items())))
    return done
