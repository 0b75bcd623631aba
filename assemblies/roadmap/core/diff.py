"""Word diffs of item texts, structural diffs of roadmap versions, and three-way amendment merges.

Pure: standard library only, no Django, no HTML. Views render the ``Op`` lists (``<del>``/``<ins>``
or ``[-...-]{+...+}`` in a text browser); ``blame`` reuses ``align_tokens``.

Tokens are words (letters and digits, with inner apostrophes: "women's"), runs of whitespace, and
single punctuation characters. The alignment is difflib's (deterministic, no junk heuristic), with
one clean-up: whitespace left "equal" between two changes is folded into them, so that replacing
"quick brown" by "slow red" reads as one replacement rather than two joined by a space.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

__all__ = [
    "Block",
    "DiffSummary",
    "ItemDiff",
    "Op",
    "RoadmapDiff",
    "SectionDiff",
    "ThreeWay",
    "align_tokens",
    "diff_roadmaps",
    "longest_increasing_subsequence",
    "three_way",
    "tokenize",
    "word_diff",
]

_TOKEN = re.compile(r"\w+(?:['\u2019]\w+)*|\s+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Split ``text`` into word, whitespace-run and punctuation tokens.

    Guarantees: ``"".join(tokenize(text)) == text``; no token is empty.
    """
    return _TOKEN.findall(text)


