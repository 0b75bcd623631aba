"""Settings come from the environment: each variable, its default, and the production check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "EMAIL_HOST",
    "EMAIL_BACKEND",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "DELIBERATE_BOARD_KEY",
    "HTTPS",
    "REDIS_MAX_CONNECTIONS",
]

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "db": settings.DATABASES["default"],
    "layer": settings.CHANNEL_LAYERS["default"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "secret": settings.SECRET_KEY, "secret_generated": settings.SECRET_KEY_GENERATED,
    "board": settings.DELIBERATE_BOARD_KEY, "board_generated": settings.DELIBERATE_BOARD_KEY_GENERATED,
    "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS, "csrf": settings.CSRF_TRUSTED_ORIGINS,
    "email": settings.EMAIL_BACKEND, "email_host": settings.EMAIL_HOST, "email_port": settings.EMAIL_PORT,
    "session_secure": settings.SESSION_COOKIE_SECURE, "hsts": settings.SECURE_HSTS_SECONDS,
}, default=str))
"""


def run(code: str, var_dir: Path, args=(), **environment) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="deliberate.settings", DELIBERATE_VAR_DIR=str(var_dir), **environment)
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def resolved(var_dir: Path, **environment) -> dict:
    result = run(PRINT_SETTINGS, var_dir, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_are_embedded_sqlite_in_memory_layer_and_console_email(tmp_path):
    settings = resolved(tmp_path)
    assert settings["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["db"]["NAME"] == str(tmp_path / "deliberate.sqlite3")
    assert settings["layer"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert settings["cache"].endswith("LocMemCache")
    assert settings["debug"] is False
    assert settings["hosts"] == ["localhost", "127.0.0.1", "[::1]"]
    assert settings["csrf"] == []
    assert settings["email"] == "django.core.mail.backends.console.EmailBackend"
    assert settings["session_secure"] is False


def test_secret_key_is_generated_once_into_var_and_reused(tmp_path):
    first = resolved(tmp_path)
    second = resolved(tmp_path)
    assert first["secret_generated"] is True
    assert len(first["secret"]) >= 50
    assert first["secret"] == second["secret"]
    assert (tmp_path / "secret_key").read_text().strip() == first["secret"]
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_secret_key_from_the_environment_wins(tmp_path):
    settings = resolved(tmp_path, SECRET_KEY="s3cret-from-env")
    assert settings["secret"] == "s3cret-from-env"
    assert settings["secret_generated"] is False
    assert not (tmp_path / "secret_key").exists()


def test_board_key_is_generated_in_development_and_taken_from_the_environment(tmp_path):
    generated = resolved(tmp_path)
    kid, seed = generated["board"].split(":")
    assert kid.startswith("board-") and len(seed) == 43
    assert generated["board_generated"] is True
    configured = resolved(tmp_path, DELIBERATE_BOARD_KEY=generated["board"])
    assert configured["board_generated"] is False


def test_database_url_selects_postgresql(tmp_path):
    settings = resolved(tmp_path, DATABASE_URL="postgres://alice:pw@db.example:5433/deliberate")
    assert settings["db"]["ENGINE"] == "django.db.backends.postgresql"
    assert (settings["db"]["HOST"], settings["db"]["PORT"], settings["db"]["NAME"]) == (
        "db.example",
        5433,
        "deliberate",
    )


def test_redis_url_selects_channels_redis_with_a_pool_for_a_thousand_sockets(tmp_path):
    settings = resolved(tmp_path, REDIS_URL="redis://127.0.0.1:6379/3")
    assert settings["layer"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    host = settings["layer"]["CONFIG"]["hosts"][0]
    assert host["address"] == "redis://127.0.0.1:6379/3"
    assert host["max_connections"] >= 1000
    assert settings["cache"].endswith("RedisCache")


def test_debug_hosts_origins_https_and_email_from_the_environment(tmp_path):
    settings = resolved(
        tmp_path,
        DEBUG="true",
        ALLOWED_HOSTS="vote.example.org, www.vote.example.org",
        CSRF_TRUSTED_ORIGINS="https://vote.example.org",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="2525",
        HTTPS="on",
    )
    assert settings["debug"] is True
    assert settings["hosts"] == ["vote.example.org", "www.vote.example.org"]
    assert settings["csrf"] == ["https://vote.example.org"]
    assert settings["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (settings["email_host"], settings["email_port"]) == ("smtp.example.org", 2525)
    assert settings["session_secure"] is True
    assert settings["hsts"] == 31536000


def test_a_malformed_boolean_is_refused_with_its_name(tmp_path):
    result = run(PRINT_SETTINGS, tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_deploy_check_refuses_in_memory_layer_generated_secret_and_missing_board_key(tmp_path):
    result = run("", tmp_path, args=["manage.py", "check", "--deploy"])
    assert result.returncode != 0
    for code in ("deliberate.E001", "deliberate.E002", "deliberate.E003"):
        assert code in result.stderr


def test_deploy_check_passes_the_project_checks_when_production_is_configured(tmp_path):
    board = resolved(tmp_path)["board"]
    result = run(
        "",
        tmp_path,
        args=["manage.py", "check", "--deploy"],
        SECRET_KEY="x" * 64 + "-a-long-random-production-secret",
        DELIBERATE_BOARD_KEY=board,
        REDIS_URL="redis://127.0.0.1:6379/15",
        HTTPS="true",
        ALLOWED_HOSTS="vote.example.org",
    )
    assert "deliberate.E00" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
