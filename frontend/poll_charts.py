"""Small charts of a poll's result, drawn on the server as inline SVG.

Presentation attributes only (no style attribute, no script), so the page's Content-Security-Policy
holds; every number is also in the table next to the chart, which is what screen readers and text
browsers read. Each chart is a few kilobytes at most.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from frontend.templatetags.localised import grouped_number

WIDTH = 440
LABEL_WIDTH = 150
ROW = 26
ACCENT = "#0b5394"
GOOD = "#1e6b2e"
BAD = "#a4161a"
MAX_MATRIX = 12


def _short(text: str, limit: int = 22) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(height: int, title: str, body: list[str], width: int = WIDTH) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'font-family="system-ui,sans-serif" font-size="13"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _text(x, y, text, **attrs) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{escape(value)}"' for name, value in attrs.items())
    return f'<text x="{x}" y="{y}"{extra}>{escape(text)}</text>'


def bars(rows: list[tuple[str, int]], *, title: str) -> SafeString:
    """One horizontal bar per option, longest for the largest value."""
    top = max((value for _label, value in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 60
    body = []
    for i, (label, value) in enumerate(rows):
        y = i * ROW
        length = round(span * value / top)
        body.append(_text(0, y + 17, _short(label)))
        body.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{max(length, 1)}" height="{ROW - 8}" fill="{ACCENT}"/>'
        )
        body.append(_text(LABEL_WIDTH + length + 6, y + 17, str(grouped_number(value))))
    return _svg(max(len(rows), 1) * ROW, title, body)


def matrix(option_ids: list[str], labels: dict[str, str], pairwise: dict, *, title: str) -> SafeString | None:
    """The pairwise matrix of a Schulze tally: row a, column b holds the weight ranking a above b; green
    where a beats b head to head, red where it loses."""
    n = len(option_ids)
    if n > MAX_MATRIX:
        return None
    cell, left, top = 40, LABEL_WIDTH, 24
    body = [_text(left + j * cell + cell // 2, 16, str(j + 1), text_anchor="middle") for j in range(n)]
    for i, a in enumerate(option_ids):
        y = top + i * cell
        body.append(_text(0, y + cell // 2 + 5, f"{i + 1}. {_short(labels[a], 19)}"))
        for j, b in enumerate(option_ids):
            x = left + j * cell
            if a == b:
                body.append(f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="#eeeeee"/>')
                continue
            mine, theirs = pairwise[a][b], pairwise[b][a]
            colour = GOOD if mine > theirs else BAD if mine < theirs else "#888888"
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{colour}" fill-opacity="0.18"/>'
            )
            body.append(_text(x + cell // 2 - 1, y + cell // 2 + 4, str(grouped_number(mine)), text_anchor="middle"))
    return _svg(top + n * cell, title, body, width=left + n * cell)


def rounds(option_ids: list[str], labels: dict[str, str], irv_rounds: list[dict], *, title: str) -> SafeString:
    """The rounds of an instant runoff: one column per round, a bar per continuing option."""
    columns = max(len(irv_rounds), 1)
    column = max(min((WIDTH - LABEL_WIDTH) // columns, 120), 60)
    top_value = max((max(r.values(), default=0) for r in irv_rounds), default=0) or 1
    body = [_text(LABEL_WIDTH + k * column, 14, f"#{k + 1}") for k in range(len(irv_rounds))]
    for i, option in enumerate(option_ids):
        y = 20 + i * ROW
        body.append(_text(0, y + 17, _short(labels[option])))
        for k, counts in enumerate(irv_rounds):
            if option not in counts:
                continue
            x = LABEL_WIDTH + k * column
            length = round((column - 34) * counts[option] / top_value)
            body.append(f'<rect x="{x}" y="{y + 4}" width="{max(length, 1)}" height="{ROW - 8}" fill="{ACCENT}"/>')
            body.append(_text(x + length + 4, y + 17, str(grouped_number(counts[option])), font_size="11"))
    return _svg(20 + len(option_ids) * ROW, title, body, width=LABEL_WIDTH + columns * column)


def grade_colour(index: int, count: int) -> str:
    hue = round(120 * index / max(count - 1, 1))  # red for the worst grade, green for the best
    return f"hsl({hue},55%,45%)"


def grades(
    option_ids: list[str], labels: dict[str, str], grade_names: list[str], tally: dict, *, title: str
) -> SafeString:
    """Majority judgment: each option's grades as one bar split by grade, worst on the left; the line
    in the middle marks the median, which decides."""
    span = WIDTH - LABEL_WIDTH - 10
    body = []
    for i, option in enumerate(option_ids):
        y = i * ROW
        counts = tally[option]
        total = sum(counts) or 1
        body.append(_text(0, y + 17, _short(labels[option])))
        x = LABEL_WIDTH
        for g, count in enumerate(counts):
            length = span * count / total
            if count:
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{length:.1f}" height="{ROW - 8}" '
                    f'fill="{grade_colour(g, len(grade_names))}"><title>{escape(grade_names[g])}: {count}</title></rect>'  # noqa: E501
                )
            x += length
    middle = LABEL_WIDTH + span / 2
    height = max(len(option_ids), 1) * ROW
    body.append(
        f'<line x1="{middle:.1f}" y1="0" x2="{middle:.1f}" y2="{height}" stroke="#1b1b1b" stroke-dasharray="3 3"/>'
    )
    return _svg(height, title, body)
