"""Debates without JavaScript: the page beside its subject, posting through a form, pagination by id,
threads, editing, deleting, reacting, flagging, moderation, and the refusals, through the test client."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from assemblies.debates.models import Debate, Message, ModerationEntry
from assemblies.debates.services import debates
from assemblies.membership.models import Phase
from assemblies.membership.services import spaces
from assemblies.roadmap import SEED_ROADMAP
from tests.debatekit import post, world  # noqa: F401

pytestmark = pytest.mark.django_db

BUDGET = 14 * 1024


def page_of(world_or_debate, **query):
    debate = getattr(world_or_debate, "debate", world_or_debate)
    url = reverse("debate", args=[debate.assembly.slug, debate.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def post_url(debate):
    return reverse("debate_post", args=[debate.assembly.slug, debate.pk])


def message_url(message, action=""):
    name = "debate_message" + (f"_{action}" if action else "")
    return reverse(name, args=[message.debate.assembly.slug, message.debate_id, message.pk])


# Reading ----------------------------------------------------------------------------------------------


def test_a_subject_leads_to_its_one_debate(client, world):
    url = reverse("item_debate", args=[world.assembly.slug, world.item.ref])
    first, second = client.get(url), client.get(url)
    assert first.status_code == 302 and first["Location"] == second["Location"] == page_of(world)
    space = client.get(reverse("space_debate", args=[world.assembly.slug, world.space.code]))
    assert space.status_code == 302 and Debate.objects.filter(subject_key=f"space:{world.space.pk}").exists()


def test_the_debate_sits_beside_the_item_it_is_about(client, world):
    post(world, world.ana, "We should start with *training*.")
    page = client.get(page_of(world)).content.decode()
    assert world.item.ref in page and reverse("item", args=[world.assembly.slug, world.item.ref]) in page
    assert "Develop and formalise" in page  # the item's text
    assert "<em>training</em>" in page


def test_anonymous_readers_read_a_public_debate_without_a_form_or_a_socket(client, world):
    post(world, world.ana, "Visible to all.")
    response = client.get(page_of(world))
    page = response.content.decode()
    assert response.status_code == 200 and "Visible to all." in page
    assert 'id="post"' not in page and "Log in to take part." in page
    assert "data-ws" not in page and "live.js" not in page


def test_a_private_assemblys_debate_is_404_to_outsiders_even_when_posting(client, world):
    client.force_login(world.outsider)
    assert client.get(page_of(world.private_debate)).status_code == 404
    response = client.post(post_url(world.private_debate), {"text": "Let me in."})
    assert response.status_code == 404 and not Message.objects.exists()


def test_the_page_has_no_inline_script_or_style(client, world):
    client.force_login(world.ana)
    post(world, world.ana, "Hello.")
    page = client.get(page_of(world)).content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert " style=" not in page and "<style" not in page
    assert re.search(r'<script src="[^"]*live[^"]*\.js" defer>', page)


def _gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def test_a_full_debate_page_with_its_stylesheets_and_script_fits_in_14_kb_compressed(client, world):
    sentences = [line for line in SEED_ROADMAP.read_text().splitlines() if len(line) > 60]
    for number in range(25):
        text = " ".join(sentences[(number * 3 + k) % len(sentences)] for k in range(3))
        post(
            world,
            [world.ana, world.kofi, world.convenor][number % 3],
            text[:600],
            stance=["for", "against", "", "question"][number % 4],
            now=timezone.now() + timedelta(minutes=number),
        )
    client.force_login(world.ana)
    html = client.get(page_of(world)).content
    assets = sum(
        _gzip_size(Path(finders.find(f"frontend/{name}")).read_bytes())
        for name in ("site.css", "debates.css", "live.js")
    )
    assert _gzip_size(html) + assets < BUDGET, (_gzip_size(html), assets)


# Posting ----------------------------------------------------------------------------------------------


def test_a_member_posts_and_is_sent_back_to_the_message(client, world):
    client.force_login(world.ana)
    response = client.post(post_url(world.debate), {"text": "Let us train **trainers**.", "stance": "for"})
    message = Message.objects.get()
    assert response.status_code == 302 and response["Location"] == page_of(world) + f"#m{message.pk}"
    page = client.get(page_of(world)).content.decode()
    assert f'id="m{message.pk}"' in page and "<strong>trainers</strong>" in page and "For" in page


@pytest.mark.parametrize("text", ["", "   ", "z" * 5001])
def test_empty_or_oversized_text_is_refused_and_kept_in_the_form(client, world, text):
    client.force_login(world.ana)
    response = client.post(post_url(world.debate), {"text": text})
    assert response.status_code == 400 and not Message.objects.exists()
    page = response.content.decode()
    assert "cannot be empty" in page or "the limit is 5000" in page


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        ("<script>alert('x')</script>", "<script>alert"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="https://example.org" onclick="steal()">link</a>', "onclick"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ('<p style="position:fixed">cover</p>', "position:fixed"),
    ],
)
def test_scripts_and_handlers_in_messages_are_rendered_inert(client, world, payload, forbidden):
    client.force_login(world.ana)
    client.post(post_url(world.debate), {"text": f"Before {payload} after"})
    page = client.get(page_of(world)).content.decode()
    body = page.split('id="msgs"', 1)[1]
    assert "Before" in body and forbidden not in body


def test_links_in_messages_are_kept_with_nofollow(client, world):
    post(world, world.ana, "See [the forum](https://example.org/forum).")
    page = client.get(page_of(world)).content.decode()
    assert re.search(r'<a href="https://example.org/forum" rel="nofollow noopener">the forum</a>', page)


def test_posting_in_a_closed_space_is_refused_with_the_reason(client, world):
    spaces.set_phase(space=world.space, by=world.convenor, phase=Phase.CLOSED, now=timezone.now())
    client.force_login(world.ana)
    response = client.post(post_url(world.debate), {"text": "Too late?"})
    assert response.status_code == 403 and "closed" in response.content.decode()
    assert 'id="post"' not in client.get(page_of(world)).content.decode()


def test_an_observer_cannot_post(client, world):
    client.force_login(world.observer)
    response = client.post(post_url(world.debate), {"text": "Watching."})
    assert response.status_code == 403 and "Observers" in response.content.decode()


def test_an_anonymous_post_goes_to_the_log_in_page(client, world):
    response = client.post(post_url(world.debate), {"text": "Who am I?"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_posting_too_fast_is_refused_with_429(client, world, settings):
    settings.DELIBERATE_DEBATE_POSTS_PER_MINUTE = 2
    client.force_login(world.ana)
    for number in range(2):
        assert client.post(post_url(world.debate), {"text": f"Point {number}."}).status_code == 302
    response = client.post(post_url(world.debate), {"text": "Point 3."})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "too fast" in response.content.decode()


def test_posting_over_fetch_answers_json(client, world):
    client.force_login(world.ana)
    response = client.post(post_url(world.debate), {"text": "From JavaScript."}, HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    data = response.json()
    assert data["id"] == Message.objects.get().pk and "From JavaScript." in data["html"]
    refused = client.post(post_url(world.debate), {"text": ""}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and refused.json()["error"]


# Pagination and threads -------------------------------------------------------------------------------


def test_pages_by_id_and_the_newer_messages_link(client, world):
    messages = [
        post(world, world.ana, f"Message number {n}.", now=timezone.now() + timedelta(seconds=n * 7)) for n in range(25)
    ]
    first = client.get(page_of(world))
    shown = first.context["page"].ids
    assert shown == [m.pk for m in reversed(messages)][:20]
    older = first.context["page"].older_than
    assert f"?before={older}" in first.content.decode()
    rest = client.get(page_of(world, before=older)).context["page"]
    assert rest.ids == [m.pk for m in reversed(messages[:5])] and rest.older_than is None
    # Without JavaScript, "Newer messages" loads what arrived since the page was read.
    newer = f"?after={messages[-1].pk}"
    assert newer in first.content.decode()
    assert client.get(page_of(world, after=messages[-1].pk)).context["page"].ids == []
    late = post(world, world.kofi, "A late arrival.", now=timezone.now() + timedelta(minutes=10))
    assert client.get(page_of(world, after=messages[-1].pk)).context["page"].ids == [late.pk]


def test_garbage_page_parameters_are_ignored(client, world):
    post(world, world.ana)
    for query in ("before=abc", "after=-3", "before=99999999999999999999999", "view=<script>"):
        assert client.get(page_of(world) + "?" + query).status_code == 200


def test_the_threaded_view_nests_replies_under_what_they_answer(client, world):
    root = post(world, world.ana, "The root.")
    reply = post(world, world.kofi, "A reply.", reply_to=root)
    deep = reply
    for depth in range(5):
        deep = post(world, world.ana, f"Deeper {depth}.", reply_to=deep)
    other = post(world, world.kofi, "Another thread.")
    response = client.get(page_of(world, view="threads"))
    page = response.content.decode()
    assert response.context["page"].ids == [other.pk, root.pk]
    root_block = page[page.index(f'id="t{root.pk}"') :]
    assert root_block.index(f'id="m{reply.pk}"') < root_block.index(f'id="m{deep.pk}"')
    assert page.count('class="replies"') == 4  # deeper replies are listed flat under the fourth level


def test_replying_from_the_message_page_without_javascript(client, world):
    root = post(world, world.ana, "Shall we vote?")
    client.force_login(world.kofi)
    page = client.get(message_url(root)).content.decode()
    assert 'id="reply"' in page and f'value="{root.pk}"' in page
    response = client.post(post_url(world.debate), {"text": "Yes, soon.", "reply_to": root.pk, "view": "threads"})
    reply = Message.objects.get(reply_to=root)
    assert response["Location"] == page_of(world) + f"?view=threads#m{reply.pk}"


def test_replying_to_a_message_of_another_debate_is_refused(client, world):
    elsewhere = post(debates.debate_for(space=world.space, now=timezone.now()), world.ana, "Elsewhere.")
    client.force_login(world.kofi)
    response = client.post(post_url(world.debate), {"text": "Hm.", "reply_to": elsewhere.pk})
    assert response.status_code == 400


# Editing, deleting, reacting, flagging ------------------------------------------------------------------


def test_the_author_edits_and_readers_see_it_was_edited_with_the_history(client, world):
    message = post(world, world.ana, "Fisrt wording.")
    client.force_login(world.ana)
    response = client.post(
        message_url(message, "edit"), {"text": "First wording.", "stance": "information", "next": "message"}
    )
    assert response.status_code == 302 and response["Location"] == message_url(message)
    client.force_login(world.kofi)
    page = client.get(message_url(message)).content.decode()
    assert "(edited)" in page and "Earlier versions" in page and "Fisrt wording." in page


def test_someone_else_cannot_edit_or_delete(client, world):
    message = post(world, world.ana, "Mine.")
    client.force_login(world.kofi)
    client.post(message_url(message, "edit"), {"text": "Yours now."})
    client.post(message_url(message, "delete"))
    message.refresh_from_db()
    assert message.text == "Mine." and message.deleted_at is None


def test_deleting_leaves_a_tombstone_on_the_page(client, world):
    message = post(world, world.ana, "Oops, wrong debate.")
    client.force_login(world.ana)
    client.post(message_url(message, "delete"))
    page = client.get(page_of(world)).content.decode()
    assert "The author deleted this message." in page and "Oops" not in page


def test_reacting_toggles_and_the_page_shows_the_counts(client, world):
    message = post(world, world.ana, "Agreeable.")
    client.force_login(world.kofi)
    assert client.post(message_url(message, "react"), {"kind": "agree"}).status_code == 302
    page = client.get(page_of(world)).content.decode()
    assert re.search(r'value="agree" class="secondary" aria-pressed="true">Agree 1', page)
    data = client.post(message_url(message, "react"), {"kind": "agree"}, HTTP_ACCEPT="application/json").json()
    assert "Agree 0" in data["html"]


def test_flagging_a_message_reaches_the_moderation_page(client, world):
    message = post(world, world.ana, "Dubious claim.")
    client.force_login(world.kofi)
    client.post(message_url(message, "flag"), {"reason": "Misleading.", "next": "message"})
    client.force_login(world.moderator)
    page = client.get(reverse("moderation_log", args=[world.assembly.slug])).content.decode()
    assert "Dubious claim." in page and "flagged once" in page


# Moderation -------------------------------------------------------------------------------------------


def test_a_hidden_message_shows_the_reason_to_others_and_the_text_to_its_author(client, world):
    message = post(world, world.ana, "Something rude.")
    client.force_login(world.moderator)
    response = client.post(message_url(message, "hide"), {"reason": "Be kind.", "next": "message"})
    assert response.status_code == 302
    client.force_login(world.kofi)
    page = client.get(page_of(world)).content.decode()
    assert "Hidden by a moderator: Be kind." in page and "Something rude." not in page
    client.logout()
    assert "Something rude." not in client.get(page_of(world)).content.decode()
    client.force_login(world.ana)
    page = client.get(page_of(world)).content.decode()
    assert "Hidden by a moderator: Be kind." in page and "Something rude." in page
    client.force_login(world.moderator)
    client.post(message_url(message, "restore"), {"reason": "Apologised."})
    client.force_login(world.kofi)
    assert "Something rude." in client.get(page_of(world)).content.decode()


def test_members_cannot_hide_and_hiding_needs_a_reason(client, world):
    message = post(world, world.ana, "Fine.")
    client.force_login(world.kofi)
    client.post(message_url(message, "hide"), {"reason": "I dislike it."})
    client.force_login(world.moderator)
    client.post(message_url(message, "hide"), {"reason": ""})
    message.refresh_from_db()
    assert message.hidden_at is None and not ModerationEntry.objects.exists()


def test_a_moderator_mutes_from_the_message_page_and_the_member_cannot_post(client, world):
    message = post(world, world.ana, "Spam spam spam.")
    client.force_login(world.moderator)
    page = client.get(message_url(message)).content.decode()
    assert "Mute Ana for" in page
    client.post(
        reverse("debate_mute", args=[world.assembly.slug, world.ana.pk]),
        {"duration": "1h", "reason": "Spamming.", "next": message_url(message)},
    )
    client.force_login(world.ana)
    response = client.post(post_url(world.debate), {"text": "More spam."})
    assert response.status_code == 403 and "muted you" in response.content.decode()
    assert "muted you" in client.get(page_of(world)).content.decode()
    client.force_login(world.moderator)
    log = client.get(reverse("moderation_log", args=[world.assembly.slug])).content.decode()
    assert "Muted a member: Ana" in log and "Spamming." in log
    client.post(reverse("debate_unmute", args=[world.assembly.slug, world.ana.pk]))
    client.force_login(world.ana)
    assert client.post(post_url(world.debate), {"text": "Sorry."}).status_code == 302


def test_the_moderation_log_is_for_convenors_and_moderators(client, world):
    url = reverse("moderation_log", args=[world.assembly.slug])
    assert "login" in client.get(url)["Location"]
    for person, status in ((world.ana, 403), (world.observer, 403), (world.moderator, 200), (world.convenor, 200)):
        client.force_login(person)
        assert client.get(url).status_code == status
    client.force_login(world.outsider)
    assert client.get(reverse("moderation_log", args=[world.private.slug])).status_code == 404


def test_the_moderation_log_lists_every_act_newest_first(client, world):
    message = post(world, world.ana, "Heated.")
    debates.hide_message(message=message, by=world.moderator, reason="Too heated.", now=timezone.now())
    debates.restore_message(message=message, by=world.convenor, reason="Calmer now.", now=timezone.now())
    client.force_login(world.convenor)
    page = client.get(reverse("moderation_log", args=[world.assembly.slug])).content.decode()
    assert page.index("Calmer now.") < page.index("Too heated.")
    assert "Restored a message" in page and "Hid a message" in page
