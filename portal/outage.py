"""Remembering, per process, that a dependency (Redis as cache or broker) is down.

While Redis is unreachable each call to it costs a connect timeout; a request that makes several
would pay it several times, and every request would pay it again. So the first failure opens an
outage, callers skip the dependency until `retry_after` seconds have passed, and then one call
tries again: success closes the outage, failure extends it. The log says so once when an outage
begins and once when it ends, not once per request.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger("portal.outage")


class Outage:
    def __init__(self, name: str, *, retry_after: float = 5.0) -> None:
        self.name = name
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._since: float | None = None
        self._until = 0.0

    @property
    def ongoing(self) -> bool:
        """An outage has begun and no call has succeeded since."""
        return self._since is not None

    def skip(self) -> bool:
        """True while callers should not even try: the last failure is younger than `retry_after`."""
        return time.monotonic() < self._until

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._until = now + self.retry_after
            if self._since is not None:
                return
            self._since = now
        logger.warning(
            "%s is unreachable (%s: %s); carrying on without it", self.name, type(exc).__name__, exc
        )

    def succeeded(self) -> bool:
        """Close the outage; True only for the call that closed it (the caller may tidy up once)."""
        if self._since is None:  # the common case, without the lock
            return False
        with self._lock:
            since, self._since, self._until = self._since, None, 0.0
        if since is None:
            return False
        logger.warning("%s is back after %.0f s", self.name, time.monotonic() - since)
        return True


_outages: dict[tuple[str, str], Outage] = {}
_outages_lock = threading.Lock()


def outage_of(kind: str, url: str, *, retry_after: float = 5.0) -> Outage:
    """One outage per dependency and process, shared by all threads (and per-thread clients) using it."""
    with _outages_lock:
        key = (kind, url)
        if key not in _outages:
            _outages[key] = Outage(f"{kind} at {_without_password(url)}", retry_after=retry_after)
        return _outages[key]


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
