from celery import shared_task

from portal.celery import RETRY_WHILE_DATABASE_DOWN
from portal.health.services import heartbeat_record


@shared_task(name="portal.health.tasks.heartbeat", ignore_result=True, **RETRY_WHILE_DATABASE_DOWN)
def heartbeat(source: str) -> None:
    """Record that a worker ran this task now (safe to run twice: it only moves a timestamp)."""
    worker = heartbeat.request.hostname or ""
    heartbeat_record(source=source, worker=worker)
