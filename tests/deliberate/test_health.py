"""`GET /healthz` reports the database and a round trip through the channel layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.smoke
@pytest.mark.django_db(transaction=True)
async def test_health_is_200_when_database_and_channel_layer_answer(async_client):
    response = await async_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db(transaction=True)
async def test_health_is_503_when_the_channel_layer_does_not_answer(async_client):
    # A real Redis channel layer pointed at a port where nothing listens.
    unreachable = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:9/0", "socket_connect_timeout": 1}]},
        }
    }
    from channels.layers import channel_layers

    with override_settings(CHANNEL_LAYERS=unreachable):
        channel_layers.backends.clear()
        try:
            response = await async_client.get("/healthz")
        finally:
            channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "channel_layer": "unavailable"}


def test_health_is_503_when_the_database_does_not_answer(tmp_path):
    code = (
        "import django, json; django.setup(); from django.test.utils import setup_test_environment;"
        "setup_test_environment(); from django.test import Client;"
        "r = Client().get('/healthz'); print(r.status_code, json.dumps(r.json()))"
    )
    env = dict(os.environ, DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing", DELIBERATE_VAR_DIR=str(tmp_path))
    env.pop("REDIS_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "deliberate.settings"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "unavailable", "database": "unavailable", "channel_layer": "ok"}
