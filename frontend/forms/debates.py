"""Forms of the debate pages: they parse and label input; `assemblies.debates.services.debates` validates
(emptiness, size, permissions, rate) and decides."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from assemblies.debates.models import MESSAGE_MAX, Stance


class PostForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MESSAGE_MAX}),
        help_text=_("Markdown: *emphasis*, **strong**, lists, quotes and links."),
    )
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices, required=False)
    reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    view = forms.CharField(widget=forms.HiddenInput, required=False, max_length=10)


class EditMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MESSAGE_MAX}),
    )
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


MUTE_DURATIONS = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


class MuteForm(forms.Form):
    duration = forms.ChoiceField(
        label=_("For"),
        choices=[
            ("15m", _("15 minutes")),
            ("1h", _("an hour")),
            ("1d", _("a day")),
            ("7d", _("a week")),
            ("30d", _("30 days")),
        ],
        initial="1h",
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)

    def duration_delta(self) -> timedelta:
        return MUTE_DURATIONS[self.cleaned_data["duration"]]


class StartSessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    speaking_seconds = forms.TypedChoiceField(
        label=_("Speaking time"),
        coerce=int,
        initial=120,
        choices=[
            (60, _("1 minute")),
            (120, _("2 minutes")),
            (180, _("3 minutes")),
            (300, _("5 minutes")),
            (600, _("10 minutes")),
        ],
    )
    agenda = forms.MultipleChoiceField(label=_("Agenda, in this order"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda"].choices = list(candidates)
