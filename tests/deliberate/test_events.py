"""Events reach the channel layer after commit, and never when the change is rolled back."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from assemblies.common.events import publish

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """The after-commit rule does not depend on the backend; the Redis path is covered by the
    integration test with two Daphne processes. (A channels_redis receive is bound to one event loop,
    which these synchronous probes would cross.)"""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = IN_MEMORY
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _listen(group):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return layer, channel


def _pending(layer, channel):
    import asyncio

    async def receive():
        try:
            return await asyncio.wait_for(layer.receive(channel), 0.2)
        except TimeoutError:
            return None

    return async_to_sync(receive)()


@pytest.mark.django_db(transaction=True)
def test_event_is_sent_after_commit():
    layer, channel = _listen("debate.1")
    with transaction.atomic():
        publish("debate.1", {"type": "debate.message", "id": 7})
        assert _pending(layer, channel) is None
    assert _pending(layer, channel) == {"type": "debate.message", "id": 7}


@pytest.mark.django_db(transaction=True)
def test_event_of_a_rolled_back_change_is_never_sent():
    layer, channel = _listen("debate.2")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            publish("debate.2", {"type": "debate.message", "id": 8})
            raise RuntimeError("refused")
    assert _pending(layer, channel) is None


def test_event_without_a_type_is_refused():
    with pytest.raises(ValueError):
        publish("debate.3", {"id": 1})
