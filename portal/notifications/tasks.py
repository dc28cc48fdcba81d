from celery import shared_task

from portal.celery import RETRY_WHILE_DATABASE_DOWN
from portal.notifications import services


@shared_task(name=services.DELIVER_TASK, ignore_result=True, **RETRY_WHILE_DATABASE_DOWN)
def deliver_notification(notification_id: int) -> str:
    """Deliver one outbox row; returns early when it was delivered meanwhile (safe to run twice)."""
    return services.deliver(notification_id)


@shared_task(name="portal.notifications.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    return services.outbox_sweep()


@shared_task(name="portal.notifications.tasks.digest_send", ignore_result=True)
def digest_send() -> int:
    return services.digest_send()
