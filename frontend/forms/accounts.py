"""Forms of the account pages (allauth renders the sign-up form with these extra fields)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assemblies.accounts import services
from assemblies.accounts.models import User


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's sign-up form; allauth calls `signup` once the user exists."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("How other members see you. Leave empty to use the start of your email address."),
    )

    def signup(self, request, user):
        services.update_account(
            user=user,
            display_name=self.cleaned_data["display_name"],
            language=getattr(request, "LANGUAGE_CODE", "") or "",
            notify_by_email=user.notify_by_email,
        )


class AccountForm(forms.Form):
    """What a person may change about themselves; `services.update_account` applies it."""

    display_name = forms.CharField(label=_("Display name"), max_length=80, required=False)
    language = forms.ChoiceField(
        label=_("Interface language"),
        choices=[("", _("Follow my browser"))] + list(settings.LANGUAGES),
        required=False,
    )
    notify_by_email = forms.ChoiceField(
        label=_("Email notifications"),
        choices=User.Notify.choices,
        help_text=_("When to email you about amendments, outcomes and phase changes."),
    )

    @classmethod
    def for_user(cls, user, data=None):
        initial = {
            "display_name": user.display_name,
            "language": user.language,
            "notify_by_email": user.notify_by_email,
        }
        return cls(data, initial=initial)
