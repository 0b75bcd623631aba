"""Published editions of the roadmap: the list, a convenor's form (notes generated, editable, previewed),
the public page of each edition, and its Markdown and JSON exports with the provenance of every item."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from assemblies.common.errors import DomainError
from assemblies.roadmap import rules, selectors
from assemblies.roadmap.services import editions as edition_services
from assemblies.roadmap.services import roadmap as roadmap_services
from frontend import edition_exports
from frontend.forms.roadmap import EditionForm
from frontend.views.common import (
    form_error,
    login_redirect,
    now,
    paginate,
    refused,
    roadmap_or_404,
    visible_assembly,
)
from frontend.views.roadmap import ITEMS_PER_PAGE, paginate_groups

EDITIONS_PER_PAGE = 20


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _edition_or_404(roadmap, edition_slug):
    edition = selectors.edition_by_slug(roadmap, edition_slug)
    if edition is None:
        raise Http404
    return edition


@require_safe
def index(request, slug):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    return render(
        request,
        "frontend/roadmap/editions.html",
        {
            "assembly": assembly,
            "roadmap": roadmap,
            "editions": paginate(request, selectors.editions_of(roadmap), per_page=EDITIONS_PER_PAGE),
            "can_publish": rules.can_publish_edition(request.user, assembly),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def new(request, slug):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    if (response := login_redirect(request)) is not None:
        return response
    title = _("Publish an edition of the roadmap")
    verdict = rules.can_publish_edition(request.user, assembly)
    back = reverse("roadmap_editions", args=[slug])
    if not verdict:
        return refused(request, verdict, title=title, back=back)
    head = roadmap.head.number
    latest = selectors.latest_edition(roadmap)
    preview = None
    status = 200
    if request.method != "POST":
        try:
            number = int(request.GET.get("version") or head)
        except ValueError:
            number = head
        form = EditionForm(initial={"version": number, "notes": _notes_for(request, roadmap, number) or ""})
    else:
        form = EditionForm(request.POST)
        action = form.action(request.POST)
        if action == "preview":
            # Only shows the notes as they will read: nothing is checked or kept yet.
            preview = request.POST.get("notes", "")
            form = EditionForm(initial=request.POST.dict())
        elif action == "generate":
            form.is_valid()
            number = form.cleaned_data.get("version")
            notes = _notes_for(request, roadmap, number) if number is not None else None
            if notes is None:
                if number is not None:
                    form.add_error("version", _("The roadmap has no version %(number)d.") % {"number": number})
                status = 400
            else:
                form = EditionForm(initial={**request.POST.dict(), "notes": notes})
        elif form.is_valid():
            data = form.cleaned_data
            try:
                edition = edition_services.publish_edition(
                    roadmap=roadmap,
                    version_number=data["version"],
                    name=data["name"],
                    notes=data["notes"],
                    by=request.user,
                    now=now(),
                )
            except DomainError as error:
                status = form_error(form, error)
            else:
                messages.success(request, _("Published: “%(name)s”.") % {"name": edition.name})
                return redirect(reverse("roadmap_edition", args=[slug, edition.slug]))
        else:
            status = 400
    return render(
        request,
        "frontend/roadmap/edition_form.html",
        {
            "assembly": assembly,
            "roadmap": roadmap,
            "form": form,
            "title": title,
            "head": head,
            "latest": latest,
            "preview": preview,
        },
        status=status,
    )


def _notes_for(request, roadmap, number: int) -> str | None:
    """The generated notes for that version, or None when the roadmap has no such version."""
    version = roadmap.versions.defer("document").filter(number=number).first()
    if version is None:
        return None
    return edition_services.release_notes(roadmap=roadmap, version=version, base_url=_base_url(request))


@require_safe
def detail(request, slug, edition_slug):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    edition = _edition_or_404(roadmap, edition_slug)
    version = edition.version
    document = roadmap_services.document_of(version)
    sections = document["sections"]
    page, parts, starts = paginate_groups(request, [(s, s["items"]) for s in sections], per_page=ITEMS_PER_PAGE)
    origins = selectors.item_origins(version, refs=[entry["ref"] for part in parts for entry in part.members])
    for part in parts:
        part.members = [(entry, origins.get(entry["ref"])) for entry in part.members]
    return render(
        request,
        "frontend/roadmap/edition.html",
        {
            "assembly": assembly,
            "roadmap": roadmap,
            "edition": edition,
            "version": version,
            "document": document,
            "page": page,
            "parts": parts,
            "toc": [(section, starts[index]) for index, section in enumerate(sections)],
            "item_count": sum(len(section["items"]) for section in sections),
        },
    )


@require_safe
def export(request, slug, edition_slug, fmt):
    assembly = visible_assembly(request, slug)
    roadmap = roadmap_or_404(assembly)
    edition = _edition_or_404(roadmap, edition_slug)
    document = roadmap_services.document_of(edition.version)
    arguments = {
        "assembly": assembly,
        "edition": edition,
        "document": document,
        "origins": selectors.item_origins(edition.version),
        "absolute": request.build_absolute_uri,
    }
    if fmt == "json":
        body = edition_exports.to_json(**arguments)
        response = HttpResponse(body, content_type="application/json")
        response["X-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    else:
        body = edition_exports.to_markdown_with_provenance(**arguments).encode("utf-8")
        response = HttpResponse(body, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{assembly.slug}-{edition.slug}.{fmt}"'
    return response
