"""Every page renders; an uploaded file shows up in lists and counts; side by side marks shared passages;
hostile HTML stays inert; a deep link works as the very first visit to a fresh server."""
from __future__ import annotations

import re
import urllib.request
import uuid

import pytest

from e2e_util import (article_count, check_page, eventually, expected_ids, main, multiselect_tags, open_page, shot, sidebar, table_rows,
                      wait_count, wait_idle)

PAGES = [("/", "Overview"), ("/timeline", "Topic over time"), ("/sources", "Source comparison"),
         ("/side_by_side", "Side by side"), ("/articles", "Articles"), ("/upload", "Upload articles"),
         ("/topics", "Topics")]


def metric(page, label: str) -> str:
    box = main(page).locator("[data-testid=stMetric]").filter(
        has=page.locator("[data-testid=stMetricLabel]", has_text=re.compile(rf"^{re.escape(label)}$")))
    return box.locator("[data-testid=stMetricValue]").inner_text().strip()


def sample_id(corpus, prefix: str) -> int:
    frame = corpus["frame"]
    hit = frame[frame["file_name"].astype(str).str.startswith(prefix)]
    assert len(hit) == 1, frame[["id", "file_name"]]
    return int(hit["id"].iloc[0])


def upload(page, path, source: str | None = None) -> str:
    """Upload one file on the Upload page, save it, return the report text."""
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(path))
    chip = page.locator("[data-testid=stFileChip]")
    chip.wait_for()
    assert path.suffix in chip.inner_text()  # long names are shortened in the middle on the chip
    if source:
        box = main(page).get_by_label("Source for the whole batch (optional)", exact=True)
        box.fill(source)
        box.press("Enter")
    main(page).get_by_role("heading", name="Preview").wait_for()
    wait_idle(page)
    main(page).get_by_role("button", name="Save to the corpus").click()
    main(page).get_by_role("heading", name="Last upload").wait_for()
    wait_idle(page)
    return main(page).inner_text()


def find_article(ctx, token: str) -> dict:
    """Search for a unique word on the Articles page; the one row it lists."""
    page = open_page(ctx, f"/articles?q={token}", "Articles")
    wait_count(page, 1)
    rows = table_rows(page, expect=1)
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize("path,heading", PAGES, ids=[h for _, h in PAGES])
def test_every_page_renders_without_exception(ctx, path, heading):
    page = open_page(ctx, path, heading, f"00_page_{heading.replace(' ', '_').lower()}")
    assert sidebar(page).get_by_text("Filters (saved in the page link)").is_visible()
    nav = sidebar(page).locator("[data-testid=stSidebarNav]").inner_text()
    for _, h in PAGES:
        assert h.replace(" articles", "") in nav
    assert page.locator("[data-testid=stException]").count() == 0
    # nothing fetched from elsewhere (a ':material/...:' page icon made the browser fetch the tab icon from a
    # font CDN: a failed request on an offline or locked-down network)
    assert ctx.outside_requests() == []


def test_uploaded_article_shows_in_lists_and_counts(ctx, tmp_path):
    """Scenario 4: upload a .txt with a unique title -> listed on Articles, counted on Overview and the timeline."""
    token = "zq" + uuid.uuid4().hex[:10]
    title = f"Harbour pilots strike over night shifts {token}"
    source = f"E2E Wire {token[-4:]}"
    body = "\n".join([
        title,
        "Published: 2020-04-15",
        f"Harbour pilots in the port city walked out on Tuesday over night-shift rosters ({token}).",
        "The port authority said ships were queueing outside the breakwater while talks continued.",
        "Union officials said the rosters left pilots without rest between consecutive night shifts.",
        "Shipping agents warned that perishable cargo could spoil if the dispute lasted into the weekend.",
    ])
    path = tmp_path / f"harbour_{token}.txt"
    path.write_text(body, encoding="utf-8")

    page = open_page(ctx, "/", "Overview")
    n_articles = int(metric(page, "Articles").replace(",", ""))
    n_sources = int(metric(page, "Sources").replace(",", ""))

    page = open_page(ctx, "/upload", "Upload articles")
    report = upload(page, path, source=source)
    assert re.search(r"\b1 added\b", report), report
    check_page(page, "04a_upload_saved")

    row = find_article(ctx, token)
    assert row["title"] == title
    assert row["source"] == source
    assert row["published"] == "2020-04-15"
    check_page(ctx.page, "04b_uploaded_article_listed")

    page = open_page(ctx, "/", "Overview")
    assert int(metric(page, "Articles").replace(",", "")) == n_articles + 1
    assert int(metric(page, "Sources").replace(",", "")) == n_sources + 1
    check_page(page, "04c_overview_counts_grew")

    page = open_page(ctx, f"/timeline?source={source.replace(' ', '+')}", "Topic over time")
    assert multiselect_tags(page, "Sources") == [source]
    main(page).get_by_text(re.compile(r"^1 article · 1 source")).first.wait_for()
    assert main(page).locator("[data-testid=stPlotlyChart]").count() >= 1
    check_page(page, "04d_timeline_has_upload")


