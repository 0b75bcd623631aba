"""The Redis cache with one client (and connection pool) per process.

Django keeps a cache object per request context, and under ASGI each request runs in a thread of its own:
with Django's RedisCache every request that touched the cache (rate limits, allauth's log-in allowances)
built a new client and opened a new connection to Redis. The client is thread-safe (redis-py's pool), so
the processes' requests share one here.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class SharedRedisCache(RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
