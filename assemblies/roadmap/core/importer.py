"""Import a roadmap written as plain text or Markdown into sections of numbered action items.

Pure: standard library only, no Django. The import service calls ``parse_roadmap`` and turns the
result into roadmap version 1; the import form shows ``warnings`` so that a convenor can check the
document before publishing it.

Plain text (a roadmap copied out of a PDF, like fixtures/montblanc-roadmap-2022.txt)
------------------------------------------------------------------------------------
- A *heading* is a line that is not numbered and not a bullet, whose letters are mostly capitals,
  and which starts a block (the document's first line, or a line after a blank one). Consecutive
  heading lines form one heading (a long title wrapped over two lines).
- The first heading is the document title, unless items follow it directly (then the document has
  no title and that heading opens the first section). Text up to the next heading is the preamble,
  kept as written, its lists included: they describe the roadmap, they are not items.
- A heading followed directly by another heading (nothing but blank lines between) is a *group*:
  the sections after it carry its display title in ``group``, until the next group.
- Under a section heading, ``N. text`` and ``- text`` lines start items; following non-blank lines
  continue the item (joined with one space). Runs of blank or whitespace-only lines are page-break
  debris and do not end a list. Other text before the items is the section's ``intro``.

Markdown
--------
- ``# Title`` (the first heading, when it is level 1) is the title; ``##``/``###`` headings are
  sections; a heading followed directly by a deeper one is a group, which lasts until the next
  heading at its level or above. ``{#CODE}`` at the end of a heading sets the section code.
- ``1. item``, ``1) item``, ``- item``, ``* item``, ``+ item`` are items; lazy and indented
  continuation lines and nested list lines are joined into their item; paragraphs are the intro.

Both: line endings normalised, form feeds dropped, text NFC-normalised, trailing whitespace
stripped. Numbering that skips or repeats produces a warning, never a reordering. Section codes are
short uppercase ASCII words derived from titles (``derive_code``); item refs are ``CODE-N``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

__all__ = [
    "CODE_PATTERN",
    "ParsedItem",
    "ParsedRoadmap",
    "ParsedSection",
    "RoadmapImportError",
    "derive_code",
    "display_title",
    "next_item_ref",
    "normalise_text",
    "parse_roadmap",
]


class RoadmapImportError(ValueError):
    """The text holds no roadmap: no section heading could be found."""


@dataclass(frozen=True)
class ParsedItem:
    """One action item. ``number`` is the number written in the source (None for a bullet);
    ``ref`` is ``CODE-position``, position counted from 1 in document order."""

    ref: str
    number: int | None
    text: str


@dataclass(frozen=True)
class ParsedSection:
    """One theme. ``title`` is for display (sentence case when the source shouted);
    ``source_title`` is the heading exactly as written."""

    code: str
    title: str
    source_title: str
    group: str | None
    intro: str
    items: tuple[ParsedItem, ...]


@dataclass(frozen=True)
class ParsedRoadmap:
    """A parsed document. ``title`` is as written (``display_title`` converts it if wanted);
    ``warnings`` are plain sentences for the convenor, in document order."""

    title: str
    preamble: str
    sections: tuple[ParsedSection, ...]
    warnings: tuple[str, ...]


# --- Text normalisation -------------------------------------------------------------------------

_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")


def normalise_text(text: str) -> str:
    """Return ``text`` with ``\\n`` line endings, no form feeds or byte-order mark, NFC-normalised,
    and no trailing whitespace on any line.

    Requires: a str. Guarantees: idempotent; the result contains no ``\\r``, ``\\f`` or ``\\v``.
    """
    text = text.lstrip("\ufeff")
    text = _LINE_BREAKS.sub("\n", text)
    # A form feed marks a page break inside the PDF the text came from; it carries no content.
    text = text.replace("\f", "").replace("\v", "")
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


# --- Line classification ------------------------------------------------------------------------

_NUMBERED = re.compile(r"^(\s*)(\d{1,4})[.)]\s+(\S.*)$")
_BULLET = re.compile(r"^(\s*)[-*+\u2022\u2023\u25e6\u2013\u2014]\s+(\S.*)$")
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_EXPLICIT_CODE = re.compile(r"\s*\{#([^}\s]*)\}\s*$")
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_PAGE_NUMBER = re.compile(r"^(?:-\s*)?\d{1,4}(?:\s*-)?$")
_MAX_HEADING_LENGTH = 200


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based, for warnings
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _uppercase_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(c.isupper() for c in letters) / len(letters)


def _is_plain_heading(text: str) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > _MAX_HEADING_LENGTH:
        return False
    if _NUMBERED.match(text) or _BULLET.match(text):
        return False
    if sum(c.isalpha() for c in stripped) < 2:
        return False
    # Mostly, not entirely: a heading may hold a mixed-case acronym such as "SDGs".
    return _uppercase_share(stripped) >= 0.85


# --- Headings and blocks ------------------------------------------------------------------------


@dataclass
class _Heading:
    text: str
    level: int
    line: int
    explicit_code: str | None = None


@dataclass
class _Block:
    """A heading (None for the text before the first one) and the lines up to the next heading."""

    heading: _Heading | None
    lines: list[_Line] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return all(line.blank for line in self.lines)


def _heading_without_blank(lines: list[_Line], index: int) -> bool:
    """A capitals line glued to the sentence before it is still a heading when that sentence is
    finished and a blank line or a list restarting at 1 follows; otherwise it is more likely the
    wrapped end of an item ("... of the UN / 2030 AGENDA")."""
    previous = lines[index - 1].text.rstrip()
    if not previous.endswith((".", "!", "?", ";", ")", '"')):
        return False
    if index + 1 == len(lines) or lines[index + 1].blank:
        return True
    restart = _NUMBERED.match(lines[index + 1].text)
    return restart is not None and restart.group(2) == "1"


def _plain_blocks(lines: list[_Line]) -> list[_Block]:
    blocks = [_Block(None)]
    index = 0
    while index < len(lines):
        line = lines[index]
        starts_block = index == 0 or lines[index - 1].blank or _heading_without_blank(lines, index)
        if starts_block and _is_plain_heading(line.text):
            parts = [line.text.strip()]
            index += 1
            while index < len(lines) and _is_plain_heading(lines[index].text):
                parts.append(lines[index].text.strip())
                index += 1
            blocks.append(_Block(_Heading(" ".join(parts), level=1, line=line.number)))
            continue
        blocks[-1].lines.append(line)
        index += 1
    return blocks


def _markdown_blocks(lines: list[_Line]) -> list[_Block]:
    blocks = [_Block(None)]
    in_fence = False
    for line in lines:
        stripped = line.text.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        match = None if in_fence else _MD_HEADING.match(line.text)
        if match is None:
            if not in_fence and _MD_RULE.match(line.text):
                # A thematic break separates blocks visually; it is neither text nor an item.
                blocks[-1].lines.append(_Line(line.number, ""))
            else:
                blocks[-1].lines.append(line)
            continue
        text = match.group(2).strip()
        explicit = None
        code_match = _MD_EXPLICIT_CODE.search(text)
        if code_match:
            explicit = code_match.group(1)
            text = text[: code_match.start()].strip()
        blocks.append(_Block(_Heading(text, len(match.group(1)), line.number, explicit)))
    return blocks


# --- Section bodies -----------------------------------------------------------------------------


@dataclass
class _RawItem:
    number: int | None
    parts: list[str]
    line: int
    indent: int


def _starts_lowercase(text: str) -> bool:
    first = next((c for c in text if c.isalpha()), "")
    return first.islower()


def _parse_body(lines: list[_Line], *, markdown: bool, label: str, warnings: list[str]) -> tuple[str, list[_RawItem]]:
    """Split a section's lines into its intro (paragraphs) and its items, in order."""
    paragraphs: list[list[str]] = []
    items: list[_RawItem] = []
    current: _RawItem | None = None
    paragraph: list[str] | None = None
    after_blank = True
    for position, line in enumerate(lines):
        text = line.text
        stripped = text.strip()
        if not stripped:
            after_blank = True
            paragraph = None
            continue
        next_blank = position + 1 == len(lines) or lines[position + 1].blank
        if not markdown and after_blank and next_blank and _PAGE_NUMBER.match(stripped):
            warnings.append(f"line {line.number}: dropped {stripped!r}, which looks like a page number")
            continue
        indent = len(text) - len(text.lstrip())
        numbered = _NUMBERED.match(text)
        bullet = _BULLET.match(text)
        if numbered or bullet:
            nested = markdown and current is not None and indent >= current.indent + 2
            # In a PDF, dash lines right under a numbered point are its sub-points, not new items.
            sub_point = (
                not markdown
                and bullet is not None
                and current is not None
                and current.number is not None
                and not after_blank
            )
            if nested or sub_point:
                current.parts.append(stripped)
            else:
                number = int(numbered.group(2)) if numbered else None
                body = numbered.group(3) if numbered else bullet.group(2)
                current = _RawItem(number, [body.strip()], line.number, indent)
                items.append(current)
                paragraph = None
            after_blank = False
            continue
        if current is not None:
            continues = (
                not after_blank
                or (markdown and indent >= current.indent + 2)
                # A page break in mid-sentence: the item goes on after the debris.
                or _starts_lowercase(stripped)
            )
            if continues:
                current.parts.append(stripped)
                after_blank = False
                continue
            warnings.append(f"line {line.number}: text after the items of {label!r} was kept in its intro")
            current = None
        if paragraph is None:
            paragraph = []
            paragraphs.append(paragraph)
        paragraph.append(stripped)
        after_blank = False
    intro = "\n\n".join("\n".join(p) for p in paragraphs)
    return intro, items


