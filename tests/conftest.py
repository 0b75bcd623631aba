"""Shared test setup: real services where the tests need them, and clear skips or failures otherwise.

In CI (`CI=true`) a test marked `postgres`, `redis` or `browser` whose service is missing FAILS; on a
laptop without the service it is skipped with a message that says what to start.
"""

from __future__ import annotations

import os
import shutil

import pytest

CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config):
    from django.conf import settings

    # Password hashing is deliberately slow; tests create many accounts and test no hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def missing_service(message: str):
    if CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(message)


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        from django.conf import settings

        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            missing_service(
                "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/deliberate "
                "(`make test` does when the server answers)"
            )
    if item.get_closest_marker("redis"):
        from django.conf import settings

        if not settings.REDIS_URL:
            missing_service("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15 (`make test` does when it answers)")
        elif not _redis_answers(settings.REDIS_URL):
            missing_service(f"needs Redis, which does not answer at {settings.REDIS_URL}")
    if item.get_closest_marker("browser"):
        if not os.path.exists(CHROMIUM):
            missing_service("needs Debian's chromium (`apt-get install chromium`; `make test` installs it as root)")


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory):
    """Pages link fingerprinted assets, as in production: collect them once for the session."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    # Through override_settings, so that a static storage already built (with the old root and no
    # manifest) is dropped and rebuilt on the collected files, whichever test touched it first.
    override = override_settings(STATIC_ROOT=tmp_path_factory.mktemp("static"))
    override.enable()
    call_command("collectstatic", interactive=False, verbosity=0)
    yield
    override.disable()


@pytest.fixture(autouse=True)
def _default_language():
    """A request leaves its language active in the thread; each test starts in the default one."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own channel layer. channels_redis binds its asyncio locks and connection pools
    to the event loop that first used them, and every async test runs its own loop: a lock still held
    when a test's loop closed (a receive's backup cleaner cut short) broke the receives of a later
    test, depending on the order."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: each test starts with none spent."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright's sync API."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's guard would refuse ORM calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
