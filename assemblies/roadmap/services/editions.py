"""Published editions of the roadmap: a convenor tags a version ("Roadmap 2026") with release notes.

Release notes are generated from the versions since the previous edition (each adopted change with its
kind, item, contribution and the poll that decided it), and the convenor may edit them before publishing.
Publishing changes no roadmap text: versions are immutable, an edition only names one.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assemblies.common.errors import InvalidInput, NotAllowed, require
from assemblies.common.events import publish
from assemblies.common.text import clean_text
from assemblies.roadmap import rules, selectors
from assemblies.roadmap.models import Edition, Roadmap, RoadmapVersion

NAME_MAX = 120
NOTES_MAX = 20_000
SLUG_MAX = 80

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def _escape(text: str) -> str:
    """Text that Markdown shows as typed (a title with brackets or stars stays a title)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def _link(label: str, url: str) -> str:
    return f"[{_escape(label)}]({url})"


def _change_line(change: selectors.Change, *, slug: str, base_url: str) -> str:
    """One change as a Markdown list item, with absolute links (the notes are sanitised Markdown, which
    keeps only absolute http(s) links)."""

    def url(name, *args):
        return base_url.rstrip("/") + reverse(name, args=args)

    version = _link(_("version %(number)d") % {"number": change.number}, url("roadmap_version", slug, change.number))
    if change.number > 1:
        version += (
            " ("
            + _link(_("changes"), url("roadmap_diff", slug) + f"?from={change.number - 1}&to={change.number}")
            + ")"
        )
    item = _link(change.item_ref, url("item", slug, change.item_ref)) if change.item_ref else ""
    contribution = ""
    if change.contribution_id:
        contribution = _link(
            change.contribution_title or f"#{change.contribution_id}", url("contribution", slug, change.contribution_id)
        )
    decision = change.decision
    if decision.get("poll"):
        poll = _link(change.poll_title or str(decision["poll"]), url("poll", str(decision["poll"])))
        decided = _("decided by the poll %(poll)s") % {"poll": poll}
    elif change.kind in (RoadmapVersion.Kind.AMENDMENT, RoadmapVersion.Kind.PROPOSAL):
        decided = _("decided by a convenor's recorded decision")
        if decision.get("note"):
            decided += f": {_escape(decision['note'])}"
    else:
        decided = _escape(change.reason)

    if change.kind == RoadmapVersion.Kind.PROPOSAL:
        head = _("**New item** %(item)s: %(contribution)s") % {"item": item, "contribution": contribution}
    elif change.kind == RoadmapVersion.Kind.AMENDMENT:
        head = _("**Amendment** to %(item)s: %(contribution)s") % {"item": item, "contribution": contribution}
    elif change.kind == RoadmapVersion.Kind.EDITORIAL:
        head = _("**Editorial change** to %(item)s") % {"item": item}
    elif change.kind == RoadmapVersion.Kind.PRIORITIES:
        space = _link(change.space_code, url("space", slug, change.space_code)) if change.space_code else ""
        head = _("**Priorities** set in %(space)s") % {"space": space}
    elif change.kind == RoadmapVersion.Kind.IMPORT:
        head = _("**Imported**")
    else:
        head = f"**{_escape(change.kind)}**"
    parts = [head.rstrip(": "), decided] if decided else [head.rstrip(": ")]
    return "- " + " — ".join(part for part in parts if part) + f" · {version}"


