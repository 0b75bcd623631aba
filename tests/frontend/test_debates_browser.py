"""Debates in Chromium against real Daphne processes (two on PostgreSQL and Redis when they answer, else
one on SQLite): two readers see each other's messages and a moderator's decision without reloading,
and a phone without JavaScript takes part through the forms."""

from __future__ import annotations

import pytest

from tests.livekit import live_site, post_form

pytestmark = pytest.mark.browser
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def site():
    with live_site() as running:
        yield running


def reader(browser, site, server: int, person: str, *, javascript=True, path=None):
    base = site.bases[server]
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 360, "height": 740})
    context.add_cookies([{"name": "sessionid", "value": site.data["sessions"][person], "url": base}])
    page = context.new_page()
    page.goto(base + (path or site.data["debate_url"]))
    return context, page


def wait_live(page):
    # The page's CSP forbids evaluated strings: wait on the element instead of a JS predicate.
    page.locator("#live", has_text="Reading now").wait_for(timeout=TIMEOUT_MS)


def test_two_readers_see_each_others_messages_without_reloading(browser, site):
    last = len(site.bases) - 1
    ana_context, ana = reader(browser, site, 0, "ana")
    kofi_context, kofi = reader(browser, site, last, "kofi")
    wait_live(ana)
    wait_live(kofi)
    kofi.evaluate("window.notReloaded = true")
    ana.evaluate("window.notReloaded = true")

    ana.get_by_label("Your message").fill("Shall we start with **training**?")
    ana.get_by_label("Stance").select_option("question")
    ana.get_by_role("button", name="Post").click()
    kofi.locator("#msgs strong", has_text="training").wait_for(timeout=TIMEOUT_MS)
    ana.locator("#msgs strong", has_text="training").wait_for(timeout=TIMEOUT_MS)
    assert ana.get_by_label("Your message").input_value() == ""

    kofi.get_by_label("Your message").fill("Yes, and with the members.")
    kofi.get_by_role("button", name="Post").click()
    ana.get_by_text("Yes, and with the members.").wait_for(timeout=TIMEOUT_MS)
    # Reactions go over fetch too, and the count reaches the other reader.
    ana.locator("article", has_text="Yes, and with the members.").get_by_role(
        "button", name="Agree 0", exact=True
    ).click()
    kofi.locator("article", has_text="Yes, and with the members.").get_by_role(
        "button", name="Agree 1", exact=True
    ).wait_for(timeout=TIMEOUT_MS)
    assert kofi.evaluate("window.notReloaded") is True and ana.evaluate("window.notReloaded") is True
    ana_context.close()
    kofi_context.close()


def test_a_message_hidden_by_a_moderator_disappears_for_readers_live(browser, site):
    ana_context, ana = reader(browser, site, 0, "ana")
    wait_live(ana)
    ana.get_by_label("Your message").fill("Something rude about someone.")
    ana.get_by_role("button", name="Post").click()
    article = ana.locator("article", has_text="Something rude about someone.")
    article.wait_for(timeout=TIMEOUT_MS)
    message_id = article.get_attribute("data-id")

    kofi_context, kofi = reader(browser, site, len(site.bases) - 1, "kofi")
    wait_live(kofi)
    assert kofi.get_by_text("Something rude about someone.").is_visible()
    # The moderator works without JavaScript, from the message's page.
    moderator_context, moderator = reader(
        browser, site, 0, "moderator", javascript=False, path=f"{site.data['debate_url']}m/{message_id}/"
    )
    moderator.get_by_label("Reason, shown to everyone in its place").fill("Keep it about ideas.")
    moderator.get_by_role("button", name="Hide").click()
    kofi.get_by_text("Hidden by a moderator: Keep it about ideas.").wait_for(timeout=TIMEOUT_MS)
    ana.get_by_text("Hidden by a moderator: Keep it about ideas.").wait_for(timeout=TIMEOUT_MS)
    assert kofi.get_by_text("Something rude about someone.").count() == 0
    ana.reload()  # the author still reads what she wrote, under the reason
    assert ana.get_by_text("Something rude about someone.").is_visible()
    for context in (ana_context, kofi_context, moderator_context):
        context.close()


def test_a_phone_without_javascript_takes_part_through_the_forms(browser, site):
    context, page = reader(browser, site, 0, "kofi", javascript=False)
    page.get_by_label("Your message").fill("Posted from a phone with JavaScript off.")
    page.get_by_role("button", name="Post").click()
    assert "#m" in page.url
    article = page.locator("article", has_text="Posted from a phone with JavaScript off.")
    assert article.is_visible()
    article.get_by_role("link", name="Reply").click()
    page.get_by_label("Your message").fill("And a reply, still without JavaScript.")
    page.get_by_role("button", name="Reply").click()
    page.get_by_role("link", name="Threads").click()
    thread = page.locator("li", has=page.locator("article", has_text="Posted from a phone")).first
    assert thread.locator(".replies").get_by_text("And a reply, still without JavaScript.").is_visible()
    context.close()


AMENDMENT_AND_ITS_DEBATE = """
import django; django.setup()
from django.utils import timezone
from assemblies.debates.models import Debate
from assemblies.roadmap.models import Item
from assemblies.debates.services import debates
from tests import factories
debate = Debate.objects.get(pk={debate})
item = Item.objects.get(pk=int(debate.subject_key.split(":")[1]))
item.space.phase = "drafting"; item.space.save(update_fields=["phase"])
ana = item.space.assembly.memberships.get(user__display_name="Ana").user
amendment = factories.amend(ana, item, "Train the members first.")
print(amendment.pk, debates.debate_for(contribution=amendment, now=timezone.now()).get_absolute_url())
"""

