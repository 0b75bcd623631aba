"""Word diffs, roadmap diffs (with moves found by a longest increasing subsequence) and three-way
merges of amendments."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assemblies.roadmap.core.diff import (
    Op,
    align_tokens,
    diff_roadmaps,
    longest_increasing_subsequence,
    three_way,
    tokenize,
    word_diff,
)

# --- Tokens ---------------------------------------------------------------------------------------


def test_tokenize_words_spaces_and_punctuation():
    assert tokenize("Women's leadership, 20%  growth.") == [
        "Women's",
        " ",
        "leadership",
        ",",
        " ",
        "20",
        "%",
        "  ",
        "growth",
        ".",
    ]
    assert tokenize("") == []
    assert tokenize("co-construction") == ["co", "-", "construction"]


# --- Word diff ------------------------------------------------------------------------------------


def test_word_diff_insertion():
    assert word_diff("Fight the divide.", "Fight the digital divide.") == [
        Op("equal", "Fight the "),
        Op("insert", "digital "),
        Op("equal", "divide."),
    ]


def test_word_diff_deletion():
    assert word_diff("Build real democratic values.", "Build democratic values.") == [
        Op("equal", "Build "),
        Op("delete", "real "),
        Op("equal", "democratic values."),
    ]


def test_word_diff_replacement_is_delete_then_insert_over_whole_words():
    assert word_diff("the quick brown fox", "the slow red fox") == [
        Op("equal", "the "),
        Op("delete", "quick brown"),
        Op("insert", "slow red"),
        Op("equal", " fox"),
    ]


def test_word_diff_punctuation_change():
    assert word_diff("Empowering people", "Empowering people.") == [
        Op("equal", "Empowering people"),
        Op("insert", "."),
    ]


def test_word_diff_of_equal_and_empty_texts():
    assert word_diff("Same.", "Same.") == [Op("equal", "Same.")]
    assert word_diff("", "") == []
    assert word_diff("", "New.") == [Op("insert", "New.")]
    assert word_diff("Old.", "") == [Op("delete", "Old.")]


words = st.sampled_from(["SSE", "the", "local", "people", "care", "of", "and", "2030", "é"])
separators = st.sampled_from([" ", " ", ", ", ". ", "  ", "\n", "-"])
texts = st.lists(st.tuples(words, separators), max_size=25).map(
    lambda pairs: "".join(word + sep for word, sep in pairs)
)
any_texts = st.one_of(texts, st.text(max_size=60))


@settings(max_examples=200, deadline=None)
@given(any_texts, any_texts)
def test_word_diff_reconstructs_both_texts(old, new):
    ops = word_diff(old, new)
    assert "".join(op.text for op in ops if op.kind != "insert") == old
    assert "".join(op.text for op in ops if op.kind != "delete") == new
    assert all(op.text and op.kind in {"equal", "insert", "delete"} for op in ops)
    assert all(a.kind != b.kind for a, b in zip(ops, ops[1:]))
    # A replacement is always delete then insert.
    assert all(not (a.kind == "insert" and b.kind == "delete") for a, b in zip(ops, ops[1:]))


@settings(max_examples=200, deadline=None)
@given(any_texts)
def test_tokenize_concatenates_to_the_text(text):
    tokens = tokenize(text)
    assert "".join(tokens) == text and all(tokens)


@settings(max_examples=200, deadline=None)
@given(any_texts, any_texts)
def test_alignment_covers_both_token_lists(old, new):
    a, b = tokenize(old), tokenize(new)
    blocks = align_tokens(a, b)
    if not (a or b):
        assert blocks == []
        return
    assert [blk.old_start for blk in blocks] == [0] + [blk.old_end for blk in blocks[:-1]]
    assert [blk.new_start for blk in blocks] == [0] + [blk.new_end for blk in blocks[:-1]]
    assert (blocks[-1].old_end, blocks[-1].new_end) == (len(a), len(b))
    assert all(x.kind != y.kind for x, y in zip(blocks, blocks[1:]))
    for blk in blocks:
        if blk.kind == "equal":
            assert a[blk.old_start : blk.old_end] == b[blk.new_start : blk.new_end]


# --- Longest increasing subsequence ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], set()),
        ([0, 1, 2], {0, 1, 2}),
        ([3, 0, 1, 2], {1, 2, 3}),  # the last element moved to the top
        ([1, 2, 0], {0, 1}),  # the first element moved to the bottom
        ([0, 4, 1, 2, 3], {0, 2, 3, 4}),
    ],
)
def test_longest_increasing_subsequence(values, expected):
    assert longest_increasing_subsequence(values) == expected


def lis_length(values):
    """Quadratic reference: length of a longest strictly increasing subsequence."""
    best = [1] * len(values)
    for i in range(len(values)):
        for j in range(i):
            if values[j] < values[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)


@given(st.lists(st.integers(0, 20), unique=True, max_size=14))
def test_lis_is_increasing_and_longest(values):
    chosen = sorted(longest_increasing_subsequence(values))
    picked = [values[i] for i in chosen]
    assert picked == sorted(picked)
    assert len(chosen) == lis_length(values)


# --- Roadmap diff ---------------------------------------------------------------------------------


def section(code, title, *items, group=None, intro=""):
    return {
        "code": code,
        "title": title,
        "group": group,
        "intro": intro,
        "items": [
            {"ref": ref, "text": text, "priority": priority}
            for ref, text, priority in (i if len(i) == 3 else (*i, None) for i in items)
        ],
    }


OLD = [
    section(
        "LOC",
        "Local solutions",
        ("LOC-1", "Articulate actors."),
        ("LOC-2", "Invest in learning."),
        ("LOC-3", "Generate funding."),
        ("LOC-4", "Encourage support."),
    ),
    section("DIG", "Digital tools", ("DIG-1", "Develop an ethical approach."), ("DIG-2", "Build values.")),
    section("FOOD", "Food", ("FOOD-1", "Encourage change.")),
]


def kinds(diff):
    return [(item.ref, item.kind) for item in diff.items]


def test_identical_roadmaps_have_no_changes():
    diff = diff_roadmaps(OLD, OLD)
    assert not diff.has_changes
    assert diff.summary.items_unchanged == 7
    assert all(item.ops == (Op("equal", item.new_text),) for item in diff.items)


def test_changed_item_carries_its_word_diff():
    new = [
        OLD[0],
        section(
            "DIG", "Digital tools", ("DIG-1", "Develop a preventive and ethical approach."), ("DIG-2", "Build values.")
        ),
        OLD[2],
    ]
    diff = diff_roadmaps(OLD, new)
    changed = next(item for item in diff.items if item.ref == "DIG-1")
    assert changed.kind == "changed" and not changed.moved
    assert changed.ops == (
        Op("equal", "Develop "),
        Op("delete", "an"),
        Op("insert", "a preventive and"),
        Op("equal", " ethical approach."),
    )
    assert diff.summary.items_changed == 1 and diff.summary.items_unchanged == 6


def test_insertion_does_not_mark_the_following_items_as_moved():
    new = [
        section(
            "LOC",
            "Local solutions",
            ("LOC-1", "Articulate actors."),
            ("LOC-5", "New item."),
            ("LOC-2", "Invest in learning."),
            ("LOC-3", "Generate funding."),
            ("LOC-4", "Encourage support."),
        ),
        OLD[1],
        OLD[2],
    ]
    diff = diff_roadmaps(OLD, new)
    assert kinds(diff)[:5] == [
        ("LOC-1", "unchanged"),
        ("LOC-5", "added"),
        ("LOC-2", "unchanged"),
        ("LOC-3", "unchanged"),
        ("LOC-4", "unchanged"),
    ]
    assert diff.summary.items_moved == 0 and diff.summary.items_added == 1


def test_only_the_item_moved_to_the_top_is_moved():
    new = [
        section(
            "LOC",
            "Local solutions",
            ("LOC-4", "Encourage support."),
            ("LOC-1", "Articulate actors."),
            ("LOC-2", "Invest in learning."),
            ("LOC-3", "Generate funding."),
        ),
        OLD[1],
        OLD[2],
    ]
    diff = diff_roadmaps(OLD, new)
    assert kinds(diff)[:4] == [
        ("LOC-4", "moved"),
        ("LOC-1", "unchanged"),
        ("LOC-2", "unchanged"),
        ("LOC-3", "unchanged"),
    ]
    assert diff.summary.items_moved == 1


def test_item_moved_to_another_section_and_changed_counts_as_both():
    new = [
        section(
            "LOC",
            "Local solutions",
            ("LOC-1", "Articulate actors."),
            ("LOC-2", "Invest in learning."),
            ("LOC-4", "Encourage support."),
        ),
        section(
            "DIG",
            "Digital tools",
            ("DIG-1", "Develop an ethical approach."),
            ("DIG-2", "Build values."),
            ("LOC-3", "Generate digital funding."),
        ),
        OLD[2],
    ]
    diff = diff_roadmaps(OLD, new)
    moved = next(item for item in diff.items if item.ref == "LOC-3")
    assert (moved.old_section, moved.new_section, moved.moved, moved.kind) == ("LOC", "DIG", True, "changed")
    assert diff.summary.items_moved == 1 and diff.summary.items_changed == 1
    assert [item.ref for item in diff.sections[0].items] == ["LOC-1", "LOC-2", "LOC-4"]


def test_removed_item_is_listed_at_its_old_place():
    new = [
        section("LOC", "Local solutions", ("LOC-1", "Articulate actors."), ("LOC-4", "Encourage support.")),
        OLD[1],
        OLD[2],
    ]
    diff = diff_roadmaps(OLD, new)
    assert kinds(diff)[:4] == [
        ("LOC-1", "unchanged"),
        ("LOC-2", "removed"),
        ("LOC-3", "removed"),
        ("LOC-4", "unchanged"),
    ]
    removed = diff.sections[0].items[1]
    assert removed.ops == (Op("delete", "Invest in learning."),) and removed.new_section is None


def test_removed_first_item_comes_first():
    new = [
        section(
            "LOC",
            "Local solutions",
            ("LOC-2", "Invest in learning."),
            ("LOC-3", "Generate funding."),
            ("LOC-4", "Encourage support."),
        ),
        OLD[1],
        OLD[2],
    ]
    assert kinds(diff_roadmaps(OLD, new))[:2] == [("LOC-1", "removed"), ("LOC-2", "unchanged")]


def test_sections_added_removed_renamed_and_moved():
    new = [
        section(
            "DIG",
            "Digital tools at the service of the SSE",
            ("DIG-1", "Develop an ethical approach."),
            ("DIG-2", "Build values."),
        ),
        OLD[0],
        section("HOU", "Housing", ("HOU-1", "Build cooperatives."), group="Self-managed sessions"),
    ]
    diff = diff_roadmaps(OLD, new)
    assert [(s.code, s.status, s.moved, s.renamed) for s in diff.sections] == [
        ("DIG", "kept", True, True),
        # FOOD followed DIG in the old order, so it is shown after DIG.
        ("FOOD", "removed", False, False),
        ("LOC", "kept", False, False),
        ("HOU", "added", False, False),
    ]
    assert [(item.ref, item.kind) for item in diff.sections[1].items] == [("FOOD-1", "removed")]
    summary = diff.summary
    assert (summary.sections_added, summary.sections_removed, summary.sections_renamed, summary.sections_moved) == (
        1,
        1,
        1,
        1,
    )
    assert (summary.items_added, summary.items_removed, summary.items_unchanged) == (1, 1, 6)


def test_removed_section_keeps_its_old_place_between_kept_ones():
    new = [OLD[0], OLD[2]]
    assert [(s.code, s.status) for s in diff_roadmaps(OLD, new).sections] == [
        ("LOC", "kept"),
        ("DIG", "removed"),
        ("FOOD", "kept"),
    ]


def test_priority_intro_and_group_changes_are_reported():
    new = [
        OLD[0],
        section(
            "DIG",
            "Digital tools",
            ("DIG-1", "Develop an ethical approach.", 1),
            ("DIG-2", "Build values."),
            group="Themes",
            intro="Why.",
        ),
        OLD[2],
    ]
    diff = diff_roadmaps(OLD, new)
    digital = diff.sections[1]
    assert digital.regrouped and digital.intro_changed and digital.intro_ops == (Op("insert", "Why."),)
    assert digital.items[0].kind == "reprioritised" and digital.items[0].new_priority == 1
    assert diff.summary.items_reprioritised == 1 and diff.has_changes


def test_duplicate_ref_is_refused():
    broken = [section("A", "A", ("A-1", "x")), section("B", "B", ("A-1", "y"))]
    with pytest.raises(ValueError, match="A-1"):
        diff_roadmaps(broken, OLD)


@settings(max_examples=150, deadline=None)
@given(st.permutations([f"LOC-{n}" for n in range(1, 9)]), st.sets(st.integers(1, 8)))
def test_every_ref_appears_once_and_moves_are_minimal(order, removed_numbers):
    old = [section("LOC", "Local", *[(f"LOC-{n}", f"Item {n}.") for n in range(1, 9)])]
    kept = [ref for ref in order if int(ref.split("-")[1]) not in removed_numbers]
    new = [section("LOC", "Local", *[(ref, f"Item {ref.split('-')[1]}.") for ref in kept])]
    diff = diff_roadmaps(old, new)
    assert sorted(item.ref for item in diff.items) == sorted(f"LOC-{n}" for n in range(1, 9))
    in_place = [item.ref for item in diff.items if item.status == "kept" and not item.moved]
    positions = [int(ref.split("-")[1]) for ref in in_place]
    assert positions == sorted(positions)  # the unmoved items keep their relative order
    # Not moving the unmoved items is optimal: no longer increasing run exists.
    assert len(in_place) == lis_length([int(ref.split("-")[1]) for ref in kept])
    assert [item.ref for item in diff.items if item.status == "kept"] == kept


# --- Three-way merge ------------------------------------------------------------------------------

BASE = "Fight against the digital divide and digital exclusion to allow access to the greatest number."


def test_amendment_on_an_unchanged_base_has_no_conflict():
    amended = "Fight against the digital divide to allow access to the greatest number."
    result = three_way(BASE, amended, BASE)
    assert not result.conflict
    assert result.merged == amended
    assert result.base_to_current == (Op("equal", BASE),)


def test_disjoint_changes_merge_automatically():
    current = "Fight against the digital divide and digital exclusion to allow access to everyone."
    amended = "Fight against the digital divide and exclusion to allow access to the greatest number."
    result = three_way(BASE, amended, current)
    assert result.conflict
    assert result.merged == "Fight against the digital divide and exclusion to allow access to everyone."
    assert Op("delete", "digital ") in result.base_to_amended
    assert Op("insert", "everyone") in result.base_to_current


def test_overlapping_changes_do_not_merge():
    current = "Fight against the digital gap and digital exclusion to allow access to the greatest number."
    amended = "Fight against the digital fracture and digital exclusion to allow access to the greatest number."
    result = three_way(BASE, amended, current)
    assert result.conflict and result.merged is None


def test_adjacent_changes_do_not_merge():
    base = "Build values."
    result = three_way(base, "Build democratic values.", "Build real values.")
    assert result.conflict and result.merged is None


def test_the_same_change_on_both_sides_applies_once():
    current = amended = "Fight against the digital divide to allow access to the greatest number."
    result = three_way(BASE, amended, current)
    assert result.conflict and result.merged == current


def test_amendment_that_changes_nothing_merges_to_current():
    current = "Fight the divide."
    assert three_way(BASE, BASE, current).merged == current


@st.composite
def disjoint_edits(draw):
    """A base of distinct words and two edits at positions at least one untouched word apart."""
    size = draw(st.integers(3, 14))
    base_words = [f"w{i}" for i in range(size)]
    first = draw(st.integers(0, size - 3))
    second = draw(st.integers(first + 2, size - 1))
    edit = st.one_of(st.just(None), st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=3))
    first_edit, second_edit = draw(edit), draw(edit)
    current_first = draw(st.booleans())

    def apply(words, position, replacement, tag):
        if replacement is None:
            return words[:position] + words[position + 1 :]
        return words[:position] + [f"{tag}{w}" for w in replacement] + words[position + 1 :]

    # Edit the later position first so the earlier index stays valid.
    a_words = apply(base_words, second, second_edit, "a")
    b_words = apply(base_words, first, first_edit, "b")
    both = apply(apply(base_words, second, second_edit, "a"), first, first_edit, "b")
    texts = " ".join(base_words), " ".join(a_words), " ".join(b_words), " ".join(both)
    base, a, b, merged = texts
    return (base, a, b, merged) if current_first else (base, b, a, merged)


@settings(max_examples=200, deadline=None)
@given(disjoint_edits())
def test_disjoint_edits_always_merge_with_both_change_sets(case):
    base, amended, current, expected = case
    result = three_way(base, amended, current)
    assert result.merged == expected


@settings(max_examples=200, deadline=None)
@given(texts, texts, texts)
def test_merge_when_offered_holds_every_inserted_word_of_both_sides(base, amended, current):
    result = three_way(base, amended, current)
    if result.merged is None:
        return
    merged_words = tokenize(result.merged)
    for ops in (result.base_to_current, result.base_to_amended):
        for op in ops:
            if op.kind == "insert":
                assert op.text in result.merged
    # Nothing appears that neither side wrote.
    assert set(merged_words) <= set(tokenize(amended)) | set(tokenize(current)) | set(tokenize(base))
