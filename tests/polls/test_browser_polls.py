"""Voting in Chromium: without JavaScript for both secrecy modes, and with JavaScript signing in the browser
(a voting code from the link's fragment; a key enrolled in the browser), each checked by verifying the board."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from polls.models import BoardLine
from tests import factories

from . import pollkit as K

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def plain_static_names(settings):
    """pytest-django's live server serves static files through the finders, which know the plain names,
    not the fingerprinted ones of the manifest: link the plain names here."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def log_in(context, live_server, user):
    page = context.new_page()
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_role("link", name=user.name).is_visible()
    return page


def ballots(poll) -> list[dict]:
    return [
        json.loads(line.text)["body"] for line in BoardLine.objects.filter(poll=poll, type="ballot").order_by("seq")
    ]


def test_a_member_votes_in_a_roll_call_poll_without_javascript(browser, live_server):
    assembly, convenor, members, _observer = K.world(2)
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, kind="schulze"), convenor)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = log_in(context, live_server, members[0])
    page.goto(live_server.url + poll.get_absolute_url())
    page.get_by_role("link", name="Vote", exact=True).click()
    page.get_by_label("Repair café").fill("1")
    page.get_by_label("Solar co-op").fill("1")
    page.get_by_role("button", name="Cast my ballot").click()
    assert "Rank 1 is given twice" in page.content()
    assert page.get_by_label("Repair café").input_value() == "1"  # what was typed is kept
    page.get_by_label("Solar co-op").fill("2")
    page.get_by_role("button", name="Cast my ballot").click()
    tracker = page.locator(".tracker").inner_text()
    assert [b["choice"] for b in ballots(poll)] == [["repair-cafe", "solar-co-op"]]
    assert BoardLine.objects.get(poll=poll, type="ballot").tracker == tracker
    K.assert_valid(poll)
    context.close()


def test_a_voter_uses_a_paper_code_without_javascript(browser, live_server):
    assembly, convenor, _members, _observer = K.world(5)
    poll, codes = K.open_poll(K.make_poll(assembly, convenor, kind="approval", secrecy="credential"), convenor)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("poll_vote_code", args=[poll.public_id]))
    page.get_by_label("Your voting code").fill(codes[0].lower())
    page.get_by_label("Seed library").check()
    page.get_by_role("button", name="Cast my ballot").click()
    assert page.get_by_role("heading", name="Your ballot is on the board").is_visible()
    [body] = ballots(poll)
    assert body["signer"] == "server" and body["choice"] == ["seed-library"]
    K.assert_valid(poll)
    context.close()


def test_the_browser_signs_with_the_code_from_the_link_fragment(browser, live_server):
    assembly, convenor, _members, _observer = K.world(5)
    poll, codes = K.open_poll(K.make_poll(assembly, convenor, kind="approval", secrecy="credential"), convenor)
    context = browser.new_context()
    page = context.new_page()
    sent = []
    page.on("request", lambda request: sent.append((request.url, request.post_data or "")))
    page.goto(live_server.url + reverse("poll_vote_code", args=[poll.public_id]) + f"#code={codes[2]}")
    assert page.get_by_label("Your voting code").input_value() == codes[2]
    assert "#code" not in page.url  # the fragment is wiped from the address bar and history
    page.get_by_label("Solar co-op").check()
    page.get_by_label("Repair café").check()
    page.get_by_role("button", name="Cast my ballot").click()
    page.locator("#vote-result").wait_for()
    tracker = page.locator("#vote-result .tracker").inner_text()
    [body] = ballots(poll)
    assert body["signer"] == "voter" and body["choice"] == ["repair-cafe", "solar-co-op"]
    assert BoardLine.objects.get(poll=poll, type="ballot").tracker == tracker
    assert all(codes[2] not in url and codes[2].replace("-", "") not in data for url, data in sent)
    page.locator("#vote-result a").click()
    assert page.locator(".tracker").inner_text() == tracker
    K.assert_valid(K.close(poll))
    context.close()


def test_a_member_enrols_a_browser_key_and_signs_a_roll_call_ballot_with_it(browser, live_server):
    assembly, convenor, members, _observer = K.world(2)
    context = browser.new_context()
    page = log_in(context, live_server, members[1])
    page.goto(live_server.url + reverse("voter_key"))
    page.get_by_role("button", name="Create a key in this browser").click()
    page.get_by_text("Your browser key is enrolled").wait_for()
    poll, _codes = K.open_poll(K.make_poll(assembly, convenor, kind="majority-judgment"), convenor)
    page.goto(live_server.url + reverse("poll_vote", args=[poll.public_id]))
    for label, grade in (("Solar co-op", "Good"), ("Seed library", "Poor"), ("Repair café", "Fair")):
        page.get_by_label(label).select_option(label=grade)
    page.get_by_role("button", name="Cast my ballot").click()
    page.locator("#vote-result").wait_for()
    [body] = ballots(poll)
    assert body["signer"] == "voter" and body["choice"] == {"solar-co-op": 3, "seed-library": 1, "repair-cafe": 2}
    K.assert_valid(poll)
    context.close()
