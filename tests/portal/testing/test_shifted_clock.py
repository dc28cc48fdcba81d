"""The clock shift of CI's second pass: a process started with the hook on its path lives N days
ahead on the wall clock, while sleeps and timed waits (the monotonic clock) behave as ever."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import time_machine

from portal.testing.plugin import SHIFTED_CLOCK_DIR

CHILD = """
import threading, time
time.sleep(0.01)
assert threading.Event().wait(0.01) is False
print(time.time())
"""


def real_time() -> float:
    """The real wall clock, whether or not this process travels."""
    hatch = time_machine.escape_hatch
    return hatch.time.time() if hatch.is_travelling() else time.time()


def run_child(days: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(SHIFTED_CLOCK_DIR), "PORTAL_TEST_CLOCK_SHIFT_DAYS": days}
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return float(done.stdout)


def test_a_child_lives_the_given_number_of_days_ahead_and_still_sleeps_and_waits():
    # given: the real wall clock, whatever this run's own shift is
    before = real_time()

    # when
    child = run_child("800")

    # then
    after = real_time()
    assert before + 800 * 86400 <= child <= after + 800 * 86400


def test_without_the_setting_a_child_keeps_the_real_clock():
    # given
    before = real_time()

    # when
    child = run_child("")

    # then
    assert before <= child <= real_time()


def test_a_malformed_shift_is_refused_at_start_up():
    # given
    env = {**os.environ, "PYTHONPATH": str(SHIFTED_CLOCK_DIR), "PORTAL_TEST_CLOCK_SHIFT_DAYS": "two years"}

    # when
    done = subprocess.run([sys.executable, "-c", "pass"], env=env, capture_output=True, text=True, timeout=60)

    # then
    assert done.returncode != 0
    assert "PORTAL_TEST_CLOCK_SHIFT_DAYS must be a whole number of days" in done.stderr
