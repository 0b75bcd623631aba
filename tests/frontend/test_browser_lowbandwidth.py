"""The issue's "done when", in Chromium against the demo: on a phone-sized screen (360×640), JavaScript
off, in Spanish, on the benchmark's slow link (250 kbit/s down, 400 ms latency), a member logs in, reads the
roadmap, amends an item, posts in its debate and votes — and every page of the way, on a first visit
(the browser's cache disabled), transfers at most 14 KB for its HTML, stylesheets and scripts.

Then the same actions with the keyboard alone (JavaScript on): the skip link first, a visible focus,
and the amend, debate and vote forms reached and sent with Tab and Enter.

The byte counts are the encoded (compressed) response bodies as Chromium received them; times are
not asserted (bench/pages.py measures them)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from bench.pages import BUDGET, SLOW_LINK
from tests.frontend.demosite import chromium, context_for, demo_site  # noqa: F401

pytestmark = pytest.mark.browser


def spanish(message: str) -> str:
    with translation.override("es"):
        return gettext(message)


class Meter:
    """Bytes each page transfers (document, redirects and subresources), cache disabled, link throttled."""

    def __init__(self, page):
        self.page, self.requests, self.pages = page, [], []
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
        page.on("requestfinished", lambda request: self.requests.append(request))

    def done(self, label: str) -> int:
        """Close the count of the page just loaded: its bytes, checked against the budget."""
        self.page.wait_for_load_state("load")
        sizes = [(request.url, request.sizes()["responseBodySize"]) for request in self.requests]
        self.requests.clear()
        total = sum(size for _url, size in sizes)
        self.pages.append((label, total, len(sizes)))
        assert sizes, f"{label}: nothing was loaded"
        assert total <= BUDGET, f"{label}: {total} bytes > {BUDGET}: {sizes}"
        assert self.page.get_attribute("html", "lang") == "es", label
        return total


def test_a_member_reads_amends_debates_and_votes_in_spanish_on_a_slow_phone(chromium, demo_site):  # noqa: F811
    context = context_for(
        chromium,
        demo_site,
        None,
        java_script_enabled=False,
        locale="es-ES",
        extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    meter = Meter(page)
    base, pages, data = demo_site.bases[0], demo_site.data["pages"], demo_site.data

    page.goto(base + "/")
    meter.done("home")
    page.get_by_role("link", name=spanish("Log in")).first.click()
    meter.done("login")
    page.locator("input[name=login]").fill(data["emails"]["mateo"])
    page.locator("input[name=password]").fill(data["password"])
    page.locator("form[action$='/login/'] button[type=submit]").click()
    meter.done("logged in")
    assert page.get_by_role("link", name="Mateo").is_visible(), page.locator("main").inner_text()

    # Read the roadmap, from the assembly's page.
    page.get_by_role("link", name="International SSE Forum").click()
    meter.done("assembly")
    page.locator("main nav a[href$='/roadmap/']").click()
    meter.done("roadmap")
    assert page.get_by_role("heading", level=1).inner_text() == data["roadmap_title"]
    items = page.locator("ul.items a.ref")
    assert items.count() >= 20 and items.first.inner_text() == data["refs"][0]

    # Amend DIG-2, found from the roadmap's table of contents.
    page.locator("ol.toc").get_by_role("link", name="Digital tools at the service of the SSE").click()
    meter.done("roadmap, digital tools")
    page.get_by_role("link", name="DIG-2", exact=True).click()
    meter.done("item")
    page.get_by_role("link", name=spanish("Amend")).click()
    meter.done("amend form")
    text = page.get_by_label(spanish("New text"))
    text.fill(text.input_value().rstrip(".") + ", con la participación de las redes regionales.")
    page.get_by_label(spanish("Short title")).fill("Con las redes regionales")
    page.get_by_role("button", name=spanish("Publish the amendment")).click()
    meter.done("amendment")
    assert page.get_by_role("heading", level=1).inner_text() == "Con las redes regionales"
    assert "redes regionales" in page.locator(".diff ins").first.inner_text()

    # Post in the item's debate.
    page.goto(base + pages["item"].replace(data["item"], "DIG-2"))
    meter.done("item again")
    page.get_by_role("link", name=spanish("Debate"), exact=True).click()
    meter.done("debate")
    page.get_by_label(spanish("Your message")).fill("Propongo que cada red regional nombre a una persona de enlace.")
    page.get_by_label(spanish("Stance")).select_option("for")
    page.get_by_role("button", name=spanish("Post")).click()
    meter.done("debate after posting")
    assert page.locator("#msgs article").first.get_by_text("persona de enlace").is_visible()

    # Vote in the open poll on the priorities of the space.
    page.goto(base + pages["assembly"])
    meter.done("assembly again")
    page.locator("main nav a[href$='/polls/a/sse-forum/']").click()
    meter.done("polls")
    page.locator(f"main a[href='{pages['poll']}']").click()
    meter.done("poll")
    page.get_by_role("link", name=spanish("Vote"), exact=True).click()
    meter.done("vote form")
    for rank, ref in enumerate(["DIG-3", "DIG-1", "DIG-2"], start=1):
        page.get_by_label(re.compile(f"^{ref}:")).fill(str(rank))
    page.get_by_role("button", name=spanish("Cast my ballot")).click()
    meter.done("receipt")
    assert page.locator(".tracker").first.is_visible()
    print("bytes per page (label, bytes, requests):", meter.pages)
    context.close()


def focused(page) -> dict:
    return page.locator(":focus").evaluate(
        "e => ({tag: e.tagName.toLowerCase(), name: e.getAttribute('name') || '', text: (e.innerText || '').trim(),"
        " label: e.labels && e.labels.length ? e.labels[0].innerText.trim() : '',"
        " outline: getComputedStyle(e).outlineStyle})"
    )


def tab_to(page, matches, *, limit: int = 60) -> dict:
    """Press Tab until the focused element matches; fail when it is not reached in `limit` presses."""
    for _press in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            assert element["outline"] != "none", f"no visible focus on {element}"
            return element
    raise AssertionError(f"not reached with Tab in {limit} presses")


def test_the_same_flow_with_the_keyboard_alone(chromium, demo_site):  # noqa: F811
    context = context_for(chromium, demo_site, "olu")
    page = context.new_page()
    base, pages = demo_site.bases[0], demo_site.data["pages"]

    page.goto(base + pages["item"].replace(demo_site.data["item"], "DIG-4"))
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to content" and page.locator(".skip").bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    tab_to(page, lambda e: e["tag"] == "a" and e["text"] == "Amend")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/amend/$"))
    tab_to(page, lambda e: e["label"].startswith("New text"))
    page.keyboard.press("End")
    page.keyboard.type(" Together with the members.")
    tab_to(page, lambda e: e["label"].startswith("Short title"))
    page.keyboard.type("With the members")
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Publish the amendment")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/c/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "With the members"

    # The debate beside the item, its form sent by the keyboard (live.js posts it without a reload).
    page.goto(base + pages["debate"])
    page.locator("#live", has_text="Reading now").wait_for(timeout=10_000)
    tab_to(page, lambda e: e["label"] == "Your message")
    page.keyboard.type("Keyboard only, and it works.")
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Post")
    page.keyboard.press("Enter")
    page.locator("#msgs article", has_text="Keyboard only, and it works.").wait_for(timeout=10_000)

    # The vote, from the poll's page.
    page.goto(base + pages["poll"])
    tab_to(page, lambda e: e["tag"] == "a" and e["text"] == "Vote")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/vote/$"))
    tab_to(page, lambda e: e["label"].startswith("DIG-1:"))
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    assert focused(page)["label"].startswith("DIG-2:")
    page.keyboard.type("1")
    tab_to(page, lambda e: e["tag"] == "button" and e["text"] == "Cast my ballot")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/receipts/\d+/$"))
    assert page.locator(".tracker").first.is_visible()
    context.close()
