"""`GET /healthz`: is the database answering, and does a message go round the channel layer?"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 3


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: the database does not answer")
        return False
    finally:
        connection.close_if_unusable_or_obsolete()


async def _channel_layer_answers() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        channel = await layer.new_channel("healthz.")
        await asyncio.wait_for(layer.send(channel, {"type": "health.ping"}), TIMEOUT_SECONDS)
        message = await asyncio.wait_for(layer.receive(channel), TIMEOUT_SECONDS)
        return message.get("type") == "health.ping"
    except Exception:
        logger.exception("Health check: the channel layer does not answer")
        return False


@never_cache
@require_safe
async def healthz(request):
    database_ok = await sync_to_async(_database_answers, thread_sensitive=True)()
    layer_ok = await _channel_layer_answers()
    state = {
        "database": "ok" if database_ok else "unavailable",
        "channel_layer": "ok" if layer_ok else "unavailable",
    }
    healthy = database_ok and layer_ok
    return JsonResponse({"status": "ok" if healthy else "unavailable", **state}, status=200 if healthy else 503)
