"""Exports of a roadmap version: the JSON is the stored, hashed bytes; Markdown and CSV list every item."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.urls import reverse

from assemblies.roadmap.services import roadmap as roadmap_services

pytestmark = pytest.mark.django_db


def every_item(version):
    return [item for section in roadmap_services.document_of(version)["sections"] for item in section["items"]]


def test_json_export_is_the_stored_bytes_with_their_hash(client, assembly, roadmap):
    response = client.get(reverse("roadmap_export", args=[assembly.slug, 1, "json"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == bytes(roadmap.document)
    assert hashlib.sha256(response.content).hexdigest() == roadmap.content_hash
    assert response["X-Content-SHA256"] == roadmap.content_hash
    assert response["Content-Disposition"] == f'attachment; filename="{assembly.slug}-roadmap-v1.json"'


def test_markdown_export_contains_every_item_with_its_ref_and_space(client, assembly, roadmap):
    response = client.get(reverse("roadmap_export", args=[assembly.slug, 1, "md"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode()
    for item in every_item(roadmap):
        assert f"**{item['ref']}** {item['text']}" in text
    for section in roadmap_services.document_of(roadmap)["sections"]:
        assert f"{section['title']} {{#{section['code']}}}" in text


def test_csv_export_has_one_row_per_item_with_ref_space_text_and_priority(client, assembly, roadmap):
    response = client.get(reverse("roadmap_export", args=[assembly.slug, 1, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    items = every_item(roadmap)
    assert [row["ref"] for row in rows] == [item["ref"] for item in items]
    assert [row["text"] for row in rows] == [item["text"] for item in items]
    assert set(rows[0]) == {"ref", "space", "space_title", "position", "text", "priority"}
    assert all(row["space"] == row["ref"].split("-")[0] for row in rows)


def test_csv_export_defuses_cells_a_spreadsheet_would_run(client, people, assembly, roadmap):
    from django.utils import timezone

    from tests.frontend.conftest import first_item

    item = first_item(assembly)
    roadmap_services.edit_item(
        item=item, text='=HYPERLINK("http://evil")', by=people.convenor, reason="test", now=timezone.now()
    )
    response = client.get(reverse("roadmap_export", args=[assembly.slug, 2, "csv"]))
    row = next(r for r in csv.DictReader(io.StringIO(response.content.decode())) if r["ref"] == item.ref)
    assert row["text"] == '\'=HYPERLINK("http://evil")'


def test_every_version_stays_exportable_after_changes(client, people, assembly, roadmap):
    from django.utils import timezone

    from tests.frontend.conftest import first_item

    item = first_item(assembly)
    version_2 = roadmap_services.edit_item(
        item=item, text="Changed.", by=people.convenor, reason="r", now=timezone.now()
    )
    old = client.get(reverse("roadmap_export", args=[assembly.slug, 1, "json"]))
    new = client.get(reverse("roadmap_export", args=[assembly.slug, 2, "json"]))
    assert old.content == bytes(roadmap.document) and new.content == bytes(version_2.document)
    assert new["X-Content-SHA256"] == version_2.content_hash
