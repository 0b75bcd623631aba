"""Benchmark: what each main page costs a phone on a slow link, and how soon it is usable.

    python bench/pages.py [--runs 1] [--big]

Starts one Daphne process (DEBUG off, static files collected and served compressed by WhiteNoise, as in
production) on a temporary SQLite database filled with the demo — `manage.py load_demo` plus a busy
debate, an open secret poll and a live session (tests/frontend/demosite.py) — then, for each main page:

- its weight: the HTML with its stylesheets and scripts, raw, and compressed by gzip (level 9) and by
  brotli (quality 11), each file on its own as a server sends it; and the bytes Chromium actually received
  for the page's bodies (Resource Timing's encodedBodySize: the server's own compression);
- its number of requests;
- its first contentful paint, DOMContentLoaded and load, in Chromium (Debian's, through Playwright) with a
  new context per page (cold cache: cache disabled, fresh connections) throttled through the DevTools
  protocol (Network.emulateNetworkConditions) to 250 kbit/s down, 128 kbit/s up and 400 ms of latency,
  at a phone's size (360×640). The median of `--runs` loads (`--big`: 3 loads, and every page also as a
  visitor who is not logged in).

The goal (issue #7): every page under 14 KB compressed on a first visit and usable (DOMContentLoaded and
load) in under 2 s at that speed. Prints a table; asserts nothing. Times are measured on a shared machine
and are noisy; the throttling dominates them. `figures(big)` returns the same as rows for `make bench`.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUDGET = 14 * 1024
GOAL_MS = 2000
# 250 kbit/s down, 128 kbit/s up, 400 ms round trips (Chromium's throughputs are in bytes a second).
SLOW_LINK = {"offline": False, "latency": 400, "downloadThroughput": 250_000 / 8, "uploadThroughput": 128_000 / 8}
VIEWPORT = {"width": 360, "height": 640}
# The main pages of tests/frontend/demosite.py, and who reads each (None: a visitor).
PAGES = [
    ("home", "ana"),
    ("assembly", "ana"),
    ("space", "ana"),
    ("roadmap", "ana"),
    ("item", "ana"),
    ("diff", "ana"),
    ("history", "ana"),
    ("contribution", "ana"),
    ("conflict", "mateo"),
    ("amend", "ana"),
    ("debate", "ana"),
    ("polls", "ana"),
    ("poll", "ana"),
    ("vote", "lea"),
    ("results", "ana"),
    ("secret_results", "ana"),
    ("vote_code", None),
    ("account", "ana"),
    ("login", None),
    ("signup", None),
    ("session", "ana"),
]
ASSETS = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')
TIMING = """async () => {
  // The first paint may be reported after the load event: wait for it, a second at most.
  const paint = await new Promise((done) => {
    new PerformanceObserver((list) => done(list.getEntries().find((p) => p.name === "first-contentful-paint")))
      .observe({type: "paint", buffered: true});
    setTimeout(() => done(null), 1000);
  });
  const nav = performance.getEntriesByType("navigation")[0];
  const entries = [nav, ...performance.getEntriesByType("resource")];
  return {fcp: paint ? paint.startTime : null, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
          received: entries.reduce((sum, e) => sum + e.encodedBodySize, 0), requests: entries.length};
}"""


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="loads of each page; the median is shown (default 1)")
    parser.add_argument("--big", action="store_true", help="3 loads of each page, and each page also as a visitor")
    return parser.parse_args(argv)


def fetch(url: str, session: str | None) -> bytes:
    headers = {"Accept-Encoding": "identity", "Accept-Language": "en"}
    if session:
        headers["Cookie"] = f"sessionid={session}"
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return response.read()


def weigh(base: str, path: str, session: str | None) -> dict:
    """The page's HTML, stylesheets and scripts: raw, gzip -9 and brotli 11, each file compressed alone."""
    import brotli

    html = fetch(base + path, session)
    bodies = [html] + [fetch(base + asset, None) for asset in ASSETS.findall(html.decode())]
    return {
        "raw": sum(len(body) for body in bodies),
        "gzip": sum(len(gzip.compress(body, compresslevel=9)) for body in bodies),
        "brotli": sum(len(brotli.compress(body, quality=11)) for body in bodies),
        "files": len(bodies),
    }


def load(browser, base: str, path: str, session: str | None) -> dict:
    """One cold, throttled load in a fresh context: paint and event times (ms), bytes received, requests."""
    context = browser.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True)
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    page.goto(base + path, wait_until="load")
    timing = page.evaluate(TIMING)
    context.close()
    return timing


