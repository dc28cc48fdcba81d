"""Start every Python process of a test run on the same clock, moved ahead by
PORTAL_TEST_CLOCK_SHIFT_DAYS days (CI's second pass uses 800).

The suite must pass on any date, so CI runs it once today and once as if it were two years later.
The pytest plugin puts this folder first on PYTHONPATH, so Python imports this file at start-up in
the test process and in every process the tests start (Celery workers, beat, web servers,
`manage.py` commands): each travels to its own "now + N days" and ticks from there, so they agree
with one another. time-machine moves only the wall clock (`time.time`, `datetime.now`, ...), never
the monotonic clock that sleeps, timeouts and thread waits use; a test's own `time_machine.travel`
nests inside it. Servers that are not Python (PostgreSQL, Redis) keep the real clock, as they do
whenever a test travels: the portal takes `now` from Python, never from the database.

It imports nothing of the project: during start-up the project is not yet on `sys.path`.
"""

from __future__ import annotations

import datetime as _dt
import os as _os

ENV = "PORTAL_TEST_CLOCK_SHIFT_DAYS"


def shift_days() -> int:
    raw = _os.environ.get(ENV, "").strip()
    if not raw:
        return 0
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{ENV} must be a whole number of days, not {raw!r}") from None


def start() -> object | None:
    days = shift_days()
    if not days:
        return None
    try:
        import time_machine
    except ImportError:  # a Python without the dev dependencies (a system python3 running a script)
        return None
    traveller = time_machine.travel(_dt.datetime.now(_dt.UTC) + _dt.timedelta(days=days), tick=True)
    traveller.start()
    return traveller


_traveller = start()
