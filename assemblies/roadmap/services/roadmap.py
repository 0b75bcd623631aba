"""The versioned roadmap: import, editorial changes, and the adoption of decided contributions.

Every change creates the next immutable version under a row lock on the roadmap, so versions form one
linear, hash-chained history. The version's canonical bytes are stored as hashed and served as stored.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from assemblies.audit import services as audit
from assemblies.common.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    require,
)
from assemblies.common.events import publish
from assemblies.common.text import clean_item_text, clean_text
from assemblies.membership import rules as membership_rules
from assemblies.membership.models import Assembly, Phase, Space
from assemblies.membership.services.notifications import notify
from assemblies.roadmap import rules as roadmap_rules
from assemblies.roadmap.core.importer import (
    RoadmapImportError,
    next_item_ref,
    parse_roadmap,
)
from assemblies.roadmap.core.versioning import (
    canonical_bytes,
    content_hash,
    version_document,
)
from assemblies.roadmap.models import (
    Contribution,
    Item,
    Roadmap,
    RoadmapVersion,
    VersionItem,
)
from assemblies.roadmap.services.contributions import conflict_of, record_revision


class AlreadyDecided(Conflict):
    """The outcome was already applied (or the text withdrawn): it is never applied twice."""


IMPORT_MAX_BYTES = 1_000_000


def document_of(version: RoadmapVersion) -> dict:
    """The version's document, parsed from the exact bytes that were hashed."""
    return json.loads(bytes(version.document))


def _who(user) -> dict | None:
    return {"id": user.pk, "name": user.name} if user is not None else None


def import_roadmap(*, assembly: Assembly, text: str, by, now: datetime, reason: str = "") -> RoadmapVersion:
    """Create an assembly's roadmap from a plain-text or Markdown document: version 1.

    Headings become spaces (created when missing), numbered points become items with stable refs.
    `by` is a convenor, or None for an administrator's import from the command line.
    Refuses an assembly that already has a roadmap, and a text with no section.
    """
    if by is not None:
        require(roadmap_rules.can_edit_roadmap(by, assembly))
    if len(text.encode("utf-8", "surrogatepass")) > IMPORT_MAX_BYTES:
        raise InvalidInput(_("The document is larger than 1 MB."), field="text")
    try:
        parsed = parse_roadmap(text)
    except RoadmapImportError as error:
        raise InvalidInput(str(error), field="text") from None
    with transaction.atomic():
        roadmap, _created = Roadmap.objects.select_for_update().get_or_create(
            assembly=assembly, defaults={"title": parsed.title or assembly.name}
        )
        if roadmap.head_id is not None:
            raise NotAllowed(
                _("This assembly already has a roadmap: change it through amendments or editorial changes.")
            )
        roadmap.title = parsed.title or assembly.name
        roadmap.save(update_fields=["title"])
        new_spaces = []
        for position, section in enumerate(parsed.sections):
            space, created = Space.objects.update_or_create(
                assembly=assembly,
                code=section.code,
                defaults={
                    "title": section.title,
                    "group": section.group or "",
                    "intro": section.intro,
                    "position": position,
                },
            )
            new_spaces += [space] if created else []
        sections = [
            {
                "code": section.code,
                "title": section.title,
                "group": section.group,
                "intro": section.intro,
                "items": [{"ref": item.ref, "text": item.text, "priority": None} for item in section.items],
            }
            for section in parsed.sections
        ]
        provenance = {
            "kind": "import",
            "by": _who(by),
            "reason": reason,
            "source_sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
            "warnings": list(parsed.warnings),
        }
        version = _commit_version(
            roadmap=roadmap,
            title=roadmap.title,
            preamble=parsed.preamble,
            sections=sections,
            kind=RoadmapVersion.Kind.IMPORT,
            by=by,
            reason=reason,
            provenance=provenance,
            now=now,
        )
        # Audit entries last: an append may wait for another transaction's commit, never hold it up.
        for space in new_spaces:
            audit.record(assembly=assembly, actor=by, action=audit.Action.SPACE_CREATE, target=space, now=now)
        audit.record(
            assembly=assembly,
            actor=by,
            action=audit.Action.ROADMAP_IMPORT,
            target=version,
            now=now,
            details={"spaces": len(sections), "items": sum(len(s["items"]) for s in sections), "reason": reason},
        )
        return version


