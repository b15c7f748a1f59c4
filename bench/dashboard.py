"""Dashboard latency in a real headless browser (Debian chromium via Playwright) on a stored, clustered corpus.

Run:  .venv/bin/python bench/dashboard.py [--db sqlite:////tmp/narratives-bench/store_100000.db] [--changes 6]
      [--starts 3]
(bench/scale.py builds and clusters that store.) Figures:
  start -> first chart   from launching the server as scripts/start.sh does (scripts/serve.py: `streamlit run
                         app.py` + warm-up) to the first Plotly chart drawn on Overview (stored results
                         only: the app never refits at start); with an empty browser cache, and after a
                         server restart in the same browser (its cache warm, as for a daily user); the median
                         of --starts starts of each (one start varies by +-0.5 s on a shared 2-core host)
  filter change          from picking a value in a sidebar multiselect (Sources, then Topics) to the app's
                         script state back at notRunning with the main area's text changed; median of N changes
  search change          the same from pressing Enter in the sidebar's "Search text" with each of --searches,
                         after "Clear filters" (so over the whole archive, as an analyst's first search; each
                         word's first search, not a cached one)
  page switch            after "Clear filters", from clicking a page in the sidebar navigation to that page's
                         script done (its title shown, nothing stale) and its charts drawn, each of --pages
                         twice round: the first visit (its cached reads made then) and coming back
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("NARRATIVES_BENCH_CACHE", "/tmp/narratives-bench"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
# A Plotly chart's drawing in the main area: the Overview's first chart is drawn by the app's light Plotly
# component (views/_light_plotly.py), the other pages' by st.plotly_chart; both draw an svg.main-svg.
FIRST_CHART = "[data-testid=stMain] .main-svg"
# Browser-clock marks of a first load (epoch ms): the page's DOM parsed, Plotly's bundle run, the first chart's
# element put in the page by Streamlit's render ("placed": with the Overview's other elements, which arrive
# right after it, in one commit), its traces in the page with a size ("drawn"), and the first frame after
# that ("painted": a task queued from that frame's animation callback runs after it is painted). "painted" is
# the first-chart figure. Why not the moment Playwright's wait_for(visible) returns: it polls with back-off
# (0, 20, 50, 100, 100, then every 500 ms), each poll a round trip to a busy page, so it reports 0.05-1.2 s
# after the chart is on screen.
_MARKS_JS = """
window.__nm = {};
(function () {
  const PLACED = '[data-testid=stMain] [data-testid=stBidiComponentRegular], ' +
                 '[data-testid=stMain] [data-testid=stPlotlyChart]';
  const mark = (k) => { if (!(k in window.__nm)) window.__nm[k] = Date.now(); };
  document.addEventListener('DOMContentLoaded', () => mark('html'));
  const seen = new MutationObserver(() => {
    if (window.Plotly) { mark('plotly'); }
    if (document.querySelector(PLACED)) { mark('placed'); }
    const trace = document.querySelector('[data-testid=stMain] .main-svg .trace');
    const svg = trace && trace.closest('.main-svg');
    if (svg && svg.getBoundingClientRect().width > 0) {
      seen.disconnect();
      mark('drawn');
      requestAnimationFrame(() => setTimeout(() => mark('painted'), 0));
    }
  });
  seen.observe(document, {subtree: true, childList: true});
})();
"""
_CHANGED_JS = """(before) => {
  const app = document.querySelector('[data-testid=stApp]');
  const main = document.querySelector('[data-testid=stMain]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning' && main && main.innerText !== before;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(db: str, timeout_s: float, port: int):
    """Launch the server as scripts/start.sh does; (process, base URL, t0, seconds until healthy)."""
    env = {**os.environ, "NARRATIVES_DB": db}
    global _LAUNCHED
    _LAUNCHED = time.time()
    t0 = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "scripts/serve.py", "--server.headless", "true", "--server.port",
         str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            pass
        if server.poll() is not None or time.perf_counter() - t0 > timeout_s:
            server.kill()
            raise SystemExit("streamlit did not start")
        time.sleep(0.05)
    return server, base, t0, time.perf_counter() - t0


def _stop(server) -> None:
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


# Typed into Search text after the filter changes: a word in most articles, two in a few thousand and
# ~1,000, an exact phrase (checked on each of its words' matches)
SEARCHES = ("trump", "china", "vaccine", '"white house"')
_LAUNCHED = 0.0   # wall clock at the server's launch (the browser's marks are wall-clock too)


def _first_chart(page, base: str, t0: float) -> tuple[float, float]:
    """(seconds from the server's launch to the first chart painted, on the browser's clock; seconds until
    this process saw it, polling the page every animation frame)."""
    page.goto(base + "/", wait_until="domcontentloaded")
    page.wait_for_function("() => window.__nm && 'painted' in window.__nm", polling="raf")
    seen = time.perf_counter() - t0
    painted = page.evaluate("window.__nm.painted") / 1000 - _LAUNCHED
    page.locator(FIRST_CHART).first.wait_for(state="visible")   # the chart is there for Playwright too
    return painted, seen


def _marks(page) -> dict[str, float]:
    """Seconds from the server's launch to each browser mark that was reached."""
    return {k: v / 1000 - _LAUNCHED for k, v in page.evaluate("window.__nm").items()}


def _filter_changes(page, changes: int) -> tuple[list[float], list[str]]:
    """Pick a value in a sidebar multiselect until `changes` picks redrew the main area (at most 3 more tries:
    a pick that filters nothing more, e.g. a topic none of the chosen sources' articles is in, leaves the page
    as it was and is listed, not timed); seconds until the main area redrew, and what."""
    times, what = [], []
    for _ in range(changes + 3):
        if len(times) == changes:
            break
        label = "Sources" if len(times) < changes - 2 else "Topics"
        box = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]").filter(has_text=label).first
        for attempt in range(3):  # the dropdown sometimes ignores a click on a still-focused input
            box.locator("input").click()
            try:
                page.locator("[role=option]").first.wait_for(timeout=5000)
                break
            except Exception:
                page.keyboard.press("Escape")
                if attempt == 2:
                    raise
        opts = page.locator("[role=option]")
        opt = opts.nth(1) if opts.first.inner_text().strip().lower().startswith("select all") else opts.first
        option = opt.inner_text()
        before = page.locator("[data-testid=stMain]").inner_text()
        t = time.perf_counter()
        opt.click()
        try:
            page.wait_for_function(_CHANGED_JS, arg=before, polling="raf", timeout=20_000)
        except Exception:  # noqa: BLE001 - this value filters nothing more (e.g. a topic every
            # article of the chosen sources is in): the page has nothing to redraw, so no figure
            what.append(f"{label}+{option[:30]} (page unchanged, not timed)")
        else:
            times.append(time.perf_counter() - t)
            what.append(f"{label}+{option[:30]}")
        page.keyboard.press("Escape")
        page.wait_for_selector(IDLE)
    return times, what


def _clear_filters(page) -> None:
    """Press the sidebar's Clear filters (the whole archive) and wait for the redraw. Waiting for the idle
    state alone returned at once now and then, before the rerun had started: the next search was then timed
    from the clear's redraw ("trump: (no count shown)", 205 ms, on 2026-12-02)."""
    before = page.locator("[data-testid=stMain]").inner_text()
    page.locator("[data-testid=stSidebar] button").filter(has_text="Clear filters").first.click()
    try:
        page.wait_for_function(_CHANGED_JS, arg=before, polling="raf", timeout=20_000)
    except Exception:  # noqa: BLE001 - nothing was filtered: the page has nothing to redraw
        pass
    page.wait_for_selector(IDLE)


def _search_changes(page, words: list[str]) -> tuple[list[float], list[str]]:
    """After Clear filters, type each of `words` into the sidebar's Search text and press Enter; seconds until
    the main area redrew, and the count of articles it shows."""
    times, what = [], []
    _clear_filters(page)
    box = page.locator("[data-testid=stSidebar] [data-testid=stTextInput] input").first
    for word in words:
        box.fill(word)
        before = page.locator("[data-testid=stMain]").inner_text()
        t = time.perf_counter()
        box.press("Enter")
        try:
            page.wait_for_function(_CHANGED_JS, arg=before, polling="raf", timeout=60_000)
        except Exception:  # noqa: BLE001 - the same view as the word before (e.g. no match for either)
            what.append(f"{word} (page unchanged, not timed)")
            continue
        times.append(time.perf_counter() - t)
        count = page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]").filter(has_text="Filtered view")
        shown = count.first.inner_text(timeout=2000) if count.count() else "(no count shown)"
        what.append(f"{word}: {shown.strip().removeprefix('Filtered view: ').split(' (')[0]}")
    return times, what


