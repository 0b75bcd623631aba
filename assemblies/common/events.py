"""The one way to publish a real-time event: after the surrounding transaction commits.

Services call `publish(group, event)`; a rolled-back change therefore never reaches a client. Payloads
must be JSON-safe (ids and rendered fragments), and never carry a ballot.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def publish(group: str, event: dict) -> None:
    """Send `event` to `group` once the current transaction commits (at once outside a transaction).

    `event["type"]` names the consumer handler, prefixed by app (`debate.message` → `debate_message`).
    """
    if "type" not in event:
        raise ValueError("An event needs a 'type' naming its handler.")
    transaction.on_commit(lambda: _send_rollback_unsafe(group, event), robust=True)


def _send_rollback_unsafe(group: str, event: dict) -> None:
    """Send now, whatever happens to the transaction: only `publish` may call this, after commit."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # a full or unreachable layer must not undo a committed change
        logger.exception("Could not publish %s to %s", event.get("type"), group)
