"""axe-core (the npm package, pinned in package-lock.json; `make test` installs it) finds no serious or
critical violation of WCAG 2.2 A/AA or of its best practices on the main pages of the demo, in Chromium
at a phone's width, logged in as a member or as a visitor, in the four languages.

The page's Content-Security-Policy stays on: axe's source is evaluated through Playwright
(`page.evaluate`, the DevTools protocol), which the policy does not govern, instead of being injected as
an inline <script> that `script-src 'self'` would refuse. So axe sees the page exactly as a visitor does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.frontend.demosite import chromium, context_for, demo_site  # noqa: F401

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return {version: axe.version, violations: result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.html.slice(0, 160))}))};
}"""

# (page, who reads it, language): a member reads the pages of the loop; a visitor logs in and signs up.
PAGES = [
    ("home", "ana", "en"),
    ("assembly", "ana", "es"),
    ("space", "ana", "fr"),
    ("roadmap", "ana", "pt"),
    ("item", "ana", "en"),
    ("diff", None, "es"),
    ("history", None, "fr"),
    ("contribution", "ana", "pt"),
    ("conflict", "mateo", "en"),
    ("amend", "ana", "es"),
    ("debate", "ana", "fr"),
    ("polls", "convenor", "pt"),
    ("poll", "ana", "en"),
    ("poll", "convenor", "es"),
    ("results", None, "fr"),
    ("secret_results", "ana", "pt"),
    ("vote", "lea", "en"),
    ("vote_code", None, "es"),
    ("account", "ana", "fr"),
    ("login", None, "pt"),
    ("signup", None, "en"),
    ("session", "ana", "es"),
    ("session", "convenor", "en"),
]


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        missing_service(f"needs axe-core in {AXE.parent}: `make node` (npm ci) installs it; `make test` does")
    return AXE.read_text(encoding="utf-8")


def violations(page, axe_source) -> list[dict]:
    page.evaluate(axe_source)
    report = page.evaluate(RUN, TAGS)
    return [v for v in report["violations"] if v["impact"] in BLOCKING]


def explain(found: list[dict]) -> str:
    return "\n".join(f"[{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"][:5]) for v in found)


@pytest.mark.parametrize(
    ("name", "person", "language"), PAGES, ids=[f"{n}-{p or 'visitor'}-{lang}" for n, p, lang in PAGES]
)
def test_no_serious_or_critical_violation(chromium, demo_site, axe_source, name, person, language):  # noqa: F811
    context = context_for(
        chromium, demo_site, person, locale=language, extra_http_headers={"Accept-Language": language}
    )
    page = context.new_page()
    response = page.goto(demo_site.bases[0] + demo_site.data["pages"][name])
    assert response.status == 200, page.url
    assert page.get_attribute("html", "lang") == language
    found = violations(page, axe_source)
    context.close()
    assert not found, f"{name} ({person or 'visitor'}, {language}):\n{explain(found)}"


def test_a_form_sent_back_with_errors_has_no_violation(chromium, demo_site, axe_source):  # noqa: F811
    """Errors are tied to their fields: sign-up with a taken email and a short password, in Spanish."""
    context = context_for(chromium, demo_site, None, locale="es", extra_http_headers={"Accept-Language": "es"})
    page = context.new_page()
    page.goto(demo_site.bases[0] + demo_site.data["pages"]["signup"])
    page.locator("input[name=email]").fill(demo_site.data["emails"]["ana"])
    page.locator("input[name=password1]").fill("short")
    page.locator("form[action$='/signup/'] button[type=submit]").click()
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 1
    for index in range(invalid.count()):
        described = invalid.nth(index).get_attribute("aria-describedby")
        assert described and page.locator(f"#{described.split()[-1]}").inner_text().strip()
    found = violations(page, axe_source)
    context.close()
    assert not found, explain(found)


def test_the_live_debate_with_javascript_has_no_violation(chromium, demo_site, axe_source):  # noqa: F811
    """live.js adds its controls and status once the socket is up: they are checked too."""
    context = context_for(chromium, demo_site, "kofi")
    page = context.new_page()
    page.goto(demo_site.bases[0] + demo_site.data["pages"]["debate"])
    page.locator("#live", has_text="Reading now").wait_for(timeout=10_000)
    found = violations(page, axe_source)
    context.close()
    assert not found, explain(found)


@pytest.mark.parametrize("name", ["roadmap", "results"])
def test_print_keeps_the_content_and_drops_navigation_and_forms(chromium, demo_site, name):  # noqa: F811
    """Printed, the roadmap and a result keep their content; the site's navigation, the language switch and
    the forms go, and download links (the roadmap's exports, the board) show where to find them."""
    context = context_for(chromium, demo_site, "ana")
    page = context.new_page()
    page.goto(demo_site.bases[0] + demo_site.data["pages"][name])
    page.emulate_media(media="print")
    assert page.locator("h1").is_visible() and page.locator("main").is_visible()
    for hidden in ("header.top", "footer.bottom", ".skip", "main form"):
        assert all(not element.is_visible() for element in page.locator(hidden).all()), hidden
    download = page.locator("main a[href$='.jsonl'], main a[href$='.md']").first
    after = download.evaluate("a => getComputedStyle(a, '::after').content")
    assert download.get_attribute("href") in after
    page.emulate_media(media="screen")
    assert page.locator("header.top").is_visible() and "none" == download.evaluate(
        "a => getComputedStyle(a, '::after').content"
    )
    context.close()