# Sidebar navigation label -> the page's title (its h1), in the order the bench opens them
PAGES = {"Topic over time": "Topic over time", "Source comparison": "Source comparison",
         "Side by side": "Side by side", "Articles": "Articles", "Topics": "Topics", "Upload": "Upload articles",
         "Overview": "Overview"}
_PAGE_DONE_JS = """(title) => {
  const app = document.querySelector('[data-testid=stApp]');
  const h1 = document.querySelector('[data-testid=stMain] h1');
  return app && app.getAttribute('data-test-script-state') === 'notRunning' && h1
      && h1.innerText.trim().startsWith(title) && !document.querySelector('[data-testid=stMain] [data-stale=true]')
      && [...document.querySelectorAll('[data-testid=stMain] [data-testid=stPlotlyChart]')].every(
           (c) => c.querySelector('.main-svg'));
}"""


def _page_switches(page, labels: list[str], rounds: int = 2) -> list[tuple[str, list[float]]]:
    """After Clear filters (the whole archive), click each page in the sidebar navigation, `rounds` times
    round; seconds from the click until that page's script is done (its title shown, nothing stale) and
    each of its Plotly charts drawn.
    The first round is the page's first visit (its cached reads made then), later ones come back to it."""
    _clear_filters(page)
    times: dict[str, list[float]] = {lbl: [] for lbl in labels}
    for _ in range(rounds):
        for label in labels:
            link = page.locator("[data-testid=stSidebarNav] a").filter(has_text=label)
            link = link.filter(has_not_text="over time") if label == "Topics" else link
            t = time.perf_counter()
            link.first.click()
            page.wait_for_function(_PAGE_DONE_JS, arg=PAGES[label], polling="raf", timeout=120_000)
            times[label].append(time.perf_counter() - t)
    return list(times.items())


