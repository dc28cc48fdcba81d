"""Audit appends: does serialising the chain with an advisory lock hold up under contention?

Every write of the portal appends to one hash chain (`portal.audit.services.record`), and appends
are serialised by a transaction-scoped advisory lock. This appends N events (BENCH_AUDIT_EVENTS,
default 2000) from one thread, then the same N split across 4 threads, each event in its own
transaction, and prints events/s for both and the ratio concurrent/serial. It fails when the ratio
is below 0.5 (contention must not collapse throughput) or when `verify_chain` finds the chain broken
afterwards.

It runs in a database of its own, `portal_bench`, on the server the settings name (DATABASE_URL, or
the embedded development server when that is unset): created when missing and migrated on every
run, so the developer's `portal` database is never touched. The audit table is append-only (a
trigger refuses UPDATE and DELETE), so the benchmark cannot clean up after itself: each run leaves
2 x N (+ a few warm-up) events in `portal_bench`, and the final verification walks all of them.
To start afresh, drop that database (`DROP DATABASE portal_bench;` in psql); the next run recreates it.

Run it with `make bench` (every benchmark) or `python -m bench.bench_audit` (this one alone).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from collections.abc import Callable

from bench.common import BENCH_DATABASE, say, setup_django

THREADS = 4
MIN_RATIO = 0.5
WARM_UP_EVENTS = 20


# --- measuring -------------------------------------------------------------------------------------


class Ticker:
    """Prints `label: done/total` every second from a background thread while a phase runs."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.done = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def add(self, n: int = 1) -> None:
        with self._lock:
            self.done += n

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            say(f"  {self.label}: {self.done}/{self.total} events")

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _appender(run: str, label: str) -> Callable[[int], None]:
    from django.db import transaction

    from portal.audit.services import record

    def append(i: int) -> None:
        with transaction.atomic():
            record(
                actor="bench",
                action="bench.append",
                object_type="bench.event",
                object_id=f"{run}-{label}-{i}",
                data={"run": run, "phase": label, "i": i},
            )

    return append


def _split(n: int, parts: int) -> list[range]:
    size, extra = divmod(n, parts)
    bounds, start = [], 0
    for part in range(parts):
        end = start + size + (1 if part < extra else 0)
        bounds.append(range(start, end))
        start = end
    return bounds


def serial(n: int, run: str) -> float:
    """Seconds to append n events from this thread."""
    append = _appender(run, "serial")
    with Ticker("serial", n) as ticker:
        started = time.perf_counter()
        for i in range(n):
            append(i)
            ticker.add()
        return time.perf_counter() - started


def concurrent(n: int, run: str, threads: int = THREADS) -> float:
    """Seconds to append n events split across `threads` threads that start together."""
    from django.db import connection

    append = _appender(run, "concurrent")
    start = threading.Barrier(threads + 1, timeout=60)
    errors: list[BaseException] = []

    with Ticker(f"concurrent x{threads}", n) as ticker:

        def work(indices: range) -> None:
            try:
                start.wait()
                for i in indices:
                    append(i)
                    ticker.add()
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        workers = [threading.Thread(target=work, args=(part,)) for part in _split(n, threads)]
        for worker in workers:
            worker.start()
        start.wait()
        started = time.perf_counter()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} writer thread(s) failed") from errors[0]
    return elapsed


def verify() -> bool:
    from portal.audit.models import AuditEvent
    from portal.audit.services import verify_chain

    total = AuditEvent.objects.count()
    say(f"verifying the chain ({total} events in {BENCH_DATABASE})...")
    started = time.perf_counter()
    checked, broken = verify_chain(chunk_size=5000, progress=lambda done: say(f"  verified {done}/{total}"))
    seconds = time.perf_counter() - started
    if broken is not None:
        say(f"FAIL: chain broken at event #{broken.event_id}: {broken.reason} ({checked} verified before it)")
        return False
    say(f"chain intact: {checked} events verified in {seconds:.1f} s")
    return True


def main() -> int:
    n = int(os.environ.get("BENCH_AUDIT_EVENTS", "2000"))
    if n < THREADS:
        say(f"BENCH_AUDIT_EVENTS must be at least {THREADS}")
        return 1
    setup_django()
    run = uuid.uuid4().hex[:8]

    say(f"warming up ({WARM_UP_EVENTS} events)...")
    warm_up = _appender(run, "warm-up")
    for i in range(WARM_UP_EVENTS):
        warm_up(i)

    say(f"appending {n} events from 1 thread...")
    serial_rate = n / serial(n, run)
    say(f"serial:        {serial_rate:8.0f} events/s")

    say(f"appending {n} events from {THREADS} threads, one transaction per event...")
    concurrent_rate = n / concurrent(n, run)
    say(f"concurrent x{THREADS}: {concurrent_rate:8.0f} events/s")

    ratio = concurrent_rate / serial_rate
    ok = ratio >= MIN_RATIO
    say(f"ratio concurrent/serial: {ratio:.2f} (target >= {MIN_RATIO}) {'ok' if ok else 'FAIL'}")

    intact = verify()
    return 0 if ok and intact else 1


if __name__ == "__main__":
    sys.exit(main())
