"""The shared cache, kept working through a Redis outage.

Rate limits (allauth's and ours) and allauth's memory of used two-factor codes
live in the cache. With Redis unreachable every cache call raises, and every
sign-in would answer 500. `FailoverCache` sends each call to the primary cache
(Redis) and, while it cannot be reached, to the fallback (the database cache,
shared by every process, so the limits still hold across processes rather than
per process). The outage is logged once per process when it starts and once
when Redis answers again; the primary is tried again every `RETRY_SECONDS`, so
a Redis that hangs costs one timeout per interval, not one per request.

Counters kept in Redis when it went down are not copied: a rate-limit window
starts afresh in the fallback. That is the price of staying up; it gives an
attacker at most one more window per outage.

Only "cannot reach the server" errors fail over. Anything else (a wrong type,
a bug) still raises, so it is seen rather than hidden.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
T = TypeVar("T")


class _PrimaryHealth:
    """Per process and primary alias (Django makes a cache object per thread, the outage is the process's)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0


_health: dict[str, _PrimaryHealth] = {}
_health_lock = threading.Lock()


def _health_of(alias: str) -> _PrimaryHealth:
    with _health_lock:
        return _health.setdefault(alias, _PrimaryHealth())


class FailoverCache(BaseCache):
    """OPTIONS: PRIMARY and FALLBACK (aliases in CACHES), RETRY_SECONDS (default 30)."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self.primary_alias: str = options["PRIMARY"]
        self.fallback_alias: str = options["FALLBACK"]
        self.retry_seconds = float(options.get("RETRY_SECONDS", 30))
        self.health = _health_of(self.primary_alias)

    def _call(self, operation: Callable[[BaseCache], T]) -> T:
        health = self.health
        if not health.down or time.monotonic() >= health.retry_at:
            try:
                result = operation(caches[self.primary_alias])
            except UNREACHABLE as error:
                self._primary_failed(error)
            else:
                self._primary_answered()
                return result
        return operation(caches[self.fallback_alias])

    def _primary_failed(self, error: Exception) -> None:
        health = self.health
        with health.lock:
            health.retry_at = time.monotonic() + self.retry_seconds
            if health.down:
                return
            health.down = True
        # The class of the error only: its text may name the server, never the URL (it can hold a password).
        logger.warning(
            "Shared cache %r unreachable (%s): using %r until it answers again; rate limits keep working.",
            self.primary_alias,
            type(error).__name__,
            self.fallback_alias,
        )

    def _primary_answered(self) -> None:
        health = self.health
        if not health.down:
            return
        with health.lock:
            if not health.down:
                return
            health.down = False
        logger.warning("Shared cache %r answers again: back from %r.", self.primary_alias, self.fallback_alias)

    def add(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(lambda cache: cache.add(key, value, timeout, version))

    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        return self._call(lambda cache: cache.get(key, default, version))

    def set(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call(lambda cache: cache.set(key, value, timeout, version))

    def touch(self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(lambda cache: cache.touch(key, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda cache: cache.delete(key, version))

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        wanted = list(keys)  # an iterator could be used up by a failed first try
        return self._call(lambda cache: cache.get_many(wanted, version))

    def set_many(
        self, data: dict[Any, Any], timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._call(lambda cache: cache.set_many(data, timeout, version))

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        doomed = list(keys)
        self._call(lambda cache: cache.delete_many(doomed, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda cache: cache.has_key(key, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call(lambda cache: cache.incr(key, delta, version))

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call(lambda cache: cache.decr(key, delta, version))

    def clear(self) -> None:
        self._call(lambda cache: cache.clear())
