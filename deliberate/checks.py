"""Deploy checks: `manage.py check --deploy` fails on a configuration unfit for production."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def production_configuration(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    errors = []
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    if backend.endswith("InMemoryChannelLayer"):
        errors.append(
            Error(
                "The in-memory channel layer serves one process only.",
                hint="Set REDIS_URL so that every Daphne process shares real-time events.",
                id="deliberate.E001",
            )
        )
    if settings.SECRET_KEY_GENERATED:
        errors.append(
            Error(
                "SECRET_KEY was generated into var/ on this machine.",
                hint="Set SECRET_KEY in the environment, the same for every process.",
                id="deliberate.E002",
            )
        )
    if settings.DELIBERATE_BOARD_KEY_GENERATED:
        errors.append(
            Error(
                "No board signing key is configured (DELIBERATE_BOARD_KEY): one was generated into var/.",
                hint="Generate one with `python manage.py generate_board_key` and set "
                "DELIBERATE_BOARD_KEY, the same for every process; keep it secret and backed up.",
                id="deliberate.E003",
            )
        )
    return errors
