"""The roadmap: current and past versions, history, diffs, exports, import, items and their blame."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from assemblies.common.errors import DomainError
from assemblies.roadmap import rules
from assemblies.roadmap import selectors as roadmap_selectors
from assemblies.roadmap.core.blame import blame, last_change
from assemblies.roadmap.core.diff import diff_roadmaps, word_diff
from assemblies.roadmap.services import roadmap as roadmap_services
from frontend import exports
from frontend.forms.roadmap import EditItemForm, ImportForm
from frontend.views.common import (
    form_error,
    login_redirect,
    now,
    paginate,
    refused,
    roadmap_or_404,
    role_label,
    visible_assembly,
)
from polls import selectors as poll_selectors

# Items per page of a whole roadmap or diff: keeps a page of the example roadmap under 14 KB compressed.
ITEMS_PER_PAGE = 40
HISTORY_PER_PAGE = 25
HISTORY_EDITIONS = 5  # the newest editions listed above the history; the rest on their own page
ITEM_CHANGES_PER_PAGE = 10
AMENDMENTS_PER_PAGE = 20


@dataclass
class Part:
    """The members of one group (a section's items, a section's changes) that fall on this page."""

    index: int
    group: Any
    first: int
    members: list = field(default_factory=list)

    @property
    def continued(self) -> bool:
        return self.first > 0


def paginate_groups(request, groups: list[tuple[Any, list]], *, per_page: int):
    """Paginate the members of consecutive groups without splitting the page budget on empty groups:
    returns the page, its parts, and the page number on which each group starts."""
    entries: list[tuple[int, int | None]] = []
    starts: list[int] = []
    for index, (_group, members) in enumerate(groups):
        starts.append(len(entries) // per_page + 1)
        if members:
            entries.extend((index, position) for position in range(len(members)))
        else:
            entries.append((index, None))
    page = Paginator(entries, per_page).get_page(request.GET.get("page"))
    parts: list[Part] = []
    for index, position in page.object_list:
        if not parts or parts[-1].index != index:
            parts.append(Part(index=index, group=groups[index][0], first=position or 0))
        if position is not None:
            parts[-1].members.append(groups[index][1][position])
    return page, parts, starts


def _document_page(request, assembly, roadmap, version, *, current: bool):
    document = roadmap_services.document_of(version)
    sections = document["sections"]
    page, parts, starts = paginate_groups(request, [(s, s["items"]) for s in sections], per_page=ITEMS_PER_PAGE)
    spaces = (
        {space.code: space for space in roadmap_selectors.spaces_with_counts(assembly, roadmap.head_id)}
        if current
        else {}
    )
    return render(
        request,
        "frontend/roadmap/document.html",
        {
            "assembly": assembly,
            "roadmap": roadmap,
            "version": version,
            "document": document,
            "current": current,
            "page": page,
            "parts": parts,
            "toc": [(section, starts[index], spaces.get(section["code"])) for index, section in enumerate(sections)],
            "item_count": sum(len(section["items"]) for section in sections),
            "warnings": document["provenance"].get("warnings", []) if version.number == 1 else [],
            "can_edit_roadmap": rules.can_edit_roadmap(request.user, assembly),
            "role": role_label(request.user, assembly),
            "latest_edition": roadmap_selectors.latest_edition(roadmap) if current else None,
        },
    )


@require_safe
def current(request, slug):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_selectors.roadmap_of(assembly)
    if roadmap is None or roadmap.head is None:
        return render(
            request,
            "frontend/roadmap/empty.html",
            {
                "assembly": assembly,
                "can_edit_roadmap": rules.can_edit_roadmap(request.user, assembly),
            },
        )
    return _document_page(request, assembly, roadmap, roadmap.head, current=True)


@require_safe
def version(request, slug, number):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    found = roadmap_selectors.version_of(roadmap, number)
    if found is None:
        raise Http404
    return _document_page(request, assembly, roadmap, found, current=found.pk == roadmap.head_id)


@require_safe
def history(request, slug):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    return render(
        request,
        "frontend/roadmap/history.html",
        {
            "assembly": assembly,
            "roadmap": roadmap,
            "versions": paginate(request, roadmap_selectors.history(roadmap), per_page=HISTORY_PER_PAGE),
            "editions": list(roadmap_selectors.editions_of(roadmap)[: HISTORY_EDITIONS + 1]),
            "history_editions": HISTORY_EDITIONS,
            "can_publish": rules.can_publish_edition(request.user, assembly),
        },
    )


def _changed(section) -> bool:
    return section.status != "kept" or section.renamed or section.moved or section.regrouped or section.intro_changed


@require_safe
def diff(request, slug):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    try:
        to_number = int(request.GET.get("to") or roadmap.head.number)
        from_number = int(request.GET.get("from") or max(to_number - 1, 1))
    except ValueError:
        return refused(
            request,
            _("Versions are named by their numbers, for example ?from=1&to=2."),
            title=_("Compare versions"),
            status=400,
            back=reverse("roadmap_history", args=[slug]),
        )
    versions = roadmap_selectors.versions_by_number(roadmap, {from_number, to_number})
    if from_number not in versions or to_number not in versions:
        raise Http404
    old, new = versions[from_number], versions[to_number]
    result = diff_roadmaps(roadmap_services.document_of(old)["sections"], roadmap_services.document_of(new)["sections"])
    groups = [(section, [item for item in section.items if item.kind != "unchanged"]) for section in result.sections]
    groups = [(section, items) for section, items in groups if items or _changed(section)]
    page, parts, _starts = paginate_groups(request, groups, per_page=ITEMS_PER_PAGE)
    return render(
        request,
        "frontend/roadmap/diff.html",
        {
            "assembly": assembly,
            "roadmap": roadmap,
            "old": old,
            "new": new,
            "summary": result.summary,
            "has_changes": result.has_changes,
            "page": page,
            "parts": parts,
        },
    )


@require_safe
def export(request, slug, number, fmt):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    found = roadmap_selectors.version_of(roadmap, int(number))
    if found is None:
        raise Http404
    stored = bytes(found.document)
    if fmt == "json":
        # The exact bytes that were hashed, never a re-serialisation.
        response = HttpResponse(stored, content_type="application/json")
        response["X-Content-SHA256"] = hashlib.sha256(stored).hexdigest()
    elif fmt == "md":
        response = HttpResponse(
            exports.to_markdown(roadmap_services.document_of(found)).encode(),
            content_type="text/markdown; charset=utf-8",
        )
    else:
        response = HttpResponse(
            exports.to_csv(roadmap_services.document_of(found)).encode(), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{assembly.slug}-roadmap-v{found.number}.{fmt}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def import_document(request, slug):
    assembly = visible_assembly(request, slug)
    if (response := login_redirect(request)) is not None:
        return response
    verdict = rules.can_edit_roadmap(request.user, assembly)
    title = _("Import a roadmap")
    if not verdict:
        return refused(request, verdict, title=title, back=assembly.get_absolute_url())
    roadmap = roadmap_selectors.roadmap_of(assembly, with_document=False)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                version = roadmap_services.import_roadmap(
                    assembly=assembly,
                    text=form.cleaned_data["text"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    now=now(),
                )
            except DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(
                    request, _("The roadmap was imported as version %(number)d.") % {"number": version.number}
                )
                warnings = roadmap_services.document_of(version)["provenance"].get("warnings", [])
                if warnings:
                    messages.warning(
                        request,
                        _("Check the import: %(count)d warning(s) are listed below.") % {"count": len(warnings)},
                    )
                return redirect("roadmap_version", slug, version.number)
    return render(
        request,
        "frontend/roadmap/import.html",
        {
            "assembly": assembly,
            "form": form,
            "has_roadmap": bool(roadmap and roadmap.head_id),
        },
        status=status,
    )


def _item_or_404(roadmap, ref):
    item = roadmap_selectors.item_by_ref(roadmap, ref)
    if item is None:
        raise Http404
    return item


@dataclass(frozen=True)
class Change:
    """One version in which the item's text changed (added, changed, removed)."""

    state: roadmap_selectors.ItemState
    kind: str
    ops: tuple


