"""Periodic council work (schedules in settings.CELERY_BEAT_SCHEDULE): thin wrappers around services."""

from celery import shared_task


@shared_task(name="council.tasks.consultation_sweep", ignore_result=True)
def consultation_sweep() -> dict:
    """Open drafts whose time has come and close open consultations past their end; safe twice."""
    from council.services.consultations import consultation_sweep as run

    return dict(run())


@shared_task(name="council.tasks.report_drafts_refresh", ignore_result=True)
def report_drafts_refresh() -> int:
    """Recompute draft reports' metrics; published reports are frozen and left alone."""
    from council.services.reports import report_drafts_refresh as run

    return run()