# --- Token alignment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A stretch of the alignment: ``old[old_start:old_end]`` is equal to, or changed into,
    ``new[new_start:new_end]`` (token indices)."""

    kind: str  # "equal" | "change"
    old_start: int
    old_end: int
    new_start: int
    new_end: int


def align_tokens(old: Sequence[str], new: Sequence[str]) -> list[Block]:
    """Align two token lists.

    Guarantees: the blocks cover both lists in order without gaps or overlaps; equal blocks have the
    same tokens on both sides; no two neighbouring blocks have the same kind; no block is empty on
    both sides. Deterministic.
    """
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    raw = [["equal" if tag == "equal" else "change", i1, i2, j1, j2] for tag, i1, i2, j1, j2 in opcodes]
    for index, block in enumerate(raw):
        between_changes = 0 < index < len(raw) - 1  # opcodes alternate, so neighbours are changes
        if block[0] == "equal" and between_changes and all(token.isspace() for token in old[block[1] : block[2]]):
            block[0] = "change"
    blocks = _slide_to_word_starts(_normalised(raw), old, new)
    return [Block(*block) for block in blocks]


def _normalised(blocks: list[list]) -> list[list]:
    """Drop empty blocks and merge neighbours of the same kind."""
    result: list[list] = []
    for block in blocks:
        if block[1] == block[2] and block[3] == block[4]:
            continue
        if result and result[-1][0] == block[0]:
            result[-1][2], result[-1][4] = block[2], block[4]
        else:
            result.append(list(block))
    return result


def _slide_to_word_starts(blocks: list[list], old: Sequence[str], new: Sequence[str]) -> list[list]:
    """Move a pure insertion or deletion that starts with whitespace one token right when the same
    whitespace follows it: "Build[ real] values" and "Build [real ]values" are the same edit, and
    the second reads as whole words."""
    index = 0
    while index < len(blocks):
        block = blocks[index]
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        deletion = block[3] == block[4]
        insertion = block[1] == block[2]
        if block[0] != "change" or following is None or not (deletion or insertion):
            index += 1
            continue
        tokens, start, end = (old, 1, 2) if deletion else (new, 3, 4)
        while (
            following[start] < following[end]
            and tokens[block[start]].isspace()
            and tokens[block[start]] == tokens[block[end]]
        ):
            if index == 0:
                blocks.insert(0, ["equal", block[1], block[1], block[3], block[3]])
                index = 1
            blocks[index - 1][2] += 1
            blocks[index - 1][4] += 1
            for position in (1, 2, 3, 4):
                block[position] += 1
            following[1] += 1
            following[3] += 1
        index += 1
    return _normalised(blocks)


# --- Word diff ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    """One piece of a word diff: ``kind`` is "equal", "delete" or "insert"."""

    kind: str
    text: str


def _ops(old_tokens: Sequence[str], new_tokens: Sequence[str]) -> list[Op]:
    ops: list[Op] = []
    for block in align_tokens(old_tokens, new_tokens):
        old_text = "".join(old_tokens[block.old_start : block.old_end])
        new_text = "".join(new_tokens[block.new_start : block.new_end])
        if block.kind == "equal":
            ops.append(Op("equal", old_text))
            continue
        if old_text:
            ops.append(Op("delete", old_text))
        if new_text:
            ops.append(Op("insert", new_text))
    return ops


def word_diff(old: str, new: str) -> list[Op]:
    """Diff two texts word by word.

    Guarantees: joining the "equal" and "delete" texts gives ``old``; joining the "equal" and
    "insert" texts gives ``new``; no op is empty; no two neighbouring ops have the same kind; a
    replacement is a "delete" immediately followed by an "insert". Equal texts give one "equal" op
    (none when both are empty).
    """
    return _ops(tokenize(old), tokenize(new))


# --- Longest increasing subsequence ------------------------------------------------------------


def longest_increasing_subsequence(values: Sequence[int]) -> set[int]:
    """Return the indices (into ``values``) of one longest strictly increasing subsequence.

    Guarantees: deterministic; O(n log n). Used to tell which items really moved: those outside the
    subsequence of old positions that kept their relative order.
    """
    tails: list[int] = []  # tails[k]: index of the smallest tail of an increasing run of length k+1
    tail_values: list[int] = []
    parent: list[int | None] = [None] * len(values)
    for index, value in enumerate(values):
        length = bisect_left(tail_values, value)
        parent[index] = tails[length - 1] if length else None
        if length == len(tails):
            tails.append(index)
            tail_values.append(value)
        else:
            tails[length] = index
            tail_values[length] = value
    chosen: set[int] = set()
    cursor = tails[-1] if tails else None
    while cursor is not None:
        chosen.add(cursor)
        cursor = parent[cursor]
    return chosen


# --- Roadmap diff ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDiff:
    """What happened to one item (by ref) between two versions.

    ``status`` is "added", "removed" or "kept"; ``ops`` the word diff old -> new (one insert for an
    added item, one delete for a removed one). ``moved`` is true for a kept item that changed
    section or left the longest run of items that kept their relative order in its section.
    """

    ref: str
    status: str
    old_section: str | None
    new_section: str | None
    old_text: str | None
    new_text: str | None
    ops: tuple[Op, ...]
    moved: bool
    old_priority: int | None
    new_priority: int | None

    @property
    def text_changed(self) -> bool:
        return self.status == "kept" and self.old_text != self.new_text

    @property
    def priority_changed(self) -> bool:
        return self.status == "kept" and self.old_priority != self.new_priority

    @property
    def kind(self) -> str:
        """One word for a label: "added", "removed", "changed" (text; it may also have moved),
        "moved", "reprioritised" or "unchanged"."""
        if self.status != "kept":
            return self.status
        if self.text_changed:
            return "changed"
        if self.moved:
            return "moved"
        if self.priority_changed:
            return "reprioritised"
        return "unchanged"


@dataclass(frozen=True)
class SectionDiff:
    """One section (by code) and its items, in display order. ``status`` is "added", "removed" or
    "kept"; ``moved`` as for items, over the order of sections."""

    code: str
    status: str
    old_title: str | None
    new_title: str | None
    old_group: str | None
    new_group: str | None
    old_intro: str | None
    new_intro: str | None
    intro_ops: tuple[Op, ...]
    moved: bool
    items: tuple[ItemDiff, ...]

    @property
    def renamed(self) -> bool:
        return self.status == "kept" and self.old_title != self.new_title

    @property
    def regrouped(self) -> bool:
        return self.status == "kept" and self.old_group != self.new_group

    @property
    def intro_changed(self) -> bool:
        return self.status == "kept" and self.old_intro != self.new_intro


@dataclass(frozen=True)
class DiffSummary:
    """Counts for a headline ("3 items changed, 1 added"). An item that changed and moved counts
    in both; ``items_unchanged`` counts kept items with nothing different at all."""

    items_added: int
    items_removed: int
    items_changed: int
    items_moved: int
    items_reprioritised: int
    items_unchanged: int
    sections_added: int
    sections_removed: int
    sections_renamed: int
    sections_moved: int


@dataclass(frozen=True)
class RoadmapDiff:
    """Sections in the new document's order, each removed section at its old place (after the
    section that preceded it); within a section, items likewise."""

    sections: tuple[SectionDiff, ...]
    summary: DiffSummary

    @property
    def items(self) -> tuple[ItemDiff, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def has_changes(self) -> bool:
        summary = self.summary
        return any(
            (
                summary.items_added,
                summary.items_removed,
                summary.items_changed,
                summary.items_moved,
                summary.items_reprioritised,
                summary.sections_added,
                summary.sections_removed,
                summary.sections_renamed,
                summary.sections_moved,
            )
        ) or any(s.regrouped or s.intro_changed for s in self.sections)


@dataclass(frozen=True)
class _Located:
    section: str
    position: int  # within the section
    item: Mapping[str, Any]


def _index_items(sections: Sequence[Mapping[str, Any]], side: str) -> dict[str, _Located]:
    located: dict[str, _Located] = {}
    codes: set[str] = set()
    for section in sections:
        code = section["code"]
        if code in codes:
            raise ValueError(f"{side} sections: code {code!r} appears twice")
        codes.add(code)
        for position, item in enumerate(section["items"]):
            if item["ref"] in located:
                raise ValueError(f"{side} sections: ref {item['ref']!r} appears twice")
            located[item["ref"]] = _Located(code, position, item)
    return located


def _interleave(new_keys: Sequence[str], old_keys: Sequence[str], present: set[str]) -> list[tuple[bool, str]]:
    """Order for display: ``new_keys`` in order; each old key not in ``present`` (removed) right
    after the nearest old key before it that is in ``new_keys``, or first when there is none.
    Returns (is_new, key) pairs."""
    in_new = set(new_keys)
    anchored: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for key in old_keys:
        if key in in_new:
            anchor = key
        elif key not in present:
            anchored.setdefault(anchor, []).append(key)
    order = [(False, key) for key in anchored.get(None, [])]
    for key in new_keys:
        order.append((True, key))
        order.extend((False, removed) for removed in anchored.get(key, []))
    return order


def diff_roadmaps(old_sections: Sequence[Mapping[str, Any]], new_sections: Sequence[Mapping[str, Any]]) -> RoadmapDiff:
    """Compare the sections of two roadmap versions.

    Requires: lists of sections as in a version document (``code``, ``title``, optional ``group``
    and ``intro``, ``items`` of ``ref``, ``text``, optional ``priority``); codes and refs unique
    within each side. Sections are matched by code, items by ref.
    Guarantees: every ref of either side appears exactly once; kept items that changed section, or
    fall outside a longest increasing subsequence of old positions within their section, are
    ``moved`` (an insertion does not make the items after it "moved"); sections likewise over the
    section order. Deterministic. Raises ValueError on duplicate codes or refs.
    """
    old_items = _index_items(old_sections, "old")
    new_items = _index_items(new_sections, "new")
    old_by_code = {section["code"]: section for section in old_sections}
    new_by_code = {section["code"]: section for section in new_sections}

    moved_refs: set[str] = set()
    for section in new_sections:
        code = section["code"]
        stayed = [
            item["ref"]
            for item in section["items"]
            if item["ref"] in old_items and old_items[item["ref"]].section == code
        ]
        in_order = longest_increasing_subsequence([old_items[ref].position for ref in stayed])
        moved_refs.update(ref for index, ref in enumerate(stayed) if index not in in_order)
        moved_refs.update(
            item["ref"]
            for item in section["items"]
            if item["ref"] in old_items and old_items[item["ref"]].section != code
        )

    kept_codes = [section["code"] for section in new_sections if section["code"] in old_by_code]
    old_section_position = {section["code"]: index for index, section in enumerate(old_sections)}
    in_order = longest_increasing_subsequence([old_section_position[code] for code in kept_codes])
    moved_codes = {code for index, code in enumerate(kept_codes) if index not in in_order}

    def item_diff(ref: str) -> ItemDiff:
        old, new = old_items.get(ref), new_items.get(ref)
        old_text = old.item["text"] if old else None
        new_text = new.item["text"] if new else None
        return ItemDiff(
            ref=ref,
            status="added" if old is None else "removed" if new is None else "kept",
            old_section=old.section if old else None,
            new_section=new.section if new else None,
            old_text=old_text,
            new_text=new_text,
            ops=tuple(word_diff(old_text or "", new_text or "")),
            moved=ref in moved_refs,
            old_priority=old.item.get("priority") if old else None,
            new_priority=new.item.get("priority") if new else None,
        )

    section_order = _interleave([s["code"] for s in new_sections], [s["code"] for s in old_sections], set(new_by_code))
    section_diffs = []
    for _, code in section_order:
        old, new = old_by_code.get(code), new_by_code.get(code)
        item_order = _interleave(
            [item["ref"] for item in new["items"]] if new else [],
            [item["ref"] for item in old["items"]] if old else [],
            set(new_items),
        )
        old_intro = old.get("intro", "") if old else None
        new_intro = new.get("intro", "") if new else None
        section_diffs.append(
            SectionDiff(
                code=code,
                status="added" if old is None else "removed" if new is None else "kept",
                old_title=old["title"] if old else None,
                new_title=new["title"] if new else None,
                old_group=old.get("group") if old else None,
                new_group=new.get("group") if new else None,
                old_intro=old_intro,
                new_intro=new_intro,
                intro_ops=tuple(word_diff(old_intro or "", new_intro or "")),
                moved=code in moved_codes,
                items=tuple(item_diff(ref) for _, ref in item_order),
            )
        )

    all_items = [item for section in section_diffs for item in section.items]
    summary = DiffSummary(
        items_added=sum(item.status == "added" for item in all_items),
        items_removed=sum(item.status == "removed" for item in all_items),
        items_changed=sum(item.text_changed for item in all_items),
        items_moved=sum(item.moved for item in all_items),
        items_reprioritised=sum(item.priority_changed for item in all_items),
        items_unchanged=sum(item.kind == "unchanged" for item in all_items),
        sections_added=sum(section.status == "added" for section in section_diffs),
        sections_removed=sum(section.status == "removed" for section in section_diffs),
        sections_renamed=sum(section.renamed for section in section_diffs),
        sections_moved=sum(section.moved for section in section_diffs),
    )
    return RoadmapDiff(tuple(section_diffs), summary)


# --- Three-way merge for amendments ---------------------------------------------------------------


@dataclass(frozen=True)
class ThreeWay:
    """An amendment written against ``base`` when the roadmap now reads ``current``.

    ``conflict``: the text moved on since the amendment was written (``current != base``).
    ``merged``: the amendment's changes applied to ``current`` when the two change sets touch
    disjoint, non-adjacent token ranges of ``base`` (to pre-fill the rebase form), else None.
    """

    conflict: bool
    base_to_current: tuple[Op, ...]
    base_to_amended: tuple[Op, ...]
    merged: str | None


@dataclass(frozen=True)
class _Hunk:
    start: int  # token range of base replaced
    end: int
    replacement: tuple[str, ...]


def _hunks(base: Sequence[str], other: Sequence[str]) -> list[_Hunk]:
    return [
        _Hunk(block.old_start, block.old_end, tuple(other[block.new_start : block.new_end]))
        for block in align_tokens(base, other)
        if block.kind == "change"
    ]


def _merge(base: str, amended: str, current: str) -> str | None:
    if current == base or amended == current:
        return amended
    if amended == base:
        return current
    base_tokens = tokenize(base)
    theirs = _hunks(base_tokens, tokenize(current))
    ours = _hunks(base_tokens, tokenize(amended))
    for their in theirs:
        for our in ours:
            if their == our:
                continue  # both made the very same change: apply it once
            # Touching counts as overlapping: two insertions at one place, or an insertion next to a
            # replacement, have no order a machine can choose for the members.
            if our.start <= their.end and their.start <= our.end:
                return None
    merged: list[str] = []
    cursor = 0
    for hunk in sorted(set(theirs) | set(ours), key=lambda hunk: (hunk.start, hunk.end)):
        merged.extend(base_tokens[cursor : hunk.start])
        merged.extend(hunk.replacement)
        cursor = hunk.end
    merged.extend(base_tokens[cursor:])
    return "".join(merged)


def three_way(base: str, amended: str, current: str) -> ThreeWay:
    """Compare an amendment with the text it was written against and the text as it is now.

    Requires: the three texts of one item (``base``: the amendment's pinned version; ``amended``:
    the amendment's proposed text; ``current``: the latest version).
    Guarantees: ``base_to_current`` and ``base_to_amended`` are ``word_diff`` results; ``merged`` is
    ``amended`` when nothing moved on, ``current`` when the amendment changes nothing, and otherwise
    base with both change sets applied when no change of one side overlaps or touches a change of
    the other (identical changes made by both count once), None otherwise. When not None,
    ``merged`` contains every token ``current`` inserted and every token ``amended`` inserted.
    """
    return ThreeWay(
        conflict=current != base,
        base_to_current=tuple(word_diff(base, current)),
        base_to_amended=tuple(word_diff(base, amended)),
        merged=_merge(base, amended, current),
    )
