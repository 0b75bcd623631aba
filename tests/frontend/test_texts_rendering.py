"""What people write is rendered as a small, safe subset of Markdown; diffs as <del>/<ins>."""

from __future__ import annotations

from assemblies.roadmap.core.diff import word_diff
from frontend.templatetags.texts import diff_html, markdown_filter


def test_markdown_keeps_the_small_set_of_tags():
    html = markdown_filter("**b** *i* `c`\n\n> quote\n\n- one\n- two\n\nThen:\n\n1. first\n\n### Heading")
    for tag in ("<strong>b</strong>", "<em>i</em>", "<code>c</code>", "<blockquote>", "<ul>", "<ol>", "<li>", "<h5>"):
        assert tag in html


def test_writers_headings_start_below_the_pages_own():
    assert "<h3>Title</h3>" in markdown_filter("# Title")
    assert "<h1" not in markdown_filter("<h1>raw</h1>")


def test_scripts_handlers_images_and_unsafe_links_are_inert():
    html = markdown_filter(
        "<script>alert(1)</script><img src=x onerror=alert(2)>[a](javascript:alert(3)) [b](JAVASCRIPT:x) "
        '[c](data:text/html,x) [d](vbscript:x) <a href="https://ok.example" onmouseover="x()">e</a> '
        "<svg onload=alert(4)></svg><style>body{}</style><iframe src=//evil></iframe>"
    )
    for bad in (
        "<script",
        "alert(1)",
        "<img",
        "onerror",
        "javascript",
        "JAVASCRIPT",
        "data:",
        "vbscript",
        "onmouseover",
        "<svg",
        "<style",
        "<iframe",
    ):
        assert bad not in html
    assert '<a href="https://ok.example" rel="nofollow noopener">e</a>' in html


def test_links_keep_only_http_https_and_mailto():
    html = markdown_filter("[w](https://example.org) [m](mailto:a@example.org) [r](/relative) [f](ftp://x)")
    assert 'href="https://example.org"' in html and 'href="mailto:a@example.org"' in html
    assert 'href="/relative"' not in html and "ftp:" not in html


def test_inline_mode_drops_blocks_but_keeps_their_words():
    html = markdown_filter("# Big\n\n- item with **bold**", "inline")
    assert "<h3>" not in html and "<ul>" not in html and "<p>" not in html
    assert "Big" in html and "<strong>bold</strong>" in html


def test_diff_is_escaped_with_del_and_ins():
    html = diff_html(word_diff("keep <script>old", "keep <script>new"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<del>" in html and "<ins>" in html and html.startswith("keep ")


def test_markdown_renders_the_same_from_many_threads_at_once():
    """Converters are shared between requests (threads): each rendering borrows one, none interleave."""
    from concurrent.futures import ThreadPoolExecutor

    from frontend.templatetags.texts import _rendered, render_markdown

    _rendered.cache_clear()
    texts = [
        f"Item **{n}** with [a link](https://example.org/{n}) and `code {n}`\n\n- one {n}\n- two {n}"
        for n in range(300)
    ]
    expected = [
        f'<p>Item <strong>{n}</strong> with <a href="https://example.org/{n}" rel="nofollow noopener">a link</a> and '
        f"<code>code {n}</code></p>\n<ul>\n<li>one {n}</li>\n<li>two {n}</li>\n</ul>"
        for n in range(300)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(render_markdown, texts)) == expected
    assert _rendered.cache_info().currsize == 300
    assert render_markdown(texts[0]) == expected[0] and _rendered.cache_info().hits >= 1
