"""A Plotly figure drawn by plotly.js's *basic* bundle (bar, scatter, pie: 1.2 MB), not Streamlit's full one.

Why: the Overview's stance-mix chart is the first thing an analyst waits for. st.plotly_chart draws with
Streamlit's chart bundle, which carries all of plotly.js (4.7 MB: maps, 3-D, finance...): compiling and
running it costs the browser ~1 s of CPU on every first load, on a 2-core machine while the server is
still computing the page. A bar chart needs none of that. Here the same figure (same traces, labels,
colours and modebar with its PNG/SVG download) goes to a small Streamlit component (st.components.v2,
mounted in the page's own DOM, not an iframe) that draws it with the vendored basic bundle
(views/assets, MIT licence), which the page starts loading as soon as it connects (views/_preload.py).
bench/dashboard.py: first chart ~0.4-0.5 s sooner (README "Performance"). Every other chart keeps
st.plotly_chart: they need the selections (the timeline's lasso) that this component does not report back.

Only figure JSON crosses to the browser, as component data (no HTML is built here); text in it is
escaped for Plotly's label markup by the pages (views/_shared.plot_text), as for st.plotly_chart.
If the basic bundle cannot be fetched (a server started without scripts/server_app.py's middleware,
e.g. plain `streamlit run app.py`), the component falls back to Streamlit's own full bundle.
"""
from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parent / "assets"
BUNDLE = "plotly-basic-4.1.1.min.js"   # the version in the name: served as immutable, cached for a year
URL_PATH = "/_nm/" + BUNDLE           # below the app's base URL (views/_preload.PlotlyPreload serves it)

# Streamlit's look for a figure drawn outside st.plotly_chart (its light theme, as its chart code fills in
# layout the figure leaves open): its font (loaded by the page), grey tick labels, no background, axes
# that make room for their labels.
_FONT = '"Source Sans", sans-serif'
_FADED = "rgba(49, 51, 63, 0.6)"
_GRID = "#F0F2F6"
THEME = {
    "font": {"family": _FONT, "size": 12, "color": _FADED},
    "legend": {"font": {"size": 12, "color": "#31333F"}, "title": {"font": {"size": 12, "color": _FADED}},
               "valign": "top"},
    "margin": {"pad": 8},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "xaxis": {"automargin": True, "showgrid": False, "zeroline": False, "gridcolor": _GRID,
              "tickfont": {"size": 12, "color": _FADED}, "title": {"font": {"size": 14, "color": _FADED}}},
    "yaxis": {"automargin": True, "ticklabelposition": "outside", "gridcolor": _GRID, "zerolinecolor": _GRID,
              "tickfont": {"size": 12, "color": _FADED}, "title": {"font": {"size": 14, "color": _FADED}}},
    "hoverlabel": {"bgcolor": "#FFFFFF", "bordercolor": "#D5DAE5",
                   "font": {"family": _FONT, "size": 12, "color": "#31333F"}},
}
# Streamlit's Plotly template names its colours by placeholders ("#000001".."#000010") that its chart code
# replaces with the theme's categorical palette; the same replacement here (its light-theme palette).
CATEGORICAL = ["#0068C9", "#83C9FF", "#FF2B2B", "#FFABAB", "#29B09D", "#7DEFA1", "#FF8700", "#FFD16A",
               "#6D3FC0", "#D5DAE5"]
_PLACEHOLDER = {f"#{i + 1:06d}": c for i, c in enumerate(CATEGORICAL)}


def _under(defaults: dict, given: dict) -> dict:
    """`given` with `defaults` filled in where it says nothing (nested dicts merged)."""
    out = dict(defaults)
    for k, v in given.items():
        out[k] = _under(defaults[k], v) if isinstance(v, dict) and isinstance(defaults.get(k), dict) else v
    return out


