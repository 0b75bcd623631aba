"""Allowances per minute kept in the shared cache (Redis in production), so that every Daphne process
counts against the same allowance: the edges call `spend` before the one service call they make."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.core.cache import cache


def spend(key: str, *, limit: int, now: datetime, window: int = 60) -> int:
    """Count one use of `key` in the current window of `window` seconds.

    Returns 0 when the use is within `limit`, else the seconds until the next window (at least 1)."""
    moment = int(now.timestamp())
    slot_key = f"rate:{key}:{moment // window}"
    cache.add(slot_key, 0, timeout=window * 2)
    try:
        count = cache.incr(slot_key)
    except ValueError:  # expired between add and incr
        cache.set(slot_key, 1, timeout=window * 2)
        count = 1
    if count > limit:
        return window - moment % window
    return 0


def address_key(request) -> str:
    """The visitor's address as allauth reads it (proxies counted by TRUSTED_PROXY_COUNT), under a keyed
    hash: the cache counts per address without holding one."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import PermissionDenied

    try:
        address = get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # no address at all (a Unix socket): all such visitors share one allowance
        address = "unknown"
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]
