"""A corpus of XSS payloads in every text field people fill renders inert on every page that shows it.

Assembly name and description, space titles and item texts (through the import), proposal and amendment
titles and texts, debate messages, moderation and flag reasons, live session titles, poll titles, questions
and options, display names, join-request messages, edition names and notes, and the reasons of roadmap
changes: each carries payloads, then every page of the assembly (the access matrix's list) and the pages
about people are parsed, and none may hold a script element of ours other than the static script, an event
handler attribute, a `javascript:`/`data:`/`vbscript:` address, an embedded frame or object, a base or a
meta refresh, or a form that posts elsewhere.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assemblies.accounts.services import update_account
from assemblies.debates.services import debates
from assemblies.membership.services import membership
from assemblies.roadmap.models import Item
from assemblies.roadmap.services import contributions
from polls import selectors as poll_selectors
from polls import services as poll_services
from tests import factories

from . import worldkit as W
from .test_access_matrix import CASES, url_of

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)><script>alert(3)</script></svg>",
    '<a href="javascript:alert(4)">four</a>',
    "[five](javascript:alert(5))",
    "![six](javascript:alert(6))",
    "[seven](JaVaScRiPt:alert(7)) [tab](java\tscript:alert(7)) [space]( javascript:alert(7))",
    '<iframe src="javascript:alert(8)"></iframe>',
    '"><script>alert(9)</script>',
    "'><img src=x onerror=alert(10)>",
    "&lt;script&gt;alert(11)&lt;/script&gt; %3Cscript%3Ealert(11)%3C/script%3E",
    "<details open ontoggle=alert(12)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(13)>",
    "[fourteen](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="&#106;avascript:alert(15)">fifteen</a> <a href="&#x6A;avascript&colon;alert(15)">f</a>',
    '<form action="https://evil.example/"><button formaction="javascript:alert(16)">go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(17)"><base href="https://evil.example/">',
    '<style>body{background:url(javascript:alert(18))}</style><div style="x:expression(alert(18))">',
    '<body onload=alert(19)><object data="javascript:alert(19)"></object><embed src=javascript:alert(19)>',
    '[twenty](vbscript:msgbox(20)) <a href="vbscript:msgbox(20)">v</a> <x onmouseover=alert(20)>',
    '`<script>alert(21)</script>` <noscript><p title="</noscript><img src=x onerror=alert(21)>"></noscript>',
    '<input autofocus onfocus=alert(22)> <video><source onerror="alert(22)"></video>',
]
SHORT = [p for p in PAYLOADS if len(p) <= 60]


def groups(limit: int) -> list[str]:
    """The payloads packed into texts of at most `limit` characters (for titles and names)."""
    packed, current = [], ""
    for payload in PAYLOADS:
        if current and len(current) + 1 + len(payload) > limit:
            packed.append(current)
            current = ""
        current = f"{current} {payload}".strip()
    return packed + [current]


TITLE_GROUPS = groups(180)  # titles hold 200 characters; the world appends a word or two
EVERYTHING = "\n\n".join(PAYLOADS)
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset"}
FORBIDDEN_ELEMENTS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}


class Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if not (attributes.get("src") or "").startswith("/static/"):
                self.problems.append(f"a script element: {attrs}")
            self.in_script = True
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"a <{tag}> element")
        if (
            tag == "meta"
            and (attributes.get("http-equiv") or "").lower() == "refresh"
            and ("url" in (attributes.get("content") or "").lower())
        ):
            self.problems.append("a meta refresh to an address")
        if tag == "style":
            self.problems.append("a style element")
        if tag in ("form", "button", "input") and re.match(
            r"\s*https?://", attributes.get("action") or attributes.get("formaction") or ""
        ):
            self.problems.append(f"a form posting elsewhere: {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}={value!r} on <{tag}>")
            if name == "style" and value and re.search(r"expression|url\(|javascript", value, re.I):
                self.problems.append(f"a style attribute {value!r}")
            if name in URL_ATTRIBUTES and value:
                bare = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
                if bare.startswith(DANGEROUS_SCHEMES) and bare != "data:,":  # "data:," is our empty icon
                    self.problems.append(f"a {bare.split(':')[0]}: address in {name} of <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append("an inline script")


def inspect(page: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(page)
    inspector.close()
    return inspector.problems


def test_the_inspector_finds_what_it_looks_for():
    for bad in [
        "<script>x()</script>",
        '<img src=x onerror="x()">',
        '<a href=" JaVa&#x09;script:x()">a</a>',
        "<iframe></iframe>",
        '<form action="https://evil.example/">',
        '<div style="background:url(x)">',
        '<meta http-equiv="Refresh" content="0;url=javascript:x()">',
        "<noscript><b onclick=x()>",
    ]:
        assert inspect(bad), bad
    assert not inspect('<script src="/static/app.123.js" defer></script><a href="/a/x/">ok</a>')


def hostile_world(index: int):
    """The world of the access matrix, with payloads in every text people write."""
    prefix = TITLE_GROUPS[index % len(TITLE_GROUPS)] + " "
    short = SHORT[index % len(SHORT)]
    people = {role: factories.user(f"{short} {role}"[:80]) for role in W.ROLES if role != "anonymous"}
    people["anonymous"] = W.AnonymousUser()
    for person in people.values():
        if person.is_authenticated:
            update_account(
                user=person, display_name=f"{short} {person.name}"[:80], language="", notify_by_email="never"
            )
    roadmap_text = (
        f"# {prefix}roadmap\n\n{EVERYTHING}\n\n## {prefix}digital {{#DIG}}\n\n"
        f"1. {prefix}first item\n2. {EVERYTHING.replace(chr(10) * 2, ' ')}\n3. Third.\n\n"
        f"## {prefix}policy {{#POL}}\n\n1. One.\n"
    )
    site = W.build_site(
        people,
        name=f"{prefix}Forum"[-120:],
        visibility="public",
        text_prefix=prefix,
        description=EVERYTHING,
        roadmap_text=roadmap_text,
    )
    now = timezone.now()
    convenor, member = people["convenor"], people["member"]
    long_message = debates.post_message(debate=site.debate, author=member, text=EVERYTHING, now=now)
    debates.hide_message(message=long_message, by=people["moderator"], reason=prefix[:300], now=now)
    debates.flag(message=site.message, user=people["observer"], reason=prefix[:300], now=now)
    debates.mute_member(
        assembly=site.assembly,
        by=convenor,
        member=site.target,
        until=now + timedelta(hours=1),
        reason=prefix[:300],
        now=now,
    )
    other = factories.user(f"{short} applicant"[:80])
    membership.request_to_join(assembly=site.assembly, user=other, message=EVERYTHING, now=now)
    labels = [f"{payload} {n}"[:300] for n, payload in enumerate(PAYLOADS)]
    poll = poll_services.create_poll(
        assembly=site.assembly,
        by=convenor,
        title=prefix,
        question=EVERYTHING,
        subject_type="election",
        subject_refs=[],
        contributions=[],
        options=poll_selectors.listed_options(labels),
        method={"kind": "approval", "min": 0, "max": 3},
        secrecy="roll-call",
        revote="last-counts",
        delivery="",
        opens_at=None,
        closes_at=now + timedelta(days=1),
        now=now,
    )
    poll = poll_services.open_poll(poll=poll, by=convenor, now=now).poll
    option = poll.options[0]["id"]
    poll_services.cast_roll_call(poll=poll, user=member, choice=[option], now=now)
    poll = poll_services.close_poll(poll=poll, now=poll.closes_at + timedelta(seconds=1))
    # Every group of payloads in the titles of a proposal and a poll, listed on the space and polls pages.
    space = site.assembly.spaces.get(code="DIG")
    for title in TITLE_GROUPS:
        contributions.propose(
            space=space, author=member, title=title, text=title, submission_key=factories.submission_key(), now=now
        )
        poll_services.create_poll(
            assembly=site.assembly,
            by=convenor,
            title=title,
            question=title,
            subject_type="motion",
            subject_refs=[],
            contributions=[],
            options=poll_selectors.yes_no_abstain_options(),
            method={"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast", "quorum": 0},
            secrecy="roll-call",
            revote="last-counts",
            delivery="",
            opens_at=None,
            closes_at=now + timedelta(days=1),
            now=now,
        )
    item = Item.objects.get(roadmap__assembly=site.assembly, ref="DIG-1")
    return people, site, poll, item


# Three worlds, each with a different group in the assembly's name, the people's names and every title of the
# access matrix's world; all the groups are in proposal and poll titles, and the whole corpus in every long text.
@pytest.mark.parametrize("index", [0, len(TITLE_GROUPS) // 2, len(TITLE_GROUPS) - 1])
def test_payloads_in_every_user_text_field_render_inert_on_every_page(index):
    people, site, poll, item = hostile_world(index)
    pages = {name: url_of(name, site) for name, case in CASES.items() if case.get}
    pages.update(
        {
            "hostile poll": reverse("poll", args=[poll.public_id]),
            "hostile results": reverse("poll_results", args=[poll.public_id]),
            "hostile board": reverse("poll_board", args=[poll.public_id]),
            "hostile vote": reverse("poll_vote", args=[poll.public_id]),
            "item history": reverse("item", args=[site.slug, item.ref]),
            "diff": reverse("roadmap_diff", args=[site.slug]) + "?from=1&to=2",
        }
    )
    found, shown = [], 0
    for role in ("anonymous", "convenor"):
        client = Client()
        if role != "anonymous":
            client.force_login(people[role])
        for name, url in sorted(pages.items()):
            response = client.get(url)
            assert response.status_code < 500, f"{name} as {role}"
            content_type = response.get("Content-Type", "")
            body = b"".join(response) if response.streaming else response.content
            if "html" not in content_type:
                assert response.get("X-Content-Type-Options") == "nosniff" or b"<script" not in body, name
                continue
            page = body.decode()
            shown += "alert(" in page or "&lt;script" in page
            found += [f"{name} as {role}: {problem}" for problem in inspect(page)]
    assert not found, "\n".join(found[:20])
    assert shown > 15, "the payloads did not reach the pages: the test would prove nothing"
