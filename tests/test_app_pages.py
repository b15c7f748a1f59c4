"""AppTest checks of the dashboard shell and the Overview / Topic over time / Articles pages."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from page_helpers import run_page

PAGES = ["views/overview.py", "views/timeline.py", "views/articles.py", "views/upload.py", "views/topics.py"]


def _texts(at) -> str:
    """All visible text-ish output of a run, for loose assertions."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader", "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_sample_corpus(seeded_app, page):
    at = run_page(seeded_app, page)
    assert at.title and at.title[0].value


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_empty_store(empty_app, page):
    at = run_page(empty_app, page)
    if page != "views/upload.py":
        assert "No articles stored yet" in _texts(at)


def test_bad_url_params_give_notices_not_exceptions(seeded_app):
    at = seeded_app
    at.query_params["topic"] = ["999", "abc"]
    at.query_params["dr"] = ["not-a-date"]
    at.query_params["source"] = ["No Such Outlet"]
    at.query_params["gran"] = "fortnight"
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "999" in warnings and "abc" in warnings
    assert "date range" in warnings
    assert "No Such Outlet" in warnings
    assert "granularity" in warnings
    # widgets fell back to their defaults
    assert at.sidebar.multiselect(key="topic").value == []
    assert at.sidebar.multiselect(key="source").value == []


def test_markup_in_bad_param_is_escaped(seeded_app):
    at = seeded_app
    at.query_params["source"] = "<script>alert(1)</script>"
    at.run()
    assert not at.exception
    w = " ".join(x.value for x in at.warning)
    assert "<script>" not in w and "script" in w


def _articles_table(at) -> pd.DataFrame:
    return at.dataframe[0].value


def test_source_param_narrows_articles_table(seeded_app, seeded_db):
    from narratives.store import Store
    frame = Store(seeded_db).frame()
    sources = frame["source"].dropna()
    assert len(sources), "sample corpus should carry at least one source"
    one = sources.value_counts().index[-1]
    at = run_page(seeded_app, "views/articles.py")
    all_rows = len(_articles_table(at))
    assert all_rows == len(frame)
    at.session_state["source"] = [one]
    at.run()
    assert not at.exception
    narrowed = _articles_table(at)
    assert 0 < len(narrowed) < all_rows or len(frame["source"].dropna().unique()) == 1
    assert set(narrowed["source"]) == {one}


def test_text_query_searches(seeded_app):
    at = run_page(seeded_app, "views/articles.py")
    at.session_state["q"] = "embassy"
    at.run()
    assert not at.exception
    table = _articles_table(at)
    assert 0 < len(table) < 5


def test_open_article_from_url_and_bad_id(seeded_app, seeded_db):
    from narratives.store import Store
    frame = Store(seeded_db).frame()
    aid = int(frame["id"].iloc[0])
    at = run_page(seeded_app, "views/articles.py", {"id": str(aid)})
    from views._shared import md_escape
    title = md_escape(frame["title"].iloc[0], 200)
    assert any(m.value == f"### {title}" for m in at.markdown)
    from streamlit.testing.v1 import AppTest
    from app_paths import APP
    at2 = run_page(AppTest.from_file(APP, default_timeout=60), "views/articles.py", {"id": "123456"})
    assert "No article with id" in _texts(at2)


def _figure(at, n=0) -> dict:
    return json.loads(at.get("plotly_chart")[n].proto.spec)


def _light_figure(at, n=0) -> dict:
    """The figure of the n-th chart drawn by the light Plotly component (views/_light_plotly.py)."""
    return json.loads(at.get("bidi_component")[n].proto.json)["figure"]


def test_timeline_chart_counts_and_events(seeded_app, seeded_db):
    from narratives.store import Store
    frame = Store(seeded_db).frame()
    dated = int(frame["published"].notna().sum())
    at = run_page(seeded_app, "views/timeline.py", {"ev": ["2024-11-15~Court ruling", "garbage~x"]})
    text = _texts(at)
    if dated == 0:
        assert "no timeline" in text
        return
    fig = _figure(at)
    total = sum(sum(t["y"]) if isinstance(t["y"], list) else 0 for t in fig["data"])
    assert total == dated
    assert any(a.get("text") == "Court ruling" for a in fig["layout"].get("annotations", []))
    assert "garbage" in " ".join(w.value for w in at.warning)
    assert f"{dated} article{'s' if dated != 1 else ''} ·" in text
    assert f"{len(frame) - dated} undated" in text


