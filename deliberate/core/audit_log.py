"""The audit log's entries as canonical JSON in a hash chain (pure: standard library and rfc8785).

Each entry of an assembly's audit log is a JSON object naming its number, what was done, by whom (a user
id, or null for the system: a scheduled job or an administrator at the command line), on what, with which
details, when, and the hash of the entry before it. Its hash is the SHA-256 of its RFC 8785 bytes, as in
the moderation log (`assemblies.core.moderation_log`), whose chain check it shares.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import rfc8785

FORMAT = "deliberate/audit-entry/1"


def entry_document(
    *, assembly: int, number: int, action: str, actor: int | None, target: str, label: str,
    details: Mapping[str, Any], created_at: str, previous_hash: str,
) -> dict[str, Any]:
    """The document of one entry; `created_at` is already formatted (``YYYY-MM-DDTHH:MM:SSZ``)."""
    return {
        "format": FORMAT,
        "assembly": assembly,
        "number": number,
        "action": action,
        "actor": actor,
        "target": target,
        "label": label,
        "details": dict(details),
        "created_at": created_at,
        "previous_hash": previous_hash,
    }


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    return rfc8785.dumps(document)


def entry_hash(document_bytes: bytes) -> str:
    return hashlib.sha256(document_bytes).hexdigest()


def verify_chain(entries: Iterable[tuple[bytes, str]]) -> list[str]:
    """Check stored (document bytes, hash) pairs, oldest first; returns the problems (none: intact).

    Catches bytes edited after hashing, an entry removed, inserted or reordered (numbers and links), and a
    document that is not an audit entry."""
    problems = []
    previous = ""
    for expected_number, (document_bytes, stored_hash) in enumerate(entries, start=1):
        if entry_hash(document_bytes) != stored_hash:
            problems.append(f"entry {expected_number}: its bytes do not match its hash")
        try:
            document = json.loads(document_bytes)
        except ValueError:
            problems.append(f"entry {expected_number}: its document is not JSON")
            previous = stored_hash
            continue
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            problems.append(f"entry {expected_number}: not an audit entry")
            previous = stored_hash
            continue
        if document.get("number") != expected_number:
            problems.append(f"entry {expected_number}: numbered {document.get('number')}")
        if document.get("previous_hash") != previous:
            problems.append(f"entry {expected_number}: does not follow the entry before it")
        previous = stored_hash
    return problems
