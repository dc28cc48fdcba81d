"""The Celery application. Configuration comes from Django settings (the CELERY_ namespace)."""

import os

from celery import Celery
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# For tasks that touch the database: while it is unreachable (a restart, a failover) the task is not
# failed but retried with a growing delay (2 s, 4 s, ... at most a minute apart, about two minutes in
# all), and the worker logs each retry. Past that, what the task was for is picked up again by its
# periodic sweep (the outbox sweep re-sends pending notifications; the next heartbeat comes anyway).
RETRY_WHILE_DATABASE_DOWN = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": False,
    "max_retries": 6,
}
