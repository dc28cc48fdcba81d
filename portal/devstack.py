"""`make run`: the whole portal on one machine with nothing but Python.

    python -m portal.devstack run

Starts the embedded PostgreSQL when DATABASE_URL is not set, migrates, loads the demo data, then
runs the web server, a Celery worker and Celery beat side by side. Ctrl-C (SIGINT) or SIGTERM stops
all of them and then the embedded database; if one of them dies, the others are stopped too, so
nothing is left running behind a half-working stack.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 15


def _say(message: str) -> None:
    print(f"[portal] {message}", flush=True)


class Stack:
    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_group: dict[str, bool] = {}
        self.stopping = False
        self.pgdata: Path | None = None

    def _on_signal(self, signum, frame) -> None:
        if not self.stopping:
            _say(f"received {signal.Signals(signum).name}, stopping...")
        self.stopping = True

    def start_database(self) -> None:
        from portal.dev_database import ensure_database_url

        self.pgdata = ensure_database_url()
        if self.pgdata is None:
            _say("using the PostgreSQL server in DATABASE_URL")
        else:
            _say(f"started the embedded PostgreSQL server in {self.pgdata}")

    def stop_database(self) -> None:
        if self.pgdata is not None:
            from portal import embedded_db

            _say("stopping the embedded PostgreSQL server")
            embedded_db.stop(self.pgdata)
            self.pgdata = None

    def manage(self, *args: str) -> None:
        _say("manage.py " + " ".join(args))
        subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)

    def spawn(self, name: str, argv: list[str], *, stop_group: bool) -> None:
        """Start a child leading its own process group, so what it forks can always be reaped.

        `stop_group`: SIGTERM goes to the whole group (runserver and its autoreloader child);
        otherwise only to the leader, which stops its own pool first (Celery's warm shutdown).
        """
        self.children[name] = subprocess.Popen(argv, cwd=BASE_DIR, start_new_session=True)
        self.stop_group[name] = stop_group
        _say(f"started {name} (pid {self.children[name].pid})")

    def stop_children(self) -> None:
        for name, proc in self.children.items():
            if proc.poll() is None:
                _say(f"stopping {name}")
                if self.stop_group[name]:
                    self._signal_group(proc, signal.SIGTERM)
                else:
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for proc in self.children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal_group(proc, signal.SIGKILL)
                proc.wait()
        # Children's own children (pool workers) can outlive their parent for a moment.
        for proc in self.children.values():
            self._signal_group(proc, signal.SIGKILL)

    @staticmethod
    def _signal_group(proc: subprocess.Popen, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        port = os.environ.get("PORT", "8000")
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "portal"]
        try:
            self.start_database()
            self.manage("migrate", "--noinput")
            self.manage("seed_demo")
            if self.stopping:
                return 0
            self.spawn("web", [python, "manage.py", "runserver", f"127.0.0.1:{port}"], stop_group=True)
            self.spawn("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=2"], stop_group=False)
            self.spawn("beat", [*celery, "beat", "--loglevel=INFO"], stop_group=False)
            _say(f"serving http://127.0.0.1:{port}/  (API docs: /api/docs/, health: /healthz). Ctrl-C stops.")
            code = 0
            while not self.stopping:
                for name, proc in self.children.items():
                    if proc.poll() is not None:
                        _say(f"{name} exited with status {proc.returncode}; stopping the rest")
                        self.stopping = True
                        code = 1
                        break
                time.sleep(0.5)
            return code
        except subprocess.CalledProcessError as exc:
            _say(f"set-up step failed ({exc}); stopping")
            return 1
        finally:
            self.stop_children()
            self.stop_database()
            _say("stopped")


def main(argv: list[str]) -> int:
    if argv[1:] != ["run"]:
        print(__doc__)
        return 2
    return Stack().run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
