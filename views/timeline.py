"""Topic over time: articles per topic per day/week/month, selectable points, analyst event markers.

Event markers are page-local and synced to the URL by hand as repeated `ev=YYYY-MM-DD~label` params
(they are not widgets, so bind="query-params" cannot hold them).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from views import _shared as sh

EV = "ev"
PERIOD = {"day": "D", "week": "W", "month": "M"}
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
           "#7f7f7f", "#bcbd22", "#393b79", "#ad494a", "#637939", "#843c39", "#5254a3"]

st.title("Topic over time")


# ------------------------------------------------------------------ event markers (manual URL sync)
def _parse_event(raw: str) -> tuple[str, str] | None:
    day, _, label = raw.partition("~")
    try:
        return date.fromisoformat(day.strip()).isoformat(), label.strip()[:80]
    except ValueError:
        return None


if "tl_events" not in st.session_state:
    raw = st.query_params.get_all(EV)
    parsed = [_parse_event(r) for r in raw]
    bad = [r for r, p in zip(raw, parsed) if p is None]
    if bad:
        st.warning("Ignored event marker(s) in the link that have no valid date (expected `ev=2024-11-15~label`): "
                   + ", ".join(sh.md_escape(b, 40) for b in bad), icon=":material/link_off:")
    st.session_state.tl_events = sorted({p for p in parsed if p})


def _events_to_url() -> None:
    values = [f"{d}~{lbl}" for d, lbl in st.session_state.tl_events]
    if values:
        st.query_params[EV] = values
    elif EV in st.query_params:
        del st.query_params[EV]


def _add_event() -> None:
    d = st.session_state.get("tl_ev_date")
    label = (st.session_state.get("tl_ev_label") or "").strip()[:80]
    if d:
        st.session_state.tl_events = sorted(set(st.session_state.tl_events) | {(d.isoformat(), label)})
        st.session_state.tl_ev_label = ""


def _remove_events() -> None:
    drop = set(st.session_state.get("tl_ev_remove") or [])
    st.session_state.tl_events = [e for e in st.session_state.tl_events if f"{e[0]} {e[1]}" not in drop]
    st.session_state.tl_ev_remove = []


_events_to_url()

# ------------------------------------------------------------------ data
frame, view, f = sh.page_data()

c1, c2, c3 = st.columns([2, 3, 3])
measure = c1.radio("Show", ["Article count", "Share of coverage"], key="tl_measure", horizontal=True,
                   help="Share = the series' articles / all filtered articles in that period.")
split = c2.radio("Split topics by", ["Nothing", "Stance", "Source"], key="tl_split", horizontal=True)
c3.caption(f"Granularity: **{f.granularity}** (sidebar)")

labels = sh.topic_labels()
dated = view[view["published"].notna()].copy()
undated = view[view["published"].isna()]


def _topic_name(k) -> str:
    if pd.isna(k):
        return "(not clustered)"
    return f"{int(k)} · {labels.get(int(k), f'Topic {int(k)}')}"


def _topic_names(keys: pd.Series) -> pd.Series:
    """_topic_name of a column, computed once a topic (not once an article: 0.25 s at 100,000)."""
    names = {k: _topic_name(k) for k in keys.dropna().unique()}
    return keys.map(names).astype(object).fillna(_topic_name(None))


if dated.empty:
    st.info(f"None of the {len(view):,} filtered articles has a publication date, so there is no timeline. "
            "Add dates on the Articles page (edit) or give a batch date when uploading.")
    sh.stop()

dated["period"] = dated["published"].dt.to_period(PERIOD[f.granularity]).dt.start_time
dated["Topic"] = _topic_names(dated["topic"])
single_topic = dated["Topic"].nunique() == 1
if split == "Stance":
    part = dated["stance_label"].fillna("(no stance)").astype(str)
elif split == "Source":
    part = sh.source_labels(dated["source"])
else:
    part = None
if part is None:
    dated["series"] = dated["Topic"]
elif single_topic:
    dated["series"] = part
else:
    dated["series"] = dated["Topic"] + " · " + part

counts = dated.groupby(["period", "series"]).size().rename("articles")
# Periods without articles are real zeros, not gaps to draw a line across.
periods = pd.period_range(dated["published"].min(), dated["published"].max(),
                          freq=PERIOD[f.granularity]).start_time
counts = (counts.reindex(pd.MultiIndex.from_product([periods, sorted(dated["series"].unique())],
                                                    names=["period", "series"]), fill_value=0)
          .reset_index())
totals = dated.groupby("period").size().rename("all_filtered")
counts = counts.join(totals, on="period")
counts["all_filtered"] = counts["all_filtered"].fillna(0).astype(int)
counts["share"] = (counts["articles"] / counts["all_filtered"].where(counts["all_filtered"] > 0)).fillna(0.0)
counts["thin"] = counts["articles"] < sh.THIN
ycol = "articles" if measure == "Article count" else "share"

# Series ordered by size so the biggest are first in the legend; too many lines are unreadable.
order = counts.groupby("series")["articles"].sum().sort_values(ascending=False).index.tolist()
MAX_SERIES = 15
if len(order) > MAX_SERIES:
    st.info(f"{len(order)} series: showing the {MAX_SERIES} largest. Narrow the topics or sources in the sidebar "
            "to see the others.")
    order = order[:MAX_SERIES]

# Sparse series (most periods empty, e.g. weekly over two years) read as spikes when drawn as lines through
# the zeros: then only the periods with articles get a marker, sized by count. Dense series keep lines.
n_periods = len(periods)
nonzero = counts[counts["series"].isin(order) & (counts["articles"] > 0)]
sparse = n_periods > 3 and len(nonzero) / max(1, n_periods * len(order)) < 0.5
# A marker per point is an SVG element the browser draws (and styles one by one): 15 topics by week over
# 8 years are 6,500 markers and took ~3 s to draw, lines alone ~1 s. At 3 px a week such markers cannot be
# told apart or clicked anyway, so past MAX_MARKERS a dense chart is drawn as lines and the caption says
# how to get clickable points back (sh.MAX_MARKERS).
lines_only = not sparse and n_periods * len(order) > sh.MAX_MARKERS
topic_of_series = dated.drop_duplicates("series").set_index("series")["topic"]
legend_title = ("Topic" if part is None else ("" if single_topic else "Topic · ")
                + ("Stance" if split == "Stance" else "Source") if part is not None else "Topic")
fig = go.Figure()
for i, name in enumerate(order):
    s = counts[counts["series"] == name].sort_values("period")
    if sparse:
        s = s[s["articles"] > 0]
    color = sh.topic_color(topic_of_series.get(name)) if part is None else PALETTE[i % len(PALETTE)]
    # Per-point arrays as numpy (Plotly validates a list element by element: 15 weekly series over 8 years
    # took ~0.5 s to build with lists, ~0.1 s like this). Symbol 100 = "circle-open", 0 = "circle".
    n_art = s["articles"].to_numpy(dtype="int64")
    thin = s["thin"].to_numpy(dtype=bool)
    if sparse:
        size = 7 + 3 * np.minimum(n_art, 8) ** 0.8
    else:
        size = np.where(n_art == 0, 4.0, np.where(thin, 8.0, 9.0))
    days = s["period"].dt.strftime("%Y-%m-%d").tolist()
    customdata = np.empty((len(s), 4), dtype=object)
    customdata[:, 0], customdata[:, 1], customdata[:, 2], customdata[:, 3] = sh.plot_text(name), days, n_art, i
    fig.add_trace(go.Scatter(
        x=days, y=s[ycol].tolist(), name=sh.plot_text(name),
        mode="markers" if sparse else "lines" if lines_only else "lines+markers",
        line=dict(color=color, width=2),
        marker=dict(color=color, size=size, opacity=0.85 if sparse else 1,
                    symbol=np.where(thin, 100, 0), line=dict(color=color, width=2)),
        customdata=customdata,
        hovertemplate=("%{customdata[0]}<br>" + f"{f.granularity} of " + "%{customdata[1]}: %{customdata[2]} articles"
                       + ("<br>%{y:.0%} of the filtered articles that " + f.granularity if ycol == "share" else "")
                       + "<extra></extra>"),
    ))
for d, lbl in st.session_state.tl_events:
    fig.add_shape(type="line", x0=d, x1=d, xref="x", y0=0, y1=1, yref="paper",
                  line=dict(color="#444", dash="dot", width=1))
    fig.add_annotation(x=d, y=1, xref="x", yref="paper", text=sh.plot_text(lbl, 40) or d, showarrow=False,
                       textangle=-90, xanchor="right", yanchor="top", font=dict(size=11, color="#444"))
fig.update_layout(
    height=520, dragmode="select", hovermode="closest", showlegend=True,   # named even when one series
    xaxis_title=f"Publication date (one point per {f.granularity})",
    legend=dict(orientation="h", yanchor="top", y=-0.32, title_text=legend_title),
    margin=dict(l=10, r=10, t=30, b=10),
)
if ycol == "share":
    fig.update_yaxes(title_text="Share of the filtered articles in that period", tickformat=".0%",
                     range=[0, 1.05], dtick=0.2)
else:
    sh.count_axis(fig, counts.loc[counts["series"].isin(order), "articles"].max(),
                  f"Articles per {f.granularity}")

# A few far-off dates (one 2024 article in a 2019-2020 corpus) would squeeze the bulk into a sliver: open on
# where the articles are, with a range slider below that shows (and reaches) the whole span.
pub = dated["published"].sort_values()
outside = 0
if len(pub) >= 10:
    lo, hi = pub.quantile(0.02), pub.quantile(0.98)
    full, core = pub.iloc[-1] - pub.iloc[0], hi - lo
    if core > pd.Timedelta(0) and full > 1.5 * core + pd.Timedelta(days=30):
        pad = max(core * 0.03, pd.Timedelta(days=7))
        x0 = (pd.Timestamp(lo).to_period(PERIOD[f.granularity]).start_time - pad)
        x1 = (pd.Timestamp(hi).to_period(PERIOD[f.granularity]).end_time + pad)
        outside = int(((pub < x0) | (pub > x1)).sum())
        fig.update_xaxes(range=[x0.strftime("%Y-%m-%d"), x1.strftime("%Y-%m-%d")],
                         rangeslider=dict(visible=True, thickness=0.08))

if n_periods <= 3 and not outside:
    # one or a few periods: Plotly would zoom onto the single date, with ticks a millisecond apart
    # ("23:59:59.9995"); open on the periods with one empty period either side, ticked by day
    step = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(days=7), "month": pd.DateOffset(months=1)}[
        f.granularity]
    x0, x1 = periods[0] - step, periods[-1] + step
    fig.update_xaxes(range=[x0.strftime("%Y-%m-%d"), x1.strftime("%Y-%m-%d")], tickformat="%b %d, %Y")

ev = st.plotly_chart(fig, key="tl_chart", on_select="rerun", selection_mode=("points", "box", "lasso"),
                     config=sh.plotly_config("topic_over_time"), width="stretch")
plotted = dated[dated["series"].isin(order)]
sh.chart_caption(plotted, f"{len(undated):,} undated not on the chart")
if outside:
    st.caption(f"{outside:,} article{'s' if outside != 1 else ''} dated far from the rest "
               f"{'are' if outside != 1 else 'is'} outside the opening view: drag the handles of the strip "
               "under the chart (or double-click the chart) to see the whole date span.")
if sparse:
    st.caption(f"Few articles per {f.granularity}: each dot is a {f.granularity} with articles (bigger = more; "
               "empty periods are left out). A coarser granularity in the sidebar gives smoother lines.")
if lines_only:
    st.caption(f"Lines only: {n_periods:,} {f.granularity}s × {len(order)} series are too many points to mark "
               f"each one. To click or box-select periods, choose a coarser granularity in the sidebar, narrow "
               "the dates, or show fewer topics.")
else:
    sh.thin_note()
    st.caption("Click a point or drag a box over points to list those articles.")
sh.download_csv(counts[counts["series"].isin(order)].drop(columns="thin"), "topic_over_time.csv", key="dl_tl")

# ------------------------------------------------------------------ selection -> articles
points = []
try:
    points = (ev or {}).get("selection", {}).get("points", []) if isinstance(ev, dict) else ev["selection"]["points"]
except (KeyError, TypeError, AttributeError):
    points = []
picked = set()
for p in points:
    cd = p.get("customdata") if isinstance(p, dict) else None
    if cd and len(cd) >= 4:
        try:
            picked.add((order[int(cd[3])], str(cd[1])))
        except (ValueError, IndexError, TypeError):
            pass
if picked:
    key = dated["series"].astype(str) + "|" + dated["period"].dt.strftime("%Y-%m-%d")
    sel = dated[key.isin({f"{a}|{b}" for a, b in picked})].sort_values("published")
    st.subheader(f"Selected: {sh.plural(len(sel), 'article')}")
    st.dataframe(pd.DataFrame({"id": sel["id"], "published": sel["published"].dt.date, "source":
                               sh.source_labels(sel["source"]), "title": sel["title"], "topic": sel["Topic"],
                               "stance": sel["stance_label"]}), hide_index=True, width="stretch")
    st.caption("Open one on the Articles page (search its title or id).")

# ------------------------------------------------------------------ undated, events
if len(undated):
    with st.expander(f"{len(undated):,} undated articles (not on the timeline)"):
        ut = undated.assign(Topic=_topic_names(undated["topic"])).groupby("Topic").size().rename("articles")
        st.dataframe(ut.reset_index(), hide_index=True)

with st.expander(f"Event markers ({len(st.session_state.tl_events)})", expanded=False):
    st.caption("Mark events (court ruling, statement...) as vertical lines. They are saved in the page link.")
    a, b, c = st.columns([2, 4, 1], vertical_alignment="bottom")
    a.date_input("Event date", value=None, key="tl_ev_date")
    b.text_input("Event label", key="tl_ev_label", max_chars=80)
    c.button("Add event", on_click=_add_event, key="tl_ev_add")
    if st.session_state.tl_events:
        st.multiselect("Remove events", [f"{d} {lbl}" for d, lbl in st.session_state.tl_events], key="tl_ev_remove")
        st.button("Remove selected", on_click=_remove_events, key="tl_ev_rm_btn")
