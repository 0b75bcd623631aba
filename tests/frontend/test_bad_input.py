"""Bad input never produces a 500 nor half a change: the form comes back with what was typed and the
error tied to its field; stale forms show the conflict; a double submit creates one amendment."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assemblies.common.text import TEXT_MAX
from assemblies.membership.models import Phase
from assemblies.membership.services import spaces
from assemblies.roadmap import selectors as roadmap_selectors
from assemblies.roadmap.models import Contribution, RoadmapVersion
from assemblies.roadmap.services import contributions
from assemblies.roadmap.services import roadmap as roadmap_services
from tests.frontend.conftest import first_item, key

pytestmark = pytest.mark.django_db


def propose_form(client, slug, code):
    return client.get(reverse("propose", args=[slug, code])).context["form"]["submission_key"].value()


def test_empty_proposal_text_keeps_the_title_and_shows_the_error_on_the_field(client, people, assembly, roadmap):
    client.force_login(people.ana)
    response = client.post(
        reverse("propose", args=[assembly.slug, "DIG"]),
        {
            "title": "My typed title",
            "text": "   ",
            "submission_key": propose_form(client, assembly.slug, "DIG"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="My typed title"' in page
    assert (
        re.search(r'<textarea[^>]*aria-invalid="true"[^>]*id="id_text"', page)
        or 'aria-describedby="id_text_error"' in page
    )
    assert 'id="id_text_error"' in page
    assert Contribution.objects.count() == 0


def test_oversized_proposal_text_keeps_the_text_and_says_the_limit(client, people, assembly, roadmap):
    client.force_login(people.ana)
    text = "word " * (TEXT_MAX // 5 + 10)
    response = client.post(
        reverse("propose", args=[assembly.slug, "DIG"]),
        {
            "title": "Long",
            "text": text,
            "submission_key": propose_form(client, assembly.slug, "DIG"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"the limit is {TEXT_MAX}" in page
    assert text.strip() in page  # what was typed comes back
    assert response.context["form"].errors["text"]
    assert Contribution.objects.count() == 0


def test_empty_amendment_text_is_refused_on_its_field(client, people, assembly, roadmap):
    item = first_item(assembly)
    client.force_login(people.ana)
    form = client.get(reverse("amend_item", args=[assembly.slug, item.ref])).context["form"]
    response = client.post(
        reverse("amend_item", args=[assembly.slug, item.ref]),
        {
            "change": "edit",
            "text": "",
            "title": "kept title",
            "base_version": 1,
            "submission_key": form["submission_key"].value(),
        },
    )
    assert response.status_code == 400
    assert "text" in response.context["form"].errors
    assert 'value="kept title"' in response.content.decode()
    assert Contribution.objects.count() == 0


def test_markdown_with_scripts_handlers_and_javascript_links_renders_inert(client, people, assembly, roadmap):
    text = (
        "Hello <script>alert('x')</script> **bold**\n\n"
        "<img src=x onerror=alert(1)> [click](javascript:alert(1)) [ok](https://example.org)\n\n"
        '<a href="https://example.org" onclick="steal()">link</a> <iframe src="https://evil.example"></iframe>'
    )
    proposal = contributions.propose(
        space=first_item(assembly).space,
        author=people.ana,
        title="<b>Title</b>",
        text=text,
        submission_key=key(),
        now=timezone.now(),
    )
    page = client.get(reverse("contribution", args=[assembly.slug, proposal.pk])).content.decode()
    main = page.split('<main id="main"', 1)[1]
    assert "<script" not in main and "alert('x')" not in main
    assert "onerror" not in main and "onclick" not in main and "<img" not in main and "<iframe" not in main
    assert "javascript:" not in main
    assert '<a href="https://example.org" rel="nofollow noopener">ok</a>' in main
    assert "<strong>bold</strong>" in main
    assert "&lt;b&gt;Title&lt;/b&gt;" in main  # titles are text, not Markdown


def test_stale_amend_form_shows_the_three_way_comparison_keeps_the_text_and_moves_the_base(
    client, people, assembly, roadmap
):
    item = first_item(assembly)
    client.force_login(people.ana)
    form = client.get(reverse("amend_item", args=[assembly.slug, item.ref])).context["form"]
    base = form["text"].value()
    typed = base.rstrip(".") + " with care."
    roadmap_services.edit_item(
        item=item, text="Meanwhile " + base, by=people.convenor, reason="typo", now=timezone.now()
    )
    data = {
        "change": "edit",
        "text": typed,
        "title": "Care",
        "base_version": form["base_version"].value(),
        "submission_key": form["submission_key"].value(),
    }
    response = client.post(reverse("amend_item", args=[assembly.slug, item.ref]), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "The item changed while you were writing" in page
    assert "In conflict" in page
    assert "Meanwhile" in page  # base -> current
    assert typed in page  # what was typed is kept
    assert response.context["form"]["base_version"].value() == "2"
    assert response.context["three_way"].merged == "Meanwhile " + typed
    assert Contribution.objects.count() == 0
    # Resubmitting the same form now works.
    data["base_version"] = response.context["form"]["base_version"].value()
    response = client.post(reverse("amend_item", args=[assembly.slug, item.ref]), data)
    assert response.status_code == 302
    amendment = Contribution.objects.get()
    assert amendment.base_version.number == 2 and amendment.text == typed


def test_double_submit_with_the_same_key_creates_one_amendment(client, people, assembly, roadmap):
    item = first_item(assembly)
    client.force_login(people.ana)
    form = client.get(reverse("amend_item", args=[assembly.slug, item.ref])).context["form"]
    data = {
        "change": "replace",
        "text": "A replacement.",
        "title": "",
        "base_version": 1,
        "submission_key": form["submission_key"].value(),
    }
    first = client.post(reverse("amend_item", args=[assembly.slug, item.ref]), data)
    second = client.post(reverse("amend_item", args=[assembly.slug, item.ref]), data)
    amendment = Contribution.objects.get()
    assert first["Location"] == second["Location"] == reverse("contribution", args=[assembly.slug, amendment.pk])


def test_each_form_display_gets_its_own_submission_key(client, people, assembly, roadmap):
    item = first_item(assembly)
    client.force_login(people.ana)
    url = reverse("amend_item", args=[assembly.slug, item.ref])
    assert (
        client.get(url).context["form"]["submission_key"].value()
        != client.get(url).context["form"]["submission_key"].value()
    )


def test_non_member_post_to_a_private_assembly_is_404_and_creates_nothing(client, people, private_assembly):
    item = first_item(private_assembly)
    client.force_login(people.outsider)
    posts = {
        reverse("propose", args=[private_assembly.slug, item.space.code]): {
            "title": "t",
            "text": "x",
            "submission_key": key(),
        },
        reverse("amend_item", args=[private_assembly.slug, item.ref]): {
            "change": "edit",
            "text": "x",
            "base_version": 1,
            "submission_key": key(),
        },
        reverse("assembly_join", args=[private_assembly.slug]): {"message": "let me in"},
        reverse("space_phase", args=[private_assembly.slug, item.space.code]): {"phase": "closed"},
        reverse("assembly_join_link_create", args=[private_assembly.slug]): {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert Contribution.objects.count() == 0
    assert not private_assembly.join_requests.exists()
    assert private_assembly.join_links.filter(revoked_at__isnull=True).count() == 0
    assert private_assembly.spaces.get(code=item.space.code).phase == Phase.DRAFTING


def test_proposing_in_the_wrong_phase_shows_the_refusal_and_changes_nothing(client, people, assembly, roadmap):
    client.force_login(people.ana)
    submission_key = propose_form(client, assembly.slug, "DIG")
    spaces.set_phase(space=assembly.spaces.get(code="DIG"), by=people.convenor, phase=Phase.VOTING, now=timezone.now())
    response = client.post(
        reverse("propose", args=[assembly.slug, "DIG"]),
        {
            "title": "Late idea",
            "text": "Too late.",
            "submission_key": submission_key,
        },
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "This space is voting: its texts are frozen until the polls close." in page
    assert "Too late." in page
    assert Contribution.objects.count() == 0


def test_co_signing_in_the_wrong_phase_is_refused_with_a_message(client, people, assembly, roadmap):
    item = first_item(assembly)
    proposal = contributions.propose(
        space=item.space, author=people.ana, title="Idea", text="Text", submission_key=key(), now=timezone.now()
    )
    spaces.set_phase(space=item.space, by=people.convenor, phase=Phase.CLOSED, now=timezone.now())
    client.force_login(people.kofi)
    response = client.post(reverse("contribution_support", args=[assembly.slug, proposal.pk]), follow=True)
    assert "This space is closed: it can be read, not changed." in response.content.decode()
    assert not proposal.supports.exists()


def test_editorial_change_needs_a_reason_and_keeps_the_text(client, people, assembly, roadmap):
    item = first_item(assembly)
    client.force_login(people.convenor)
    response = client.post(reverse("item_edit", args=[assembly.slug, item.ref]), {"text": "New words", "reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert "New words" in response.content.decode()
    assert RoadmapVersion.objects.count() == 1


def test_editorial_change_with_the_same_text_is_refused_on_the_text(client, people, assembly, roadmap):
    item = first_item(assembly)
    client.force_login(people.convenor)
    text = roadmap_selectors.current_text(item)
    response = client.post(reverse("item_edit", args=[assembly.slug, item.ref]), {"text": text, "reason": "nothing"})
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == ["The text is unchanged."]


def test_importing_twice_is_refused_and_an_empty_import_is_an_error(client, people, assembly, roadmap):
    client.force_login(people.convenor)
    response = client.post(
        reverse("roadmap_import", args=[assembly.slug]), {"text": "# T\n\n## S\n\n1. x", "reason": ""}
    )
    assert response.status_code == 403
    assert "already has a roadmap" in response.content.decode()
    from assemblies.membership.services import membership

    other = membership.create_assembly(name="Other", creator=people.convenor, now=timezone.now())
    response = client.post(reverse("roadmap_import", args=[other.slug]), {"text": "  ", "reason": ""})
    assert response.status_code == 400 and "text" in response.context["form"].errors
    response = client.post(reverse("roadmap_import", args=[other.slug]), {"text": "just some words", "reason": ""})
    assert response.status_code == 400 and response.context["form"].errors["text"]
    assert "just some words" in response.content.decode()


def test_importing_a_file_that_is_not_utf8_is_an_error_on_the_file(client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assemblies.membership.services import membership

    other = membership.create_assembly(name="Other", creator=people.convenor, now=timezone.now())
    client.force_login(people.convenor)
    upload = SimpleUploadedFile("roadmap.txt", "TITRE\n\nSECTION\n\n1. caf\xe9".encode("latin-1"))
    response = client.post(reverse("roadmap_import", args=[other.slug]), {"file": upload, "reason": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["This file is not UTF-8 text."]


def test_importing_a_file_creates_version_one_and_shows_the_warnings(client, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assemblies.membership.services import membership

    other = membership.create_assembly(name="Other", creator=people.convenor, now=timezone.now())
    client.force_login(people.convenor)
    upload = SimpleUploadedFile("roadmap.md", b"# Plan\n\n## Tools {#TOO}\n\n1. One\n3. Three\n\n## Empty {#EMP}\n")
    response = client.post(
        reverse("roadmap_import", args=[other.slug]), {"file": upload, "reason": "From file"}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The roadmap was imported as version 1." in page
    assert "Import warnings" in page and "has no items" in page


def test_assembly_with_a_taken_short_name_keeps_the_input(client, people, assembly):
    client.force_login(people.ana)
    response = client.post(
        reverse("assembly_create"),
        {
            "name": "Another forum",
            "slug": assembly.slug,
            "description": "Mine",
            "visibility": "public",
        },
    )
    assert response.status_code == 400
    assert "is taken" in response.content.decode()
    assert 'value="Another forum"' in response.content.decode()


def test_creating_an_assembly_makes_the_creator_its_convenor(client, people):
    client.force_login(people.ana)
    response = client.post(
        reverse("assembly_create"),
        {
            "name": "Coop Assembly",
            "slug": "",
            "description": "",
            "visibility": "members",
            "languages": ["en", "fr"],
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("assembly", args=["coop-assembly"])
    assert "Your role: Convenor." in client.get(response["Location"]).content.decode()


def test_stale_rebase_of_an_amendment_not_in_conflict_is_refused(client, people, assembly, roadmap):
    item = first_item(assembly)
    amendment = contributions.propose_amendment(
        author=people.ana,
        item=item,
        base_version=item.roadmap.head,
        change="edit",
        text="Other words.",
        submission_key=key(),
        now=timezone.now(),
    )
    client.force_login(people.ana)
    response = client.post(reverse("contribution_rebase", args=[assembly.slug, amendment.pk]), {"text": "x"})
    assert response.status_code == 409
    assert "This amendment is not in conflict: edit it instead." in response.content.decode()


def test_a_get_on_a_post_only_action_is_refused_without_a_500(client, people, assembly, roadmap):
    item = first_item(assembly)
    amendment = contributions.propose_amendment(
        author=people.ana,
        item=item,
        base_version=item.roadmap.head,
        change="edit",
        text="Other words.",
        submission_key=key(),
        now=timezone.now(),
    )
    client.force_login(people.convenor)
    for name in ("contribution_withdraw", "contribution_support", "contribution_table", "contribution_decide"):
        assert client.get(reverse(name, args=[assembly.slug, amendment.pk])).status_code == 405
