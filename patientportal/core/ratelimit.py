"""A fixed-window counter in the shared cache (never the session), for
endpoints allauth does not cover, such as invitation links."""

import hashlib
import time

from django.core.cache import cache


def limit_exceeded(*, scope: str, key: str, limit: int, period_seconds: int) -> bool:
    """Count one attempt for `key`; True once more than `limit` were made in the current window."""
    window = int(time.time() // period_seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    if cache.add(cache_key, 1, timeout=period_seconds):
        return False
    try:
        return cache.incr(cache_key) > limit
    except ValueError:  # the window expired between add and incr
        cache.add(cache_key, 1, timeout=period_seconds)
        return False