def test_side_by_side_link_marks_shared_passage(ctx, e2e_corpus):
    """Scenario 5: samples 002 and 003 report the same statements; the shared sentences are marked on both sides."""
    a, b = sample_id(e2e_corpus, "002_"), sample_id(e2e_corpus, "003_")
    page = open_page(ctx, f"/side_by_side?a={a}&b={b}", "Side by side")
    assert page.get_by_role("combobox", name="Article A (id)").input_value() == str(a)
    assert page.get_by_role("combobox", name="Article B (id)").input_value() == str(b)
    left, right = main(page).locator(".sbs-a mark"), main(page).locator(".sbs-b mark")
    left.first.wait_for()
    # pairs are numbered: the same number marks the two sides of one shared passage
    def numbered(loc):
        out = {}
        for m in loc.all():
            sup = m.locator("sup").inner_text().strip()
            out.setdefault(sup, []).append(m.inner_text()[len(sup):].strip())
        return out
    la, lb = numbered(left), numbered(right)
    common = set(la) & set(lb)
    assert common, (la, lb)
    # the FO spokesperson's rebuttal is in both articles: it is one marked pair
    pair = [k for k in common if any("Mumtaz Zahra Baloch" in s for s in la[k])
            and any("Mumtaz Zahra Baloch" in s for s in lb[k])]
    assert pair, (la, lb)
    assert main(page).locator("[data-testid=stMetric]").first.inner_text().startswith("Shared text")
    check_page(page, "05_side_by_side")


def test_hostile_html_upload_stays_inert(ctx, tmp_path, e2e_corpus):
    """Scenario 6: script tags, onerror handlers and javascript: links in an uploaded page never run."""
    token = "zq" + uuid.uuid4().hex[:10]
    literal = "<script>window.__pwned=4</script>"
    html = f"""<!doctype html><html><head><title>Port security review {token}</title>
<script>window.__pwned=1</script></head>
<body><h1>Port security review {token}</h1>
<p>Published: 2020-04-16</p>
<p>The harbour authority published its port security review on Thursday, listing gaps in cargo screening ({token}).</p>
<img src=x onerror="window.__pwned=2">
<p>Inspectors found that <b onmouseover="window.__pwned=5">night shifts</b> had fewer staff at the gates.
Read the <a href="javascript:window.__pwned=3">full report here</a> before the hearing.</p>
<p>A reader comment quoted the code &lt;script&gt;window.__pwned=4&lt;/script&gt; verbatim, as text.</p>
<p>The review recommends new scanners at both terminals and a second inspection team by next spring.</p>
</body></html>"""
    path = tmp_path / f"hostile_{token}.html"
    path.write_text(html, encoding="utf-8")

    page = open_page(ctx, "/upload", "Upload articles")
    report = upload(page, path)
    assert re.search(r"\b1 added\b", report), report
    assert page.evaluate("typeof window.__pwned") == "undefined"

    row = find_article(ctx, token)
    aid = int(row["id"])
    page = open_page(ctx, f"/articles?id={aid}", "Articles")
    main(page).get_by_role("heading", name=re.compile(f"Port security review {token}")).wait_for()
    text = main(page).inner_text()
    assert "cargo screening" in text
    if "window.__pwned=4" in text:
        assert literal in text  # shown as literal text, not swallowed as a tag
    body = main(page)
    assert body.locator("img[src=x], img[onerror]").count() == 0
    assert body.locator("a[href^='javascript:' i]").count() == 0
    assert body.locator("[onmouseover], [onerror]").count() == 0
    body.get_by_text("night shifts", exact=False).first.hover()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    check_page(page, "06a_hostile_article_open")

    # the side-by-side view renders article text as HTML blocks: the riskiest place
    other = sample_id(e2e_corpus, "003_")
    page = open_page(ctx, f"/side_by_side?a={aid}&b={other}", "Side by side")
    main(page).locator(".sbs-a").wait_for()
    side = main(page).locator(".sbs-a")
    assert "cargo screening" in side.inner_text()
    if "window.__pwned=4" in side.inner_text():
        assert literal in side.inner_text()
    assert side.locator("script, img, a[href^='javascript:' i], [onerror], [onmouseover]").count() == 0
    side.get_by_text("night shifts", exact=False).first.hover()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    check_page(page, "06b_hostile_side_by_side")


