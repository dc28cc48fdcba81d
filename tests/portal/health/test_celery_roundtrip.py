"""A task sent through the configured broker is run by a separate worker process, and its effect is seen.

Uses Redis when REDIS_URL is set (CI), kombu's filesystem broker otherwise: a real second process
either way, never eager mode.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from portal.health.models import Heartbeat
from portal.health.tasks import heartbeat

BASE_DIR = Path(__file__).resolve().parents[3]


def test_database_url() -> str:
    """A DATABASE_URL for the test database the suite is using (pytest-django renamed it)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.mark.django_db(transaction=True)
def test_task_runs_in_a_separate_worker_process():
    # given: a worker on a queue of its own, pointed at the test database
    queue = f"roundtrip-{uuid.uuid4().hex[:8]}"
    source = f"roundtrip-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "2",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # when
        heartbeat.apply_async(args=[source], queue=queue)

        # then
        deadline = time.monotonic() + 60
        beat = None
        while beat is None and time.monotonic() < deadline and worker.poll() is None:
            beat = Heartbeat.objects.filter(source=source).first()
            time.sleep(0.25)
        assert worker.poll() is None, f"worker exited early:\n{worker.stdout.read()}"
        assert beat is not None, "the worker did not run the task within 60 s"
        assert beat.worker.startswith("celery@")
        assert beat.worker != ""
        assert beat.pk is not None
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if worker.stdout:
            worker.stdout.close()