def _commit_version(
    *,
    roadmap: Roadmap,
    title: str,
    preamble: str,
    sections: list[dict],
    kind: str,
    by,
    reason: str,
    provenance: dict,
    now: datetime,
    contribution: Contribution | None = None,
    poll_ref: str = "",
) -> RoadmapVersion:
    """Append the next version. Requires an atomic block holding the roadmap's row lock."""
    head = roadmap.head
    number = head.number + 1 if head else 1
    document = version_document(
        assembly_slug=roadmap.assembly.slug,
        number=number,
        parent_hash=head.content_hash if head else None,
        created=now,
        title=title,
        preamble=preamble,
        sections=sections,
        provenance=provenance,
    )
    version = RoadmapVersion.objects.create(
        roadmap=roadmap,
        number=number,
        parent=head,
        kind=kind,
        created_at=now,
        created_by=by,
        reason=reason,
        document=canonical_bytes(document),
        content_hash=content_hash(document),
        parent_hash=head.content_hash if head else "",
        contribution=contribution,
        poll_ref=poll_ref,
    )
    spaces = {space.code: space for space in Space.objects.filter(assembly=roadmap.assembly)}
    items = {item.ref: item for item in Item.objects.filter(roadmap=roadmap)}
    rows = []
    position = 0
    for section in document["sections"]:
        space = spaces[section["code"]]
        for entry in section["items"]:
            item = items.get(entry["ref"])
            if item is None:
                item = items[entry["ref"]] = Item.objects.create(roadmap=roadmap, ref=entry["ref"], space=space)
            elif item.space_id != space.pk:
                item.space = space
                item.save(update_fields=["space"])
            rows.append(
                VersionItem(
                    version=version,
                    item=item,
                    space=space,
                    position=position,
                    text=entry["text"],
                    priority=entry["priority"],
                )
            )
            position += 1
    VersionItem.objects.bulk_create(rows)
    roadmap.head = version
    roadmap.save(update_fields=["head"])
    publish(f"assembly.{roadmap.assembly_id}", {"type": "assembly.version", "version": number})
    return version


def _locked_roadmap(assembly_id: int) -> Roadmap:
    roadmap = (
        Roadmap.objects.select_for_update(of=("self",))
        .select_related("assembly", "head")
        .filter(assembly_id=assembly_id)
        .first()
    )
    if roadmap is None or roadmap.head is None:
        raise NotAllowed(_("This assembly has no roadmap yet."))
    return roadmap


def _find(sections: list[dict], ref: str) -> tuple[dict, int] | None:
    for section in sections:
        for index, entry in enumerate(section["items"]):
            if entry["ref"] == ref:
                return section, index
    return None


def edit_item(*, item: Item, text: str, by, reason: str, now: datetime) -> RoadmapVersion:
    """A convenor's editorial change to one item's text (typo, wording), recorded with who and why."""
    require(roadmap_rules.can_edit_roadmap(by, item.space.assembly))
    if item.space.phase in (Phase.VOTING, Phase.CLOSED):
        raise NotAllowed(membership_rules.PHASE_REFUSALS[item.space.phase])
    text = clean_item_text(text)
    reason = clean_text(reason, field="reason", max_length=500)
    with transaction.atomic():
        roadmap = _locked_roadmap(item.roadmap.assembly_id)
        document = document_of(roadmap.head)
        found = _find(document["sections"], item.ref)
        if found is None:
            raise InvalidInput(_("This item is not in the current roadmap."), field="text")
        section, index = found
        if section["items"][index]["text"] == text:
            raise InvalidInput(_("The text is unchanged."), field="text")
        section["items"][index]["text"] = text
        provenance = {"kind": "editorial", "by": _who(by), "reason": reason, "item": item.ref}
        version = _commit_version(
            roadmap=roadmap,
            title=document["title"],
            preamble=document["preamble"],
            sections=document["sections"],
            kind=RoadmapVersion.Kind.EDITORIAL,
            by=by,
            reason=reason,
            provenance=provenance,
            now=now,
        )
        audit.record(
            assembly=roadmap.assembly,
            actor=by,
            action=audit.Action.ROADMAP_EDIT,
            target=version,
            details={"item": item.ref, "reason": reason},
            now=now,
        )
        return version


# Adoption ----------------------------------------------------------------------------------------------


def _decided_participants(contribution: Contribution) -> list:
    people = [contribution.author] + [support.user for support in contribution.supports.select_related("user")]
    return people