def _changes(states) -> list[Change]:
    """Newest first."""
    changes = []
    previous = None
    for state in states:
        before = previous.text if previous is not None else None
        if state.text is None:
            if before is not None:
                changes.append(Change(state, "removed", tuple(word_diff(before, ""))))
        elif before is None:
            changes.append(Change(state, "added", tuple(word_diff("", state.text))))
        elif state.text != before:
            changes.append(Change(state, "changed", tuple(word_diff(before, state.text))))
        previous = state
    changes.reverse()
    return changes


@require_safe
def item(request, slug, ref):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    found = _item_or_404(roadmap, ref)
    states = roadmap_selectors.item_history(found)
    latest = states[-1] if states else None
    current_text = latest.text if latest is not None else None
    lineage = [(state.number, state.text, state.version) for state in states]
    spans = blame(lineage) if current_text else []
    origin = last_change(lineage)  # the version that put the current text there, and what decided it
    origin = origin[1] if origin is not None else None
    origin_poll = poll_selectors.poll_by_public_id(origin.poll_ref) if origin is not None and origin.poll_ref else None
    amendments = paginate(
        request, roadmap_selectors.amendments_of_item(found), per_page=AMENDMENTS_PER_PAGE, param="apage"
    )
    for amendment in amendments:
        amendment.in_conflict = (
            amendment.status in roadmap_selectors.LIVE_STATUSES and amendment.base_text != current_text
        )
    return render(
        request,
        "frontend/roadmap/item.html",
        {
            "assembly": assembly,
            "roadmap": roadmap,
            "item": found,
            "text": current_text,
            "origin": origin,
            "origin_poll": origin_poll,
            "removed_in": latest.number if current_text is None and latest is not None else None,
            "changes": paginate(request, _changes(states), per_page=ITEM_CHANGES_PER_PAGE, param="hpage"),
            "spans": [(span.text.rstrip(), span.text[len(span.text.rstrip()) :], span.version) for span in spans],
            "sources": [
                source for _number, source in sorted({span.version: span.provenance for span in spans}.items())
            ],
            "amendments": amendments,
            "can_amend": rules.can_amend_item(request.user, found),
            "can_edit": rules.can_edit_roadmap(request.user, assembly),
            "role": role_label(request.user, assembly),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def edit_item(request, slug, ref):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    found = _item_or_404(roadmap, ref)
    if (response := login_redirect(request)) is not None:
        return response
    verdict = rules.can_edit_roadmap(request.user, assembly)
    title = _("Editorial change to %(ref)s") % {"ref": found.ref}
    if not verdict:
        return refused(request, verdict, title=title, back=reverse("item", args=[slug, found.ref]))
    text = roadmap_selectors.current_text(found)
    if text is None:
        return refused(
            request,
            _("This item is not in the current roadmap."),
            title=title,
            status=409,
            back=reverse("item", args=[slug, found.ref]),
        )
    form = EditItemForm(request.POST if request.method == "POST" else None, initial={"text": text})
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                version = roadmap_services.edit_item(item=found, by=request.user, now=now(), **form.cleaned_data)
            except DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(request, _("Saved as version %(number)d.") % {"number": version.number})
                return redirect("item", slug, found.ref)
    return render(
        request,
        "frontend/roadmap/edit_item.html",
        {
            "assembly": assembly,
            "item": found,
            "form": form,
            "text": text,
        },
        status=status,
    )
