"""Blame: each word of an item's latest text attributed to the version that put it there."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assemblies.roadmap.core.blame import Span, blame

IMPORT = {"kind": "import"}
AMENDMENT_3 = {"kind": "amendment", "amendment": 3, "poll": "yna-7"}


def test_single_version_is_one_span():
    assert blame([(1, "Empowering people", IMPORT)]) == [Span("Empowering people", 1, IMPORT)]


def test_words_keep_the_version_that_introduced_them_across_four_versions():
    history = [
        (1, "Build real democratic values.", IMPORT),
        (2, "Build real democratic values, validation processes for a democratic vote.", AMENDMENT_3),
        (3, "Build democratic values, validation processes for a democratic vote.", "amendment 5"),
        (4, "Build shared democratic values, open validation processes for a democratic vote.", "amendment 8"),
    ]
    assert blame(history) == [
        Span("Build ", 1, IMPORT),
        Span("shared ", 4, "amendment 8"),
        Span("democratic values", 1, IMPORT),
        Span(", ", 2, AMENDMENT_3),
        Span("open ", 4, "amendment 8"),
        Span("validation processes for a democratic vote", 2, AMENDMENT_3),
        Span(".", 1, IMPORT),
    ]


def test_a_version_that_only_deletes_leaves_no_span_of_its_own():
    history = [(1, "Fight the digital divide and exclusion.", IMPORT), (2, "Fight the digital divide.", "v2")]
    assert blame(history) == [Span("Fight the digital divide.", 1, IMPORT)]


def test_unchanged_versions_in_between_change_nothing():
    history = [(1, "Care.", IMPORT), (2, "Care.", "v2"), (3, "Care for all.", "v3"), (4, "Care for all.", "v4")]
    assert blame(history) == [Span("Care", 1, IMPORT), Span(" for all", 3, "v3"), Span(".", 1, IMPORT)]


def test_removal_then_re_add_belongs_to_the_re_adding_version():
    history = [
        (1, "Valuing the past to build the future.", IMPORT),
        (2, None, "removed by poll 4"),
        (3, "Valuing the past to build the future.", "re-added by poll 9"),
        (4, "Valuing the past to build a common future.", "amendment 12"),
    ]
    assert blame(history) == [
        Span("Valuing the past to build ", 3, "re-added by poll 9"),
        Span("a common", 4, "amendment 12"),
        Span(" future.", 3, "re-added by poll 9"),
    ]


def test_item_absent_from_the_last_version_has_no_spans():
    assert blame([(1, "Care.", IMPORT), (2, None, "removed")]) == []
    assert blame([]) == []


def test_item_added_after_the_first_version():
    assert blame([(1, None, IMPORT), (2, "Publish the code.", "proposal 9")]) == [
        Span("Publish the code.", 2, "proposal 9")
    ]


def test_versions_must_increase():
    with pytest.raises(ValueError):
        blame([(2, "a", "x"), (2, "b", "y")])


words = st.sampled_from(["SSE", "care", "people", "the", "local", "2030", "vote", "ñ"])
separators = st.sampled_from([" ", " ", ", ", ". ", "-"])
texts = st.lists(st.tuples(words, separators), max_size=15).map(
    lambda pairs: "".join(word + sep for word, sep in pairs)
)
histories = st.lists(st.one_of(texts, texts, st.none()), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(histories)
def test_spans_concatenate_to_the_latest_text(texts_by_version):
    history = [(number * 10, text, f"p{number}") for number, text in enumerate(texts_by_version, start=1)]
    spans = blame(history)
    latest = texts_by_version[-1]
    assert "".join(span.text for span in spans) == (latest or "")
    assert all(span.text for span in spans)
    assert all(a.version != b.version for a, b in zip(spans, spans[1:]))
    for span in spans:
        assert span.provenance == f"p{span.version // 10}"
        # A span's version had the item present, and no earlier than the last re-add.
        text_then = texts_by_version[span.version // 10 - 1]
        assert text_then is not None
        last_absent = max((i for i, t in enumerate(texts_by_version, 1) if t is None), default=0)
        assert span.version // 10 > last_absent