def test_deep_link_as_first_visit_to_fresh_server(browser, e2e_corpus, tmp_path):
    """A shared link is often the first thing a restarted server serves: it must still run app.py (sidebar
    filters applied), not a bare page. Own server, so no earlier visit can mask this."""
    from e2e_server import run_server
    from e2e_util import Ctx

    want = expected_ids(e2e_corpus, sources={"Reuters"}, term="climate")
    with run_server(e2e_corpus["url"], tmp_path) as base:
        c = Ctx(browser, base)
        try:
            page = c.page
            page.goto(base + "/articles?source=Reuters&q=climate", wait_until="domcontentloaded")
            page.get_by_role("heading", name="Articles", level=1).wait_for()
            wait_idle(page)
            shot(page, "08_deep_link_first_visit")
            nav = sidebar(page).locator("[data-testid=stSidebarNav]").inner_text()
            assert "shared" not in nav.lower().split() and "app" not in nav.lower().split(), nav
            sidebar(page).get_by_text("Filters (saved in the page link)").wait_for(timeout=15_000)
            wait_count(page, len(want))
            assert multiselect_tags(page, "Sources") == ["Reuters"]
            assert sorted(int(r["id"]) for r in table_rows(page, expect=len(want))) == want
            check_page(page)
        finally:
            c.close()
    # scripts/server_app.py read the store while the server started (what the first visitor no longer waits for)
    log = "".join(p.read_text(errors="replace") for p in tmp_path.glob("streamlit_*.log"))
    assert "narratives: warmed up in" in log and "warm-up skipped" not in log, log[-2000:]
    from narratives.store import Store
    stored = len(Store(e2e_corpus["url"], read_only=True).frame())   # earlier tests may have uploaded more
    assert f"({stored:,} articles)" in log, log[-2000:]


