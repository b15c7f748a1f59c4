"""Overview: what is in the corpus (under the sidebar filters), the topics and how to drill into them."""
from __future__ import annotations

import pandas as pd
import plotly.colors
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from views import _light_plotly as light_plotly
from views import _shared as sh

st.title("Overview")

frame = sh.full_frame()
if sh.empty_state(frame, frame):
    sh.stop()
view, f = sh.filtered_frame(frame)
filtered = len(view) != len(frame)

dated = view["published"].dropna()
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Articles", f"{len(view):,}", help=f"of {len(frame):,} stored" if filtered else None)
n_sources, no_source = sh.source_counts(view)
c2.metric("Sources", f"{n_sources:,}",
          help=f"{sh.plural(no_source, 'article')} with no known source (filter: {sh.UNKNOWN_SOURCE})"
          if no_source else None)
c3.metric("First published", f"{dated.min():%Y-%m-%d}" if len(dated) else "—")
c4.metric("Last published", f"{dated.max():%Y-%m-%d}" if len(dated) else "—")
c5.metric("Undated", f"{len(view) - len(dated):,}",
          help="Articles without a known publication date: counted, but not on timelines.")
dups = int(view["duplicate_of"].notna().sum()) if "duplicate_of" in view else 0
if dups:
    st.caption(f"{dups:,} of these are near-duplicates (syndicated copies) of other stored articles.")
if filtered:
    st.caption(f"Filtered view: {len(view):,} of {len(frame):,} stored articles (see the sidebar).")
if view.empty:
    sh.empty_state(view)
    sh.stop()

# ------------------------------------------------------------------ topics
labels = sh.topic_labels()
clustered = bool(labels) and not view["topic"].isna().all()
# The topic table sits above the stance-mix chart, but the chart is drawn first into its own slot so the
# browser gets (and starts loading plotly for) the chart before the table.
topics_box = st.container()
mix_box = st.container() if clustered else None


def _stance_mix_chart() -> None:
    st.subheader("Stance mix per topic")
    mix = view.dropna(subset=["topic"])
    if not mix["stance"].notna().any():
        st.caption("No stance clusters yet.")
        return
    # count first, then label the few (topic, stance) groups: no Python call per article at 100k
    table = (mix.assign(_s=mix["stance_label"].fillna("(no stance)").astype(str))
             .groupby(["topic", "_s"]).size().reset_index(name="Articles"))
    table["Topic"] = table["topic"].map(lambda k: sh.plot_text(f"{int(k)} · {labels.get(int(k), k)}"))
    table["Stance"] = table["_s"].map(sh.plot_text)
    table = (table.groupby(["Topic", "Stance"], as_index=False)["Articles"].sum())
    # Colour = the stance's position (denial, confirmation, hedged, ...: the first part of its label), so one
    # colour means the same thing in every topic and the legend stays short (at 100,000 articles there are
    # ~50 stance clusters: one colour each would repeat the 10-colour palette). Each cluster is still its
    # own segment (hover: its full label). Built with go.Bar, not px (0.1-0.6 s per rerun at this size).
    table["Kind"] = table["Stance"].map(lambda s: s.split(" · ", 1)[0])
    table["_n"] = table.groupby(["Topic", "Kind"]).cumcount()   # 2nd, 3rd cluster of a kind in a topic
    kinds = table.groupby("Kind")["Articles"].sum().sort_values(ascending=False).index.tolist()
    colors = list(pio.templates[pio.templates.default].layout.colorway or plotly.colors.qualitative.Plotly)
    traces = []
    for i, kind in enumerate(kinds):
        for n, part in table[table["Kind"] == kind].groupby("_n"):
            xs = part["Articles"].tolist()
            marker = {"color": colors[i % len(colors)], "line": {"color": "white", "width": 1}}
            if min(xs) < sh.THIN:  # hatch the thin segments (no pattern array at all when none is thin)
                marker["pattern"] = {"shape": ["/" if v < sh.THIN else "" for v in xs]}
            traces.append(go.Bar(
                x=xs, y=part["Topic"].tolist(), name=kind, legendgroup=kind, orientation="h", marker=marker,
                showlegend=n == 0, customdata=part["Stance"].tolist(),
                hovertemplate="Stance=%{customdata}<br>Articles=%{x}<br>Topic=%{y}<extra></extra>"))
    table = table.drop(columns=["Kind", "_n"])
    fig = go.Figure(traces)
    fig.update_layout(barmode="relative", legend_tracegroupgap=0, height=max(260, 60 + 40 * table["Topic"].nunique()),
                      legend_title_text=f"Stance position (hatched = fewer than {sh.THIN} articles)",
                      yaxis_title=None, margin=dict(l=10, r=10, t=10, b=10))
    sh.count_axis(fig, table.groupby("Topic")["Articles"].sum().max(), "Articles", axis="x")   # no 0.2 articles
    # drawn with plotly.js's basic bundle (views/_light_plotly.py): this is the first chart analysts wait for
    light_plotly.plotly_chart(fig, key="stance_mix_chart", config=sh.plotly_config("stance_mix"))
    sh.chart_caption(mix)
    sh.download_csv(table, "stance_mix.csv", key="dl_stance_mix")


