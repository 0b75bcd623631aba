"""The demo, as a new user meets it, for the browser tests of the interface and `bench/pages.py`.

Run as `python -m tests.frontend.demosite` in a live site's environment (see `tests.livekit.live_site`):
loads the demo (`manage.py load_demo`: the Mont Blanc roadmap, its amendments and versions, three polls),
then adds what the demo lacks for a realistic look at every page type — a busy debate on an item, with
stances, replies and reactions; an open secret poll voted with codes; a live session with raised hands —
and prints, as one line of JSON, the paths of the main pages (`pages`), a logged-in session key per demo
person (`sessions`) and the demo password and emails (`password`, `emails`).

The test modules import the fixtures `demo_site` (the running site, one Daphne process, for the module)
and `chromium` (one browser for the module) by name.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest

SETUP = ("-m", "tests.frontend.demosite")


@pytest.fixture(scope="module")
def demo_site():
    from tests.livekit import live_site

    with live_site(setup=SETUP, servers=1) as site:
        yield site


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium for a whole module (the `browser` fixture of tests/conftest.py is per test)."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium")  # the `browser` marker fails it in CI before this runs
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def context_for(browser, site, person: str | None = None, **options):
    """A browser context on the site, logged in as `person` (a demo short name) or anonymous."""
    context = browser.new_context(**{"viewport": {"width": 360, "height": 640}, **options})
    if person is not None:
        context.add_cookies([{"name": "sessionid", "value": site.data["sessions"][person], "url": site.bases[0]}])
    return context


# A debate of a working group: long enough to be busy, with Markdown, replies and every stance.
DEBATE = [
    ("ana", "for", "We should start with the **training** of members: tools nobody can use are no tools."),
    ("kofi", "question", "Who pays for the training? The regional networks have no budget line for it."),
    ("lea", "for", "The *Mont Blanc* working group offered trainers last year; we could ask them again."),
    ("mateo", "against", "Training first delays everything. Let us pick the tools, then train on those."),
    ("nadia", "", "Both can go together: a short list of tools, and a first workshop in each region."),
    (
        "olu",
        "for",
        "Agreed with Nadia. See the list we used in Dakar:\n\n- a shared calendar\n- a wiki\n- a "
        "video-call service we host ourselves",
    ),
    ("ana", "question", "Does anyone know what it cost to host the video calls?"),
    ("olu", "", "About 40 euros a month for 200 people, on a cooperative host."),
    ("kofi", "for", "Then it fits the solidarity fund. I will draft a line for the budget."),
    ("moderator", "", "Reminder: keep to the item; the budget is discussed in the FIN space."),
    ("lea", "against", "The item says *ethical and feminist*: the tools must also be checked for that."),
    ("mateo", "for", "Fair point. A checklist with three or four questions would do."),
]
REPLIES = [
    (1, "lea", "", "The fund can cover it: it did for the Cartagena workshops."),
    (3, "ana", "against", "Picking tools without the members is how we ended with tools nobody uses."),
    (3, "nadia", "for", "A short list first, yes, but made with the members."),
]


def build() -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings
    from django.urls import reverse
    from django.utils import timezone

    from assemblies.accounts.models import User
    from assemblies.debates.services import debates, live_sessions
    from assemblies.membership.models import Assembly
    from assemblies.roadmap.models import Item
    from assemblies.roadmap.services import roadmap as roadmap_services
    from deliberate.management.commands.load_demo import (
        DEMO_PASSWORD,
        DEMO_PEOPLE,
        DEMO_SLUG,
    )
    from polls import selectors as poll_selectors
    from polls import services as poll_services
    from polls.models import Poll
    from tests.livekit import session_for

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        call_command("load_demo", stdout=open("/dev/null", "w"))
    assembly = Assembly.objects.get(slug=DEMO_SLUG)
    people = {email.split("@")[0]: User.objects.get(email=email) for email, _name, _role in DEMO_PEOPLE}
    now = timezone.now().replace(microsecond=0)

    item = Item.objects.select_related("space", "roadmap").get(roadmap__assembly=assembly, ref="DIG-1")
    debate = debates.debate_for(item=item, now=now)
    # Each post at its own minute: the allowance of posts a minute holds for the demo's story too.
    start = now - timedelta(hours=3)
    posted = []
    for number, (author, stance, text) in enumerate(DEBATE):
        posted.append(
            debates.post_message(
                debate=debate,
                author=people[author],
                text=text,
                stance=stance,
                now=start + timedelta(minutes=2 * number),
            )
        )
    for number, (parent, author, stance, text) in enumerate(REPLIES):
        debates.post_message(
            debate=debate,
            author=people[author],
            text=text,
            stance=stance,
            reply_to=posted[parent],
            now=start + timedelta(minutes=2 * len(DEBATE) + number),
        )
    for message, fans in ((posted[0], ("kofi", "lea", "nadia")), (posted[5], ("ana", "mateo"))):
        for fan in fans:
            debates.react(message=message, user=people[fan], kind="agree", now=now)
    debates.react(message=posted[3], user=people["ana"], kind="disagree", now=now)

    # An open secret poll on paper codes, some already cast: the vote-by-code page of a live poll.
    opened = now - timedelta(hours=1)
    secret = poll_services.create_poll(
        assembly=assembly,
        by=people["convenor"],
        title="Host of the 2025 forum",
        question="Which region should host the 2025 forum? Choose one.",
        subject_type="election",
        subject_refs=[],
        contributions=[],
        options=poll_selectors.listed_options(["Americas", "Africa", "Europe", "Asia-Pacific"]),
        method={"kind": "plurality"},
        secrecy="credential",
        revote="last-counts",
        delivery="paper",
        opens_at=None,
        closes_at=now + timedelta(days=5),
        now=opened,
    )
    codes = poll_services.open_poll(poll=secret, by=people["convenor"], now=opened).paper_codes
    option_ids = [option["id"] for option in secret.options]
    for code, pick in zip(codes[:3], (0, 1, 0)):
        poll_services.cast_with_code(poll=secret, code=code, choice=option_ids[pick], now=opened + timedelta(minutes=5))

    session = live_sessions.start_session(
        assembly=assembly,
        by=people["convenor"],
        title="Online plenary of the digital working group",
        debates=[debate, debates.debate_for(space=item.space, now=now)],
        speaking_seconds=180,
        now=now,
    )
    for person in ("ana", "kofi"):
        live_sessions.raise_hand(session=session, user=people[person], now=now)
    live_sessions.give_floor(session=session, by=people["convenor"], now=now)

    polls = {poll.title: poll for poll in Poll.objects.filter(assembly=assembly)}
    motion = polls["Join the regional SSE charter"]
    priorities = next(
        poll
        for poll in polls.values()
        if poll.status == Poll.Status.OPEN
        and not poll.is_secret
        and poll.space is not None
        and poll.space.code == "DIG"
    )
    amendment = assembly.spaces.get(code="DIG").contributions.filter(kind="amendment").order_by("pk").first()
    conflict = next(
        c
        for c in assembly.spaces.get(code="DIG").contributions.order_by("pk")
        if c.title == "Access points and training"
    )
    head = assembly.roadmap.head.number
    document = roadmap_services.document_of(assembly.roadmap.head)
    slug = assembly.slug
    pages = {
        "home": reverse("home"),
        "assembly": reverse("assembly", args=[slug]),
        "space": reverse("space", args=[slug, "DIG"]),
        "roadmap": reverse("roadmap", args=[slug]),
        "item": reverse("item", args=[slug, item.ref]),
        "diff": reverse("roadmap_diff", args=[slug]) + f"?from=1&to={head}",
        "history": reverse("roadmap_history", args=[slug]),
        "contribution": reverse("contribution", args=[slug, amendment.pk]),
        "conflict": reverse("contribution", args=[slug, conflict.pk]),
        "amend": reverse("amend_item", args=[slug, "DIG-2"]),
        "debate": debate.get_absolute_url(),
        "polls": reverse("poll_list", args=[slug]),
        "poll": reverse("poll", args=[priorities.public_id]),
        "vote": reverse("poll_vote", args=[priorities.public_id]),
        "results": reverse("poll_results", args=[motion.public_id]),
        "secret_results": reverse("poll_results", args=[polls["Workshops of the next forum"].public_id]),
        "vote_code": reverse("poll_vote_code", args=[secret.public_id]),
        "account": reverse("account_profile"),
        "login": reverse("account_login"),
        "signup": reverse("account_signup"),
        "session": session.get_absolute_url(),
    }
    return {
        "slug": slug,
        "pages": pages,
        "item": item.ref,
        "roadmap_title": document["title"],
        "refs": [entry["ref"] for section in document["sections"] for entry in section["items"]],
        "codes": codes[3:],
        "password": DEMO_PASSWORD,
        "emails": {email.split("@")[0]: email for email, _name, _role in DEMO_PEOPLE},
        "sessions": {name: session_for(person) for name, person in people.items()},
    }


if __name__ == "__main__":
    print(json.dumps(build()))
