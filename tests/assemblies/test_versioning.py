"""Roadmap version documents: the canonical form, its hash, and verification of the hash chain."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json

import pytest

from assemblies.roadmap import SEED_ROADMAP
from assemblies.roadmap.core.importer import parse_roadmap
from assemblies.roadmap.core.versioning import (
    ChainError,
    InvalidVersionDocument,
    canonical_bytes,
    check_stored,
    content_hash,
    document_from_bytes,
    validate_document,
    verify_chain,
    version_document,
)

FIXTURE = SEED_ROADMAP

GOLDEN_BYTES = (
    b'{"assembly":"montblanc","created":"2024-03-01T09:30:05Z","format":"deliberate-roadmap/1",'
    b'"number":2,"parent_hash":"0000000000000000000000000000000000000000000000000000000000000001",'
    b'"preamble":"Cartagena de Indias, 2022","provenance":{"amendment":17,"kind":"amendment",'
    b'"poll":"p-42"},"sections":[{"code":"DIG","group":null,"intro":"","items":[{"priority":2,'
    b'"ref":"DIG-1","text":"Develop tools."},{"priority":null,"ref":"DIG-2","text":"Educaci\xc3\xb3n"}],'
    b'"title":"Digital tools"}],"title":"Roadmap"}'
)
GOLDEN_HASH = "b38e48c2dca6fc664b4bdc78e13c8633ed60871e4b190e4bb52d201d0b770a55"


def golden_document(**overrides):
    fields = dict(
        assembly_slug="montblanc",
        number=2,
        parent_hash="0" * 63 + "1",
        # 10:30:05.123456 at UTC+1: stored as whole seconds in UTC.
        created=dt.datetime(2024, 3, 1, 10, 30, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        title="Roadmap",
        preamble="Cartagena de Indias, 2022",
        sections=[
            {
                "code": "DIG",
                "title": "Digital tools",
                "items": [
                    {"ref": "DIG-1", "text": "Develop tools.", "priority": 2},
                    # Decomposed accent: the document holds the NFC form.
                    {"ref": "DIG-2", "text": "Educacio\u0301n"},
                ],
            }
        ],
        provenance={"kind": "amendment", "amendment": 17, "poll": "p-42"},
    )
    fields.update(overrides)
    return version_document(**fields)


def sections_of(parsed):
    return [
        {
            "code": s.code,
            "title": s.title,
            "group": s.group,
            "intro": s.intro,
            "items": [{"ref": i.ref, "text": i.text, "priority": None} for i in s.items],
        }
        for s in parsed.sections
    ]


def montblanc_history():
    """Three versions: the import, an amendment of DIG-5, a new item in DIG."""
    parsed = parse_roadmap(FIXTURE.read_text(encoding="utf-8"))
    sections = sections_of(parsed)
    v1 = version_document(
        assembly_slug="montblanc",
        number=1,
        parent_hash=None,
        created="2024-01-10T09:00:00Z",
        title=parsed.title,
        preamble=parsed.preamble,
        sections=sections,
        provenance={"kind": "import", "source": "montblanc-roadmap-2022.txt"},
    )
    sections2 = copy.deepcopy(sections)
    digital = next(s for s in sections2 if s["code"] == "DIG")
    digital["items"][4]["text"] = "Develop open digital tools for SSE structures and their members."
    v2 = version_document(
        assembly_slug="montblanc",
        number=2,
        parent_hash=content_hash(v1),
        created="2024-02-01T18:00:00Z",
        title=parsed.title,
        preamble=parsed.preamble,
        sections=sections2,
        provenance={"kind": "amendment", "amendment": 3, "poll": "yna-7"},
    )
    sections3 = copy.deepcopy(sections2)
    digital = next(s for s in sections3 if s["code"] == "DIG")
    digital["items"].append({"ref": "DIG-6", "text": "Publish the platform's code.", "priority": None})
    v3 = version_document(
        assembly_slug="montblanc",
        number=3,
        parent_hash=content_hash(v2),
        created="2024-03-01T18:00:00Z",
        title=parsed.title,
        preamble=parsed.preamble,
        sections=sections3,
        provenance={"kind": "proposal", "proposal": 9, "poll": "yna-8"},
    )
    return [v1, v2, v3]


def rehash_children(history, start):
    """Re-link versions after ``start`` as a forger would (used to isolate one kind of error)."""
    for position in range(start + 1, len(history)):
        history[position]["parent_hash"] = content_hash(history[position - 1])


# --- Canonical form and hash ----------------------------------------------------------------------


def test_golden_vector_bytes_and_hash():
    document = golden_document()
    assert canonical_bytes(document) == GOLDEN_BYTES
    assert content_hash(document) == GOLDEN_HASH
    assert hashlib.sha256(GOLDEN_BYTES).hexdigest() == GOLDEN_HASH


def test_canonical_bytes_are_sorted_compact_utf8_json():
    document = golden_document()
    expected = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_bytes(document) == expected.encode("utf-8")


def test_hash_is_stable_across_key_order_and_unicode_forms():
    composed = golden_document(
        sections=[
            {
                "items": [
                    {"priority": 2, "text": "Develop tools.", "ref": "DIG-1"},
                    {"text": "Educaci\u00f3n", "ref": "DIG-2", "priority": None},
                ],
                "intro": "",
                "group": None,
                "title": "Digital tools",
                "code": "DIG",
            }
        ],
        created="2024-03-01T09:30:05Z",
        provenance={"poll": "p-42", "kind": "amendment", "amendment": 17},
    )
    assert content_hash(composed) == GOLDEN_HASH


def test_document_has_exactly_the_documented_members():
    document = golden_document()
    assert set(document) == {
        "format",
        "assembly",
        "number",
        "parent_hash",
        "created",
        "title",
        "preamble",
        "sections",
        "provenance",
    }
    assert document["format"] == "deliberate-roadmap/1"
    assert set(document["sections"][0]) == {"code", "title", "group", "intro", "items"}
    assert set(document["sections"][0]["items"][1]) == {"ref", "text", "priority"}


def test_document_shares_nothing_with_its_arguments():
    sections = [{"code": "DIG", "title": "Digital", "items": [{"ref": "DIG-1", "text": "a"}]}]
    document = golden_document(sections=sections)
    sections[0]["items"][0]["text"] = "edited"
    assert document["sections"][0]["items"][0]["text"] == "a"


def test_naive_datetime_is_refused():
    with pytest.raises(InvalidVersionDocument, match="naive"):
        golden_document(created=dt.datetime(2024, 3, 1, 10, 30))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"number": 0}, "number"),
        ({"number": True}, "number"),
        ({"number": 1}, "version 1 has no parent"),
        ({"parent_hash": None}, "needs the 64 lowercase hex"),
        ({"parent_hash": "ABC"}, "needs the 64 lowercase hex"),
        ({"created": "2024-02-30T10:00:00Z"}, "not a real date"),
        ({"created": "2024-02-01 10:00"}, "created"),
        ({"assembly_slug": "mont blanc"}, "slug"),
        ({"provenance": {"share": 0.5}}, r"provenance\.share: float"),
        ({"provenance": {"votes": -1}}, r"provenance\.votes"),
        (
            {"sections": [{"code": "DIG", "title": "D", "items": [{"ref": "DIG-1", "text": " "}]}]},
            r"sections\[0\]\.items\[0\]\.text: must not be empty",
        ),
        (
            {
                "sections": [
                    {
                        "code": "DIG",
                        "title": "D",
                        "items": [{"ref": "DIG-1", "text": "a"}, {"ref": "DIG-1", "text": "b"}],
                    }
                ]
            },
            "used by two items",
        ),
        (
            {"sections": [{"code": "DIG", "title": "D", "items": []}, {"code": "DIG", "title": "E", "items": []}]},
            "used by two sections",
        ),
        ({"sections": [{"code": "dig", "title": "D", "items": []}]}, "uppercase"),
        ({"sections": [{"code": "DIG", "title": "D", "items": [{"ref": "DIG1", "text": "a"}]}]}, "CODE-N"),
        ({"sections": [{"code": "DIG", "title": "D", "items": [], "colour": "red"}]}, "unknown member"),
        (
            {"sections": [{"code": "DIG", "title": "D", "items": [{"ref": "DIG-1", "text": "a", "priority": 1.0}]}]},
            "priority",
        ),
    ],
)
def test_invalid_content_is_refused_naming_the_member(overrides, message):
    with pytest.raises(InvalidVersionDocument, match=message):
        golden_document(**overrides)


def test_stored_bytes_round_trip_and_non_canonical_bytes_are_refused():
    assert document_from_bytes(GOLDEN_BYTES) == golden_document()
    spaced = json.dumps(golden_document(), sort_keys=True, ensure_ascii=False).encode("utf-8")
    with pytest.raises(InvalidVersionDocument, match="RFC 8785"):
        document_from_bytes(spaced)
    with pytest.raises(InvalidVersionDocument, match="float"):
        document_from_bytes(GOLDEN_BYTES.replace(b'"amendment":17', b'"amendment":17.0'))


def test_validate_document_refuses_a_non_nfc_string():
    document = golden_document()
    document["title"] = "Educacio\u0301n"
    with pytest.raises(InvalidVersionDocument, match="title: not in canonical form"):
        validate_document(document)


# --- Chain verification ---------------------------------------------------------------------------


def test_intact_history_verifies():
    history = montblanc_history()
    assert verify_chain(history) == []
    assert verify_chain(history, stored_hashes=[content_hash(d) for d in history]) == []


def test_edited_text_is_caught_by_the_next_version_parent_link():
    history = montblanc_history()
    original_hash = content_hash(history[1])
    history[1]["sections"][7]["items"][0]["text"] = "Something nobody adopted."
    errors = verify_chain(history)
    assert errors == [
        ChainError(
            2,
            3,
            "parent",
            f"version 3 (position 2): parent_hash is {original_hash}, but the version before it "
            f"(number 2) hashes to {content_hash(history[1])}",
        )
    ]


def test_edited_last_version_is_caught_by_its_stored_hash():
    history = montblanc_history()
    stored = [content_hash(d) for d in history]
    history[2]["sections"][7]["items"][5]["text"] = "Keep the platform's code secret."
    assert verify_chain(history) == []  # nothing after it links to it
    errors = verify_chain(history, stored_hashes=stored)
    assert [(e.position, e.number, e.kind) for e in errors] == [(2, 3, "stored-hash")]
    assert stored[2] in errors[0].message and content_hash(history[2]) in errors[0].message
    assert check_stored(history[2], stored[2]) == ChainError(
        None,
        3,
        "stored-hash",
        f"version 3: content hashes to {content_hash(history[2])}, but the stored hash is {stored[2]}",
    )
    assert check_stored(history[1], stored[1]) is None


def test_reordered_item_changes_the_hash_and_breaks_the_chain():
    history = montblanc_history()
    items = history[0]["sections"][1]["items"]
    items[0], items[1] = items[1], items[0]
    errors = verify_chain(history)
    assert [(e.position, e.number, e.kind) for e in errors] == [(1, 2, "parent")]


def test_broken_parent_link_is_reported():
    history = montblanc_history()
    history[2]["parent_hash"] = content_hash(history[0])  # points past version 2
    errors = verify_chain(history)
    assert [(e.position, e.number, e.kind) for e in errors] == [(2, 3, "parent")]
    assert content_hash(history[0]) in errors[0].message


def test_renumbered_version_is_reported_even_when_the_forger_relinks():
    history = montblanc_history()
    history[1]["number"] = 5
    rehash_children(history, 1)
    errors = verify_chain(history)
    assert [(e.position, e.number, e.kind) for e in errors] == [(1, 5, "number"), (2, 3, "number")]
    assert errors[0].message == "version 5 (position 1): follows version 1; expected number 2"


def test_missing_version_is_reported():
    history = montblanc_history()
    errors = verify_chain([history[0], history[2]])
    assert [(e.position, e.number, e.kind) for e in errors] == [(1, 3, "number"), (1, 3, "parent")]


def test_first_version_must_be_number_one_without_parent():
    history = montblanc_history()
    errors = verify_chain(history[1:])
    assert [(e.position, e.number, e.kind) for e in errors] == [(0, 2, "number"), (0, 2, "parent")]


def test_version_of_another_assembly_and_time_going_backwards_are_reported():
    history = montblanc_history()
    history[2]["assembly"] = "other"
    history[2]["created"] = "2023-12-31T23:59:59Z"
    errors = verify_chain(history)
    assert [(e.position, e.kind) for e in errors] == [(2, "assembly"), (2, "created")]


def test_non_canonical_document_is_reported_as_malformed():
    history = montblanc_history()
    del history[0]["sections"][0]["items"][0]["priority"]
    rehash_children(history, 0)
    errors = verify_chain(history)
    assert [(e.position, e.kind) for e in errors] == [(0, "malformed")]
    assert "sections: not in canonical form" in errors[0].message


def test_stored_hashes_must_match_the_documents():
    with pytest.raises(ValueError):
        verify_chain(montblanc_history(), stored_hashes=[])
