"""Racing calls on real PostgreSQL: each call in its own thread, all released together by a barrier.

Every thread closes its own database connection, a hung thread fails the test, and an exception in
any thread is raised in the test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_together(calls: list[Callable[[], T]], *, timeout: float = 60) -> list[T]:
    """The results of the calls, in the order they finished; `timeout` seconds before one counts as hung."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            barrier.wait()
            result = call()
            with lock:
                results.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a call hung"
    if errors:
        raise errors[0]
    return results


def race(calls: list[Callable[[], object]]) -> list[tuple[int, dict]]:
    """HTTP calls made together: (status, JSON body) of each response."""
    return run_together([lambda call=call: _answer(call()) for call in calls])


def _answer(response) -> tuple[int, dict]:
    return response.status_code, response.json()
