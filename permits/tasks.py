from celery import shared_task

from permits.sla import sla_sweep as run_sla_sweep


@shared_task(name="permits.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> dict:
    """Beat runs this every few minutes; safe to run twice at once (SKIP LOCKED, state-guarded)."""
    return dict(run_sla_sweep())
