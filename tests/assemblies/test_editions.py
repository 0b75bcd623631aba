"""Published editions of the roadmap: who may publish, what the generated notes list, refusals, and
exports whose provenance leads to the board that decided each item's text."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from assemblies.common.errors import InvalidInput, NotAllowed
from assemblies.roadmap import selectors
from assemblies.roadmap.core.blame import last_change
from assemblies.roadmap.models import Edition
from assemblies.roadmap.services import editions
from assemblies.roadmap.services import roadmap as roadmap_services
from polls import selectors as poll_selectors
from polls import services as poll_services
from tests import factories
from tests.outcomekit import BASE, decided_by_poll, fresh_roadmap, head, item, publish
from tests.polls import pollkit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pollkit.world(members=4)


# Who may publish ----------------------------------------------------------------------------------------------


def test_only_a_convenor_can_publish_an_edition(world):
    assembly, convenor, people, observer = world
    for person in (people[0], observer, factories.user("Outsider")):
        with pytest.raises(NotAllowed, match="Only a convenor"):
            publish(assembly, person, "Roadmap 2026", notes="")
    assert not Edition.objects.exists()
    edition = publish(assembly, convenor, "Roadmap 2026")
    assert (edition.slug, edition.version.number, edition.published_by) == ("roadmap-2026", 1, convenor)


# Release notes ---------------------------------------------------------------------------------------------------


def test_notes_list_the_adopted_change_with_its_item_contribution_and_poll_and_not_the_rejected_one(world):
    assembly, convenor, people, _ = world
    adopted, poll = decided_by_poll(
        assembly, convenor, people, ref="DIG-1", text="A clearer first item.", title="Clearer"
    )
    rejected, _ = decided_by_poll(
        assembly, convenor, people, ref="DIG-2", text="A worse text.", title="Worse", passed=False
    )
    assert (adopted.status, rejected.status) == ("adopted", "rejected")
    roadmap = fresh_roadmap(assembly)

    notes = editions.release_notes(roadmap=roadmap, version=head(assembly), base_url=BASE)

    adopted_lines = [line for line in notes.splitlines() if "Amendment" in line]
    assert len(adopted_lines) == 1
    line = adopted_lines[0]
    assert f"[DIG\\-1]({BASE}/a/{assembly.slug}/items/DIG-1/)" in line
    assert f"[Clearer]({BASE}/a/{assembly.slug}/c/{adopted.pk}/)" in line
    assert f"({BASE}/polls/{poll.public_id}/)" in line
    assert "Worse" not in notes and f"/c/{rejected.pk}/" not in notes
    assert "Imported" in notes  # the first edition covers the import too


def test_notes_of_a_later_edition_list_exactly_the_changes_since_the_previous_one(world):
    assembly, convenor, people, _ = world
    first, _ = decided_by_poll(assembly, convenor, people, ref="DIG-1", text="First change.", title="First")
    publish(assembly, convenor, "Roadmap 2026")
    second, poll = decided_by_poll(
        assembly, convenor, people, ref="DIG-2", text="Second change.", title="Second", secrecy="credential"
    )
    roadmap_services.edit_item(
        item=item(assembly, "POL-1"),
        text="Determine the scope of the SSE.",
        by=convenor,
        reason="Wording",
        now=pollkit.now(),
    )
    roadmap = fresh_roadmap(assembly)

    notes = editions.release_notes(roadmap=roadmap, version=head(assembly), base_url=BASE)

    changed = [line for line in notes.splitlines() if line.startswith("- ")]
    assert len(changed) == 2, notes
    assert f"/c/{second.pk}/" in changed[0] and poll.public_id in changed[0]
    assert "Editorial change" in changed[1] and "POL\\-1" in changed[1] and "Wording" in changed[1]
    assert f"/c/{first.pk}/" not in notes and "Imported" not in notes
    assert "Roadmap 2026" in notes.splitlines()[0]
    assert [c.number for c in selectors.changes_between(roadmap, 2, 4)] == [3, 4]


def test_notes_escape_markdown_in_titles(world):
    assembly, convenor, people, _ = world
    decided_by_poll(assembly, convenor, people, ref="DIG-1", text="Another text.", title="[evil](javascript:x) *bold*")
    roadmap = fresh_roadmap(assembly)
    notes = editions.release_notes(roadmap=roadmap, version=head(assembly), base_url=BASE)
    assert "\\[evil\\]\\(javascript:x\\) \\*bold\\*" in notes


# Refusals -------------------------------------------------------------------------------------------------------


def test_a_duplicate_name_is_refused_whatever_its_case_with_the_name_field_at_fault(world):
    assembly, convenor, people, _ = world
    publish(assembly, convenor, "Roadmap 2026")
    decided_by_poll(assembly, convenor, people, ref="DIG-1", text="Changed.", title="Change")
    with pytest.raises(InvalidInput) as refused:
        publish(assembly, convenor, "roadmap  2026")
    assert refused.value.field == "name"
    assert "already named “Roadmap 2026” (version 1)" in refused.value.message
    assert Edition.objects.count() == 1


def test_a_version_is_published_once_and_editions_follow_the_roadmaps_order(world):
    assembly, convenor, people, _ = world
    decided_by_poll(assembly, convenor, people, ref="DIG-1", text="Changed.", title="Change")
    publish(assembly, convenor, "Roadmap 2026")  # version 2
    with pytest.raises(InvalidInput, match="already published as “Roadmap 2026”") as again:
        publish(assembly, convenor, "Roadmap 2026 bis", number=2)
    assert again.value.field == "version"
    with pytest.raises(InvalidInput, match="choose a later version"):
        publish(assembly, convenor, "Older", number=1)
    with pytest.raises(InvalidInput, match="no version 9"):
        editions.publish_edition(
            roadmap=assembly.roadmap, version_number=9, name="Nine", notes="", by=convenor, now=pollkit.now()
        )
    with pytest.raises(InvalidInput) as empty:
        publish(assembly, convenor, "   ", number=2)
    assert empty.value.field == "name"


def test_slugs_stay_unique_and_never_take_the_forms_address(world):
    assembly, convenor, people, _ = world
    first = publish(assembly, convenor, "New")
    decided_by_poll(assembly, convenor, people, ref="DIG-1", text="Changed.", title="Change")
    second = publish(assembly, convenor, "New!")
    assert (first.slug, second.slug) == ("new-2", "new-3")


# Provenance -----------------------------------------------------------------------------------------------------


def test_last_change_is_the_version_that_last_set_the_text():
    assert last_change([]) is None
    assert last_change([(1, "a b", "v1"), (2, "a b", "v2")]) == (1, "v1")
    # Removing words is a change even though no word of the result comes from that version.
    assert last_change([(1, "a b c", "v1"), (2, "a b", "v2"), (3, "a b", "v3")]) == (2, "v2")
    # A removal breaks the lineage: the re-added text belongs to the version that re-added it.
    assert last_change([(1, "a", "v1"), (2, None, "v2"), (3, "a", "v3")]) == (3, "v3")
    assert last_change([(1, "a", "v1"), (2, None, "v2")]) is None
    with pytest.raises(ValueError):
        last_change([(2, "a", None), (1, "a", None)])


def test_item_origins_name_the_version_and_poll_behind_every_item(world, django_assert_max_num_queries):
    assembly, convenor, people, _ = world
    adopted, poll = decided_by_poll(
        assembly, convenor, people, ref="DIG-1", text="A clearer first item.", title="Clearer"
    )
    roadmap_services.edit_item(
        item=item(assembly, "POL-2"),
        text="Promote public procurement.",
        by=convenor,
        reason="Shorter",
        now=pollkit.now(),
    )
    with django_assert_max_num_queries(4):
        origins = selectors.item_origins(head(assembly))
    assert set(origins) == {"DIG-1", "DIG-2", "DIG-3", "POL-1", "POL-2"}
    assert (origins["DIG-1"].number, origins["DIG-1"].kind, origins["DIG-1"].contribution_id) == (
        2,
        "amendment",
        adopted.pk,
    )
    assert origins["DIG-1"].decision["poll"] == poll.public_id
    assert (origins["POL-2"].number, origins["POL-2"].kind, origins["POL-2"].poll_id) == (3, "editorial", "")
    assert (origins["DIG-2"].number, origins["DIG-2"].kind) == (1, "import")


def test_the_json_export_carries_provenance_that_matches_the_verified_board(client, world):
    assembly, convenor, people, _ = world
    adopted, poll = decided_by_poll(
        assembly, convenor, people, ref="DIG-1", text="A clearer first item.", title="Clearer", secrecy="credential"
    )
    edition = publish(assembly, convenor, "Roadmap 2026")
    url = reverse("roadmap_edition_export", args=[assembly.slug, edition.slug, "json"])

    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert client.get(url).content == response.content  # deterministic
    exported = json.loads(response.content)
    assert response.content.decode() == json.dumps(exported, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert exported["format"] == "deliberate-edition/1"
    assert exported["version"]["content_hash"] == edition.version.content_hash
    items = {entry["ref"]: entry for section in exported["sections"] for entry in section["items"]}
    provenance = items["DIG-1"]["provenance"]
    assert provenance["version"] == 2 and provenance["kind"] == "amendment"
    assert provenance["contribution"] == {
        "id": adopted.pk,
        "title": "Clearer",
        "url": f"{BASE}/a/{assembly.slug}/c/{adopted.pk}/",
    }
    board = provenance["poll"]
    assert board["id"] == poll.public_id
    assert board["board_url"] == f"{BASE}/polls/{poll.public_id}/board.jsonl"
    # The fingerprint is the entry hash of the board's line 0, the result entry that of its result line.
    assert board["fingerprint"] == poll.fingerprint and board["result_entry"] == poll.result_entry
    stored = list(poll_selectors.board_lines(poll))
    assert board["fingerprint"] == stored[0].entry_hash
    assert board["result_entry"] == next(line.entry_hash for line in stored if line.type == "result")
    pollkit.assert_valid(poll)
    assert items["DIG-2"]["provenance"]["poll"] is None and items["DIG-2"]["provenance"]["version"] == 1


def test_the_markdown_export_names_the_poll_under_each_item_it_decided(client, world):
    assembly, convenor, people, _ = world
    _adopted, poll = decided_by_poll(
        assembly, convenor, people, ref="DIG-1", text="A clearer first item.", title="Clearer"
    )
    edition = publish(assembly, convenor, "Roadmap 2026")
    response = client.get(reverse("roadmap_edition_export", args=[assembly.slug, edition.slug, "md"]))
    assert response.status_code == 200 and response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    block = re.search(r"\*\*DIG-1\*\* A clearer first item\.\n +(.*)\n", text)
    assert block is not None, text
    assert (
        poll.public_id in block.group(1) and poll.fingerprint in block.group(1) and poll.result_entry in block.group(1)
    )
    assert "## Release notes" in text and edition.notes.splitlines()[0] in text


def test_an_items_priority_carries_the_provenance_of_the_priorities_poll_that_set_it(client, world):
    assembly, convenor, people, _ = world
    space = assembly.spaces.get(code="DIG")
    subject = poll_selectors.subject_for_priorities(space)
    poll = pollkit.make_poll(
        assembly,
        convenor,
        kind="approval",
        subject_type=subject.type,
        subject_refs=subject.refs,
        contributions=[],
        options=subject.options,
        method=pollkit.METHODS["approval"],
        space=space,
    )
    poll, _codes = pollkit.open_poll(poll, convenor)
    for person, choice in zip(people, [["DIG-3"], ["DIG-1", "DIG-3"], ["DIG-3"], ["DIG-1"]]):
        poll_services.cast_roll_call(poll=poll, user=person, choice=choice, now=pollkit.now())
    poll = pollkit.close(poll)
    roadmap_services.edit_item(
        item=item(assembly, "DIG-3"),
        text="Bridge the digital divide.",
        by=convenor,
        reason="Shorter",
        now=pollkit.now(),
    )
    edition = publish(assembly, convenor, "Roadmap 2026")
    assert "**Priorities** set in [DIG]" in edition.notes and poll.public_id in edition.notes

    exported = json.loads(
        client.get(reverse("roadmap_edition_export", args=[assembly.slug, edition.slug, "json"])).content
    )

    items = {entry["ref"]: entry for section in exported["sections"] for entry in section["items"]}
    dig3 = items["DIG-3"]
    assert dig3["priority"] == 1
    assert (dig3["provenance"]["version"], dig3["provenance"]["kind"]) == (3, "editorial")
    assert dig3["provenance"]["priority"]["version"] == 2 and dig3["provenance"]["priority"]["kind"] == "priorities"
    assert dig3["provenance"]["priority"]["poll"]["fingerprint"] == poll.fingerprint
    assert dig3["provenance"]["priority"]["poll"]["result_entry"] == poll.result_entry
    assert items["POL-1"]["provenance"]["priority"] is None
