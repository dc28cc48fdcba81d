"""PostgreSQL restarts under a running portal: the same web and worker processes survive it.

The database is a PostgreSQL server of the test's own (tests.processes.OwnPostgres), migrated once,
stopped mid-test with a fast shutdown (as a restart does it) and started again. The web server and
the Celery worker are real processes pointed at it; neither is restarted. The clock is not moved:
nothing here depends on the date, and the child processes could not share a travelled clock anyway.
"""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest

from portal.api.errors import ErrorCode
from portal.health.tasks import heartbeat
from tests.processes import (
    OwnPostgres,
    celery_beat,
    celery_worker,
    http,
    manage,
    wait_until,
    web_server,
)

pytestmark = pytest.mark.outage

PASSWORD = "a-long-enough-password-for-ana"


@pytest.fixture
def own_postgres():
    server = OwnPostgres()
    try:
        # one Django start for both (each start costs seconds on a busy machine)
        prepare = (
            "from django.core.management import call_command; call_command('migrate', verbosity=0);"
            "from portal.accounts.models import User;"
            f"User.objects.create_superuser('ana', 'ana@example.kz', {PASSWORD!r})"
        )
        manage("shell", "-c", prepare, env={"DATABASE_URL": server.url})
        yield server
    finally:
        server.close()


def outage_env(server: OwnPostgres) -> dict[str, str]:
    # The children's database is the test's own; a request waits at most a second for a connection while the database is away.
    return {"DATABASE_URL": server.url, "DB_POOL_TIMEOUT": "1"}


def test_web_beat_and_worker_processes_survive_a_postgresql_restart(own_postgres, tmp_path):
    # given: a running worker (on a queue of its own), beat and web server, and a token of Ana's
    queue = f"restart-{uuid.uuid4().hex[:8]}"
    source = f"restart-{uuid.uuid4().hex[:8]}"
    env = outage_env(own_postgres)
    # beat sends to a broker of its own: its periodic tasks must not reach other tests' workers
    beat_env = {**env, "CELERY_BROKER_URL": "filesystem://", "PORTAL_BROKER_DIR": str(tmp_path / "broker")}
    with (
        celery_worker(env=env, queue=queue) as worker,
        celery_beat(env=beat_env, loglevel="DEBUG") as beat,
        web_server(env=env) as (server, base),
    ):
        status, _, issued = http(
            "POST", f"{base}/api/v1/auth/token/", body={"username": "ana", "password": PASSWORD}
        )
        assert status == 200, issued
        auth = {"Authorization": f"Token {issued['token']}"}
        assert http("GET", f"{base}/api/v1/me/", headers=auth)[0] == 200
        assert http("GET", f"{base}/healthz")[2]["checks"]["database"] == {"ok": True}
        assert wait_until(lambda: "ready." in worker.log(), timeout=60, alive=[worker]), worker.log()
        assert wait_until(lambda: "beat: Waking up" in beat.log(), timeout=60, alive=[beat]), beat.log()

        # when: PostgreSQL stops; requests come, and a task that writes to the database arrives
        own_postgres.halt()
        try:
            heartbeat.apply_async(args=[source], queue=queue)
            me = http("GET", f"{base}/api/v1/me/", headers=auth)
            login = http("POST", f"{base}/api/v1/auth/token/", body={"username": "ana", "password": PASSWORD})
            page = http("GET", f"{base}/council/")
            admin = http("GET", f"{base}/admin/", headers={"Cookie": "sessionid=" + "x" * 32})
            health = http("GET", f"{base}/healthz")
            retried = wait_until(lambda: "Retry in" in worker.log(), timeout=30, alive=[worker])
            beat_noticed = wait_until(lambda: "Database gave error" in beat.log(), timeout=30, alive=[beat])
        finally:
            own_postgres.resume()

        # then: every path answered a JSON 503 naming the outage (authenticated, login, an HTML page,
        # a session lookup), with Retry-After; no traceback page, no 500
        for status, headers, body in (me, login, page, admin):
            assert status == 503, body
            assert headers.get_content_type() == "application/json"
            assert body == {
                "code": ErrorCode.UNAVAILABLE,
                "detail": "The database is unavailable; retry shortly.",
            }
            assert int(headers["Retry-After"]) > 0
        status, _, body = health
        assert status == 503
        assert "database" in body["failing"]
        assert body["checks"]["database"]["ok"] is False
        # and the worker logged the failure and scheduled a retry instead of dropping the task
        assert retried, worker.log()
        assert "OperationalError" in worker.log()
        # and beat logged that it could not read its schedule, and kept its own
        assert beat_noticed, beat.log()

        # when: PostgreSQL is back (resumed above)
        answered = wait_until(
            lambda: http("GET", f"{base}/api/v1/me/", headers=auth)[0] == 200, timeout=20, alive=[server]
        )

        # then: the same web process serves Ana again and reports the database healthy
        assert answered, server.log()
        assert server.alive()
        status, _, body = http("GET", f"{base}/healthz")
        assert body["checks"]["database"] == {"ok": True}
        assert "database" not in body["failing"]

        # and the same worker runs the task on its retry: its write is there
        def written():
            with psycopg.connect(own_postgres.url) as conn:
                return conn.execute(
                    "SELECT worker FROM health_heartbeat WHERE source = %s", [source]
                ).fetchone()

        row = wait_until(written, timeout=40, interval=0.5, alive=[worker])
        assert row is not None, worker.log()
        assert row[0].startswith("celery@")
        assert worker.alive()
        # and beat, still the same process, reads its schedule again: no new error over three ticks
        errors = beat.log().count("Database gave error")
        time.sleep(3)
        assert beat.alive()
        assert beat.log().count("Database gave error") == errors, beat.log()
