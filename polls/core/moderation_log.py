"""The moderation log's entries as canonical JSON in a hash chain (pure; the chain itself is `polls.core.hash_chain`).

Each entry of an assembly's log is a JSON object naming its number, what was done, by whom, to what,
why and when, and the hash of the entry before it; its hash is the SHA-256 of its RFC 8785 bytes. An
entry is never changed: a correction is a new entry, so anyone holding the hashes can tell that the
log was only appended to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from polls.core import hash_chain
from polls.core.hash_chain import canonical_bytes, entry_hash  # noqa: F401 (this log's API)

FORMAT = "deliberate/moderation-entry/1"


def entry_document(
    *,
    assembly: int,
    number: int,
    action: str,
    actor: int,
    message: int | None,
    target: int | None,
    reason: str,
    until: str | None,
    created_at: str,
    previous_hash: str,
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


def verify_chain(entries: Iterable[tuple[bytes, str]]) -> list[str]:
    """Check stored (document bytes, hash) pairs, oldest first; returns the problems (none: intact)."""
    return hash_chain.verify_chain(entries, format=FORMAT, kind="a moderation entry")
