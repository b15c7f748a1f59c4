"""AppTest of the Side by side page: URL pair, shared passages marked, stale ids, escaping of article text."""
from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from page_helpers import open_page, store_samples

PAGE = "views/side_by_side.py"

EVIL = ("<script>alert(1)</script> Evil Outlet reports.\n"
        "Pakistan’s Foreign Office (FO), on Thursday, denied claims that China is pressuring Islamabad to allow "
        "Chinese security personnel to protect Chinese nationals in Pakistan. Click [here](javascript:alert(2)) "
        "to win $5 and *more*. <img src=x onerror=alert(3)>")


@pytest.fixture(scope="module")
def sbs_db(tmp_path_factory) -> tuple[str, dict[str, int]]:
    """Sample articles ingested one source each (real ingest), plus one hostile article; ids by file prefix."""
    from narratives.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('sbs') / 'sbs.db'}"
    store = Store(url)
    ids = store_samples(store, "Evil title\n\n" + EVIL, date(2024, 11, 20))
    store.close()
    return url, ids


def _open(url: str, monkeypatch, **params) -> AppTest:
    return open_page(url, monkeypatch, PAGE, **params)


def _bodies(at) -> list[str]:
    return [m.value for m in at.markdown if 'class="sbs-' in m.value]


def _texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "metric")
                     for e in getattr(at, kind))


def test_url_pair_opens_with_shared_passages_marked(sbs_db, monkeypatch):
    url, ids = sbs_db
    at = _open(url, monkeypatch, a=str(ids["002"]), b=str(ids["003"]))
    assert at.selectbox(key="a").value == ids["002"] and at.selectbox(key="b").value == ids["003"]
    body_a, body_b = _bodies(at)
    assert "<mark" in body_a and "<mark" in body_b
    # the same pair number on both sides: the Baloch "speculation" passage, reported in other words
    marks_a = body_a.split("<mark")[1:]
    pair_a = next(m for m in marks_a if "Mumtaz Zahra Baloch, dismissed" in m)
    num = pair_a.split("<sup>")[1].split("</sup>")[0]
    pair_b = next(m for m in body_b.split("<mark")[1:] if f"<sup>{num}</sup>" in m)
    assert "Baloch called these reports" in pair_b
    assert "paraphrase" in pair_a
    # metadata and similarity figure
    text = _texts(at)
    assert "Daily Pakistan" in text and "Day News" in text
    assert any(m.label == "Shared text" and m.value.endswith("%") for m in at.metric)
    # matched passages table behind the view
    assert len(at.dataframe) >= 2


def test_unrelated_pair_has_little_marked(sbs_db, monkeypatch):
    url, ids = sbs_db
    at = _open(url, monkeypatch, a=str(ids["000"]), b=str(ids["004"]))
    shared = next(m for m in at.metric if m.label == "Shared text")
    assert shared.value == "0%"
    assert all("<mark" not in b for b in _bodies(at))


def test_article_text_is_escaped(sbs_db, monkeypatch):
    url, ids = sbs_db
    at = _open(url, monkeypatch, a=str(ids["evil"]), b=str(ids["003"]))
    body_a = _bodies(at)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body_a
    assert "<script" not in body_a and "<img" not in body_a
    assert "&lt;img src=x onerror=alert(3)&gt;" in body_a
    assert "](javascript" not in body_a and "&#91;here&#93;" in body_a     # no markdown link
    assert "$5" not in body_a                                               # no LaTeX
    # the copied sentence is found as the same wording in 003
    assert "<mark" in body_a and "same #" in body_a
    for m in at.markdown:                      # nothing else on the page carries raw article HTML
        assert "<script" not in m.value


def test_stale_and_garbage_ids_give_notice(sbs_db, monkeypatch):
    url, ids = sbs_db
    at = _open(url, monkeypatch, a="99999", b="abc")
    warnings = " ".join(w.value for w in at.warning)
    assert "99999" in warnings and "abc" in warnings
    assert at.selectbox(key="a").value is None
    assert "Pick two articles" in _texts(at)


def test_one_id_only_and_same_id(sbs_db, monkeypatch):
    url, ids = sbs_db
    at = _open(url, monkeypatch, a=str(ids["001"]))
    assert at.selectbox(key="a").value == ids["001"] and at.selectbox(key="b").value is None
    at = _open(url, monkeypatch, a=str(ids["001"]), b=str(ids["001"]))
    assert "same article" in _texts(at)


def test_picking_in_the_selectboxes(sbs_db, monkeypatch):
    url, ids = sbs_db
    at = _open(url, monkeypatch)
    assert "Pick two articles" in _texts(at)
    at.selectbox(key="a").select(ids["002"]).run()
    at.selectbox(key="b").select(ids["003"]).run()
    assert not at.exception
    assert len(_bodies(at)) == 2
    at.toggle(key="sbs_only_shared").set_value(True).run()
    body_a = _bodies(at)[0]
    assert "<mark" in body_a and "sacrifices" not in body_a.split("<mark")[0]


def test_renders_on_empty_store(tmp_path, monkeypatch):
    at = _open(f"sqlite:///{tmp_path / 'empty.db'}", monkeypatch, a="1", b="2")
    assert "No articles stored yet" in _texts(at)


def test_renders_on_seeded_sample(seeded_app):
    """The shared fixture (ingest + cluster_corpus of data/*.txt): topic and stance shown for the pair."""
    at = seeded_app
    at.query_params["a"] = "1"
    at.query_params["b"] = "2"
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Topic:" in _texts(at)
