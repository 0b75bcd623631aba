"""The audit log: what convenors, moderators and administrators did in an assembly, who, on what, when.

Services call `record(...)` inside the transaction of the change they make, so an entry exists exactly
when the change does. Entries are appended, never changed: each is hash-chained to the one before it in
its assembly (`polls.core.audit_log`), and `manage.py verify_audit` re-checks the chains.

Privacy: nothing about who voted goes here. Casting is never recorded; opening a secret poll records
how many voting codes were issued, never to whom.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from assemblies.audit.models import AuditEntry
from assemblies.common.errors import Conflict
from polls.core import audit_log
from polls.core.canonical import format_time

Action = AuditEntry.Action

# Two services appending to one assembly's log at once both pick the next number; the unique constraint
# refuses the second, which reads the new head and tries again.
ATTEMPTS = 20


class AuditBusy(Conflict):
    """The log kept moving under this append (many concurrent acts in one assembly): the act is rolled
    back with it, and asking again works."""


def target_of(obj) -> tuple[str, str]:
    """The kind and public address of what was acted on, and what it is called now."""
    if obj is None:
        return "", ""
    kind = obj._meta.model_name
    if kind == "user":
        return f"user:{obj.pk}", obj.name
    if kind == "membership":
        return f"user:{obj.user_id}", obj.user.name
    if kind == "space":
        return f"space:{obj.code}", obj.title
    if kind == "poll":
        return f"poll:{obj.public_id}", obj.title
    if kind == "contribution":
        return f"contribution:{obj.pk}", str(obj)
    if kind == "roadmapversion":
        return f"version:{obj.number}", f"v{obj.number}"
    if kind == "livesession":
        return f"session:{obj.pk}", obj.title
    if kind == "message":
        return f"message:{obj.debate_id}/{obj.pk}", obj.author.name
    if kind == "invitation":
        return f"invitation:{obj.pk}", obj.email
    if kind == "joinlink":
        return f"join_link:{obj.pk}", ""
    if kind == "joinrequest":
        return f"join_request:{obj.pk}", obj.user.name
    return f"{kind}:{obj.pk}", str(obj)


def record(
    *, assembly, actor, action: str, target=None, details: Mapping[str, Any] | None = None, now: datetime
) -> AuditEntry:
    """Append one entry to the assembly's audit log and return it.

    Call it inside the transaction of the change it records (it opens one of its own otherwise), as that
    transaction's LAST write: a concurrent append to the same assembly waits for this transaction to
    commit (then takes the next number), so nothing may come after it that could wait on the other one.
    `actor` is the person who acted, or None for the system; `target` the object acted on (see
    `target_of`); `details` a small JSON-safe mapping (strings, integers, booleans, None).
    """
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    target_key, label = target_of(target)
    details = dict(details or {})
    actor_id = actor.pk if actor is not None else None
    for _attempt in range(ATTEMPTS):
        last = (
            AuditEntry.objects.filter(assembly_id=assembly.pk)
            .order_by("-number")
            .values_list("number", "entry_hash")
            .first()
        )
        number, previous_hash = (last[0] + 1, last[1]) if last else (1, "")
        document = audit_log.entry_document(
            assembly=assembly.pk,
            number=number,
            action=action,
            actor=actor_id,
            target=target_key,
            label=label[:300],
            details=details,
            created_at=format_time(now),
            previous_hash=previous_hash,
        )
        data = audit_log.canonical_bytes(document)
        try:
            with transaction.atomic():
                return AuditEntry.objects.create(
                    assembly_id=assembly.pk,
                    number=number,
                    actor_id=actor_id,
                    action=action,
                    target=target_key,
                    target_label=label[:300],
                    details=details,
                    created_at=now,
                    document=data,
                    entry_hash=audit_log.entry_hash(data),
                    previous_hash=previous_hash,
                )
        except IntegrityError:
            if not AuditEntry.objects.filter(assembly_id=assembly.pk, number=number).exists():
                raise  # not a race for the number: a real error
            continue
    raise AuditBusy(_("Too many changes at once in this assembly: nothing was changed, please try again."))


# Reading ----------------------------------------------------------------------------------------------------


def entries_of(assembly) -> QuerySet[AuditEntry]:
    """Newest first, with who acted."""
    return AuditEntry.objects.filter(assembly=assembly).select_related("actor").defer("document").order_by("-number")


def problems_of(assembly_id: int) -> list[str]:
    """Everything wrong with one assembly's log: a broken chain, or rows that disagree with the bytes
    they hashed (an edit of the columns that left the document alone)."""
    entries = list(AuditEntry.objects.filter(assembly_id=assembly_id).order_by("number"))
    problems = audit_log.verify_chain((bytes(entry.document), entry.entry_hash) for entry in entries)
    for position, entry in enumerate(entries, start=1):
        try:
            document = json.loads(bytes(entry.document))
        except ValueError:
            continue  # already reported by verify_chain
        row = {
            "assembly": entry.assembly_id,
            "number": entry.number,
            "action": entry.action,
            "actor": entry.actor_id,
            "target": entry.target,
            "label": entry.target_label,
            "details": entry.details,
            "created_at": format_time(entry.created_at),
            "previous_hash": entry.previous_hash,
        }
        differing = sorted(name for name, value in row.items() if document.get(name) != value)
        if differing:
            problems.append(f"entry {position}: its row differs from its document ({', '.join(differing)})")
    return problems