def test_plotly_bundle_is_fetched_before_any_chart_is_sent(ctx):
    """The served page asks the browser to load and run Streamlit's Plotly bundle at once (views/_preload.py),
    so that work is done while the server computes the page (bench/dashboard.py: first chart). Proof: the
    Upload page, which draws no chart at all, still fetches and runs it, nothing visible is added for it
    (no error, no stray text), and the tags are exactly the constant ones."""
    with urllib.request.urlopen(ctx.base + "/upload", timeout=10) as r:
        html = r.read().decode()
    from views._preload import installed_tags
    assert html.count(installed_tags().decode()) == 1   # the constant script, once
    context = ctx.page.context.browser.new_context()   # an empty cache: every fetch is a request to see
    try:
        page = context.new_page()
        fetched: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: fetched.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(ctx.base + "/upload", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Upload articles", level=1).wait_for()
        wait_idle(page)
        assert main(page).locator("[data-testid=stPlotlyChart]").count() == 0
        assert any(re.search(r"/static/js/PlotlyChart\.[^/]+\.js$", u) for u in fetched), fetched[-20:]
        # and ran (not only fetched, which the modulepreload alone would do): Plotly defines its global
        page.wait_for_function("() => typeof window.Plotly === 'object'", timeout=20_000)
        assert "import(" not in page.locator("body").inner_text()
        assert not errors, errors
        check_page(page)
    finally:
        context.close()


def test_the_full_plotly_bundle_waits_while_the_person_is_using_the_overview(ctx):
    """Running Streamlit's full Plotly bundle holds the browser for ~1 s: on the Overview it waits until the
    pointer has been still for a moment after the chart was drawn, so a filter picked right away is not held
    up by it (views/_preload.INPUT_QUIET_MS); once the person stops, it loads for the other pages' charts."""
    from views._preload import INPUT_QUIET_MS
    context = ctx.page.context.browser.new_context()   # an empty cache: every fetch is a request to see
    full = r"/static/js/PlotlyChart\.[^/]+\.js$"
    fetched = """(pattern) => performance.getEntriesByType('resource').filter(e => new RegExp(pattern).test(e.name))
        .map(e => e.startTime)"""
    try:
        page = context.new_page()
        page.goto(ctx.base + "/", wait_until="domcontentloaded")
        main(page).locator(".nm-plotly .main-svg").first.wait_for()
        busy_until = page.evaluate("performance.now()") + 3 * INPUT_QUIET_MS
        x, last_move = 0, 0.0
        while last_move < busy_until:   # someone moving the pointer about
            x = (x + 37) % 600
            page.mouse.move(300 + x, 400 + x // 2)
            last_move = page.evaluate("performance.now()")   # just after the move reached the page
            page.wait_for_timeout(INPUT_QUIET_MS // 5)
        assert page.evaluate(fetched, full) == []
        page.wait_for_function(f"() => ({fetched})({full!r}).length > 0", timeout=20_000)
        assert min(page.evaluate(fetched, full)) >= last_move + INPUT_QUIET_MS * 0.8
    finally:
        context.close()


def test_overview_chart_is_drawn_by_the_basic_bundle_before_the_full_one_is_fetched(ctx, e2e_corpus):
    """The Overview's stance-mix chart, the first chart an analyst waits for, is drawn by the light component
    (views/_light_plotly.py) from plotly.js's basic bundle, in the page's own DOM, with a legend of the
    stored stance positions, real colours and the modebar's download button. Streamlit's full Plotly bundle
    is not requested before the chart is drawn (it competed with it for the CPU), but after it, when the
    page is idle, for the other pages' charts. Both moments are read off the browser's own clock."""
    from views._light_plotly import CATEGORICAL, URL_PATH
    context = ctx.page.context.browser.new_context()   # an empty cache: every fetch is a request to see
    context.add_init_script("window.addEventListener('nm-plotly-drawn', "
                            "() => { window.__drawnAt = window.__drawnAt || performance.now(); });")
    started = """(pattern) => performance.getEntriesByType('resource')
        .filter(e => new RegExp(pattern).test(e.name)).map(e => e.startTime)"""
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(ctx.base + "/", wait_until="domcontentloaded")
        chart = main(page).locator(".nm-plotly")
        chart.locator(".main-svg").first.wait_for()
        page.wait_for_function("() => window.__drawnAt !== undefined")
        assert main(page).locator("[data-testid=stPlotlyChart]").count() == 0
        drawn_at = page.evaluate("window.__drawnAt")
        basic = page.evaluate(started, re.escape(URL_PATH) + "$")
        assert basic and min(basic) < drawn_at, (basic, drawn_at)
        full = r"/static/js/PlotlyChart\.[^/]+\.js$"
        page.wait_for_function(f"() => ({started})({full!r}).length > 0")   # idle: for the other pages
        assert min(page.evaluate(started, full)) >= drawn_at
        page.wait_for_function("() => typeof window.Plotly === 'object'")
        frame = e2e_corpus["frame"]
        kinds = {str(s).split(" · ", 1)[0] for s in frame.dropna(subset=["topic"])["stance_label"].dropna()}
        legend = chart.locator(".legendtext").all_text_contents()
        assert sorted(legend) == sorted(kinds)
        fills = chart.locator(".legendpoints path").evaluate_all("els => els.map(e => e.style.fill)")
        solid = [f for f in fills if f.startswith("rgb(")]   # hatched (thin) entries also have a pattern fill
        hexes = {"rgb(%d, %d, %d)" % tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in CATEGORICAL}
        assert solid and set(solid) <= hexes, fills   # the theme's colours, not the template's black names
        chart.hover()
        assert chart.locator(".modebar-btn[data-title^='Download plot']").count() == 1
        # its container narrowing without a window resize (the sidebar opening) redraws it to fit
        width = lambda: round(chart.locator(".main-svg").first.bounding_box()["width"])  # noqa: E731
        assert width() > 500
        chart.evaluate("el => { el.style.width = '480px'; }")
        assert eventually(width, 480, page=page) == 480
        assert not errors, errors
        check_page(page)
    finally:
        context.close()
