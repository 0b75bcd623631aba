"""The exports of a published edition: Markdown and JSON, each with the provenance of every item.

The JSON export (`deliberate-edition/1`) is one object, serialised with sorted keys, two-space
indentation, UTF-8 and a final newline, so the same edition always exports to the same bytes::

    {"format": "deliberate-edition/1",
     "assembly": {"slug": str, "name": str},
     "edition": {"name": str, "slug": str, "url": str, "published_at": "YYYY-MM-DDTHH:MM:SSZ",
                 "published_by": str | null, "notes": str},          # notes: the Markdown as published
     "version": {"number": int, "content_hash": hex, "parent_hash": hex | "", "created": str,
                 "url": str, "json_url": str},                       # json_url: the hashed version bytes
     "title": str, "preamble": str,
     "sections": [{"code": str, "title": str, "group": str | null, "intro": str,
                   "items": [{"ref": str, "text": str, "priority": int | null, "url": str,
                              "provenance": {
                                  "version": int,                    # the version that last set this text
                                  "kind": "import" | "amendment" | "proposal" | "editorial" | "priorities",
                                  "created": str, "version_url": str, "reason": str,
                                  "contribution": {"id": int, "title": str, "url": str} | null,
                                  "poll": {"id": str, "fingerprint": hex, "result_entry": hex,
                                           "url": str, "board_url": str} | null,
                                  "priority": {...} | null}}]}]}  # the same, for the version that set
                                                                   # the item's priority, if it has one

`poll` is copied from the hashed provenance of the version that set the text (the decision its
document records), so it can be checked against the board: `fingerprint` is the entry hash of the
board's line 0, `result_entry` that of its result line, and `deliberate-verify` checks the board.
"""

from __future__ import annotations

import json

from django.urls import reverse
from django.utils.translation import gettext as _

from assemblies.roadmap.models import RoadmapVersion
from assemblies.roadmap.selectors import Origin
from frontend.exports import to_markdown
from polls.core.canonical import format_time

FORMAT = "deliberate-edition/1"
KIND_LABELS = dict(RoadmapVersion.Kind.choices)  # the Markdown names a version's kind in words


def item_provenance(origin: Origin | None, *, slug: str, absolute) -> dict | None:
    """One item's provenance as the exports give it; `absolute` turns a path into a full address."""
    if origin is None:
        return None
    provenance = _decided(origin, slug=slug, absolute=absolute)
    provenance["priority"] = (
        _decided(origin.priority_from, slug=slug, absolute=absolute) if origin.priority_from is not None else None
    )
    return provenance


def _decided(origin: Origin, *, slug: str, absolute) -> dict:
    contribution = None
    if origin.contribution_id:
        contribution = {
            "id": origin.contribution_id,
            "title": origin.contribution_title,
            "url": absolute(reverse("contribution", args=[slug, origin.contribution_id])),
        }
    poll = None
    if origin.poll_id:
        poll = {
            "id": origin.poll_id,
            "fingerprint": str(origin.decision.get("fingerprint") or ""),
            "result_entry": str(origin.decision.get("result_entry") or ""),
            "url": absolute(reverse("poll", args=[origin.poll_id])),
            "board_url": absolute(reverse("poll_board_jsonl", args=[origin.poll_id])),
        }
    return {
        "version": origin.number,
        "kind": origin.kind,
        "created": format_time(origin.created_at),
        "reason": origin.reason,
        "version_url": absolute(reverse("roadmap_version", args=[slug, origin.number])),
        "contribution": contribution,
        "poll": poll,
    }


def to_json(*, assembly, edition, document: dict, origins: dict[str, Origin], absolute) -> bytes:
    slug = assembly.slug
    version = edition.version
    sections = []
    for section in document["sections"]:
        items = [
            {
                **item,
                "url": absolute(reverse("item", args=[slug, item["ref"]])),
                "provenance": item_provenance(origins.get(item["ref"]), slug=slug, absolute=absolute),
            }
            for item in section["items"]
        ]
        sections.append({**section, "items": items})
    exported = {
        "format": FORMAT,
        "assembly": {"slug": slug, "name": assembly.name},
        "edition": {
            "name": edition.name,
            "slug": edition.slug,
            "notes": edition.notes,
            "url": absolute(edition.get_absolute_url()),
            "published_at": format_time(edition.published_at),
            "published_by": edition.published_by.name if edition.published_by else None,
        },
        "version": {
            "number": version.number,
            "content_hash": version.content_hash,
            "parent_hash": version.parent_hash,
            "created": document["created"],
            "url": absolute(reverse("roadmap_version", args=[slug, version.number])),
            "json_url": absolute(reverse("roadmap_export", args=[slug, version.number, "json"])),
        },
        "title": document["title"],
        "preamble": document["preamble"],
        "sections": sections,
    }
    return (json.dumps(exported, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def provenance_line(origin: Origin | None, *, slug: str, absolute) -> str:
    """The Markdown line under an item: which version set its text, by which contribution and poll."""
    data = item_provenance(origin, slug=slug, absolute=absolute)
    if data is None:
        return ""
    parts = [
        _("Text from [version %(number)d](%(url)s) (%(kind)s)")
        % {
            "number": data["version"],
            "url": data["version_url"],
            "kind": str(KIND_LABELS.get(origin.kind, origin.kind)).lower(),
        }
    ]
    if data["contribution"]:
        parts.append(_("contribution [#%(id)d](%(url)s)") % data["contribution"])
    if data["poll"]:
        parts.append(
            _(
                "poll [%(id)s](%(url)s), fingerprint `%(fingerprint)s`, result entry `%(result_entry)s`, "
                "[board](%(board_url)s)"
            )
            % data["poll"]
        )
    priority = data["priority"]
    if priority is not None:
        parts.append(
            _("priority from [version %(number)d](%(url)s)")
            % {"number": priority["version"], "url": priority["version_url"]}
        )
        if priority["poll"]:
            parts.append(
                _(
                    "poll [%(id)s](%(url)s), fingerprint `%(fingerprint)s`, result entry "
                    "`%(result_entry)s`, [board](%(board_url)s)"
                )
                % priority["poll"]
            )
    return "— " + "; ".join(parts) + "."


def to_markdown_with_provenance(*, assembly, edition, document: dict, origins: dict[str, Origin], absolute) -> str:
    slug = assembly.slug
    version = edition.version
    header = [
        f"# {edition.name}",
        "",
        _(
            "Published edition of “%(title)s”: version %(number)d, content hash (SHA-256) `%(hash)s`, published %(date)s."  # noqa: E501
        )
        % {
            "title": document["title"],
            "number": version.number,
            "hash": version.content_hash,
            "date": format_time(edition.published_at),
        },
        "",
        _("Under each item: the version that last set its text, and the contribution and poll that decided it."),
        "",
    ]
    if edition.notes:
        header += ["## " + _("Release notes"), "", edition.notes, ""]
    notes = {ref: provenance_line(origin, slug=slug, absolute=absolute) for ref, origin in origins.items()}
    return "\n".join(header) + "\n" + to_markdown(document, item_notes=notes)
