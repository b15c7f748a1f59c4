"""AppTest of the Source comparison page on a store with a known (hand-written) clustering run."""
from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from app_paths import SAMPLE_FILES as SAMPLE
from page_helpers import SOURCES, open_page, store_samples

from narratives.records import Cluster

PAGE = "views/sources.py"
EVIL = ("Evil title <b>bold</b>\n\nOfficials denied the report, calling it <script>alert(1)</script> nonsense. "
        "“We reject these claims entirely,” the spokesperson said on Monday.")


@pytest.fixture(scope="module")
def src_db(tmp_path_factory) -> tuple[str, dict[str, int]]:
    """Sample articles (one source each, dated) + a hostile one; topics: 0 trafficking, 1 security."""
    from narratives.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('src') / 'src.db'}"
    store = Store(url)
    ids = store_samples(store, EVIL, date(2024, 11, 9))
    run = store.start_run({"test": True})
    topic_of = {"000": 0, "001": 0, "002": 1, "003": 1, "004": 1, "evil": 1}
    stance_of = {"000": 10, "001": 11, "002": 12, "003": 12, "004": 13, "evil": 12}
    store.finish_run(run, [(ids[k], t, stance_of[k]) for k, t in topic_of.items()], [
        Cluster(run, "topic", 0, None, "trafficking · women", "trafficking · women", size=2),
        Cluster(run, "topic", 1, None, "security · chinese nationals", "security · chinese nationals", size=4),
        Cluster(run, "stance", 10, 0, "statement · coordination", "statement · coordination", size=1),
        Cluster(run, "stance", 11, 0, "acquittal · court", "acquittal · court", size=1),
        Cluster(run, "stance", 12, 1, "denied · speculation", "denied · speculation", size=3),
        Cluster(run, "stance", 13, 1, "talks · ambassador", "talks · ambassador", size=1),
    ], None)
    store.close()
    return url, ids


def _open(url: str, monkeypatch, **params) -> AppTest:
    return open_page(url, monkeypatch, PAGE, **params)


def _texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "subheader")
                     for e in getattr(at, kind))


def _figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_all_sections_render_with_captions_and_downloads(src_db, monkeypatch):
    url, ids = src_db
    at = _open(url, monkeypatch)
    heat, mix, terms = _figures(at)
    # heatmap: outlets on y, "key · label" topics on x, shares per source (rows sum to 1)
    hm = heat["data"][0]
    assert hm["type"] == "heatmap"
    assert set(hm["y"]) == set(SOURCES) | {"Evil Outlet"}
    # topic labels are wrapped onto short lines (number, then the name) so neighbouring columns do not overlap
    assert hm["x"] == ["1<br>security<br>chinese nationals", "0<br>trafficking · women"]
    for row in hm["z"]:
        assert sum(row) == pytest.approx(1.0)
    # every non-empty cell here rests on one article: all 6 say "thin" under their share (no ✕ over the number)
    texts = [t for row in hm["text"] for t in row if t]
    assert len(texts) == 6 and all(t.endswith("%<br>thin") for t in texts)
    assert len(heat["data"]) == 1
    # stance mix defaults to the largest topic (1): Day News, Daily Pakistan, TradingView, Evil Outlet
    assert at.selectbox(key="mix_topic").value == "1"
    bars_y = {y for tr in mix["data"] for y in tr["y"]}
    assert any(y.startswith("Day News (1)") and "thin" in y for y in bars_y)
    assert {tr["name"] for tr in mix["data"]} == {"denied · speculation", "talks · ambassador"}
    # distinguishing terms: two sides
    assert {tr["name"].split(" ", 2)[0] for tr in terms["data"]} == {"more"}
    captions = [c.value for c in at.caption]
    assert any(c.startswith("6 articles · 6 sources") for c in captions)
    assert len(at.get("download_button")) >= 4
    # first coverage table: topic 1 first covered by Evil Outlet (Nov 9), topic 0 by Dawn (Nov 10)
    first = at.dataframe[0].value
    by_topic = first.set_index("topic")
    assert by_topic.loc[1, "first source"] == "Evil Outlet" and by_topic.loc[0, "first source"] == "Dawn"


def test_url_params_select_comparisons_and_evidence(src_db, monkeypatch):
    url, ids = src_db
    at = _open(url, monkeypatch, mix_topic="0", terms_a="Day News", terms_b="Daily Pakistan",
               ev_source="Day News", ev_topic="1")
    assert at.selectbox(key="mix_topic").value == "0"
    assert at.selectbox(key="terms_a").value == "Day News"
    assert at.selectbox(key="terms_b").value == "Daily Pakistan"
    terms = _figures(at)[2]
    names = [tr["name"] for tr in terms["data"]]
    assert names == ["more in Day News", "more in Daily Pakistan"]
    assert "baloch" in " ".join(terms["data"][0]["y"])          # 003 quotes the FO spokesperson at length
    text = _texts(at)
    assert "Day News" in text and "security · chinese nationals" in text
    quotes = [m.value for m in at.markdown if m.value.startswith("> ")]
    assert quotes and any("Baloch" in q or "speculation" in q for q in quotes)
    links = [el for el in at.get("page_link")]
    assert links, "each evidence article links to the Articles page and to Side by side"


def test_bad_url_params_give_notices(src_db, monkeypatch):
    url, _ = src_db
    at = _open(url, monkeypatch, mix_topic="99", terms_a="No Such Outlet", ev_topic="zz")
    warnings = " ".join(w.value for w in at.warning)
    assert "99" in warnings and "No Such Outlet" in warnings and "zz" in warnings
    assert at.selectbox(key="mix_topic").value == "1"


def test_same_source_both_sides_is_a_notice(src_db, monkeypatch):
    url, _ = src_db
    at = _open(url, monkeypatch, terms_a="Dawn", terms_b="Dawn")
    assert "two different sources" in _texts(at)


def test_evidence_text_is_escaped(src_db, monkeypatch):
    url, _ = src_db
    at = _open(url, monkeypatch, ev_source="Evil Outlet", ev_topic="1")
    quotes = [m.value for m in at.markdown if m.value.startswith("> ")]
    assert any("denied" in q for q in quotes)
    joined = "\n".join(quotes)
    assert "\\<script\\>" in joined                      # markdown-escaped: shows as text
    titles = [m.value for m in at.markdown if "Evil title" in m.value]
    assert titles and all("\\<b\\>" in t for t in titles)


def test_sidebar_filter_narrows_every_section(src_db, monkeypatch):
    url, _ = src_db
    at = _open(url, monkeypatch, source=["Dawn", "Reuters"])
    heat = _figures(at)[0]["data"][0]
    assert set(heat["y"]) == {"Dawn", "Reuters"}
    assert heat["x"] == ["0<br>trafficking · women"]


def test_empty_store_and_unclustered_store(tmp_path, monkeypatch):
    at = _open(f"sqlite:///{tmp_path / 'empty.db'}", monkeypatch)
    assert "No articles stored yet" in _texts(at)

    from narratives.ingest import ingest_files
    from narratives.store import Store
    url = f"sqlite:///{tmp_path / 'raw.db'}"
    store = Store(url)
    for p, src in zip(SAMPLE, SOURCES):
        ingest_files(store, [(p.name, p.read_bytes())], source=src)
    store.close()
    at = _open(url, monkeypatch)
    assert "not clustered yet" in _texts(at)
    assert len(_figures(at)) == 1                       # only the distinguishing terms (no topics needed)


def test_renders_on_seeded_sample(seeded_app):
    """The shared fixture (real ingest + cluster_corpus of data/*.txt)."""
    at = seeded_app
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Source comparison"
