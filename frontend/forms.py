"""Forms of the co-construction pages: they parse and label input; the services validate and decide.

Length and emptiness limits live in `assemblies.services.text` (the one place that enforces them);
the forms only mark what is required so that the pages say so, and the views put a service's
`InvalidInput` on the field it names.
"""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assemblies.models import Assembly, Contribution, Phase, Role
from assemblies.services.roadmap import IMPORT_MAX_BYTES


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


class AssemblyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.CharField(
        label=_("Short name in addresses"), required=False, max_length=60,
        help_text=_("Letters, digits and dashes; made from the name when left empty."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=_text_area(5),
                                  help_text=_("Markdown is allowed."))
    visibility = forms.ChoiceField(label=_("Who can read it"), choices=Assembly.Visibility.choices,
                                   initial=Assembly.Visibility.PUBLIC, widget=forms.RadioSelect)
    languages = forms.MultipleChoiceField(label=_("Working languages"), required=False, choices=settings.LANGUAGES,
                                          widget=forms.CheckboxSelectMultiple)


class JoinRequestForm(forms.Form):
    message = forms.CharField(label=_("Message to the convenors"), required=False, widget=_text_area(4))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class JoinRequestDecisionForm(forms.Form):
    accept = forms.TypedChoiceField(choices=[("yes", _("Accept")), ("no", _("Refuse"))],
                                    coerce=lambda value: value == "yes")


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)


class ImportForm(forms.Form):
    text = forms.CharField(label=_("Roadmap text"), required=False, widget=_text_area(14),
                           help_text=_("Plain text or Markdown: headings become spaces, numbered points items."))
    file = forms.FileField(label=_("Or a file"), required=False,
                           help_text=_("A UTF-8 text or Markdown file, at most 1 MB."))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500,
                             initial=_("Imported from the source document."))

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
    reason = forms.CharField(label=_("Reason for the change"), max_length=500,
                             help_text=_("Shown in the roadmap's history, e.g. “typo”."))


class ProposalForm(SubmissionKeyMixin, forms.Form):
    title = forms.CharField(label=_("Title"))
    text = forms.CharField(label=_("Text of the proposed item"), widget=_text_area(8), strip=False,
                           help_text=_("Markdown is allowed."))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self._add_submission_key(data)


class AmendItemForm(SubmissionKeyMixin, forms.Form):
    change = forms.ChoiceField(label=_("What the amendment does"), choices=Contribution.Change.choices,
                               initial=Contribution.Change.EDIT, widget=forms.RadioSelect)
    text = forms.CharField(label=_("New text"), required=False, widget=_text_area(6), strip=False,
                           help_text=_("Leave as it is when deleting the item."))
    title = forms.CharField(label=_("Short title"), required=False,
                            help_text=_("Optional: what the amendment is about."))
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self._add_submission_key(data)


class AmendProposalForm(SubmissionKeyMixin, forms.Form):
    change = forms.ChoiceField(
        label=_("What the amendment does"), widget=forms.RadioSelect, initial=Contribution.Change.EDIT,
        choices=[(Contribution.Change.EDIT, Contribution.Change.EDIT.label),
                 (Contribution.Change.REPLACE, Contribution.Change.REPLACE.label)],
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
    text = forms.CharField(label=_("Amended text, against the current text"), required=False, widget=_text_area(8),
                           strip=False)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                choices=[("adopt", _("Adopted")), ("reject", _("Not adopted"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=_text_area(3),
                           help_text=_("How it was decided, e.g. “plenary vote of 12 March”."))
