"""Append-only logs as canonical JSON in a hash chain (pure: standard library and rfc8785).

Shared by the moderation log (`polls.core.moderation_log`) and the audit log
(`polls.core.audit_log`): each entry is a JSON object with its `format`, its `number` (1, 2, ...) and
the `previous_hash` of the entry before it ("" for the first); its hash is the SHA-256 of its RFC 8785
bytes. An entry is never changed: a correction is a new entry, so anyone holding the hashes can tell that
the log was only appended to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import rfc8785


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    return rfc8785.dumps(document)


def entry_hash(document_bytes: bytes) -> str:
    return hashlib.sha256(document_bytes).hexdigest()


def verify_chain(entries: Iterable[tuple[bytes, str]], *, format: str, kind: str) -> list[str]:
    """Check stored (document bytes, hash) pairs, oldest first; returns the problems (none: intact).

    Catches bytes edited after hashing, an entry removed, inserted or reordered (numbers and links), and a
    document that is not of this log's `format` (`kind` names it in the problems, e.g. "an audit entry")."""
    problems = []
    previous = ""
    for expected_number, (document_bytes, stored_hash) in enumerate(entries, start=1):
        if entry_hash(document_bytes) != stored_hash:
            problems.append(f"entry {expected_number}: its bytes do not match its hash")
        try:
            document = json.loads(document_bytes)
        except ValueError:
            document = None
        if not isinstance(document, dict) or document.get("format") != format:
            problems.append(f"entry {expected_number}: not {kind}")
        else:
            if document.get("number") != expected_number:
                problems.append(f"entry {expected_number}: numbered {document.get('number')}")
            if document.get("previous_hash") != previous:
                problems.append(f"entry {expected_number}: does not follow the entry before it")
        previous = stored_hash
    return problems