def test_timeline_selection_lists_articles(seeded_app, seeded_db):
    at = run_page(seeded_app, "views/timeline.py")
    assert at.get("plotly_chart"), "the sample has a dated article (15 November 2024): the timeline must chart it"
    trace = _figure(at)["data"][0]
    cd = trace["customdata"][0]
    at.session_state["tl_chart"] = {"selection": {"points": [{"curve_number": 0, "point_index": 0, "customdata": cd}],
                                                  "point_indices": [0], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    assert any("Selected:" in s.value for s in at.subheader)
    assert len(at.dataframe[0].value) == int(cd[2])


def test_timeline_split_and_share(seeded_app):
    at = run_page(seeded_app, "views/timeline.py")
    assert at.get("plotly_chart"), "the sample has a dated article (15 November 2024): the timeline must chart it"
    at.radio(key="tl_split").set_value("Source").run()
    at.radio(key="tl_measure").set_value("Share of coverage").run()
    assert not at.exception
    ys = [y for t in _figure(at)["data"] for y in t["y"]]
    assert all(0 < y <= 1 for y in ys)


def test_overview_topic_button_sets_filter(seeded_app):
    at = run_page(seeded_app, "views/overview.py")
    table = at.dataframe[0].value
    assert list(table["articles"]) == sorted(table["articles"], reverse=True), "topics listed largest first"
    picker = at.selectbox(key="ov_topic")
    # no counts in the options: they went stale in the browser after a filter change (the table has them)
    assert list(picker.options) == [f"{k} · {lbl}" for k, lbl in zip(table["topic"], table["label"])]
    key = int(table["topic"].iloc[-1])          # not the preselected first topic
    picker.select(key).run()
    at.button(key="ov_ar").click().run()
    assert not at.exception
    assert at.session_state["topic"] == [key]
    # AppTest does not follow st.switch_page; open the target page as the browser would
    at.switch_page("views/articles.py").run()
    from views._shared import topic_labels
    shown = set(at.dataframe[0].value["topic"])
    assert shown == {topic_labels()[key]}


def test_csv_export_neutralises_formulas():
    from views._shared import to_csv_bytes
    out = to_csv_bytes(pd.DataFrame({"title": ["=HYPERLINK(\"x\")", "ok", "+1", "@x"], "n": [1, 2, 3, 4]}))
    text = out.decode()
    assert "'=HYPERLINK" in text and "'+1" in text and "'@x" in text and "\nok," in text


def test_read_only_hides_upload(seeded_app, monkeypatch):
    monkeypatch.setenv("NARRATIVES_READ_ONLY", "1")
    at = run_page(seeded_app, "views/topics.py")
    assert not [b for b in at.button if b.key == "tp_refit"]
    assert not [t for t in at.text_input if t.key and t.key.startswith("tp_")]


def test_chart_image_format_follows_the_sidebar_choice(seeded_app):
    """The camera button of every chart downloads PNG by default and SVG once chosen in the sidebar."""
    at = run_page(seeded_app, "views/timeline.py")
    cfg = json.loads(at.get("plotly_chart")[0].proto.config)
    assert cfg["toImageButtonOptions"]["format"] == "png"
    at.session_state["img_fmt"] = "svg"
    at.run()
    assert not at.exception
    cfg = json.loads(at.get("plotly_chart")[0].proto.config)
    assert cfg["toImageButtonOptions"]["format"] == "svg"


def test_overview_chart_image_format_follows_the_sidebar_choice_too(seeded_app):
    """The same modebar config reaches the light component that draws the Overview's chart."""
    at = run_page(seeded_app, "views/overview.py")
    cfg = json.loads(at.get("bidi_component")[0].proto.json)["config"]
    assert cfg["toImageButtonOptions"] == {"format": "png", "filename": "stance_mix", "scale": 2}
    assert cfg["displaylogo"] is False and cfg["responsive"] is True
    at.session_state["img_fmt"] = "svg"
    at.run()
    assert not at.exception
    assert json.loads(at.get("bidi_component")[0].proto.json)["config"]["toImageButtonOptions"]["format"] == "svg"


def test_overview_stance_mix_colours_by_position(seeded_app, seeded_db):
    """One legend entry (and colour) per stance position, every stance cluster its own segment whose hover
    names the cluster; the segments add up to the clustered articles of each topic."""
    from narratives.store import Store
    frame = Store(seeded_db).frame().dropna(subset=["topic"])
    at = run_page(seeded_app, "views/overview.py")
    assert not at.get("plotly_chart")   # the light component draws it (views/_light_plotly.py)
    traces = _light_figure(at)["data"]
    shown = [t for t in traces if t.get("showlegend")]
    kinds = {str(s).split(" · ", 1)[0] for s in frame["stance_label"].dropna()}
    assert sorted(t["name"] for t in shown) == sorted(kinds)
    colour = {t["name"]: t["marker"]["color"] for t in shown}
    assert len(set(colour.values())) == len(colour)                       # positions are told apart
    assert all(not c.startswith("#0000") for c in colour.values())   # real colours, not the template's names
    assert all(t["marker"]["color"] == colour[t["name"]] for t in traces)  # same position, same colour
    segments = sorted((y, s) for t in traces for y, s in zip(t["y"], t["customdata"]))
    assert sorted(set(segments)) == segments                               # no cluster drawn twice
    assert {s for _, s in segments} == set(frame["stance_label"].dropna())
    per_topic = {}
    for t in traces:
        for y, x in zip(t["y"], t["x"]):
            per_topic[int(y.split(" · ")[0])] = per_topic.get(int(y.split(" · ")[0]), 0) + x
    assert per_topic == frame.groupby("topic").size().astype(int).to_dict()
    xaxis = _light_figure(at)["layout"]["xaxis"]
    assert xaxis["dtick"] == 1 and xaxis["tickformat"] == ",d"   # whole articles, never "0.2"


def test_no_page_calls_st_stop():
    """Pages end early with sh.stop(): st.stop() would end app.py's run too, before it draws the filter
    widgets after the page, so the page would show no filters."""
    import ast
    from pathlib import Path
    calls = []
    for path in sorted((Path(__file__).resolve().parents[1] / "views").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "stop"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "st"):
                calls.append(f"{path.name}:{node.lineno}")
    assert not calls, calls


def test_sidebar_is_drawn_when_a_page_ends_early(seeded_app):
    """A search that matches nothing ends Topic over time at its empty state (sh.page_data -> sh.stop). The
    filter widgets are still drawn after it (app.py draws them after the page): the analyst sees the
    search that emptied the page and can clear it there. The filter stays set over further runs."""
    at = run_page(seeded_app, "views/timeline.py")
    assert at.get("plotly_chart")
    at.session_state["q"] = "zzqxnotawordzzqx"
    at.run()
    for _ in range(2):
        assert not at.exception
        assert "No articles match" in _texts(at) and not at.get("plotly_chart")
        assert at.sidebar.text_input(key="q").value == "zzqxnotawordzzqx"
        assert [b for b in at.sidebar.button if b.key == "clear_filters"]
        at.run()
    at.sidebar.button(key="clear_filters").click().run()
    assert not at.exception and at.get("plotly_chart") and at.session_state["q"] == ""


def test_articles_without_a_source_can_be_picked_by_link(seeded_app, seeded_db):
    """Two samples name no outlet: the Sources filter offers "(unknown source)" and a link with it shows them."""
    from narratives.filters import UNKNOWN_SOURCE
    from narratives.store import Store
    frame = Store(seeded_db).frame()
    n_unknown = int(frame["source"].isna().sum())
    assert n_unknown >= 1, "the samples include articles whose outlet is not found"
    at = seeded_app
    at.query_params["source"] = UNKNOWN_SOURCE
    at.run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    picker = at.sidebar.multiselect(key="source")
    assert picker.options[-1] == UNKNOWN_SOURCE and picker.value == [UNKNOWN_SOURCE]
    assert at.metric[0].value == str(n_unknown)
    assert any(f"{n_unknown} with no known source" in c.value for c in at.caption)


def test_timeline_with_one_dated_week_opens_on_that_week(seeded_app):
    """One dated sample: the x axis spans the week either side (Plotly alone zoomed onto a millisecond) and
    the one series is named in a legend."""
    at = run_page(seeded_app, "views/timeline.py")
    layout = _figure(at)["layout"]
    lo, hi = (pd.Timestamp(x) for x in layout["xaxis"]["range"])
    (x,) = [pd.Timestamp(v) for t in _figure(at)["data"] for v in t["x"]]
    assert x == pd.Timestamp("2024-11-11")   # the week of the sample's one date ("Friday, November 15, 2024")
    assert (lo, hi) == (x - pd.Timedelta(days=7), x + pd.Timedelta(days=7))
    assert layout["showlegend"] is True


def test_first_coverage_says_when_a_topic_has_no_dated_article(seeded_app):
    """Four of the five samples are undated: a topic with none dated says so instead of a row of None."""
    at = run_page(seeded_app, "views/sources.py")
    (table,) = [d.value for d in at.dataframe if "first source" in d.value.columns]
    undated = table[table["date"] == "undated"]
    assert len(undated), "the sample has a topic without a dated article"
    assert (undated["first source"] == "(no dated article)").all() and (undated["title"] == "").all()
    dated = table[table["date"] != "undated"]
    assert len(dated) and not dated["first source"].isna().any()
    assert not table[["first source", "date", "title"]].isna().any().any()