POLL_ON_THE_AMENDMENT = """
import django; django.setup()
from assemblies.roadmap.models import Contribution
from tests.polls.pollkit import make_poll, open_poll
amendment = Contribution.objects.get(pk={amendment})
assembly = amendment.space.assembly
convenor = assembly.memberships.get(role="convenor").user
open_poll(make_poll(assembly, convenor, subject_type="amendment", contributions=[amendment],
                    title="Adopt the training amendment?"), convenor)
"""


def test_a_poll_tabled_while_a_reader_is_on_the_debate_appears_without_a_reload(browser, site):
    amendment, path = site.run("-c", AMENDMENT_AND_ITS_DEBATE.format(debate=site.data["debate"])).split()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.add_cookies([{"name": "sessionid", "value": site.data["sessions"]["kofi"], "url": site.bases[0]}])
    page = context.new_page()
    page.goto(site.bases[0] + path)
    wait_live(page)
    page.evaluate("window.notReloaded = true")
    assert page.locator(".subject .poll").count() == 1 and not page.locator(".subject .poll").is_visible()

    site.run("-c", POLL_ON_THE_AMENDMENT.format(amendment=amendment))
    # Pushed when the poll is tabled and opened (the minute-by-minute catch-up would take up to 70 s).
    box = page.locator(".subject .poll", has_text="Adopt the training amendment?")
    box.wait_for(timeout=TIMEOUT_MS)
    assert box.get_by_role("link", name="Vote").is_visible() and "0 ballots cast" in box.inner_text()
    assert page.evaluate("window.notReloaded") is True
    context.close()


def test_a_live_session_queue_and_timer_update_for_everyone(browser, site):
    slug = site.data["slug"]
    chair_context, chair = reader(browser, site, 0, "convenor", path=f"/a/{slug}/sessions/")
    chair.get_by_label("Title").fill("Plenary")
    chair.locator("input[name=agenda]").first.check()
    chair.get_by_role("button", name="Start").click()
    session_path = chair.url.removeprefix(site.bases[0])
    assert "/sessions/" in session_path

    ana_context, ana = reader(browser, site, len(site.bases) - 1, "ana", path=session_path)
    ana.get_by_role("button", name="Raise my hand").click()
    assert ana.get_by_text("number 1 in the queue").is_visible()
    chair.locator("#panel .queue", has_text="Ana").wait_for(timeout=TIMEOUT_MS)  # without reloading

    chair.reload()
    chair.get_by_role("button", name="Give the floor").click()
    ana.get_by_text("Ana has the floor").wait_for(timeout=TIMEOUT_MS)
    timer = ana.locator("#panel .timer")
    first = timer.text_content()
    ana.wait_for_timeout(2100)
    assert timer.text_content() != first  # the speaking time counts down
    chair_context.close()
    ana_context.close()


def test_the_chair_runs_a_session_with_a_speaker_queue_and_a_poll(browser, site):
    """The "done when" of live sessions: a hand raised, the floor given, a poll opened from the session,
    a member's ballot through the plain form, its turnout reaching the chair without a reload (a count,
    never a result), and the poll closed from the session."""
    data, last = site.data, len(site.bases) - 1
    slug, poll_page = data["slug"], f"/polls/{data['poll_public_id']}/vote/"
    chair_context, chair = reader(browser, site, 0, "convenor", path=f"/a/{slug}/sessions/")
    chair.get_by_label("Title").fill("Plenary with a vote")
    chair.locator(f"input[name=agenda][value='poll:{data['poll']}']").check()
    chair.get_by_role("button", name="Start").click()
    session_path = chair.url.removeprefix(site.bases[0])
    panel = chair.locator("#panel")
    assert panel.get_by_text("This poll is a draft").is_visible()

    ana_context, ana = reader(browser, site, last, "ana", path=session_path)
    ana.get_by_role("button", name="Raise my hand").click()
    chair.locator("#panel .queue", has_text="Ana").wait_for(timeout=TIMEOUT_MS)
    chair.reload()
    chair.get_by_role("button", name="Give the floor").click()
    ana.get_by_text("Ana has the floor").wait_for(timeout=TIMEOUT_MS)

    chair.get_by_role("button", name="Open the poll").click()
    assert chair.get_by_text("The poll is open.").is_visible()
    assert panel.locator(".turnout", has_text="0 ballots cast").is_visible()
    chair.evaluate("window.notReloaded = true")
    # Ana's panel shows the open poll and its vote link without a reload; she votes with the plain form.
    ana.locator("#panel .poll").get_by_role("link", name="Vote").click()
    ana.get_by_label("Yes").check()
    ana.get_by_role("button", name="Cast my ballot").click()
    ana.get_by_text("Your ballot is on the board").first.wait_for(timeout=TIMEOUT_MS)

    panel.locator(".turnout", has_text="1 ballot cast").wait_for(timeout=TIMEOUT_MS)
    assert chair.evaluate("window.notReloaded") is True
    assert "Yes" not in panel.inner_text()  # a count, never a partial result

    # Closing early needs every eligible ballot: the chair is told why, then the others vote.
    chair.get_by_role("button", name="Close the poll now").click()
    assert chair.get_by_text("1 of 4 have").is_visible()
    for person in ("convenor", "moderator", "kofi"):
        response = post_form(
            site.bases[0], poll_page, poll_page, session=data["sessions"][person], fields={"choice": "no"}
        )
        assert response.status == 302
    chair.get_by_role("button", name="Close the poll now").click()
    assert chair.get_by_text("The poll is closed and its result published.").is_visible()
    assert panel.get_by_text("Closed with 4 ballots.").is_visible()
    ana.goto(site.bases[last] + session_path)
    assert ana.locator("#panel").get_by_text("Closed with 4 ballots.").is_visible()
    chair_context.close()
    ana_context.close()