def adopt(
    *,
    contribution: Contribution,
    decision: dict,
    by=None,
    now: datetime,
    notify_participants: bool = True,
) -> RoadmapVersion | None:
    """Apply an adopted proposal or amendment, atomically, exactly once.

    `decision` describes what decided it and goes into the version's provenance: for a poll,
    `{"poll": id, "fingerprint": hex, "result_entry": hex}`; for a convenor's recorded decision,
    `{"note": str}` with `by` the convenor. Returns the new roadmap version, or None for an amendment to a
    proposal (the proposal's text changes; the roadmap does not yet). Refuses a second application
    (AlreadyDecided) and an amendment whose base moved on (AmendmentConflict): never applied silently.
    The author and co-signers are notified, unless the caller sends one notice of its own
    (`notify_participants=False`: a closing poll tells each person once, `polls.outcomes`).
    """
    with transaction.atomic():
        contribution = (
            Contribution.objects.select_for_update(of=("self",))
            .select_related("space__assembly", "target_item__roadmap", "target_proposal", "author")
            .get(pk=contribution.pk)
        )
        if contribution.status in (Contribution.Status.ADOPTED, Contribution.Status.REJECTED):
            raise AlreadyDecided(_("This was already decided: an outcome is applied only once."))
        if contribution.status == Contribution.Status.WITHDRAWN:
            raise AlreadyDecided(_("This was withdrawn by its author."))
        if by is not None:
            require(roadmap_rules.can_decide(by, contribution))
        roadmap = _locked_roadmap(contribution.space.assembly_id)
        conflict = conflict_of(contribution)
        if conflict is not None:
            raise conflict
        provenance = {
            "kind": contribution.kind,
            "contribution": contribution.pk,
            "title": contribution.title,
            "author": _who(contribution.author),
            "decision": {**decision, "recorded_by": _who(by)},
        }
        version = None
        if contribution.kind == Contribution.Kind.AMENDMENT and contribution.target_proposal_id:
            _apply_to_proposal(amendment=contribution, now=now)
        else:
            version = _apply_to_roadmap(
                contribution=contribution, roadmap=roadmap, provenance=provenance, by=by, now=now
            )
        contribution.status = Contribution.Status.ADOPTED
        contribution.decided_at = now
        contribution.decision_note = decision.get("note", "")[:2000]
        contribution.save(update_fields=["status", "decided_at", "decision_note"])
        if notify_participants:
            notify(
                users=_decided_participants(contribution),
                assembly=contribution.space.assembly,
                kind="adopted",
                text=_("Adopted: %(title)s") % {"title": str(contribution)},
                url=contribution.get_absolute_url(),
                now=now,
            )
        if by is not None:  # a poll's outcome is recorded with the poll's closing
            audit.record(
                assembly=contribution.space.assembly,
                actor=by,
                action=audit.Action.CONTRIBUTION_ADOPT,
                target=contribution,
                details={"version": version.number if version else None, "note": contribution.decision_note},
                now=now,
            )
        return version


def _apply_to_proposal(*, amendment: Contribution, now: datetime) -> None:

    proposal = Contribution.objects.select_for_update().get(pk=amendment.target_proposal_id)
    proposal.text = amendment.text
    proposal.revision += 1
    proposal.updated_at = now
    proposal.save(update_fields=["text", "revision", "updated_at"])
    record_revision(proposal, note=f"amended by #{amendment.pk}", now=now)


def _apply_to_roadmap(*, contribution: Contribution, roadmap: Roadmap, provenance: dict, by, now) -> RoadmapVersion:
    document = document_of(roadmap.head)
    sections = document["sections"]
    if contribution.kind == Contribution.Kind.PROPOSAL:
        space = contribution.space
        section = next((s for s in sections if s["code"] == space.code), None)
        if section is None:
            section = {
                "code": space.code,
                "title": space.title,
                "group": space.group or None,
                "intro": space.intro,
                "items": [],
            }
            sections.append(section)
        ref = next_item_ref(space.code, Item.objects.filter(roadmap=roadmap).values_list("ref", flat=True))
        section["items"].append({"ref": ref, "text": clean_item_text(contribution.text), "priority": None})
        provenance["item"] = ref
        kind = RoadmapVersion.Kind.PROPOSAL
    else:
        ref = contribution.target_item.ref
        found = _find(sections, ref)
        section, index = found  # conflict_of has ensured the item is present
        if contribution.change == Contribution.Change.DELETE:
            del section["items"][index]
        else:
            section["items"][index]["text"] = clean_item_text(contribution.text)
        provenance["item"] = ref
        provenance["change"] = contribution.change
        kind = RoadmapVersion.Kind.AMENDMENT
    return _commit_version(
        roadmap=roadmap,
        title=document["title"],
        preamble=document["preamble"],
        sections=sections,
        kind=kind,
        by=by,
        reason=provenance["decision"].get("note", ""),
        provenance=provenance,
        now=now,
        contribution=contribution,
        poll_ref=str(provenance["decision"].get("poll", "")),
    )