if mix_box is not None:
    with mix_box:
        _stance_mix_chart()

with topics_box:
    st.subheader("Topics")
    if not clustered:
        sh.no_clusters_note()
    else:
        sizes = (view.dropna(subset=["topic"]).groupby("topic")
                 .agg(articles=("id", "size"), sources=("source", "nunique")).reset_index()
                 .sort_values(["articles", "topic"], ascending=[False, True]))
        unassigned = int(view["topic"].isna().sum())
        keys = [int(k) for k in sizes["topic"]]
        # One table and one picker, not a card with three buttons per topic: ~180 page elements fewer, which
        # the browser would otherwise lay out on every load and filter change (bench/dashboard.py).
        st.dataframe(pd.DataFrame({
            "topic": keys,
            "label": [labels.get(k, f"Topic {k}") for k in keys],
            "articles": sizes["articles"].to_numpy(),
            "sources": sizes["sources"].to_numpy(),
            "note": ["thin" if n < sh.THIN else "" for n in sizes["articles"]],
        }), hide_index=True, width="stretch", height=min(38 + 35 * len(keys), 390), column_config={
            "topic": st.column_config.NumberColumn("topic", width=60, format="%d"),
            "label": st.column_config.TextColumn("label", width=520),
            "articles": st.column_config.NumberColumn("articles", width=90, format="localized"),
            "sources": st.column_config.NumberColumn("sources", width=90, format="localized"),
            "note": st.column_config.TextColumn("note", width=60,
                                                help=f"thin = fewer than {sh.THIN} articles: read with care"),
        })
        a, b, c, d = st.columns([5, 2, 2, 2], vertical_alignment="bottom")
        # no article counts in the options (the table above has them): with the same topic keys as options,
        # the picked option's label was not redrawn after a filter change, so its count went stale
        key = a.selectbox("Open a topic", keys, key="ov_topic",
                          format_func=lambda k: f"{k} · {labels.get(k, f'Topic {k}')}")
        with b:
            sh.filter_button("Over time", sh.PAGE_TIMELINE, key="ov_tl", topic=[key])
        with c:
            sh.filter_button("Articles", sh.PAGE_ARTICLES, key="ov_ar", topic=[key])
        with d:
            sh.filter_button("By source", sh.PAGE_SOURCES, key="ov_so", topic=[key])
        if unassigned:
            st.caption(f"{unassigned:,} articles are not assigned to a topic yet (added after the last clustering).")

# ------------------------------------------------------------------ latest uploads
st.subheader("Latest uploads")
latest = view.nlargest(10, "ingested_at")   # not a sort of every row: 2 ms instead of 14 at 100,000
show = pd.DataFrame({
    "id": latest["id"],
    "title": latest["title"],
    "source": sh.source_labels(latest["source"]),
    "published": sh.date_texts(latest["published"]),
    "added": latest["ingested_at"],
    "topic": [f"{int(k)} · {lbl}" if pd.notna(k) else "(not clustered yet)"
              for k, lbl in zip(latest["topic"], latest["topic_label"])],
})
st.dataframe(show, hide_index=True, width="stretch", column_config={
    "id": st.column_config.NumberColumn("id", width=50, format="%d"),
    "title": st.column_config.TextColumn("title", width=420),
    "source": st.column_config.TextColumn("source", width=130),
    "published": st.column_config.TextColumn("published", width=90),
    "added": st.column_config.DatetimeColumn("added", format="YYYY-MM-DD HH:mm", width=125),
    "topic": st.column_config.TextColumn("topic", width=300),
})
