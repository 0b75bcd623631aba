"""Forms of the roadmap and its contributions."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from assemblies.roadmap.models import Contribution
from assemblies.roadmap.services.editions import NAME_MAX, NOTES_MAX
from assemblies.roadmap.services.roadmap import IMPORT_MAX_BYTES


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class SubmissionKeyMixin:
    """A hidden idempotency key, made when the form is first shown and kept across re-displays, so
    that a double click (or a resubmission after an error) creates one contribution."""

    def _add_submission_key(self, data):
        self.fields["submission_key"] = forms.CharField(widget=forms.HiddenInput, required=False)
        if data is None:
            self.initial.setdefault("submission_key", new_submission_key())

    def full_clean(self):
        super().full_clean()
        # Hidden fields have no place to show an error: say it once for the whole form.
        if self.is_bound and any(field.errors for field in self.hidden_fields()) and not self.non_field_errors():
            self.add_error(None, _("The form expired: please load the page again and resubmit."))


def _text_area(rows=8, **attrs):
    return forms.Textarea(attrs={"rows": rows, **attrs})


class ImportForm(forms.Form):
    text = forms.CharField(
        label=_("Roadmap text"),
        required=False,
        widget=_text_area(14),
        help_text=_("Plain text or Markdown: headings become spaces, numbered points items."),
    )
    file = forms.FileField(
        label=_("Or a file"), required=False, help_text=_("A UTF-8 text or Markdown file, at most 1 MB.")
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=500, initial=_("Imported from the source document.")
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            if upload.size > IMPORT_MAX_BYTES:
                self.add_error("file", _("The file is larger than 1 MB."))
                return cleaned
            try:
                cleaned["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("file", _("This file is not UTF-8 text."))
                return cleaned
        if not (cleaned.get("text") or "").strip() and not self.has_error("file"):
            self.add_error("text", _("Paste the roadmap or choose a file."))
        return cleaned


class EditItemForm(forms.Form):
    text = forms.CharField(label=_("Text of the item"), widget=_text_area(6), strip=False)
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=500, help_text=_("Shown in the roadmap's history, e.g. “typo”.")
    )


class ProposalForm(SubmissionKeyMixin, forms.Form):
    title = forms.CharField(label=_("Title"))
    text = forms.CharField(
        label=_("Text of the proposed item"), widget=_text_area(8), strip=False, help_text=_("Markdown is allowed.")
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self._add_submission_key(data)


class AmendItemForm(SubmissionKeyMixin, forms.Form):
    change = forms.ChoiceField(
        label=_("What the amendment does"),
        choices=Contribution.Change.choices,
        initial=Contribution.Change.EDIT,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("New text"),
        required=False,
        widget=_text_area(6),
        strip=False,
        help_text=_("Leave as it is when deleting the item."),
    )
    title = forms.CharField(
        label=_("Short title"), required=False, help_text=_("Optional: what the amendment is about.")
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self._add_submission_key(data)


class AmendProposalForm(SubmissionKeyMixin, forms.Form):
    change = forms.ChoiceField(
        label=_("What the amendment does"),
        widget=forms.RadioSelect,
        initial=Contribution.Change.EDIT,
        choices=[
            (Contribution.Change.EDIT, Contribution.Change.EDIT.label),
            (Contribution.Change.REPLACE, Contribution.Change.REPLACE.label),
        ],
    )
    text = forms.CharField(label=_("New text"), widget=_text_area(8), strip=False)
    title = forms.CharField(label=_("Short title"), required=False)
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self._add_submission_key(data)


class EditContributionForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False)
    text = forms.CharField(label=_("Text"), required=False, widget=_text_area(8), strip=False)


class RebaseForm(forms.Form):
    # Not required here: a deleting amendment has no text; the service says when one is missing.
    text = forms.CharField(
        label=_("Amended text, against the current text"), required=False, widget=_text_area(8), strip=False
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect, choices=[("adopt", _("Adopted")), ("reject", _("Not adopted"))]
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=_text_area(3),
        help_text=_("How it was decided, e.g. “plenary vote of 12 March”."),
    )


# Editions -----------------------------------------------------------------------------------------
# The form of a roadmap edition: it parses and labels input; `assemblies.roadmap.services.editions` validates
# (name, version, length, permission) and decides.


class EditionForm(forms.Form):
    # What the submit button asked for: publish, only show the notes rendered, or regenerate them.
    ACTIONS = ("publish", "preview", "generate")

    version = forms.IntegerField(
        label=_("Version to publish"),
        min_value=1,
        help_text=_("“Generate the notes again” rewrites the notes below for the version chosen here."),
    )
    name = forms.CharField(
        label=_("Name of the edition"),
        max_length=NAME_MAX,
        strip=False,
        help_text=_("For example “Roadmap 2026”. Its address is made from it."),
    )
    notes = forms.CharField(
        label=_("Release notes"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "maxlength": NOTES_MAX}),
        help_text=_("Markdown. Generated from the changes since the previous edition; edit them as you wish."),
    )

    def action(self, data) -> str:
        asked = (data or {}).get("action", "publish")
        return asked if asked in self.ACTIONS else "publish"
