"""Dates and numbers as each language writes them: a weighted vote's counts grouped by thousands in its
results, turnout and list (12,500 · 12 500 · 12.500), and a poll's closing date with the month in the
reader's language — never formatted by hand."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from polls import selectors, services

pytestmark = pytest.mark.django_db

MOTION = {"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 0}
GROUPED = {"en": "12,500", "es": "12\xa0500", "fr": "12\xa0500", "pt": "12.500"}
MONTHS = {
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "pt": [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
}


def weighted_poll(assembly, people, *, closes_in: timedelta):
    """A roll-call motion where Ana holds 12,500 shares' worth of votes, opened now; Ana and Kofi vote."""
    now = timezone.now().replace(microsecond=0)
    poll = services.create_poll(
        assembly=assembly,
        by=people.convenor,
        title="Capital increase",
        question="Do we raise the capital?",
        subject_type="motion",
        subject_refs=[],
        contributions=[],
        options=selectors.yes_no_abstain_options(),
        method=MOTION,
        secrecy="roll-call",
        revote="last-counts",
        delivery="",
        opens_at=None,
        closes_at=now + closes_in,
        weights={str(people.ana.pk): 12_500},
        now=now,
    )
    services.open_poll(poll=poll, by=people.convenor, now=now)
    services.cast_roll_call(poll=poll, user=people.ana, choice="yes", now=now)
    services.cast_roll_call(poll=poll, user=people.kofi, choice="no", now=now)
    poll.refresh_from_db()
    return poll


def page(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "es", "fr", "pt"])
def test_results_group_thousands_in_the_readers_language(client, people, assembly, language):
    poll = weighted_poll(assembly, people, closes_in=timedelta(hours=1))
    services.close_poll(poll=poll, now=poll.closes_at + timedelta(seconds=1))
    html = page(client, reverse("poll_results", args=[poll.public_id]), language)
    grouped = GROUPED[language]
    assert f'<td class="num">{grouped}</td>' in html  # the table's "yes" count
    assert f">{grouped}</text>" in html  # the chart's label
    assert html.count(GROUPED[language].replace("500", "501")) == 1  # the total weight, in the sentence
    assert "12500" not in html


@pytest.mark.parametrize("language", ["es", "fr", "pt"])
def test_a_polls_closing_date_and_turnout_are_localised(client, people, assembly, language):
    poll = weighted_poll(assembly, people, closes_in=timedelta(days=40))
    html = page(client, poll.get_absolute_url(), language)
    closes = timezone.localtime(poll.closes_at)
    month = re.compile(rf"\b{closes.day} (de )?{MONTHS[language][closes.month - 1]}\b", re.IGNORECASE)
    assert month.search(html) and str(closes.year) in html
    assert not month.search(page(client, poll.get_absolute_url(), "en"))


def test_counts_of_ballots_keep_their_plural_form_when_grouped():
    """Counts of ballots go through the same filter: 1,234 ballots read "1.234" in Portuguese."""
    from django.template import Context, Template
    from django.utils import translation

    template = Template(
        "{% load i18n localised %}{% blocktranslate count counter=n|grouped %}{{ counter }} ballot "
        "cast{% plural %}{{ counter }} ballots cast{% endblocktranslate %}"
    )
    with translation.override("pt"):
        assert template.render(Context({"n": 1234})).startswith("1.234 ")
        assert template.render(Context({"n": 1})).startswith("1 ")
    with translation.override("en"):
        assert template.render(Context({"n": 1234})) == "1,234 ballots cast"
        assert template.render(Context({"n": 1})) == "1 ballot cast"