def reject(
    *,
    contribution: Contribution,
    decision: dict,
    by=None,
    now: datetime,
    notify_participants: bool = True,
) -> Contribution:
    """Record that a tabled contribution was not adopted (by a poll, or a convenor's recorded decision).

    Notifies the author and co-signers unless `notify_participants` is False (as `adopt`)."""
    with transaction.atomic():
        contribution = (
            Contribution.objects.select_for_update(of=("self",))
            .select_related("space__assembly", "author")
            .get(pk=contribution.pk)
        )
        if contribution.status in (
            Contribution.Status.ADOPTED,
            Contribution.Status.REJECTED,
            Contribution.Status.WITHDRAWN,
        ):
            raise AlreadyDecided(_("This was already decided or withdrawn."))
        if by is not None:
            require(roadmap_rules.can_decide(by, contribution))
        contribution.status = Contribution.Status.REJECTED
        contribution.decided_at = now
        contribution.decision_note = decision.get("note", "")[:2000]
        contribution.save(update_fields=["status", "decided_at", "decision_note"])
        if notify_participants:
            notify(
                users=_decided_participants(contribution),
                assembly=contribution.space.assembly,
                kind="rejected",
                text=_("Not adopted: %(title)s") % {"title": str(contribution)},
                url=contribution.get_absolute_url(),
                now=now,
            )
        if by is not None:
            audit.record(
                assembly=contribution.space.assembly,
                actor=by,
                action=audit.Action.CONTRIBUTION_REJECT,
                target=contribution,
                details={"note": contribution.decision_note},
                now=now,
            )
    return contribution


# Priorities ---------------------------------------------------------------------------------------------


def set_priorities(*, space: Space, ranks: dict[str, int], decision: dict, now: datetime) -> RoadmapVersion:
    """Record a decided priority order of a space's items as the next roadmap version, exactly once.

    `ranks` maps item refs to their rank (1 = highest); `decision` names what decided it, as for `adopt`
    (`{"poll": id, "fingerprint": hex, "result_entry": hex, "note": str}`) and goes into the provenance.
    Every item of the space's section gets its rank, or no priority when `ranks` does not name it (an item
    added after the poll opened); refs no longer in the section (removed items) are ignored. Items of
    other spaces keep theirs. Runs under the roadmap's row lock, like every version; refuses a second
    version for the same poll (AlreadyDecided) and a decision none of whose items is still in the space
    (NotAllowed).
    """
    if not ranks or any(type(rank) is not int or rank < 1 for rank in ranks.values()):
        raise InvalidInput(_("Priorities are ranks: whole numbers from 1."), field="ranks")
    with transaction.atomic():
        roadmap = _locked_roadmap(space.assembly_id)
        poll_ref = str(decision.get("poll", ""))
        already = RoadmapVersion.objects.filter(roadmap=roadmap, kind=RoadmapVersion.Kind.PRIORITIES, poll_ref=poll_ref)
        if poll_ref and already.exists():
            raise AlreadyDecided(_("These priorities were already recorded: an outcome is applied only once."))
        document = document_of(roadmap.head)
        section = next((s for s in document["sections"] if s["code"] == space.code), None)
        present = [entry for entry in (section["items"] if section else []) if entry["ref"] in ranks]
        if not present:
            raise NotAllowed(_("None of the prioritised items is still in this space of the roadmap."))
        for entry in section["items"]:
            entry["priority"] = ranks.get(entry["ref"])
        provenance = {
            "kind": "priorities",
            "space": space.code,
            "priorities": {entry["ref"]: entry["priority"] for entry in present},
            "decision": {**decision, "recorded_by": None},
        }
        return _commit_version(
            roadmap=roadmap,
            title=document["title"],
            preamble=document["preamble"],
            sections=document["sections"],
            kind=RoadmapVersion.Kind.PRIORITIES,
            by=None,
            reason=decision.get("note", ""),
            provenance=provenance,
            now=now,
            poll_ref=poll_ref,
        )
