"""Forms of the poll pages: the poll a convenor tables, and the ballot, with the right widget per method.

They parse and label input and say what is wrong in words a voter can act on; the services (and the
pure core behind them) validate again and decide.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assemblies.membership.models import Membership, Space
from polls import selectors
from polls.core import tally as core_tally
from polls.models import Poll

RANKED = ("schulze", "irv")
METHOD_CHOICES = [
    ("yes-no-abstain", gettext_lazy("Yes / no / abstain")),
    ("plurality", gettext_lazy("One choice (plurality)")),
    ("approval", gettext_lazy("Approval: approve any number, within limits")),
    ("dot", gettext_lazy("Dot voting: spread a budget of points")),
    ("score", gettext_lazy("Score every option")),
    ("majority-judgment", gettext_lazy("Majority judgment: grade every option")),
    ("schulze", gettext_lazy("Ranked: Schulze")),
    ("irv", gettext_lazy("Ranked: instant runoff (IRV)")),
]
SUBJECT_CHOICES = [
    ("motion", gettext_lazy("A motion: yes, no or abstain, or a choice among options you list")),
    ("election", gettext_lazy("An election or a choice among options you list")),
    ("contribution", gettext_lazy("Adopt a tabled amendment or proposal (yes, no or abstain)")),
    ("amendments", gettext_lazy("Choose among the competing amendments of one item (ranked)")),
    ("priorities", gettext_lazy("Set the priorities of a space's items")),
]
ALLOWED_KINDS = {
    "contribution": {"yes-no-abstain"},
    "amendments": set(RANKED),
    "priorities": {"approval", "dot", "score", "majority-judgment", "schulze"},
    "motion": {kind for kind, _label in METHOD_CHOICES},
    "election": {kind for kind, _label in METHOD_CHOICES} - {"yes-no-abstain"},
}
DEFAULT_GRADES = "Reject\nPoor\nAcceptable\nGood\nVery good"
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _number(**attrs):
    return forms.NumberInput(attrs={"inputmode": "numeric", **attrs})


class PollForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    question = forms.CharField(
        label=gettext_lazy("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    subject = forms.ChoiceField(
        label=gettext_lazy("What the poll decides"), choices=SUBJECT_CHOICES, widget=forms.RadioSelect, initial="motion"
    )
    options_text = forms.CharField(
        label=gettext_lazy("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("For a motion with another method than yes/no/abstain, or an election."),
    )
    contribution = forms.ModelChoiceField(
        label=gettext_lazy("Tabled amendment or proposal"), queryset=None, required=False
    )
    item = forms.ModelChoiceField(label=gettext_lazy("Item with competing amendments"), queryset=None, required=False)
    space = forms.ModelChoiceField(
        label=gettext_lazy("Space"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("For priorities: whose items are prioritised."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Method"), choices=METHOD_CHOICES, initial="yes-no-abstain")
    threshold_num = forms.IntegerField(
        label=gettext_lazy("Threshold: more than … (numerator)"), min_value=0, initial=1, widget=_number()
    )
    threshold_den = forms.IntegerField(
        label=gettext_lazy("… out of (denominator)"),
        min_value=1,
        initial=2,
        widget=_number(),
        help_text=gettext_lazy("1 out of 2 is a simple majority; 2 out of 3, two thirds."),
    )
    base = forms.ChoiceField(
        label=gettext_lazy("Counted against"),
        initial="cast",
        choices=[
            ("cast", gettext_lazy("The yes and no votes cast")),
            ("eligible", gettext_lazy("The whole eligible weight")),
        ],
    )
    quorum = forms.IntegerField(
        label=gettext_lazy("Quorum (ballots, abstentions included)"), min_value=0, initial=0, widget=_number()
    )
    seats = forms.IntegerField(label=gettext_lazy("Winners (seats)"), min_value=1, initial=1, widget=_number())
    approval_min = forms.IntegerField(
        label=gettext_lazy("Approval: at least"), min_value=0, initial=0, widget=_number()
    )
    approval_max = forms.IntegerField(
        label=gettext_lazy("Approval: at most"),
        min_value=1,
        required=False,
        widget=_number(),
        help_text=gettext_lazy("Empty: any number of options."),
    )
    budget = forms.IntegerField(
        label=gettext_lazy("Dot voting: points per ballot"), min_value=1, initial=10, widget=_number()
    )
    max_score = forms.IntegerField(label=gettext_lazy("Score: highest score"), min_value=1, initial=5, widget=_number())
    grades = forms.CharField(
        label=gettext_lazy("Majority judgment: grades, worst first, one per line"),
        required=False,
        initial=DEFAULT_GRADES,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    secrecy = forms.ChoiceField(
        label=gettext_lazy("Secrecy"),
        choices=Poll.Secrecy.choices,
        widget=forms.RadioSelect,
        initial=Poll.Secrecy.ROLL_CALL,
    )
    revote = forms.ChoiceField(
        label=gettext_lazy("Voting again"),
        choices=Poll.Revote.choices,
        widget=forms.RadioSelect,
        initial=Poll.Revote.LAST_COUNTS,
    )
    delivery = forms.ChoiceField(
        label=gettext_lazy("Voting codes of a secret poll"),
        choices=Poll.Delivery.choices,
        widget=forms.RadioSelect,
        initial=Poll.Delivery.EMAIL,
    )
    opens_at = forms.DateTimeField(
        label=gettext_lazy("Opens at"),
        required=False,
        widget=_DATETIME,
        help_text=gettext_lazy("Empty: as soon as a convenor opens it."),
    )
    closes_at = forms.DateTimeField(label=gettext_lazy("Closes at"), widget=_DATETIME)
    weights = forms.CharField(
        label=gettext_lazy("Weights (roll-call only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One line per member with a weight other than 1: “email address = weight”."),
    )

    def __init__(self, assembly, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.assembly = assembly
        self.fields["contribution"].queryset = selectors.tabled_contributions(assembly)
        self.fields["contribution"].label_from_instance = lambda c: f"#{c.pk} {c}"
        self.fields["item"].queryset = selectors.items_with_competing_amendments_queryset(assembly)
        self.fields["space"].queryset = Space.objects.filter(assembly=assembly).order_by("position")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        subject, kind = cleaned["subject"], cleaned["kind"]
        if kind not in ALLOWED_KINDS[subject]:
            self.add_error("kind", _("This method does not fit what the poll decides."))
            return cleaned
        self.subject = self._subject(cleaned, subject, kind)
        if self.subject is None:
            return cleaned
        self.method = self._method(cleaned, kind, len(self.subject.options))
        if self.method is not None:
            try:
                core_tally.validate_method(self.method, [o["id"] for o in self.subject.options])
            except core_tally.InvalidMethod as error:
                self.add_error("kind", _("The method's parameters do not fit: %(reason)s.") % {"reason": error})
        cleaned["weights_by_user"] = self._weights(cleaned.get("weights") or "")
        return cleaned

    def _subject(self, cleaned, subject, kind):
        if subject in ("motion", "election"):
            if kind == "yes-no-abstain":
                return selectors.Subject(
                    type="motion",
                    refs=[],
                    contributions=[],
                    options=selectors.yes_no_abstain_options(),
                    space=cleaned.get("space"),
                )
            options = selectors.listed_options(cleaned.get("options_text", "").splitlines())
            if len(options) < 2:
                self.add_error("options_text", _("List at least two options, one per line."))
                return None
            return selectors.Subject(
                type=subject, refs=[], contributions=[], options=options, space=cleaned.get("space")
            )
        if subject == "contribution":
            if cleaned.get("contribution") is None:
                self.add_error("contribution", _("Choose the tabled amendment or proposal."))
                return None
            return selectors.subject_for_contribution(cleaned["contribution"])
        if subject == "amendments":
            if cleaned.get("item") is None:
                self.add_error("item", _("Choose an item with at least two tabled amendments."))
                return None
            return selectors.subject_for_competing_amendments(cleaned["item"])
        if cleaned.get("space") is None:
            self.add_error("space", _("Choose the space whose items are prioritised."))
            return None
        found = selectors.subject_for_priorities(cleaned["space"])
        if len(found.options) < 2:
            self.add_error("space", _("This space has fewer than two items to prioritise."))
            return None
        return found

    def _method(self, cleaned, kind, option_count):
        method = {"kind": kind}
        if kind == "yes-no-abstain":
            method.update(
                threshold={"num": cleaned["threshold_num"], "den": cleaned["threshold_den"]},
                base=cleaned["base"],
                quorum=cleaned["quorum"],
            )
        elif kind == "approval":
            method.update(min=cleaned["approval_min"], max=cleaned.get("approval_max") or option_count)
        elif kind == "dot":
            method["budget"] = cleaned["budget"]
        elif kind == "score":
            method["max_score"] = cleaned["max_score"]
        elif kind == "majority-judgment":
            grades = [line.strip() for line in (cleaned.get("grades") or "").splitlines() if line.strip()]
            if len(grades) < 2:
                self.add_error("grades", _("List at least two grades, worst first."))
                return None
            method["grades"] = grades
        if kind != "irv" and kind != "yes-no-abstain" and cleaned["seats"] != 1:
            method["seats"] = cleaned["seats"]
        return method

    def _weights(self, text: str) -> dict[str, int]:
        weights = {}
        members = {
            m.user.email.lower(): m.user_id
            for m in Membership.objects.filter(assembly=self.assembly).select_related("user")
        }
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            email, _sep, weight = line.rpartition("=")
            user_id = members.get(email.strip().lower())
            if user_id is None or not weight.strip().isdigit() or int(weight) < 1:
                self.add_error(
                    "weights", _("Line %(n)d: write “email address of a member = whole number”.") % {"n": number}
                )
                continue
            weights[str(user_id)] = int(weight)
        return weights


class BallotForm(forms.Form):
    """One ballot for the poll's method; `choice` (after is_valid) is what goes on the board."""

    def __init__(self, poll: Poll, data=None, *, with_code: bool = False):
        super().__init__(data)
        self.poll = poll
        self.kind = poll.kind
        self.option_fields: list[tuple[str, str]] = []  # (field name, option id)
        if with_code:
            self.fields["code"] = forms.CharField(
                label=_("Your voting code"),
                max_length=64,
                help_text=_(
                    "24 letters and digits, as on your credential sheet or email; dashes and spaces do not matter."
                ),
                widget=forms.TextInput(
                    attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
                ),
            )
        method, options = poll.method, poll.options
        labelled = [(o["id"], o["label"]) for o in options]
        if self.kind in ("yes-no-abstain", "plurality"):
            self.fields["choice"] = forms.ChoiceField(
                label=_("Your choice"), choices=labelled, widget=forms.RadioSelect
            )
        elif self.kind == "approval":
            self.fields["choice"] = forms.MultipleChoiceField(
                label=_("The options you approve"),
                choices=labelled,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Approve from %(min)d to %(max)d options.") % {"min": method["min"], "max": method["max"]},
            )
        else:
            for index, (option_id, label) in enumerate(labelled):
                name = f"o{index}"
                self.option_fields.append((name, option_id))
                self.fields[name] = self._option_field(method, label, option_id, len(options))

    def _option_field(self, method, label, option_id, count):
        attrs = {"data-option": option_id}
        if self.kind == "majority-judgment":
            grades = [("", _("Choose a grade"))] + [(str(i), grade) for i, grade in enumerate(method["grades"])]
            return forms.ChoiceField(label=label, choices=grades, widget=forms.Select(attrs=attrs))
        if self.kind == "dot":
            return forms.IntegerField(
                label=label, min_value=0, max_value=method["budget"], required=False, widget=_number(**attrs)
            )
        if self.kind == "score":
            return forms.IntegerField(
                label=label, min_value=0, max_value=method["max_score"], required=False, widget=_number(**attrs)
            )
        return forms.IntegerField(label=label, min_value=1, max_value=count, required=False, widget=_number(**attrs))

    @property
    def instructions(self) -> str:
        method = self.poll.method
        if self.kind == "dot":
            return _("Spread up to %(budget)d points over the options; leave empty what gets none.") % {
                "budget": method["budget"]
            }
        if self.kind == "score":
            return _("Score every option from 0 to %(max)d; an empty box counts as 0.") % {"max": method["max_score"]}
        if self.kind == "majority-judgment":
            return _("Give every option a grade.")
        if self.kind in RANKED:
            return _(
                "Number the options in your order of preference: 1 for your first choice, 2 for the next… "
                "Leave empty the options you do not rank."
            )
        return ""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        method = self.poll.method
        if self.kind in ("yes-no-abstain", "plurality"):
            self.choice = cleaned["choice"]
        elif self.kind == "approval":
            self.choice = sorted(cleaned["choice"])
            low, high = method["min"], method["max"]
            if len(self.choice) > high:
                self.add_error(
                    "choice",
                    ngettext("Approve at most %(n)d option.", "Approve at most %(n)d options.", high) % {"n": high},
                )
            elif len(self.choice) < low:
                self.add_error(
                    "choice",
                    ngettext("Approve at least %(n)d option.", "Approve at least %(n)d options.", low) % {"n": low},
                )
        elif self.kind == "dot":
            self.choice = {option: cleaned[name] for name, option in self.option_fields if cleaned.get(name)}
            spent = sum(self.choice.values())
            if spent > method["budget"]:
                self.add_error(
                    None,
                    _("You gave %(spent)d points, but the budget is %(budget)d.")
                    % {"spent": spent, "budget": method["budget"]},
                )
        elif self.kind == "score":
            self.choice = {option: cleaned.get(name) or 0 for name, option in self.option_fields}
        elif self.kind == "majority-judgment":
            self.choice = {option: int(cleaned[name]) for name, option in self.option_fields}
        else:
            ranked = [
                (cleaned[name], name, option) for name, option in self.option_fields if cleaned.get(name) is not None
            ]
            seen: dict[int, str] = {}
            for rank, name, _option in ranked:
                if rank in seen:
                    self.add_error(name, _("Rank %(rank)d is given twice.") % {"rank": rank})
                seen.setdefault(rank, name)
            if self.errors:
                self.add_error(
                    None, _("Two options have the same rank: give each a different number, or leave it empty.")
                )
            self.choice = [option for _rank, _name, option in sorted(ranked)]
        return cleaned
