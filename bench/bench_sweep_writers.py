"""The portal's other writers while the SLA sweep handles a backlog: does an audited write wait for it?

Every audited write appends to one hash chain under a transaction-scoped advisory lock
(`portal.audit.services.record`). A sweep that held that lock for a batch of rows made every
submission and decision of the portal wait for the batch; the sweep now commits row by row and
appends each row's events as its last statement, so a writer waits at most one append.

This generates BENCH_SWEEP_DUE (default 1,000) due applications among 100 times as many open ones
(the generator of bench_sla_sweep.py: SQL, no audit events; each due row is a level-1 escalation),
starts BENCH_SWEEP_WRITERS (default 2) writer processes, each doing one small audited write
(`portal.notifications.services.digest_set`: one transaction, one row, one audit event) every
BENCH_SWEEP_WRITER_PAUSE_MS (default 20) ms, measures their latency for BENCH_SWEEP_BASELINE_S
(default 3) seconds with no sweep, then during `sla_sweep` over the backlog, and prints p50, p99
and max of both, and the sweep's time, rows handled and audit events. Writers are processes, as
the portal's web workers are: threads would share the sweep's interpreter lock and measure that.

Target: writers' p99 during the sweep under 50 ms, every due row handled without error. Returns 1
if missed. Runs in the `portal_bench` database (see bench/common.py); the sweep's audit events
and notifications accumulate there, the generated applications are removed at the end.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import sys
import time

from bench.common import say, setup_django

P99_TARGET_MS = 50.0
WRITER_PREFIX = "bench-sweep-writer-"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _writer(username: str, pause: float, stop, out) -> None:
    """One web worker's audited writes until told to stop: (start time, latency in s) of each."""
    from django.db import connection

    from portal.accounts.models import User
    from portal.notifications.services import digest_set

    user = User.objects.get(username=username)
    timings = []
    enabled = False
    while not stop.is_set():
        enabled = not enabled
        started = time.time()
        begun = time.perf_counter()
        digest_set(user=user, enabled=enabled)
        timings.append((started, time.perf_counter() - begun))
        time.sleep(pause)
    connection.close()
    out.put(timings)


def _figures(latencies: list[float]) -> str:
    if not latencies:
        return "no writes"
    ms = [1000 * value for value in latencies]
    return (
        f"{len(ms)} writes, p50 {statistics.median(ms):.1f} ms, p99 {_percentile(ms, 0.99):.1f} ms, "
        f"max {max(ms):.1f} ms"
    )


def main() -> int:
    due = int(os.environ.get("BENCH_SWEEP_DUE", "1000"))
    writers = int(os.environ.get("BENCH_SWEEP_WRITERS", "2"))
    pause = int(os.environ.get("BENCH_SWEEP_WRITER_PAUSE_MS", "20")) / 1000
    baseline = float(os.environ.get("BENCH_SWEEP_BASELINE_S", "3"))
    setup_django()
    from django.db import connections
    from django.test.utils import override_settings
    from django.utils import timezone

    from bench import bench_sla_sweep as generator
    from permits.services.sla_sweep import sla_sweep
    from portal.accounts.models import User
    from portal.audit.models import AuditEvent

    say("fixtures: the SLA benchmark's authority, licence types, officials and businesses; writers...")
    world = generator.fixtures()
    names = [f"{WRITER_PREFIX}{n}" for n in range(writers)]
    for name in names:
        User.objects.get_or_create(username=name, defaults={"email": ""})
    generator.clean(world)
    now = timezone.now()
    say(f"generating {due * generator.DUE_EVERY} open applications, {due} of them due...")
    generator.generate(world, due * generator.DUE_EVERY, now, "w")
    due_before = generator.still_due(now)
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    # The writers fork from here: none may share this process's connections, nor its pool of them.
    connections.close_all()
    for conn in connections.all():
        if hasattr(conn, "close_pool"):
            conn.close_pool()
    context = multiprocessing.get_context("fork")
    stop, out = context.Event(), context.Queue()
    processes = [context.Process(target=_writer, args=(name, pause, stop, out)) for name in names]
    for process in processes:
        process.start()
    say(f"{writers} writers started; {baseline:.0f} s without a sweep...")
    time.sleep(1)  # their connections and first writes, outside the measured windows
    quiet_from = time.time()
    time.sleep(baseline)
    quiet_to = sweep_from = time.time()
    say(f"sweeping {due_before} due rows while they write...")
    with override_settings(DEBUG=False):
        started = time.perf_counter()
        done = sla_sweep(now=now)
        seconds = time.perf_counter() - started
    sweep_to = time.time()
    stop.set()
    timings = [timing for _ in processes for timing in out.get(timeout=120)]
    for process in processes:
        process.join(timeout=60)

    quiet = [latency for at, latency in timings if quiet_from <= at < quiet_to]
    during = [latency for at, latency in timings if sweep_from <= at < sweep_to]
    handled = sum(count for kind, count in done.items() if kind != "errors")
    events = AuditEvent.objects.filter(id__gt=last_event, actor_label="sla-sweep").count()
    left = generator.still_due(now)
    say("figures:")
    say(f"  sweep: {seconds:.1f} s, {handled} due rows handled {dict(done)}, {events} audit events")
    say(f"  writers without a sweep: {_figures(quiet)}")
    say(f"  writers during the sweep: {_figures(during)}")
    ok = True
    if handled != due_before or done["errors"] or left:
        ok = False
        say(f"FAIL: {handled} handled of {due_before} due, {done['errors']} errors, {left} still due")
    if not during:
        ok = False
        say("FAIL: no write happened during the sweep")
    else:
        p99 = 1000 * _percentile(during, 0.99)
        fits = p99 < P99_TARGET_MS
        ok &= fits
        say(
            f"writers' p99 during the sweep {p99:.1f} ms, target < {P99_TARGET_MS:.0f} ms "
            f"(ratio {p99 / P99_TARGET_MS:.2f}) {'ok' if fits else 'FAIL'}"
        )
    say("removing the generated applications...")
    generator.clean(world)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