def _check_numbering(items: list[_RawItem], *, markdown: bool, label: str, warnings: list[str]) -> None:
    numbers = [item for item in items if item.number is not None]
    if not numbers:
        return
    if markdown and len(numbers) > 1 and len({item.number for item in numbers}) == 1:
        return  # "1." on every line is the usual Markdown way to let the renderer number
    previous: int | None = None
    for item in numbers:
        number = item.number
        if previous is None:
            if number != 1:
                warnings.append(f"line {item.line}: the items of {label!r} start at {number}, not 1")
        elif number == previous + 1:
            pass
        elif number > previous + 1:
            missing = str(previous + 1) if number == previous + 2 else f"{previous + 1} to {number - 1}"
            warnings.append(
                f"line {item.line}: in {label!r}, item {number} follows item {previous} ({missing} missing)"
            )
        else:
            warnings.append(
                f"line {item.line}: in {label!r}, item {number} follows item {previous} (number repeated or going back)"
            )
        previous = number


# --- Display titles -----------------------------------------------------------------------------

# Acronyms that are never also a common word in English, Spanish, French or Portuguese. Short ones
# that are ("UN", "EU", "AI", "IA", "UE") are kept only when the document itself writes them in
# capitals inside ordinary sentences.
_KNOWN_ACRONYMS = {
    word.upper(): word
    for word in (
        "SSE ESS EES SDG SDGs ODS ODD ILO OIT ILC CIT OECD OCDE ONU ICA ACI NGO NGOs ONG ONGs "
        "UNESCO FAO UNDP PNUD UNRISD GDP PIB DNA ADN ICT ICTs TIC TICs SME SMEs PME PMEs PYME PYMEs "
        "ESG CSR RSE RSC WTO OMC IMF FMI GECES RIPESS CIRIEC"
    ).split()
}
_PROPER_WORDS = {
    "europe": "Europe",
    "european": "European",
    "euro": "Euro",
    "america": "America",
    "americas": "Americas",
    "american": "American",
    "africa": "Africa",
    "african": "African",
    "asia": "Asia",
    "asian": "Asian",
    "latin": "Latin",
    "caribbean": "Caribbean",
    "mediterranean": "Mediterranean",
}
_VOWELS = set("AEIOUYÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝ")
_TITLE_TOKEN = re.compile(r"[^\W\d_]+|\s+|.", re.DOTALL)


