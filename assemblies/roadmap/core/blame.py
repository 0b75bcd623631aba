"""Blame: which roadmap version put each word of an item's text there.

Pure: no Django. The item page calls ``blame`` with the item's texts across versions and renders
each span with its version and provenance (amendment, debate, poll).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .diff import align_tokens, tokenize

__all__ = ["Span", "blame", "last_change"]


@dataclass(frozen=True)
class Span:
    """A stretch of the latest text and the version that introduced it, with that version's
    provenance exactly as it was given to ``blame``."""

    text: str
    version: int
    provenance: Any


def blame(history: Sequence[tuple[int, str | None, Any]]) -> list[Span]:
    """Attribute every token of an item's latest text to the version that introduced it.

    Requires: ``history`` of one item, oldest first, as (version number, text or None when the item
    is absent from that version, provenance label or dict), version numbers strictly increasing.
    Versions in which the item did not change may be included or left out.
    Guarantees: ``"".join(span.text for span in result)`` equals the latest text (an empty list when
    the history is empty or the item is absent from its last version); a token kept by the word
    alignment between consecutive present versions keeps its older version; a removal breaks the
    lineage, so the text of a re-added item belongs to the version that re-added it; neighbouring
    spans have different versions and no span is empty. Raises ValueError on unordered versions.
    """
    tokens: list[str] | None = None
    origins: list[int] = []  # per token: index into history of the version that introduced it
    previous_number: int | None = None
    for index, (number, text, _provenance) in enumerate(history):
        if previous_number is not None and not number > previous_number:
            raise ValueError(f"versions must increase: {number} after {previous_number}")
        previous_number = number
        if text is None:
            tokens = None
            continue
        new_tokens = tokenize(text)
        if tokens is None:
            origins = [index] * len(new_tokens)
        else:
            new_origins: list[int] = []
            for block in align_tokens(tokens, new_tokens):
                if block.kind == "equal":
                    new_origins.extend(origins[block.old_start : block.old_end])
                else:
                    new_origins.extend([index] * (block.new_end - block.new_start))
            origins = new_origins
        tokens = new_tokens

    if not tokens:
        return []
    spans: list[Span] = []
    run_start = 0
    for position in range(1, len(tokens) + 1):
        if position == len(tokens) or origins[position] != origins[run_start]:
            number, _text, provenance = history[origins[run_start]]
            spans.append(Span("".join(tokens[run_start:position]), number, provenance))
            run_start = position
    return spans


def last_change(history: Sequence[tuple[int, str | None, Any]]) -> tuple[int, Any] | None:
    """The version that last set an item's text as it stands at the end of ``history``: the (number,
    provenance) of the oldest version of the final unbroken run of that same text.

    Requires the same ``history`` as ``blame`` (oldest first, absent versions as None texts, numbers
    strictly increasing). Guarantees: None when the history is empty or the item is absent from its
    last version; an unchanged text keeps the version that introduced it, while any change (even one
    that only removes words, which ``blame`` attributes to no span) or a removal and re-adding moves it.
    Raises ValueError on unordered versions.
    """
    origin: tuple[int, Any] | None = None
    previous_number: int | None = None
    previous_text: str | None = None
    for number, text, provenance in history:
        if previous_number is not None and not number > previous_number:
            raise ValueError(f"versions must increase: {number} after {previous_number}")
        previous_number = number
        if text is None:
            origin = None
        elif origin is None or text != previous_text:
            origin = (number, provenance)
        previous_text = text
    return origin
