"""A task sent through the configured broker is run by a separate worker process, and its effect is seen.

Uses Redis when REDIS_URL is set (CI), kombu's filesystem broker otherwise: a real second process
either way, never eager mode.
"""

from __future__ import annotations

import uuid

import pytest

from portal.health.models import Heartbeat
from portal.health.tasks import heartbeat
from tests.processes import celery_worker, wait_until


@pytest.mark.django_db(transaction=True)
def test_task_runs_in_a_separate_worker_process():
    # given: a worker on a queue of its own, pointed at the test database
    queue = f"roundtrip-{uuid.uuid4().hex[:8]}"
    source = f"roundtrip-{uuid.uuid4().hex}"
    with celery_worker(queue=queue) as worker:
        # when
        heartbeat.apply_async(args=[source], queue=queue)

        # then
        beat = wait_until(lambda: Heartbeat.objects.filter(source=source).first(), timeout=60, alive=[worker])
        assert worker.alive(), f"worker exited early:\n{worker.log()}"
        assert beat is not None, "the worker did not run the task within 60 s"
        assert beat.worker.startswith("celery@")
        assert beat.worker != ""
        assert beat.pk is not None
