"""The moderation log's entries as canonical JSON in a hash chain (pure: standard library and rfc8785).

Each entry of an assembly's log is a JSON object naming its number, what was done, by whom, to what,
why and when, and the hash of the entry before it; its hash is the SHA-256 of its RFC 8785 bytes. An
entry is never changed: a correction is a new entry, so anyone holding the hashes can tell that the
log was only appended to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import rfc8785

FORMAT = "deliberate/moderation-entry/1"


def entry_document(
    *, assembly: int, number: int, action: str, actor: int, message: int | None, target: int | None,
    reason: str, until: str | None, created_at: str, previous_hash: str,
) -> dict[str, Any]:
    """The document of one entry; times are already formatted (``YYYY-MM-DDTHH:MM:SSZ``)."""
    return {
        "format": FORMAT,
        "assembly": assembly,
        "number": number,
        "action": action,
        "actor": actor,
        "message": message,
        "target": target,
        "reason": reason,
        "until": until,
        "created_at": created_at,
        "previous_hash": previous_hash,
    }


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    return rfc8785.dumps(document)


def entry_hash(document_bytes: bytes) -> str:
    return hashlib.sha256(document_bytes).hexdigest()


def verify_chain(entries: Iterable[tuple[bytes, str]]) -> list[str]:
    """Check stored (document bytes, hash) pairs, oldest first; returns the problems (none: intact)."""
    problems = []
    previous = ""
    for expected_number, (document_bytes, stored_hash) in enumerate(entries, start=1):
        if entry_hash(document_bytes) != stored_hash:
            problems.append(f"entry {expected_number}: its bytes do not match its hash")
        document = json.loads(document_bytes)
        if document.get("number") != expected_number:
            problems.append(f"entry {expected_number}: numbered {document.get('number')}")
        if document.get("previous_hash") != previous:
            problems.append(f"entry {expected_number}: does not follow the entry before it")
        previous = stored_hash
    return problems