# The loader is shared with the page's head script (views/_preload.py), which starts it when the page
# connects: window.__nmPlotly holds one promise of a Plotly object for the whole page. The script tag's
# src resolves against the page's URL, as Streamlit's own relative asset URLs do (base URL paths work).
LOADER_JS = """function () {
  if (!window.__nmPlotly) {
    window.__nmPlotly = new Promise(function (ok, bad) {
      var s = document.createElement("script");
      s.src = "." + %(path)s;
      s.async = true;
      s.onload = function () { window.Plotly ? ok(window.Plotly) : bad(new Error("no Plotly")); };
      s.onerror = function () {
        var full = %(full)s;
        if (!full) { bad(new Error("plotly.js not found")); return; }
        import(new URL(full, document.baseURI).href)
          .then(function () { window.Plotly ? ok(window.Plotly) : bad(new Error("no Plotly")); }, bad);
      };
      document.head.appendChild(s);
    });
  }
  return window.__nmPlotly;
}"""

_COMPONENT_JS = """
const load = window.__nmLoadPlotly || (%(loader)s);
export default function (component) {
  const { data, parentElement } = component;
  let el = parentElement.querySelector("div.nm-plotly");
  if (!el) {
    el = document.createElement("div");
    el.className = "nm-plotly";
    parentElement.appendChild(el);
  }
  let gone = false;
  load().then((Plotly) => {
    if (gone) { return; }
    el.__nmPlotly = Plotly;
    if (!el.__nmResize && window.ResizeObserver) {   // the sidebar opening or closing resizes the chart too
      el.__nmResize = new ResizeObserver(() => { if (el.isConnected) { Plotly.Plots.resize(el); } });
      el.__nmResize.observe(el);
    }
    return Plotly.react(el, data.figure.data, data.figure.layout, data.config)
      .then(() => { window.dispatchEvent(new Event("nm-plotly-drawn")); });   // views/_preload.py waits for it
  }).catch(() => {
    el.textContent = "The chart could not be drawn (reload the page).";
  });
  return () => {   // new data re-runs this function on the same element; only a removed one is let go
    gone = true;
    if (!el.isConnected) {
      if (el.__nmResize) { el.__nmResize.disconnect(); }
      if (el.__nmPlotly) { el.__nmPlotly.purge(el); }
    }
  };
}
"""


def loader_js(full_url: str | None = None) -> str:
    """The loader function's source (a JS function expression); `full_url` is the fallback bundle's URL
    (default: this Streamlit's chart bundle, views/_preload.full_bundle_url)."""
    if full_url is None:
        from views._preload import full_bundle_url, plotly_chunk
        full_url = full_bundle_url(plotly_chunk())
    return LOADER_JS % {"path": json.dumps(URL_PATH), "full": json.dumps(full_url or "")}


@st.cache_resource(show_spinner=False)
def component():
    """The registered component (once per process; the server's warm-up registers it before any visitor)."""
    return st.components.v2.component("narratives_light_plotly",
                                      js=_COMPONENT_JS % {"loader": loader_js()}, isolate_styles=False)


def figure_data(fig) -> dict:
    """The figure as plain JSON data, with Streamlit's look filled in where the figure leaves it open."""
    text = fig.to_json()
    for placeholder, colour in _PLACEHOLDER.items():
        text = text.replace(f'"{placeholder}"', f'"{colour}"')
    spec = json.loads(text)
    layout = spec.get("layout") or {}
    # of the template, its categorical colours only: its colour scales are named by placeholders too (for
    # Streamlit's theme), its per-trace-type parts are for types the basic bundle lacks
    template = layout.pop("template", None) or {}
    colorway = (template.get("layout") or {}).get("colorway")
    if colorway:
        layout["template"] = {"layout": {"colorway": colorway}}
    return {"data": spec.get("data", []), "layout": _under(THEME, layout)}


def plotly_chart(fig, *, key: str, config: dict | None = None, height: int | None = None) -> None:
    """Draw `fig` (a plotly.graph_objects.Figure of bar / scatter / pie traces) full width."""
    height = int(height or fig.layout.height or 450)
    conf = {"responsive": True, "displaylogo": False, **(config or {})}
    component()(data={"figure": figure_data(fig), "config": conf}, key=key, height=height)


def bundle_bytes() -> bytes:
    return (ASSETS / BUNDLE).read_bytes()
