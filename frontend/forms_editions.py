"""The form of a roadmap edition: it parses and labels input; `assemblies.services.editions` validates
(name, version, length, permission) and decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assemblies.services.editions import NAME_MAX, NOTES_MAX


class EditionForm(forms.Form):
    # What the submit button asked for: publish, only show the notes rendered, or regenerate them.
    ACTIONS = ("publish", "preview", "generate")

    version = forms.IntegerField(
        label=_("Version to publish"), min_value=1,
        help_text=_("“Generate the notes again” rewrites the notes below for the version chosen here."),
    )
    name = forms.CharField(label=_("Name of the edition"), max_length=NAME_MAX, strip=False,
                           help_text=_("For example “Roadmap 2026”. Its address is made from it."))
    notes = forms.CharField(
        label=_("Release notes"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "maxlength": NOTES_MAX}),
        help_text=_("Markdown. Generated from the changes since the previous edition; edit them as you wish."),
    )

    def action(self, data) -> str:
        asked = (data or {}).get("action", "publish")
        return asked if asked in self.ACTIONS else "publish"