def _acronyms_in(lines: Iterable[str]) -> dict[str, str]:
    """Words written in capitals inside ordinary (mixed-case) lines: the document's own acronyms,
    mapped from their all-capitals form to the way the document writes them ("SDGS" -> "SDGs")."""
    found: dict[str, str] = {}
    for line in lines:
        if _uppercase_share(line) >= 0.5:
            continue  # a shouted line says nothing about which words are acronyms
        for word in re.findall(r"[^\W\d_]+", line):
            core = word[:-1] if len(word) >= 3 and word.endswith("s") else word
            if 2 <= len(core) <= 5 and core.isupper():
                found.setdefault(word.upper(), word)
    return found


def display_title(source_title: str, acronyms: Collection[str] | dict[str, str] = ()) -> str:
    """Return the title to display for a heading.

    Requires: the heading as written. ``acronyms`` adds words to keep in capitals (a mapping from
    the capitals form to the form to show, or a collection of words).
    Guarantees: a heading that is not mostly capitals is returned unchanged (stripped). A shouted one
    becomes sentence case: the first letter, and the first after ". ", in capitals; known acronyms,
    the given ones and capitals words without vowels ("PPP") kept; a few proper adjectives
    ("Euro-American") capitalised; a single final period dropped. Digits and punctuation unchanged.
    """
    title = source_title.strip()
    if _uppercase_share(title) < 0.85:
        return title
    if isinstance(acronyms, dict):
        keep = {word.upper(): form for word, form in acronyms.items()}
    else:
        keep = {word.upper(): word for word in acronyms}
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    result: list[str] = []
    sentence_start = True
    for token in _TITLE_TOKEN.findall(title):
        if token[0].isalpha():
            upper = token.upper()
            if upper in keep:
                word = keep[upper]
            elif upper in _KNOWN_ACRONYMS:
                word = _KNOWN_ACRONYMS[upper]
            elif len(token) >= 2 and token.isupper() and not (set(upper) & _VOWELS):
                word = token
            elif token.lower() in _PROPER_WORDS:
                word = _PROPER_WORDS[token.lower()]
            else:
                word = token.lower()
            if sentence_start:
                word = word[0].upper() + word[1:]
                sentence_start = False
            result.append(word)
        else:
            result.append(token)
            if token.isdigit():
                sentence_start = False  # "2030 agenda": a sentence may open with a number
            elif token.isspace() and result[-2:-1] and result[-2] in ".!?":
                sentence_start = True
    return "".join(result)


