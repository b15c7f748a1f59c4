"""views/_light_plotly: the Overview's chart drawn by plotly.js's basic bundle (and its serving, views/_preload)."""
from __future__ import annotations

import gzip
import json

import plotly.graph_objects as go
import plotly.io as pio
import streamlit  # noqa: F401 - sets Streamlit's Plotly template as the default, as in the app

from views import _light_plotly as lp
from views import _preload


def _figure() -> go.Figure:
    colorway = list(pio.templates[pio.templates.default].layout.colorway)
    fig = go.Figure([go.Bar(x=[3, 1], y=["a &lt;b&gt;", "b"], orientation="h", name="denial",
                            marker={"color": colorway[0]}),
                     go.Bar(x=[2], y=["b"], orientation="h", name="other", marker={"color": colorway[1]})])
    fig.update_layout(barmode="relative", height=300, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="Articles")
    return fig


def test_template_colour_names_become_the_theme_palette():
    """Streamlit's template names colours "#000001".. for its own chart code to replace; drawn outside it, the
    figure must carry the real colours (else every bar is black)."""
    assert pio.templates[pio.templates.default].layout.colorway[0] == "#000001"   # what the pages start from
    data = lp.figure_data(_figure())
    assert [t["marker"]["color"] for t in data["data"]] == lp.CATEGORICAL[:2]
    assert "#0000" not in json.dumps(data)


def test_the_figure_keeps_what_it_says_and_gets_streamlits_look_for_the_rest():
    data = lp.figure_data(_figure())
    layout = data["layout"]
    assert layout["margin"] == {"l": 10, "r": 10, "t": 10, "b": 10, "pad": 8}    # given values win
    assert layout["height"] == 300 and layout["barmode"] == "relative"
    assert layout["xaxis"]["title"]["text"] == "Articles"
    assert layout["xaxis"]["title"]["font"] == lp.THEME["xaxis"]["title"]["font"]   # filled in under it
    assert layout["yaxis"]["automargin"] is True and layout["font"]["family"] == lp.THEME["font"]["family"]
    assert layout["paper_bgcolor"] == "rgba(0,0,0,0)"
    # of the template its categorical colours only (its scales are placeholders, its trace parts unused)
    assert layout["template"] == {"layout": {"colorway": lp.CATEGORICAL}}
    assert data["data"][0]["y"] == ["a &lt;b&gt;", "b"]   # text as the page escaped it, untouched


def test_a_given_nested_value_is_not_overwritten_by_the_theme():
    fig = _figure()
    fig.update_layout(font={"size": 20}, legend={"font": {"color": "red"}})
    layout = lp.figure_data(fig)["layout"]
    assert layout["font"]["size"] == 20 and layout["font"]["family"] == lp.THEME["font"]["family"]
    assert layout["legend"]["font"] == {"size": 12, "color": "red"}


def test_the_vendored_bundle_is_plotly_basic_of_the_pinned_version_with_its_licence():
    head = lp.bundle_bytes()[:400].decode()
    version = lp.BUNDLE.split("-")[2].removesuffix(".min.js")
    assert lp.BUNDLE.startswith("plotly-basic-") and f"plotly.js (basic - minified) v{version}" in head
    assert lp.URL_PATH == "/_nm/" + lp.BUNDLE
    assert 800_000 < len(lp.bundle_bytes()) < 2_000_000   # the basic bundle, not the 4.7 MB full one
    assert "MIT License" in (lp.ASSETS / "plotly-basic-LICENSE.txt").read_text()


def test_the_loader_falls_back_to_streamlits_own_bundle():
    """Served without the middleware (plain `streamlit run app.py`), the basic bundle is missing: the loader
    then imports Streamlit's full chart bundle, which defines the same Plotly."""
    js = lp.loader_js()
    assert json.dumps(lp.URL_PATH) in js and "s.onerror" in js
    assert json.dumps(f"./static/js/{_preload.plotly_chunk()}") in js and "import(new URL(full" in js
    assert "window.__nmPlotly" in js   # one promise per page, shared with the head script


def _call(path: str, method: str = "GET", accept_encoding: bytes | None = None):
    """One request through PlotlyPreload over a fake Streamlit app answering "nope" (tests/test_preload.py's
    harness); (status, headers, body, paths that reached the app)."""
    from test_preload import _serve
    seen: list = []
    request = [(b"accept", b"*/*")] + ([(b"accept-encoding", accept_encoding)] if accept_encoding else [])
    start, body = _serve(b"nope", [], method=method, request_headers=request, seen=seen, path=path)
    return start["status"], dict(start["headers"]), body, [sc["path"] for sc in seen]


def test_the_middleware_serves_the_bundle_cached_for_a_year_under_any_base_path():
    for path in (lp.URL_PATH, "/some/base" + lp.URL_PATH):
        status, headers, body, reached = _call(path)
        assert status == 200 and not reached and body == lp.bundle_bytes()
        assert headers[b"content-type"].startswith(b"text/javascript")
        assert headers[b"cache-control"] == b"public, max-age=31536000, immutable"
        assert headers[b"content-length"] == str(len(body)).encode() and b"content-encoding" not in headers


def test_the_bundle_is_gzipped_for_a_client_that_accepts_it_and_head_has_no_body():
    status, headers, body, _ = _call(lp.URL_PATH, accept_encoding=b"gzip, br")
    assert status == 200 and headers[b"content-encoding"] == b"gzip"
    assert gzip.decompress(body) == lp.bundle_bytes() and len(body) < len(lp.bundle_bytes()) / 2
    status, headers, body, _ = _call(lp.URL_PATH, method="HEAD")
    assert status == 200 and body == b"" and int(headers[b"content-length"]) == len(lp.bundle_bytes())


def test_other_paths_and_methods_reach_streamlit():
    for path, method in (("/_nm/other.js", "GET"), ("/static/js/x.js", "GET"), (lp.URL_PATH, "POST")):
        status, _, body, reached = _call(path, method)
        assert (body, reached) == (b"nope", [path])


def test_the_head_script_loads_the_basic_bundle_on_the_overview_and_the_full_one_elsewhere():
    script = _preload.preload_tags("PlotlyChart.abc123.js").decode().split("<script>", 1)[1]
    assert "window.__nmLoadPlotly = " + lp.loader_js("./static/js/PlotlyChart.abc123.js") in script
    assert r"/\/(?:overview\/?)?$/.test(location.pathname)" in script
    # the full bundle once the first chart is drawn, the browser idle and the person still for a moment (or
    # after a while without a chart); tests/e2e checks the waiting in a browser
    assert 'addEventListener("nm-plotly-drawn", whenIdle' in script and "requestIdleCallback(" in script
    assert f"quiet = {_preload.INPUT_QUIET_MS}" in script and '"pointermove", "pointerdown", "keydown"' in script
    assert f"setTimeout(whenIdle, {_preload.FULL_AFTER_MS})" in script
    assert 'dispatchEvent(new Event("nm-plotly-drawn"))' in lp._COMPONENT_JS
    assert 'url = "./static/js/PlotlyChart.abc123.js"' in script and "import(url)" in script
