"""Reading settings from the environment, with clear errors for malformed values.

Kept free of Django imports: settings import it before Django is configured.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigurationError(ValueError):
    """A variable of the environment has a value Deliberate cannot use."""


def string(name: str, *, default: str) -> str:
    return os.environ.get(name, default)


def boolean(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}")


def integer(name: str, *, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None


def listing(name: str, *, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_or_generated(name: str, path: Path, *, generate: Callable[[], str]) -> tuple[str, bool]:
    """The value of `name`, or one generated once into `path` (mode 0600) and reused after.

    Returns the value and whether it was generated, so that the deploy checks can refuse a production
    start on a generated secret.
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value, False
    try:
        return path.read_text().strip(), True
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = generate()
    # O_EXCL: two processes starting at once agree on the first one written.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip(), True
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value, True


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)
