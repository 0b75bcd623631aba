"""Requests in different threads share the process's Redis client, and still see each other's counts."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.redis


def test_cache_objects_of_different_threads_share_one_client_and_one_pool(settings):
    seen = []

    def request_thread():
        cache = caches["default"]
        cache.set("shared-client-probe", 1, 30)
        seen.append((cache, cache._cache, cache._cache.get_client(write=True).connection_pool))

    threads = [threading.Thread(target=request_thread) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    caches_seen, clients, pools = zip(*seen)
    assert len({id(c) for c in caches_seen}) == 3  # Django's own per-thread cache objects
    assert len({id(c) for c in clients}) == 1 and len({id(p) for p in pools}) == 1
    assert caches["default"].incr("shared-client-probe") == 2
