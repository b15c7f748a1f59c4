"""A shared link with garbage, huge or injected query parameters gives a clean page with a notice, on every
page; and nothing from a file or a link is rendered as HTML, and CSV exports neutralise formula cells."""
from __future__ import annotations

import csv
import io
import re

import pytest

PAGES = ["views/overview.py", "views/timeline.py", "views/sources.py", "views/side_by_side.py",
         "views/articles.py", "views/topics.py", "views/upload.py"]
KEYS = ["dr", "source", "topic", "stance", "q", "gran", "undated", "id", "a", "b"]
HUGE = "x" * 10_000
GARBAGE = ["<script>alert(1)</script>", "' OR 1=1 --", "\u202e\u0000\x1b[31m\u200b", HUGE,
           "javascript:alert(1)", "<img src=x onerror=alert(1)>", "%00%0d%0a", "9" * 400]


RAW_TAG = re.compile(r"(?<!\\)<\s*[a-zA-Z!/]")          # a tag markdown would pass through (not "\<")
DANGER = ("<script", "<img", "javascript:", "onerror=", "onload=")


def check_rendered(at, where: str = "") -> None:
    """Every element that renders markdown shows untrusted text as text: no live tag, link or script."""
    assert not at.exception, (where, [e.value for e in at.exception])
    for kind in ("markdown", "caption", "warning", "error", "info", "success", "title", "subheader"):
        for el in at.get(kind):
            v = str(el.value)
            assert "traceback" not in v.lower(), (where, v[:200])
            assert HUGE not in v, f"{where}: a 10 kB parameter is echoed whole"
            if getattr(el.proto, "allow_html", False):       # the side-by-side marks: escaped HTML only
                assert not any(d in v.lower() for d in DANGER), (where, v[:300])
            else:
                assert not RAW_TAG.search(v), (where, v[:300])
                assert not re.search(r"\]\(\s*javascript:", v, re.I), (where, v[:300])


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("shape", ["mixed", "repeated", "flood"])
def test_hostile_query_params_give_a_clean_page_with_a_notice(seeded_app, page, shape):
    """mixed: every key with 3 hostile values; repeated: 3 keys x 300 (and 10 kB values); flood: 10 keys
    x 1000 - Streamlit itself then ignores the whole query string (over its 1000-parameter limit), so the
    page is clean and simply unfiltered."""
    at = seeded_app.run()          # a session is open; then the link is followed to the page
    for i, k in enumerate(KEYS):
        if shape == "mixed":
            at.query_params[k] = [GARBAGE[(i + j) % len(GARBAGE)] for j in range(3)]
        elif shape == "repeated" and k in ("dr", "source", "topic"):
            at.query_params[k] = [GARBAGE[1 + i % 2]] * 300
        elif shape == "flood":
            at.query_params[k] = [GARBAGE[i % len(GARBAGE)]] * 1000
    at.switch_page(page).run()
    check_rendered(at, page)
    if shape == "flood":
        assert at.sidebar.multiselect(key="source").value == []
    else:
        assert at.warning, "a notice says the link's values were ignored"


def test_raw_html_only_where_its_text_is_escaped():
    """Only the side-by-side page renders HTML (its <mark> highlights), and there every piece of article
    text goes through html.escape; nothing in the app turns HTML or JavaScript on (the Plotly preload is
    two constant tags added to Streamlit's own page by the server: views/_preload.py)."""
    from app_paths import ROOT
    users = []
    for path in [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]:
        src = path.read_text()
        assert "components.html" not in src, path
        assert "st.html(" not in src and "unsafe_allow_javascript" not in src, path
        if "unsafe_allow_html=True" in src:
            users.append(path.name)
    assert users == ["side_by_side.py"], users
    src = (ROOT / "views" / "side_by_side.py").read_text()
    assert "{esc(s)}" in src and "{s}" not in src


def test_no_html_element_is_sent_even_for_a_hostile_link(seeded_app):
    """A run (hostile link included) sends no HTML element at all: no script reaches the page from the app."""
    at = seeded_app
    for k in KEYS:
        at.query_params[k] = GARBAGE[:3]
    at.run()
    assert not at.exception
    assert [el.proto.body for el in at.get("html")] == []


def test_hostile_article_is_shown_as_text(fresh_db, monkeypatch):
    """An article whose title/text/source/url carry markup and script is shown escaped on every page."""
    from streamlit.testing.v1 import AppTest

    from app_paths import APP
    from narratives.pipeline import cluster_corpus
    from narratives.records import Article
    from narratives.store import Store
    store = Store(fresh_db)
    evil = '<script>alert("t")</script><img src=x onerror=alert(1)>'
    for i in range(6):
        store.add_article(Article(
            title=f"{evil} Title {i}", source=f"<b>Evil</b> Wire {i % 2}", url="javascript:alert(1)",
            text=f"{evil} Paragraph about the harbour budget number {i}. [click](javascript:alert({i})) "
                 f"<a href='javascript:x'>x</a> The council met again on day {i} to discuss it."))
    cluster_corpus(store, n_topics=2)
    import json
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    specs: list = []
    for page in PAGES[:-1]:
        if page == "views/articles.py":
            at.query_params["id"] = "1"
        at.switch_page(page).run()
        check_rendered(at, page)
        specs += [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        specs += [json.loads(c.proto.json)["figure"] for c in at.get("bidi_component")]   # views/_light_plotly
    assert len(specs) >= 2   # the Overview's (light component) and the timeline's at least
    for spec in specs:
        spec = json.dumps(spec)
        assert "<script" not in spec and "<img" not in spec


def test_csv_exports_neutralise_formula_cells_from_a_hostile_upload(tmp_path):
    """The formula CSV of the hostile corpus, stored, then exported by the CLI and by the pages' helper."""
    from narratives.ingest import ingest_files
    from narratives.store import Store
    from reliability_helpers import cli, hostile_corpus
    from views._shared import to_csv_bytes
    [case] = [c for c in hostile_corpus(big_cell_bytes=10) if c.name == "formulas.csv"]
    url = f"sqlite:///{tmp_path / 'f.db'}"
    store = Store(url)
    assert all(r.status in ("added", "near_duplicate") for r in ingest_files(store, [(case.name, case.data)]))
    risky = ("=", "+", "-", "@", "\t", "\r")

    def check(rows):
        cells = [v for r in rows for v in r.values()]
        assert any(v.startswith("'=") for v in cells) and any(v.startswith("'@") for v in cells)
        assert not [v for v in cells if v.startswith(risky)], [v for v in cells if v.startswith(risky)]

    p = cli(url, "export", "--format", "csv")
    assert p.returncode == 0, p.stderr
    check(list(csv.DictReader(io.StringIO(p.stdout))))
    frame = store.frame()
    check(list(csv.DictReader(io.StringIO(to_csv_bytes(frame).decode()))))
