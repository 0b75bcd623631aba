"""The whole loop in Chromium with JavaScript disabled, as three people would live it on their phones.

Ana proposes an item, Kofi debates it, Amara (the convenor) tables it and a poll on it, everyone votes
with plain forms, Amara closes the poll; then anyone reads the new roadmap version and its diff, goes from
the item to the poll that put its text there in two clicks, and the poll's downloaded board verifies.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.membership.models import Space
from assemblies.roadmap.models import Contribution, Item
from polls import services as poll_services
from polls.core.board import verify_board
from polls.models import Poll
from tests.frontend.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROPOSAL = "Open a shared repair workshop in every member cooperative."


@pytest.fixture(autouse=True)
def plain_static_names(settings):
    """The live server serves static files through the finders, which know only the plain names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def phone(browser, live_server, user):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_role("link", name=user.name).is_visible()
    return page


def vote_yes(page, live_server, poll):
    page.goto(live_server.url + poll.get_absolute_url())
    page.get_by_role("link", name="Vote", exact=True).click()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Cast my ballot").click()
    assert page.locator(".tracker").inner_text().strip()


def test_propose_debate_vote_close_and_read_the_new_version_without_javascript(
    live_server, people, assembly, roadmap, browser
):
    space = Space.objects.filter(assembly=assembly).order_by("position").first()
    ana = phone(browser, live_server, people.ana)
    kofi = phone(browser, live_server, people.kofi)
    amara = phone(browser, live_server, people.convenor)

    # Ana proposes a new item in the first space.
    ana.goto(live_server.url + reverse("space", args=[assembly.slug, space.code]))
    ana.get_by_role("link", name="Propose an item").click()
    ana.get_by_label("Title").fill("Repair workshops")
    ana.get_by_label("Text").fill(PROPOSAL)
    ana.get_by_role("button", name="Publish the proposal").click()
    proposal = Contribution.objects.get(kind=Contribution.Kind.PROPOSAL)
    assert ana.get_by_role("heading", level=1).inner_text() == "Repair workshops"

    # Kofi debates it beside its text.
    kofi.goto(live_server.url + proposal.get_absolute_url())
    kofi.get_by_role("link", name="Debate", exact=True).click()
    kofi.get_by_label("Message").fill("Yes: our workshop in Annecy already lends tools.")
    kofi.get_by_role("button", name="Post").click()
    assert kofi.get_by_text("our workshop in Annecy already lends tools").is_visible()

    # Amara tables it and a yes/no/abstain poll on it, then opens the poll.
    amara.goto(live_server.url + proposal.get_absolute_url())
    amara.get_by_role("button", name="Table for decision").click()
    amara.goto(live_server.url + reverse("poll_create", args=[assembly.slug]))
    amara.get_by_label("Title").fill("Adopt the repair workshops?")
    amara.get_by_label("Question").fill("Do we add this item to the roadmap?")
    amara.get_by_label("Adopt a tabled amendment or proposal (yes, no or abstain)").check()
    amara.get_by_role("combobox", name="Tabled amendment or proposal").select_option(str(proposal.pk))
    amara.get_by_label("Method").select_option("yes-no-abstain")
    closes = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    amara.get_by_label("Closes at").fill(closes)
    amara.get_by_role("button", name="Table the poll").click()
    poll = Poll.objects.get()
    amara.get_by_role("button", name="Open the poll").click()
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN

    # Every eligible member votes with a plain form; Amara closes the poll early.
    for page in (ana, kofi, amara):
        vote_yes(page, live_server, poll)
    amara.goto(live_server.url + poll.get_absolute_url())
    amara.get_by_role("button", name="Close the poll now").click()
    poll.refresh_from_db()
    assert poll.status == Poll.Status.CLOSED and poll.result["outcome"]["passed"] is True

    # The proposal's page says it was adopted into version 2 and links the diff, which shows the new item.
    proposal.refresh_from_db()
    assert proposal.status == Contribution.Status.ADOPTED
    ana.goto(live_server.url + proposal.get_absolute_url())
    assert "Adopted into version 2" in ana.content()
    ana.get_by_role("link", name="See the changes").first.click()
    assert PROPOSAL.rstrip(".") in ana.locator("main").inner_text()

    # From the item on the roadmap, two clicks reach the poll, whose board verifies.
    item = Item.objects.get(
        roadmap__assembly=assembly, versions__version=poll.assembly.roadmap.head, versions__text=PROPOSAL
    )
    ana.goto(live_server.url + reverse("roadmap", args=[assembly.slug]))
    ana.get_by_role("link", name=item.ref, exact=True).click()
    ana.get_by_role("link", name=poll.title).first.click()
    assert ana.url == live_server.url + poll.get_absolute_url()
    board = ana.request.get(live_server.url + reverse("poll_board_jsonl", args=[poll.public_id]))
    report = verify_board(board.body().splitlines(keepends=True), board_key=poll_services.board_key().public)
    assert report.valid, report.errors
    assert report.head == poll.head and report.outcome == poll.result["outcome"]
    for page in (ana, kofi, amara):
        page.context.close()
