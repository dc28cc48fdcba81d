"""Periodic council work (schedules in settings.CELERY_BEAT_SCHEDULE): thin wrappers around services."""

import logging

from celery import shared_task

from council.services import consultations, reports

logger = logging.getLogger(__name__)


@shared_task(name="council.tasks.consultation_sweep", ignore_result=True)
def consultation_sweep() -> dict:
    """Open drafts whose time has come and close open consultations past their end; safe twice."""
    done = dict(consultations.consultation_sweep())
    if any(done.values()):  # the worker logs no line per task in development: say what changed
        logger.info("Consultation sweep: %s", ", ".join(f"{n} {what}" for what, n in done.items() if n))
    return done


@shared_task(name="council.tasks.report_drafts_refresh", ignore_result=True)
def report_drafts_refresh() -> int:
    """Recompute draft reports' metrics; published reports are frozen and left alone."""
    return reports.report_drafts_refresh()
