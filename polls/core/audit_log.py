"""The audit log's entries as canonical JSON in a hash chain (pure; the chain itself is `polls.core.hash_chain`).

Each entry of an assembly's audit log is a JSON object naming its number, what was done, by whom (a user
id, or null for the system: a scheduled job or an administrator at the command line), on what, with which
details, when, and the hash of the entry before it. Its hash is the SHA-256 of its RFC 8785 bytes, as in
the moderation log (`polls.core.moderation_log`): both are `polls.core.hash_chain`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from polls.core import hash_chain
from polls.core.hash_chain import canonical_bytes, entry_hash  # noqa: F401 (this log's API)

FORMAT = "deliberate/audit-entry/1"


def entry_document(
    *,
    assembly: int,
    number: int,
    action: str,
    actor: int | None,
    target: str,
    label: str,
    details: Mapping[str, Any],
    created_at: str,
    previous_hash: str,
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


def verify_chain(entries: Iterable[tuple[bytes, str]]) -> list[str]:
    """Check stored (document bytes, hash) pairs, oldest first; returns the problems (none: intact)."""
    return hash_chain.verify_chain(entries, format=FORMAT, kind="an audit entry")
