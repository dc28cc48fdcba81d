"""Real processes for the tests that need them: a Celery worker, a Redis server, an SMTP sink.

The worker runs the code of this checkout against the test database; the Redis server is the
test's own, on a spare port, so a test may stop it and start it again without touching the Redis
the rest of the suite shares.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from portal.testing.plugin import require_services

BASE_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_of_tests() -> str:
    """A DATABASE_URL for the test database the suite is using (pytest-django renamed it)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


def wait_until(condition: Callable[[], bool], *, timeout: float = 60.0, step: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def use_broker(url: str) -> None:
    """Point the Celery app of this process at `url`: its connection and producer pools are looked up afresh.

    kombu keeps one pool per broker in a registry; they are left open, so switching back to the
    real broker finds its pool usable.
    """
    from portal.celery import app as celery_app

    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Worker:
    """A `celery worker` process; what it prints goes to a file, so a full pipe never stalls it."""

    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def celery_worker(*, env: dict[str, str] | None = None, queues: list[str] | None = None) -> Iterator[Worker]:
    """A real worker (solo pool) on the test database; `env` adds or overrides its environment."""
    environ = {
        **os.environ,
        "DATABASE_URL": database_url_of_tests(),
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "2",
        **(env or {}),
    }
    args = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=WARNING"]
    if queues:
        args += ["-Q", ",".join(queues)]
    with tempfile.TemporaryDirectory(prefix="worker-") as folder:
        log = Path(folder) / "worker.log"
        with log.open("w") as out:
            process = subprocess.Popen(args, cwd=BASE_DIR, env=environ, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield Worker(process, log)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class RedisServer:
    """A redis-server of the test's own on a spare port, which the test may stop and start again.

    Nothing is persisted (`--save ""`, no append-only file): a restart is an empty Redis, as after a
    crash of a cache-only deployment, so whatever survives it survived in PostgreSQL.
    """

    def __init__(self, folder: Path):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            if require_services():
                pytest.fail("PORTAL_REQUIRE_SERVICES=1 but redis-server is not installed.")
            pytest.skip("needs the redis-server binary")
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=0.5)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if not wait_until(self._answers, timeout=10, step=0.05):
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # a paused server could not act on SIGTERM
            _stop(self.process)
            self.process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): the kernel still accepts connections, nothing answers them."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class SmtpSink:
    """A local SMTP server (aiosmtpd) that keeps every message it is sent, to count deliveries."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[list[str], str]] = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 Message accepted for delivery"

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