def measure(*, runs: int = 1, visitors: bool = False, log=print) -> list[dict]:
    """Start the demo site and Chromium, and measure every page; one dict per page (and reader)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliberate.settings")
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.livekit import live_site

    pages = PAGES + ([(name, None) for name, person in PAGES if person is not None] if visitors else [])
    results = []
    log("Starting Daphne on a temporary SQLite database with the demo (load_demo and a busy debate)...")
    with (
        live_site(setup=("-m", "tests.frontend.demosite"), use_services=False, servers=1) as site,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        base = site.bases[0]
        try:
            for name, person in pages:
                path = site.data["pages"][name]
                session = site.data["sessions"][person] if person else None
                loads = [load(browser, base, path, session) for _run in range(runs)]
                row = {"page": name, "reader": person or "visitor", "path": path, **weigh(base, path, session)}
                for key in ("fcp", "dcl", "load", "received", "requests"):
                    values = [timing[key] for timing in loads if timing[key] is not None]
                    row[key] = statistics.median(values) if values else float("nan")
                results.append(row)
                log(f"  {name:<15} {row['reader']:<8} gzip {row['gzip']:>6} B  load {row['load']:>6.0f} ms")
        finally:
            browser.close()
    return results


def print_table(results: list[dict]) -> None:
    print()
    print("Each main page, first visit, Chromium 360x640 throttled to 250 kbit/s down, 128 kbit/s up, 400 ms latency")
    print("(bytes: HTML + CSS + JS; 'received' is what the server sent, compressed; times in ms, median of the runs)")
    header = (
        f"{'page':<15} {'reader':<8} {'raw':>7} {'gzip':>6} {'brotli':>6} {'received':>8} {'req':>3} "
        f"{'FCP':>6} {'DCL':>6} {'load':>6}  within 14 KB and 2 s?"
    )
    print(header)
    print("-" * len(header))
    for row in results:
        met = row["gzip"] <= BUDGET and row["received"] <= BUDGET and row["dcl"] < GOAL_MS and row["load"] < GOAL_MS
        print(
            f"{row['page']:<15} {row['reader']:<8} {row['raw']:>7} {row['gzip']:>6} {row['brotli']:>6} "
            f"{row['received']:>8.0f} {row['requests']:>3.0f} {row['fcp']:>6.0f} {row['dcl']:>6.0f} "
            f"{row['load']:>6.0f}  {'yes' if met else 'NO'}"
        )
    heaviest = max(results, key=lambda row: row["gzip"])
    slowest = max(results, key=lambda row: row["load"])
    print(
        f"\nHeaviest: {heaviest['page']} ({heaviest['gzip']} B gzip, {heaviest['brotli']} B brotli); slowest: "
        f"{slowest['page']} (load {slowest['load']:.0f} ms). The machine is shared: times are noisy."
    )


def _rows(results: list[dict]) -> list[dict]:
    rows = []
    for row in results:
        label = (
            row["page"]
            if row["reader"] != "visitor" or row["page"] in ("login", "signup", "vote_code")
            else f"{row['page']} (visitor)"
        )
        rows.append(
            {
                "figure": f"page {label}: HTML+CSS+JS, gzip (brotli {row['brotli']} B, {row['requests']:.0f} requests)",
                "value": row["gzip"],
                "unit": "B",
                "reference": "budget of a first visit (issue #7)",
                "reference_value": BUDGET,
                "goal": "<= 14 KB",
                "met": row["gzip"] <= BUDGET,
            }
        )
        rows.append(
            {
                "figure": f"page {label}: load at 250 kbit/s, 400 ms (DOMContentLoaded {row['dcl']:.0f} ms, "
                f"FCP {row['fcp']:.0f} ms)",
                "value": round(row["load"]),
                "unit": "ms",
                "reference": "Decidim's goal, first contentful paint",
                "reference_value": GOAL_MS,
                "goal": "< 2 s",
                "met": row["load"] < GOAL_MS and row["dcl"] < GOAL_MS,
            }
        )
    return rows


def figures(big: bool = False) -> list[dict]:
    """Rows for the `make bench` summary: per page, its compressed weight and its throttled load time."""
    return _rows(measure(runs=3 if big else 1, visitors=big, log=lambda *_args: None))


def main(argv=None) -> None:
    args = arguments(argv)
    results = measure(runs=3 if args.big else args.runs, visitors=args.big)
    print_table(results)


if __name__ == "__main__":
    main()
