"""Every periodic job in settings.CELERY_BEAT_SCHEDULE names a task a worker actually has."""

from __future__ import annotations

from django.conf import settings

from portal.celery import app


def test_every_scheduled_task_is_registered():
    # given the worker's view of the tasks (the same autodiscovery a worker runs)
    app.loader.import_default_modules()

    # when each schedule entry's task is looked up
    missing = {
        name: entry["task"]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] not in app.tasks
    }

    # then none is missing: a typo here would silently never run
    assert missing == {}
