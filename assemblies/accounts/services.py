"""State changes of user accounts (allauth owns sign-up, emails and passwords)."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import transaction

from assemblies.accounts.models import User
from assemblies.common.errors import InvalidInput


class InvalidAccountChange(InvalidInput):
    """The change asked for cannot be applied; the message says why."""


def update_account(*, user: User, display_name: str, language: str, notify_by_email: str) -> User:
    """Set what a person may change about themselves.

    Requires a saved user. Guarantees an NFC, stripped display name of at most 80 characters, a language
    among settings.LANGUAGES (or empty for the browser's), and a known notification frequency.
    """
    display_name = unicodedata.normalize("NFC", display_name or "").strip()
    if len(display_name) > 80:
        raise InvalidAccountChange("The display name must be at most 80 characters.")
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidAccountChange(f"Unknown language {language!r}.")
    if notify_by_email not in User.Notify.values:
        raise InvalidAccountChange(f"Unknown notification setting {notify_by_email!r}.")
    with transaction.atomic():
        user.display_name = display_name
        user.language = language
        user.notify_by_email = notify_by_email
        user.save(update_fields=["display_name", "language", "notify_by_email"])
    return user


def create_account(
    *, email: str, password: str | None, display_name: str = "", language: str = "", verified: bool = True
) -> User:
    """Create a person's account outside the sign-up form (demo data, imports, tests).

    The email address is recorded with allauth as primary and, when `verified`, as confirmed, so the
    account can log in at once. Refuses an address that is already taken, whatever its case.
    """
    from allauth.account.models import EmailAddress

    email = email.strip().lower()  # allauth stores and looks up addresses in lower case
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidAccountChange(f"An account with the address {email} already exists.")
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password)
        update_account(user=user, display_name=display_name, language=language, notify_by_email=user.notify_by_email)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user
