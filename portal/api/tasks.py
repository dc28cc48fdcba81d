from celery import shared_task

from portal.api.idempotency import idempotency_records_purge


@shared_task(name="portal.api.tasks.idempotency_purge", ignore_result=True)
def idempotency_purge() -> int:
    """Daily: forget idempotency records past their lifetime. Harmless twice (a delete by age)."""
    return idempotency_records_purge()
