"""The default cache: Redis, falling back to this process's memory while Redis is unreachable.

The cache holds nothing the portal cannot lose, but DRF's throttles count requests in it, so with a
plain RedisCache a Redis outage turned every API request, sign-in included, into a 500. Here a
connection failure or timeout opens an outage (portal.outage) and the same operation is served by a
LocMemCache of this process instead. Throttles keep counting during the outage, per process: with N
web processes a client gets at most N times the rate, never an unthrottled sign-in or permit check.
When Redis answers again the local copy is dropped, so a later outage does not start from stale
values.

Short socket timeouts bound what one request can lose to a Redis that hangs rather than refuses;
OPTIONS may override them, and RETRY_AFTER sets how long an outage is remembered before Redis is
tried again.
"""

from __future__ import annotations

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from portal.outage import outage_of

# A refused or reset connection, a timeout (BusyLoadingError, a Redis still loading, is a
# ConnectionError too). Other Redis errors are bugs and still raise.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_after = float(options.pop("RETRY_AFTER", 5.0))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        # One immediate retry mends a pooled connection Redis closed (a restart); no backoff sleeps.
        options.setdefault("retry", Retry(NoBackoff(), 1))
        super().__init__(server, {**params, "OPTIONS": options})
        location = server if isinstance(server, str) else ",".join(server)
        self.outage = outage_of("Redis cache", location, retry_after=retry_after)
        # LocMemCache shares its store between instances of one name: one store per process.
        local_options = {"MAX_ENTRIES": 10_000}  # one throttle history per client: room for many
        self.local = LocMemCache(f"redis-fallback:{location}", {**params, "OPTIONS": local_options})

    def _either(self, name: str, *args, **kwargs):
        if not self.outage.skip():
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as exc:
                self.outage.failed(exc)
            else:
                if self.outage.succeeded():
                    self.local.clear()
                return result
        return getattr(self.local, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._either("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._either("delete", key, version)

    def get_many(self, keys, version=None):
        return self._either("get_many", list(keys), version)  # a generator could be read only once

    def has_key(self, key, version=None):
        return self._either("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._either("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._either("delete_many", list(keys), version)

    def clear(self):
        return self._either("clear")