def release_notes(*, roadmap: Roadmap, version: RoadmapVersion, base_url: str | None = None) -> str:
    """Markdown release notes for publishing `version`: every version since the previous edition (or
    since the start), adopted changes first, each with its kind, item, contribution and the poll that
    decided it, linked absolutely from `base_url` ("https://host"; the site's DELIBERATE_BASE_URL when
    not given). Reads only; changes nothing."""
    if base_url is None:
        base_url = settings.DELIBERATE_BASE_URL
    slug = roadmap.assembly.slug
    previous = selectors.latest_edition(roadmap, before=version.number)
    after = previous.version.number if previous is not None else 0
    changes = selectors.changes_between(roadmap, after, version.number)
    adopted = [c for c in changes if c.kind in (RoadmapVersion.Kind.AMENDMENT, RoadmapVersion.Kind.PROPOSAL)]
    other = [c for c in changes if c not in adopted]
    if previous is not None:
        intro = _("Changes since the edition “%(name)s” (version %(from)d), up to version %(to)d.") % {
            "name": previous.name,
            "from": after,
            "to": version.number,
        }
    else:
        intro = _("Changes up to version %(to)d, the first published edition.") % {"to": version.number}
    lines = [intro, ""]
    lines += ["### " + _("Adopted changes"), ""]
    if adopted:
        lines += [_change_line(change, slug=slug, base_url=base_url) for change in adopted]
    else:
        lines.append(_("No proposal or amendment was adopted in this period."))
    if other:
        lines += ["", "### " + _("Other changes"), ""]
        lines += [_change_line(change, slug=slug, base_url=base_url) for change in other]
    return "\n".join(lines) + "\n"


def _free_slug(roadmap: Roadmap, name: str, number: int) -> str:
    base = slugify(name)[: SLUG_MAX - 4].strip("-") or f"edition-v{number}"
    # "new" is the address of the form that publishes an edition.
    taken = {"new"} | set(Edition.objects.filter(roadmap=roadmap, slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def publish_edition(*, roadmap: Roadmap, version_number: int, name: str, notes: str, by, now: datetime) -> Edition:
    """Tag a version of the roadmap as a published edition named `name`, with Markdown `notes`.

    Requires a convenor (`rules.can_publish_edition`). Refuses, with the field at fault: an empty or too
    long name or notes, a name the roadmap already used (whatever its case), a version that does not
    exist, one that already is an edition, and one older than the latest edition (editions follow the
    roadmap's order, so each one's notes cover the changes since the one before). Its address is made
    from its name, unique in the roadmap. A race between two convenors ends in one edition and a refusal.
    """
    assembly = roadmap.assembly
    require(rules.can_publish_edition(by, assembly))
    name = " ".join(clean_text(name, field="name", max_length=NAME_MAX).split())
    notes = clean_text(notes, field="notes", max_length=NOTES_MAX, required=False)
    with transaction.atomic():
        # Editions of one roadmap are published one at a time: the checks below then hold until commit.
        locked = Roadmap.objects.select_for_update().filter(pk=roadmap.pk).first()
        if locked is None:
            raise NotAllowed(_("This assembly has no roadmap yet."))
        version = RoadmapVersion.objects.defer("document").filter(roadmap=roadmap, number=version_number).first()
        if version is None:
            raise InvalidInput(
                _("The roadmap has no version %(number)d.") % {"number": version_number}, field="version"
            )
        same_name = Edition.objects.filter(roadmap=roadmap, name__iexact=name).first()
        if same_name is not None:
            raise InvalidInput(
                _("An edition is already named “%(name)s” (version %(number)d): choose another name.")
                % {"name": same_name.name, "number": same_name.version.number},
                field="name",
            )
        tagged = Edition.objects.filter(version=version).first()
        if tagged is not None:
            raise InvalidInput(
                _("Version %(number)d is already published as “%(name)s”.")
                % {"number": version.number, "name": tagged.name},
                field="version",
            )
        latest = selectors.latest_edition(roadmap)
        if latest is not None and latest.version.number > version.number:
            raise InvalidInput(
                _(
                    "Editions follow the roadmap's order: the latest one, “%(name)s”, is version %(number)d; "
                    "choose a later version."
                )
                % {"name": latest.name, "number": latest.version.number},
                field="version",
            )
        try:
            with transaction.atomic():
                edition = Edition.objects.create(
                    roadmap=roadmap,
                    version=version,
                    name=name,
                    slug=_free_slug(roadmap, name, version.number),
                    notes=notes,
                    published_at=now,
                    published_by=by,
                )
        except IntegrityError:
            raise InvalidInput(
                _("This name or version was just used by another edition: choose another."), field="name"
            ) from None
    publish(f"assembly.{assembly.pk}", {"type": "assembly.edition", "edition": edition.slug, "version": version.number})
    return edition
