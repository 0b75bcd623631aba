"""The main pages read in order in a text browser: `w3m -dump` of the roadmap, an item, a busy debate, a
poll and its vote form, fetched from the running demo as a logged-in member (`make test` installs w3m).

What a text-browser reader needs: the skip link first and pointing at the main content, the site's
navigation before the page's heading, the content in its logical order (the roadmap's items in the
roadmap's order, messages newest first), every form field next to its label, and the language switch
last."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tests.conftest import missing_service
from tests.frontend.demosite import DEBATE, REPLIES, demo_site  # noqa: F401

pytestmark = pytest.mark.browser
READER = "lea"  # a member who has not voted in the open poll yet


@pytest.fixture(scope="module")
def w3m(tmp_path_factory):
    """w3m's command, with a home of its own: no cookie jar of the machine's user is read or written."""
    path = shutil.which("w3m")
    if path is None:
        missing_service("needs w3m (`apt-get install w3m`; `make test` installs it as root)")
    home = tmp_path_factory.mktemp("w3m")
    return {"command": path, "env": {**os.environ, "HOME": str(home), "W3M_DIR": str(home / ".w3m")}}


def dump(w3m, site, name: str, *, language: str = "en") -> tuple[str, dict[int, str]]:
    """The page as w3m prints it, on one line with single spaces, and its numbered links' targets."""
    url = site.bases[0] + site.data["pages"][name]
    result = subprocess.run(
        [
            w3m["command"],
            "-dump",
            "-cols",
            "100",
            "-o",
            "use_cookie=0",
            "-o",
            "display_link_number=1",
            "-o",
            f"accept_language={language}",
            "-header",
            f"Cookie: sessionid={site.data['sessions'][READER]}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=w3m["env"],
    )
    body, _sep, references = result.stdout.partition("\nReferences:\n")
    links = {int(number): target for number, target in re.findall(r"^\[(\d+)\] (\S+)$", references, re.MULTILINE)}
    return " ".join(body.split()), links


def in_order(text: str, parts: list[str]) -> list[int]:
    """The positions of `parts` in `text`, each searched after the previous one (fails on a missing one)."""
    positions, start = [], 0
    for part in parts:
        found = text.find(part, start)
        assert found >= 0, f"{part!r} not found after position {start} in:\n{text[start : start + 600]}"
        positions.append(found)
        start = found + len(part)
    return positions


def assert_frame(text: str, links: dict[int, str], heading: str) -> None:
    """Skip link first, to the main content; the navigation, then the heading; the language switch last."""
    assert text.startswith("[1]Skip to content"), text[:200]
    assert links[1].endswith("#main")
    _brand, _heading, switch = in_order(text, ["Deliberate", heading, "Language ["])
    assert text.count("Language [") == 1 and switch > len(text) - 100


def test_the_roadmap_reads_as_its_items_in_order(w3m, demo_site):  # noqa: F811
    text, links = dump(w3m, demo_site, "roadmap")
    title = demo_site.data["roadmap_title"]
    assert_frame(text, links, title)
    # The first page of the roadmap: its items follow one another in the roadmap's order, each with its text.
    shown = re.findall(r"\[\d+\]([A-Z]{2,5}-\d+) ", text)
    refs = demo_site.data["refs"]
    assert len(shown) >= 20 and shown == refs[: len(shown)]
    in_order(text, [f"{ref} " for ref in shown])
    assert links[int(re.search(rf"\[(\d+)\]{shown[0]} ", text).group(1))].endswith(f"/items/{shown[0]}/")


def test_an_item_reads_heading_text_then_actions(w3m, demo_site):  # noqa: F811
    text, links = dump(w3m, demo_site, "item")
    ref = demo_site.data["item"]
    assert_frame(text, links, f"{ref} ")
    in_order(
        text,
        [
            f"{ref} Digital tools",
            "Develop and formalise a preventive, ethical and feminist",
            "Amend",
            "Debate",
            "History",
        ],
    )
    amend_link = int(re.search(r"\[(\d+)\]Amend", text).group(1))
    assert links[amend_link].endswith(f"/items/{ref}/amend/")


def test_a_busy_debate_reads_form_then_messages_newest_first(w3m, demo_site):  # noqa: F811
    text, links = dump(w3m, demo_site, "debate")
    assert_frame(text, links, f"Debate on {demo_site.data['item']}")
    # The form to post comes first, each field with its label beside it.
    assert re.search(r"Your message\[", text), "the message box has no label beside it"
    assert re.search(r"Stance \[\d+\]\[No stance", text), "the stance has no label beside it"
    newest_first = [text for _parent, _author, _stance, text in reversed(REPLIES)]
    newest_first += [text for _author, _stance, text in reversed(DEBATE)]
    openings = [" ".join(re.sub(r"[*_]", "", message).split()[:5]) for message in newest_first]
    in_order(text, ["Post", *openings])


def test_a_poll_reads_question_options_and_the_vote_link(w3m, demo_site):  # noqa: F811
    text, links = dump(w3m, demo_site, "poll")
    heading = "Priorities of “Digital tools at the service of the SSE”"
    assert_frame(text, links, heading)
    in_order(
        text,
        [
            "In which order should the forum work",
            "Options",
            *[f"{n}. DIG-{n}:" for n in range(1, 6)],
            "How it is counted",
            "Closes",
            "Vote",
            "What you can check",
        ],
    )
    vote = int(re.search(r"\[(\d+)\]Vote ", text).group(1))
    assert links[vote].endswith(demo_site.data["pages"]["vote"])


def test_the_vote_form_labels_every_field_in_spanish(w3m, demo_site):  # noqa: F811
    text, links = dump(w3m, demo_site, "vote", language="es")
    with translation.override("es"):
        skip, language, button = gettext("Skip to content"), gettext("Language"), gettext("Cast my ballot")
    assert text.startswith(f"[1]{skip}") and links[1].endswith("#main")
    # Each option's label, then its box, in the poll's order; then the button.
    fields = [re.search(rf"DIG-{n}:[^\[]*\[\d+\]\[ +\]", text) for n in range(1, 6)]
    assert all(fields), text
    assert [field.start() for field in fields] == sorted(field.start() for field in fields)
    assert fields[-1].end() < text.find(button) < text.find(f"{language} [")
