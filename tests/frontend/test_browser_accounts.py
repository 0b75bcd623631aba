"""A newcomer, in Chromium with JavaScript disabled, signs up, verifies, and later logs in by code."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_and_log_in_by_code_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill("amina@example.org")
    page.get_by_label("Password").fill("a long enough passphrase")
    page.get_by_label("Display name").fill("Amina")
    page.get_by_role("button", name="Sign Up").click()
    assert "Verify Your Email Address" in page.content()

    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("link", name="Amina").is_visible()

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_role("link", name="Send me a sign-in code").click()
    page.get_by_label("Email").fill("amina@example.org")
    page.get_by_role("button", name="Request Code").click()
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.MULTILINE).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("link", name="Amina").is_visible()
    context.close()
