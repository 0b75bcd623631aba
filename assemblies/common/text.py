"""Validation of user-supplied text: NFC, trimmed, within limits (rendering sanitises it later)."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from assemblies.common.errors import InvalidInput

TITLE_MAX = 200
TEXT_MAX = 5000


def clean_text(value: str | None, *, field: str, required: bool = True, max_length: int = TEXT_MAX) -> str:
    """NFC-normalise, normalise line endings, strip; refuse empty (when required) or too long."""
    value = unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if required and not value:
        raise InvalidInput(_("This cannot be empty."), field=field)
    if len(value) > max_length:
        raise InvalidInput(
            _("This is %(length)d characters long; the limit is %(limit)d.")
            % {"length": len(value), "limit": max_length},
            field=field,
        )
    if "\x00" in value:
        raise InvalidInput(_("This contains a character that cannot be stored."), field=field)
    return value


def clean_item_text(value: str | None, *, field: str = "text") -> str:
    """Roadmap items are one paragraph: line breaks inside become spaces."""
    return " ".join(clean_text(value, field=field).split())
