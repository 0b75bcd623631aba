"""A member, in Chromium with JavaScript disabled, logs in, opens a roadmap item, amends it, and reads the
word diff of the amendment on its page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assemblies.roadmap.models import Contribution
from tests.frontend.conftest import PASSWORD, first_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_amends_an_item_and_sees_the_diff_without_javascript(browser, live_server, people, assembly, roadmap):
    item = first_item(assembly)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()

    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label("Email").fill(people.ana.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    assert page.get_by_role("link", name="Ana").is_visible()

    page.goto(live_server.url + reverse("assembly", args=[assembly.slug]))
    page.get_by_role("link", name=item.space.title).click()
    page.get_by_role("link", name=item.ref, exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(item.ref)
    page.get_by_role("link", name="Amend").click()

    text = page.get_by_label("New text")
    original = text.input_value()
    assert original and not page.get_by_role("radio", name="Delete the item").is_checked()
    text.fill(original.rstrip(".") + " with every member.")
    page.get_by_label("Short title").fill("Everyone")
    page.get_by_role("button", name="Publish the amendment").click()

    amendment = Contribution.objects.get()
    assert page.url == live_server.url + reverse("contribution", args=[assembly.slug, amendment.pk])
    assert page.get_by_role("heading", level=1).inner_text() == "Everyone"
    inserted = page.locator(".diff ins").first.inner_text()
    assert re.sub(r"[{}+]", "", inserted).strip() == "with every member"
    context.close()