def measure(db: str, changes: int = 6, timeout_s: float = 120, starts: int = 3,
            searches: tuple[str, ...] = (), pages: tuple[str, ...] = ()) -> dict:
    """`starts` times: a browser with an empty cache (a new browser context) opens a freshly started server
    (cold); then the server is restarted and the same context (its cache holding Streamlit's and plotly's
    scripts, as an analyst's browser does from yesterday) opens it again (warm). The filter changes are timed
    on the first cold visit. Each page is created before its server starts: its set-up is the browser's, not
    the app's. The median start is reported: one start on a shared 2-core host varies by +-0.5 s."""
    from playwright.sync_api import sync_playwright
    out = {"cold": [], "warm": [], "changes_s": [], "what": [], "search_s": [], "search_what": [],
           "pages": [], "exceptions": 0}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            for i in range(starts):
                context = browser.new_context(viewport={"width": 1400, "height": 1600})
                context.add_init_script(_MARKS_JS)
                port = _free_port()  # one address for both starts: a browser caches per origin, as an analyst's
                for kind in ("cold", "warm"):
                    page = context.new_page()
                    page.set_default_timeout(timeout_s * 1000)
                    server, base, t0, t_health = _serve(db, timeout_s, port)
                    try:
                        t_chart, t_seen = _first_chart(page, base, t0)
                        out[kind].append({"chart_s": t_chart, "seen_s": t_seen, "health_s": t_health,
                                          "marks": _marks(page)})
                        if kind == "cold" and i == 0 and (changes or searches or pages):
                            page.wait_for_selector(IDLE)
                            if changes:
                                out["changes_s"], out["what"] = _filter_changes(page, changes)
                            if searches:
                                out["search_s"], out["search_what"] = _search_changes(page, list(searches))
                            if pages:
                                out["pages"] = _page_switches(page, list(pages))
                            out["exceptions"] = page.locator("[data-testid=stException]").count()
                    finally:
                        _stop(server)
                    page.close()
                context.close()
        finally:
            browser.close()
    for kind in ("cold", "warm"):
        # the median start (the upper middle one of an even count): its figure and its timeline
        out[f"median_{kind}"] = sorted(out[kind], key=lambda r: r["chart_s"])[len(out[kind]) // 2]
    times = out["changes_s"]
    out["median_ms"] = statistics.median(times) * 1000 if times else float("nan")
    out["search_median_ms"] = statistics.median(out["search_s"]) * 1000 if out["search_s"] else float("nan")
    return out


def _timeline(health: float, marks: dict[str, float]) -> str:
    names = {"html": "page parsed", "plotly": "Plotly loaded", "placed": "chart placed", "drawn": "chart drawn",
             "painted": "painted"}
    parts = [f"server {health:.2f}"] + [f"{names[k]} {v:.2f}" for k, v in sorted(marks.items(), key=lambda x: x[1])]
    return "browser clock, s from launch: " + ", ".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=f"sqlite:///{CACHE / 'store_100000.db'}")
    ap.add_argument("--changes", type=int, default=6)
    ap.add_argument("--starts", type=int, default=3, help="server starts per kind (empty / warm browser cache)")
    ap.add_argument("--searches", default=",".join(SEARCHES),
                    help="comma-separated words typed into Search text after the filter changes ('' for none)")
    ap.add_argument("--pages", default=",".join(PAGES),
                    help="comma-separated sidebar pages opened (twice round) after the searches ('' for none)")
    a = ap.parse_args(argv)
    pages = tuple(p.strip() for p in a.pages.split(",") if p.strip())
    unknown = [p for p in pages if p not in PAGES]
    if unknown:
        ap.error(f"unknown page(s) {unknown}; choose from {list(PAGES)}")
    sys.path.insert(0, str(REPO))
    from narratives.store import Store
    s = Store(a.db)
    n, run = s.count(), s.latest_run()
    s.close()
    searches = tuple(w.strip() for w in a.searches.split(",") if w.strip())
    cmd = (f"python bench/dashboard.py --db {a.db} --changes {a.changes} --starts {a.starts} "
           f"--searches '{','.join(searches)}' --pages '{','.join(pages)}'")
    print(f"== Dashboard: {n:,} articles, run {run.id if run else '-'} stored ({cmd}) ==", flush=True)
    sys.path.insert(0, str(REPO / "bench"))
    import host
    print(f"   {host.describe()}", flush=True)
    r = measure(a.db, a.changes, starts=a.starts, searches=searches, pages=pages)
    for kind, what in (("cold", "a browser with an empty cache"),
                       ("warm", "restarted server, the browser's cache from its first visit")):
        runs, med = r[kind], r["median_" + kind]
        figure = med["chart_s"]
        each = ", ".join(f"{x['chart_s']:.2f}" for x in runs)
        seen = ", ".join(f"{x['seen_s']:.2f}" for x in runs)
        print(f"  start -> first chart        {figure:6.2f} s  median of {len(runs)} ({each} s; {what}; "
              f"seen by this process at {seen} s)")
        print(f"      that start: {_timeline(med['health_s'], med['marks'])}")
    if a.changes:
        print(f"  filter change -> redrawn    {r['median_ms']:6.0f} ms median of {len(r['changes_s'])} "
              f"({', '.join(f'{x * 1000:.0f}' for x in r['changes_s'])} ms; {'; '.join(r['what'])})")
    if r["search_s"]:
        print(f"  search change -> redrawn    {r['search_median_ms']:6.0f} ms median of {len(r['search_s'])} "
              f"({', '.join(f'{x * 1000:.0f}' for x in r['search_s'])} ms; {'; '.join(r['search_what'])})")
    if r["pages"]:
        first = [t[0] for _, t in r["pages"]]
        again = [x for _, t in r["pages"] for x in t[1:]]
        print(f"  page switch -> drawn        {statistics.median(first) * 1000:6.0f} ms median first visit, "
              f"{statistics.median(again) * 1000:.0f} ms coming back (" + "; ".join(
                  f"{lbl} {' / '.join(f'{x * 1000:.0f}' for x in t)}" for lbl, t in r["pages"]) + " ms)")
    if r["exceptions"]:
        print(f"  WARNING: {r['exceptions']} Streamlit exception box(es) on the page")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
