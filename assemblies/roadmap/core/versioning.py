"""Roadmap versions as immutable, hash-chained JSON documents.

Pure: standard library and rfc8785 only, no Django. The roadmap services build a document with
``version_document``, store ``canonical_bytes(document)`` and ``content_hash(document)`` once, and
serve those bytes; a management command re-checks a whole history with ``verify_chain``.

The canonical form (``deliberate-roadmap/1``)
----------------------------------------------
A version document is this JSON object, serialised with RFC 8785 (JCS: members sorted, no
whitespace, UTF-8), and its hash is the lowercase hex SHA-256 of those bytes::

    {"format": "deliberate-roadmap/1",
     "assembly": slug,                      # the assembly's slug
     "number": n,                           # 1, 2, 3 ... with no gaps
     "parent_hash": hex | null,             # content hash of version n-1; null exactly for n = 1
     "created": "YYYY-MM-DDTHH:MM:SSZ",     # UTC, whole seconds
     "title": str, "preamble": str,
     "sections": [{"code": str, "title": str, "group": str | null, "intro": str,
                   "items": [{"ref": str, "text": str, "priority": int | null}, ...]}, ...],
     "provenance": {...}}                   # what produced this version (JSON, no floats)

- Every member is present, and no other: a missing ``group``, ``intro`` or ``priority`` given to
  ``version_document`` is written as null, "" and null.
- Sections and items are in roadmap order, which the hash therefore covers.
- Strings are NFC-normalised here (and nowhere else: whitespace is the caller's business).
- Integers are in [0, 2^53-1]; there are no floats anywhere, so every JCS implementation agrees.
- Section codes match ``[A-Z][A-Z0-9]{1,9}``, refs ``CODE-N``; both are unique in a document. A ref
  keeps its code prefix when its item moves to another section: the ref is the item's identity.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import rfc8785

from polls.core.canonical import format_time

__all__ = [
    "FORMAT",
    "ChainError",
    "InvalidVersionDocument",
    "canonical_bytes",
    "check_stored",
    "content_hash",
    "document_from_bytes",
    "validate_document",
    "verify_chain",
    "version_document",
]

FORMAT = "deliberate-roadmap/1"
MAX_INT = 2**53 - 1

_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_CODE = re.compile(r"[A-Z][A-Z0-9]{1,9}")
_REF = re.compile(r"[A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,8}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")
_TOP_KEYS = frozenset(
    {"format", "assembly", "number", "parent_hash", "created", "title", "preamble", "sections", "provenance"}
)
_SECTION_KEYS = frozenset({"code", "title", "group", "intro", "items"})
_ITEM_KEYS = frozenset({"ref", "text", "priority"})


class InvalidVersionDocument(ValueError):
    """A version document (or its parts) that breaks the canonical form; the message names the
    member at fault, e.g. ``sections[2].items[0].text``."""


# --- Building -----------------------------------------------------------------------------------


def _nfc(value: Any, where: str, *, allow_empty: bool = True) -> str:
    if type(value) is not str:
        raise InvalidVersionDocument(f"{where}: expected a string, found {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise InvalidVersionDocument(f"{where}: must not be empty")
    return unicodedata.normalize("NFC", value)


def _count(value: Any, where: str, *, minimum: int = 0) -> int:
    if type(value) is not int or not minimum <= value <= MAX_INT:
        raise InvalidVersionDocument(f"{where}: expected an integer in [{minimum}, 2^53-1], found {value!r}")
    return value


def _created(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidVersionDocument("created: a naive datetime has no time zone; pass an aware one")
        # Whole seconds: the document format has no fractions (same rule as the poll board).
        return format_time(value)
    match = _TIME.fullmatch(value) if type(value) is str else None
    if match is None:
        raise InvalidVersionDocument(f"created: {value!r} is not an aware datetime or YYYY-MM-DDTHH:MM:SSZ")
    try:
        _dt.datetime(*map(int, match.groups()))
    except ValueError:
        raise InvalidVersionDocument(f"created: {value!r} is not a real date and time") from None
    return value


def _json_value(value: Any, where: str, depth: int = 0) -> Any:
    if depth > 32:
        raise InvalidVersionDocument(f"{where}: nested too deeply")
    if value is None or type(value) is bool:
        return value
    if type(value) is str:
        return unicodedata.normalize("NFC", value)
    if type(value) is int:
        return _count(value, where)
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, member in value.items():
            name = _nfc(key, f"{where} key")
            if name in result:
                raise InvalidVersionDocument(f"{where}: two keys are {name!r} once NFC-normalised")
            result[name] = _json_value(member, f"{where}.{name}", depth + 1)
        return result
    if isinstance(value, (list, tuple)):
        return [_json_value(member, f"{where}[{i}]", depth + 1) for i, member in enumerate(value)]
    raise InvalidVersionDocument(
        f"{where}: {type(value).__name__} is not allowed (JSON strings, integers, booleans, null, "
        f"lists and objects only; no floats)"
    )


def _members(value: Any, where: str, allowed: frozenset[str], required: frozenset[str]) -> Mapping:
    if not isinstance(value, Mapping):
        raise InvalidVersionDocument(f"{where}: expected an object, found {type(value).__name__}")
    unknown = set(value) - allowed
    if unknown:
        raise InvalidVersionDocument(f"{where}: unknown member(s) {sorted(map(str, unknown))}")
    missing = required - set(value)
    if missing:
        raise InvalidVersionDocument(f"{where}: missing member(s) {sorted(missing)}")
    return value


def _sections(sections: Any) -> list[dict]:
    if not isinstance(sections, (list, tuple)):
        raise InvalidVersionDocument("sections: expected a list")
    result = []
    codes: set[str] = set()
    refs: set[str] = set()
    for s_index, section in enumerate(sections):
        where = f"sections[{s_index}]"
        section = _members(section, where, _SECTION_KEYS, frozenset({"code", "title", "items"}))
        code = section["code"]
        if type(code) is not str or not _CODE.fullmatch(code):
            raise InvalidVersionDocument(f"{where}.code: {code!r} is not 2-10 uppercase letters/digits")
        if code in codes:
            raise InvalidVersionDocument(f"{where}.code: {code!r} is used by two sections")
        codes.add(code)
        group = section.get("group")
        items = section["items"]
        if not isinstance(items, (list, tuple)):
            raise InvalidVersionDocument(f"{where}.items: expected a list")
        built_items = []
        for i_index, item in enumerate(items):
            item_where = f"{where}.items[{i_index}]"
            item = _members(item, item_where, _ITEM_KEYS, frozenset({"ref", "text"}))
            ref = item["ref"]
            if type(ref) is not str or not _REF.fullmatch(ref):
                raise InvalidVersionDocument(f"{item_where}.ref: {ref!r} is not of the form CODE-N")
            if ref in refs:
                raise InvalidVersionDocument(f"{item_where}.ref: {ref!r} is used by two items")
            refs.add(ref)
            priority = item.get("priority")
            built_items.append(
                {
                    "ref": ref,
                    "text": _nfc(item["text"], f"{item_where}.text", allow_empty=False),
                    "priority": None if priority is None else _count(priority, f"{item_where}.priority"),
                }
            )
        result.append(
            {
                "code": code,
                "title": _nfc(section["title"], f"{where}.title", allow_empty=False),
                "group": None if group is None else _nfc(group, f"{where}.group", allow_empty=False),
                "intro": _nfc(section.get("intro", ""), f"{where}.intro"),
                "items": built_items,
            }
        )
    return result


def version_document(
    *,
    assembly_slug: str,
    number: int,
    parent_hash: str | None,
    created: _dt.datetime | str,
    title: str,
    preamble: str,
    sections: Sequence[Mapping[str, Any]],
    provenance: Mapping[str, Any],
) -> dict:
    """Build the canonical content of one roadmap version (see the module docstring).

    Requires: ``number`` >= 1; ``parent_hash`` None for version 1 and the 64-hex content hash of the
    previous version otherwise; ``created`` an aware datetime (fractions of a second are dropped)
    or ``YYYY-MM-DDTHH:MM:SSZ``; sections with unique codes and items with unique refs and non-empty
    text; ``provenance`` a JSON object without floats.
    Guarantees: a new dict, sharing nothing with the arguments, in the canonical form, with every
    string NFC-normalised; ``version_document(**fields of the result)`` returns an equal dict.
    Raises InvalidVersionDocument naming the member at fault.
    """
    number = _count(number, "number", minimum=1)
    if number == 1 and parent_hash is not None:
        raise InvalidVersionDocument("parent_hash: version 1 has no parent; pass None")
    if number > 1 and (type(parent_hash) is not str or not _HEX64.fullmatch(parent_hash)):
        raise InvalidVersionDocument(
            f"parent_hash: version {number} needs the 64 lowercase hex hash of version {number - 1}"
        )
    if type(assembly_slug) is not str or not _SLUG.fullmatch(assembly_slug):
        raise InvalidVersionDocument(f"assembly: {assembly_slug!r} is not a slug")
    if not isinstance(provenance, Mapping):
        raise InvalidVersionDocument("provenance: expected an object")
    return {
        "format": FORMAT,
        "assembly": assembly_slug,
        "number": number,
        "parent_hash": parent_hash,
        "created": _created(created),
        "title": _nfc(title, "title"),
        "preamble": _nfc(preamble, "preamble"),
        "sections": _sections(sections),
        "provenance": _json_value(provenance, "provenance"),
    }


# --- Hashing --------------------------------------------------------------------------------------


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """Return the RFC 8785 (JCS) bytes of ``document``: what is stored, served and hashed.

    Requires: a JSON-serialisable document (one from ``version_document`` always is).
    """
    return rfc8785.dumps(document)


def content_hash(document: Mapping[str, Any]) -> str:
    """Return the lowercase hex SHA-256 of ``canonical_bytes(document)``."""
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def validate_document(document: Any) -> None:
    """Raise InvalidVersionDocument unless ``document`` is exactly in the canonical form, i.e.
    equal to what ``version_document`` builds from its own members."""
    document = _members(document, "document", _TOP_KEYS, _TOP_KEYS)
    if document["format"] != FORMAT:
        raise InvalidVersionDocument(f"format: expected {FORMAT!r}, found {document['format']!r}")
    rebuilt = version_document(
        assembly_slug=document["assembly"],
        number=document["number"],
        parent_hash=document["parent_hash"],
        created=document["created"],
        title=document["title"],
        preamble=document["preamble"],
        sections=document["sections"],
        provenance=document["provenance"],
    )
    for key in sorted(_TOP_KEYS):
        if rebuilt[key] != document[key]:
            raise InvalidVersionDocument(
                f"{key}: not in canonical form (a string not NFC-normalised, or a member missing "
                f'where null or "" is required)'
            )


def document_from_bytes(data: bytes) -> dict:
    """Parse stored version bytes.

    Requires: UTF-8 JSON. Guarantees: returns the document only when ``data`` is byte-equal to
    ``canonical_bytes`` of it and the document is valid; raises InvalidVersionDocument otherwise.
    """

    def no_floats(text: str) -> None:
        raise InvalidVersionDocument(f"floating-point number {text} is not allowed")

    try:
        document = json.loads(data.decode("utf-8"), parse_float=no_floats, parse_constant=no_floats)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidVersionDocument(f"not UTF-8 JSON: {exc}") from None
    validate_document(document)
    if canonical_bytes(document) != data:
        raise InvalidVersionDocument("bytes are not the RFC 8785 serialisation of their own parse")
    return document


# --- Verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainError:
    """One problem found in a history. ``position`` is the 0-based index in the list checked (None
    from ``check_stored``), ``number`` the version number the document claims (None if unreadable),
    ``kind`` one of "malformed", "number", "parent", "assembly", "created", "stored-hash"."""

    position: int | None
    number: int | None
    kind: str
    message: str


def check_stored(document: Mapping[str, Any], stored_hash: str, *, position: int | None = None) -> ChainError | None:
    """Compare a document with the hash stored beside it.

    Guarantees: None when ``content_hash(document) == stored_hash``; otherwise a "stored-hash" error
    giving both hashes (the content was edited after it was hashed, or the hash was), or a
    "malformed" error when the document cannot be serialised at all.
    """
    number = _claimed_number(document)
    actual = _hash_or_none(document)
    if actual is None:
        return ChainError(position, number, "malformed", f"version {number}: cannot be serialised")
    if actual == stored_hash:
        return None
    return ChainError(
        position,
        number,
        "stored-hash",
        f"version {number}: content hashes to {actual}, but the stored hash is {stored_hash}",
    )


def _claimed_number(document: Any) -> int | None:
    number = document.get("number") if isinstance(document, Mapping) else None
    return number if type(number) is int else None


def _hash_or_none(document: Any) -> str | None:
    try:
        return content_hash(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        return None


def _link_errors(
    position: int,
    document: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    previous_hash: str | None,
) -> list[ChainError]:
    """What is wrong between a document and the one before it (None for the first)."""
    number = _claimed_number(document)
    name = f"version {number} (position {position})"
    parent = document.get("parent_hash")

    def error(kind: str, message: str) -> ChainError:
        return ChainError(position, number, kind, f"{name}: {message}")

    if previous is None:
        errors = []
        if number != 1:
            errors.append(error("number", "the first version must be number 1"))
        if parent is not None:
            errors.append(error("parent", f"the first version has parent_hash {parent}; expected null"))
        return errors

    errors = []
    previous_number = _claimed_number(previous)
    if previous_number is not None and number != previous_number + 1:
        errors.append(error("number", f"follows version {previous_number}; expected number {previous_number + 1}"))
    if parent != previous_hash:
        errors.append(
            error(
                "parent",
                f"parent_hash is {parent}, but the version before it (number {previous_number}) "
                f"hashes to {previous_hash}",
            )
        )
    if document.get("assembly") != previous.get("assembly"):
        errors.append(
            error(
                "assembly",
                f"belongs to assembly {document.get('assembly')!r}, the version before it to "
                f"{previous.get('assembly')!r}",
            )
        )
    created, previous_created = document.get("created"), previous.get("created")
    # The fixed-width UTC form sorts as text in time order.
    if type(created) is str and type(previous_created) is str and created < previous_created:
        errors.append(error("created", f"created {created}, before the version before it ({previous_created})"))
    return errors


def verify_chain(
    documents: Sequence[Mapping[str, Any]], *, stored_hashes: Sequence[str] | None = None
) -> list[ChainError]:
    """Check a roadmap history, oldest version first.

    Requires: the documents in the order they claim to form; ``stored_hashes``, when given, the
    hash stored beside each document (same length).
    Guarantees: an empty list exactly when every document is in canonical form, numbers run 1, 2,
    3... with no gap, version 1 has no parent and each other parent_hash equals the content hash of
    the document before it, all belong to one assembly, creation times never go backwards, and
    (when given) every stored hash matches. Otherwise one error per problem, in list order, each
    naming the version and what differs (with both hashes where hashes differ).
    """
    if stored_hashes is not None and len(stored_hashes) != len(documents):
        raise ValueError("stored_hashes must have one hash per document")
    errors: list[ChainError] = []
    previous: Mapping[str, Any] | None = None
    previous_hash: str | None = None
    for position, document in enumerate(documents):
        try:
            validate_document(document)
        except InvalidVersionDocument as exc:
            number = _claimed_number(document)
            errors.append(ChainError(position, number, "malformed", f"version {number} (position {position}): {exc}"))
        if stored_hashes is not None:
            mismatch = check_stored(document, stored_hashes[position], position=position)
            if mismatch is not None:
                errors.append(mismatch)
        if not isinstance(document, Mapping):
            # Nothing to link: the next document is checked as if it opened the history.
            previous, previous_hash = None, None
            continue
        errors.extend(_link_errors(position, document, previous, previous_hash))
        previous, previous_hash = document, _hash_or_none(document)
    return errors
