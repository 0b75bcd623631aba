"""Markdown and CSV renderings of a roadmap version document (the JSON export is the stored bytes)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

CSV_COLUMNS = ["ref", "space", "space_title", "position", "text", "priority"]
# A spreadsheet would run a cell starting with these as a formula: such cells get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(document: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for section in document["sections"]:
        for position, item in enumerate(section["items"], start=1):
            writer.writerow(
                [
                    _cell(item["ref"]),
                    _cell(section["code"]),
                    _cell(section["title"]),
                    position,
                    _cell(item["text"]),
                    _cell(item.get("priority")),
                ]
            )
    return out.getvalue()


def to_markdown(document: dict, *, item_notes: dict[str, str] | None = None) -> str:
    """A readable document: title, preamble, one heading per space (with its code, as the importer
    reads it back), its items numbered in order, each with its ref and priority, and, when given, the
    line of `item_notes` for its ref (an edition's provenance) indented under it."""
    item_notes = item_notes or {}
    version = _("Version %(number)s") % {"number": document["number"]}
    lines = [f"# {document['title']}", "", f"{version} · {document['created']}", ""]
    if document.get("preamble"):
        lines += [document["preamble"], ""]
    group = None
    for section in document["sections"]:
        if section.get("group") and section["group"] != group:
            group = section["group"]
            lines += [f"## {group}", ""]
        level = "###" if group else "##"
        lines += [f"{level} {section['title']} {{#{section['code']}}}", ""]
        if section.get("intro"):
            lines += [section["intro"], ""]
        for position, item in enumerate(section["items"], start=1):
            priority = (
                " (" + _("priority %(priority)s") % {"priority": item["priority"]} + ")"
                if item.get("priority") is not None
                else ""
            )
            lines.append(f"{position}. **{item['ref']}** {item['text']}{priority}")
            if item_notes.get(item["ref"]):
                lines.append(f"   {item_notes[item['ref']]}")
        if section["items"]:
            lines.append("")
    return "\n".join(lines)
