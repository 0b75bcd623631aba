"""Rendering of what people write (sanitised Markdown) and of word diffs.

User Markdown goes through Python-Markdown, then nh3 keeps a short list of tags: no script, no event
handler, no image, no link other than http, https and mailto. Diffs are rendered from the pure core's
``Op`` lists as ``<del>``/``<ins>``, with ``[-…-]``/``{+…+}`` markers that only text browsers and
screen readers see.
"""

from __future__ import annotations

import functools
import queue
import re

import markdown as markdown_lib
import nh3
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

BLOCK_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "h5", "h6"}
INLINE_TAGS = {"br", "strong", "em", "code", "a"}
URL_SCHEMES = {"http", "https", "mailto"}
_ALLOWED_HREF = re.compile(r"^(?:https?:|mailto:)", re.IGNORECASE)
_HEADING = re.compile(r"<(/?)h([1-6])>")

# A Markdown instance keeps state between calls and is not thread-safe, and building one is costly: a
# request borrows one from the process's pool (under ASGI each request has a thread of its own, so a
# converter per thread would be a new one per request).
_converters: queue.SimpleQueue = queue.SimpleQueue()


def _convert(text: str) -> str:
    try:
        converter = _converters.get_nowait()
    except queue.Empty:
        converter = markdown_lib.Markdown(output_format="html")
    try:
        return converter.reset().convert(text)
    finally:
        _converters.put(converter)


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if _ALLOWED_HREF.match(value.strip()) else None
    return value


def _demote(match: re.Match) -> str:
    # The page owns h1 and h2; a writer's headings start at h3.
    return f"<{match.group(1)}h{min(int(match.group(2)) + 2, 6)}>"


def sanitise(html: str, *, inline: bool = False) -> str:
    return nh3.clean(
        html,
        tags=INLINE_TAGS if inline else BLOCK_TAGS,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        attribute_filter=_only_absolute_links,
        strip_comments=True,
    )


def render_markdown(text: str | None, *, inline: bool = False) -> str:
    return _rendered(text or "", inline)


@functools.lru_cache(maxsize=16384)
def _rendered(text: str, inline: bool) -> str:
    """The same text always renders the same (a pure function of it): pages that show the same items
    and messages again and again render each once per process."""
    html = _HEADING.sub(_demote, _convert(text))
    return sanitise(html, inline=inline).strip()


@register.filter(name="markdown")
def markdown_filter(text, mode: str = ""):
    """``{{ text|markdown }}`` for paragraphs; ``{{ text|markdown:"inline" }}`` inside a sentence
    or a list item (roadmap items): block tags are dropped, their content kept."""
    return mark_safe(render_markdown(str(text) if text is not None else "", inline=mode == "inline"))


@register.filter
def diff_html(ops):
    """Render a word diff (a sequence of ``Op``) as escaped text with ``<del>`` and ``<ins>``."""
    parts = []
    for op in ops:
        if op.kind == "delete":
            parts.append(f'<del><span class="vh">[-</span>{escape(op.text)}<span class="vh">-]</span></del>')
        elif op.kind == "insert":
            parts.append(f'<ins><span class="vh">{{+</span>{escape(op.text)}<span class="vh">+}}</span></ins>')
        else:
            parts.append(escape(op.text))
    return mark_safe("".join(parts))


@register.filter
def short_hash(value, length: int = 12):
    return (value or "")[: int(length)]
