"""Forms of assemblies and their members."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assemblies.membership.models import Assembly, Phase, Role
from frontend.forms.roadmap import _text_area


class AssemblyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.CharField(
        label=_("Short name in addresses"),
        required=False,
        max_length=60,
        help_text=_("Letters, digits and dashes; made from the name when left empty."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=_text_area(5), help_text=_("Markdown is allowed.")
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=Assembly.Visibility.choices,
        initial=Assembly.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"), required=False, choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(label=_("Message to the convenors"), required=False, widget=_text_area(4))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class JoinRequestDecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("yes", _("Accept")), ("no", _("Refuse"))], coerce=lambda value: value == "yes"
    )


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