# --- Section codes and item refs ----------------------------------------------------------------

_STOP_WORDS = frozenset(
    (
        # English
        "the of and a an for to in on at by with from as into through about towards toward is are "
        "be or not our its their this that these more most very new "
        # Spanish
        "de la el los las del al y e o u un una unos unas en para por con sin sobre su sus lo "
        "hacia entre como mas "
        # French
        "le les l d des du et ou une dans pour par sur au aux avec sans sa son ses leur leurs "
        "vers plus "
        # Portuguese
        "os as da do das dos um uma em no na nos nas com sem ao aos pelo pela pelos pelas "
        # The economy every section is about: it names nothing in particular.
        "sse ess"
    ).split()
)
CODE_PATTERN = re.compile(r"[A-Z]{2,5}[0-9]{0,3}")
_FALLBACK_CODE = "SEC"


def _ascii_words(title: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", title)
    ascii_text = (
        "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode("ascii")
    )
    return [word.upper() for word in re.findall(r"[A-Za-z]+", ascii_text)]


def _code_candidates(title: str) -> list[str]:
    words = _ascii_words(title)
    significant = [word for word in words if word.lower() not in _STOP_WORDS] or words
    if not significant:
        return []
    first = significant[0]
    base = first[:3]
    if len(base) < 2:
        base = "".join(significant)[:3]
    candidates = [base] if len(base) >= 2 else []
    extended = base
    for word in significant[1:]:
        if len(extended) >= 5:
            break
        extended += word[0]
        candidates.append(extended)
    initials = "".join(word[0] for word in significant)[:5]
    if len(initials) >= 2:
        candidates.append(initials)
    candidates.extend(first[:length] for length in (4, 5) if len(first) >= length)
    return list(dict.fromkeys(candidates))


def derive_code(title: str, taken: Collection[str] = ()) -> str:
    """Return a short section code for ``title`` that is not in ``taken``.

    Requires: any title (as written or displayed; case and accents do not matter).
    Guarantees: matches ``[A-Z]{2,5}[0-9]{0,3}``, is not in ``taken``, and depends only on the title
    and ``taken``. The first three letters of the first significant word (stop words of the four
    interface languages and "SSE" skipped, accents stripped); when taken, the initials of the next
    significant words are appended one by one ("INT" -> "INTR"), then all initials, then longer
    prefixes, then digits ("INT2").
    """
    taken_codes = {code.upper() for code in taken}
    candidates = _code_candidates(title) or [_FALLBACK_CODE]
    for candidate in candidates:
        if candidate not in taken_codes:
            return candidate
    stem = candidates[0]
    suffix = 2
    while f"{stem}{suffix}" in taken_codes:
        suffix += 1
    return f"{stem}{suffix}"


def next_item_ref(code: str, existing_refs: Iterable[str]) -> str:
    """Return the ref for a new item of section ``code``: ``CODE-N`` with N one more than the
    highest N already used with that code.

    Requires: ``existing_refs`` holds every ref the roadmap has ever used (all versions, removed
    items included), so that a new item never takes the identity of a removed one.
    Guarantees: the result is not in ``existing_refs``; numbers start at 1.
    """
    pattern = re.compile(re.escape(code) + r"-([1-9][0-9]*)")
    used = [int(m.group(1)) for ref in existing_refs if (m := pattern.fullmatch(ref))]
    return f"{code}-{max(used, default=0) + 1}"


# --- The parser ---------------------------------------------------------------------------------


def _looks_like_markdown(lines: list[_Line]) -> bool:
    return any(_MD_HEADING.match(line.text) and line.text.lstrip("# \t") for line in lines)


def _collapse_blank_runs(lines: Iterable[str]) -> str:
    kept: list[str] = []
    for line in lines:
        if not line.strip():
            if kept and kept[-1] != "":
                kept.append("")
        else:
            kept.append(line)
    while kept and kept[-1] == "":
        kept.pop()
    return "\n".join(kept)


def _first_content_is_item(block: _Block) -> bool:
    first = next((line for line in block.lines if not line.blank), None)
    return first is not None and bool(_NUMBERED.match(first.text) or _BULLET.match(first.text))


@dataclass
class _SectionDraft:
    heading: _Heading
    group: str | None
    intro: str
    items: list[_RawItem]


def parse_roadmap(text: str, *, syntax: str = "auto") -> ParsedRoadmap:
    """Parse a roadmap document (see the module docstring for the rules).

    Requires: the document as a str; ``syntax`` is "auto" (Markdown when some line is an ATX
    heading such as ``## Theme``), "text" or "markdown".
    Guarantees: sections and their items in document order; every item text on one line, stripped,
    never empty; refs ``CODE-1``.. per section; codes unique (explicit ``{#CODE}`` ones kept when
    valid and unique). Anything doubtful (numbering that skips or repeats, a section without
    items, text after a section's items, a page number dropped, a refused explicit code) is reported
    in ``warnings`` rather than refused. Raises RoadmapImportError when no section is found.
    """
    if syntax not in {"auto", "text", "markdown"}:
        raise ValueError(f"syntax must be 'auto', 'text' or 'markdown', not {syntax!r}")
    normalised = normalise_text(text)
    lines = [_Line(number, line) for number, line in enumerate(normalised.split("\n"), start=1)]
    markdown = syntax == "markdown" or (syntax == "auto" and _looks_like_markdown(lines))
    blocks = _markdown_blocks(lines) if markdown else _plain_blocks(lines)
    warnings: list[str] = []

    leading, headed = blocks[0], blocks[1:]
    title = ""
    preamble_lines = [line.text for line in leading.lines]
    if headed:
        first = headed[0]
        if markdown:
            # "# A" over items, with other "# B" headings, uses level 1 for sections: no title.
            other_top_level = any(block.heading.level == 1 for block in headed[1:])
            is_title = first.heading.level == 1 and not (other_top_level and _first_content_is_item(first))
        else:
            is_title = not _first_content_is_item(first)
        if is_title:
            title = first.heading.text
            preamble_lines += [""] + [line.text for line in first.lines]
            headed = headed[1:]
    preamble = _collapse_blank_runs(preamble_lines)

    drafts: list[_SectionDraft] = []
    group: _Heading | None = None
    for index, block in enumerate(headed):
        heading = block.heading
        following = headed[index + 1].heading if index + 1 < len(headed) else None
        if group is not None and markdown and heading.level <= group.level:
            group = None
        opens_group = block.empty and following is not None and (following.level > heading.level if markdown else True)
        if opens_group:
            group = heading
            continue
        label = heading.text
        intro, items = _parse_body(block.lines, markdown=markdown, label=label, warnings=warnings)
        if not items:
            warnings.append(f"line {heading.line}: section {label!r} has no items")
        _check_numbering(items, markdown=markdown, label=label, warnings=warnings)
        drafts.append(_SectionDraft(heading, group.text if group else None, intro, items))

    if not drafts:
        raise RoadmapImportError(
            "no section found: a section starts with a heading (a line in capitals in plain text, "
            "'## Title' in Markdown) followed by its numbered items"
        )

    body_lines = [line.text for block in blocks for line in block.lines]
    acronyms = _acronyms_in(body_lines)
    codes = _assign_codes(drafts, warnings)
    sections = []
    for draft, code in zip(drafts, codes):
        items = tuple(
            ParsedItem(f"{code}-{position}", raw.number, " ".join(raw.parts))
            for position, raw in enumerate(draft.items, start=1)
        )
        sections.append(
            ParsedSection(
                code=code,
                title=display_title(draft.heading.text, acronyms),
                source_title=draft.heading.text,
                group=display_title(draft.group, acronyms) if draft.group else None,
                intro=draft.intro,
                items=items,
            )
        )
    return ParsedRoadmap(title, preamble, tuple(sections), tuple(warnings))


def _assign_codes(drafts: list[_SectionDraft], warnings: list[str]) -> list[str]:
    """Explicit codes first, so that a derived code never takes one a later heading asked for."""
    codes: list[str | None] = [None] * len(drafts)
    taken: set[str] = set()
    for index, draft in enumerate(drafts):
        explicit = draft.heading.explicit_code
        if explicit is None:
            continue
        code = explicit.upper()
        if not CODE_PATTERN.fullmatch(code):
            warnings.append(
                f"line {draft.heading.line}: code {explicit!r} is not 2 to 5 letters "
                f"(and up to 3 digits); a code was derived from the title instead"
            )
        elif code in taken:
            warnings.append(
                f"line {draft.heading.line}: code {code!r} is already used; a code was derived from the title instead"
            )
        else:
            codes[index] = code
            taken.add(code)
    for index, draft in enumerate(drafts):
        if codes[index] is None:
            codes[index] = derive_code(draft.heading.text, taken)
            taken.add(codes[index])
    return codes  # type: ignore[return-value]
