"""Source comparison: what each outlet covers, how it leans within a topic, its words, who was first.

Every section works on the sidebar-filtered articles. Page-local pickers are bound to the URL
(key= + bind="query-params") with plain values (source names, topic numbers), so a copied link
reopens the same comparison; values the widgets would drop silently get a visible notice first.
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from narratives import compare
from views import _shared as sh

K_MIX_TOPIC, K_TERMS_A, K_TERMS_B, K_EV_SOURCE, K_EV_TOPIC = "mix_topic", "terms_a", "terms_b", "ev_source", "ev_topic"
ALL_OTHERS = "(all other sources)"
MAX_TOPICS, MAX_SOURCES = 30, 40
PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d",
           "#ff9da6", "#bab0ac"]

st.title("Source comparison")


def ptext(text, limit: int | None = 60) -> str:
    """Escape text for Plotly labels/hover (they render a small HTML subset); page-local on purpose."""
    s = "" if text is None else " ".join(str(text).split())
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return html.escape(s)


def _check_param(key: str, options: list, what: str) -> None:
    """Warn about a URL value the bound widget is about to drop (bind drops invalid values silently)."""
    raw = st.query_params.get(key)
    if raw is not None and raw not in {str(o) for o in options}:
        st.warning(f"The {what} `{sh.md_escape(raw, 60)}` in the link is not among the filtered articles; "
                   "showing the default instead.", icon=":material/link_off:")


def _topic_axis(key: int, labels: dict[int, str], limit: int = 28, sep: str = " · ") -> str:
    return f"{key}{sep}{ptext(labels.get(key, f'Topic {key}'), limit)}"


# ------------------------------------------------------------------ data
frame, view, f = sh.page_data()

view = view.assign(source_name=compare.source_names(view))
labels = compare.topic_names(view)
clustered = view[view["topic"].notna()]
sources_all = view["source_name"].value_counts().index.tolist()      # busiest first

# ------------------------------------------------------------------ 1. source x topic heatmap
st.subheader("What each source covers")
if clustered.empty:
    sh.no_clusters_note()
else:
    stm = compare.source_topic_matrix(view, normalise="source")
    shares, counts = stm.values, stm.counts
    notes = []
    if shares.shape[1] > MAX_TOPICS:
        notes.append(f"the {MAX_TOPICS} largest of {shares.shape[1]} topics")
        shares, counts = shares.iloc[:, :MAX_TOPICS], counts.iloc[:, :MAX_TOPICS]
    if shares.shape[0] > MAX_SOURCES:
        notes.append(f"the {MAX_SOURCES} largest of {shares.shape[0]} sources")
        shares, counts = shares.iloc[:MAX_SOURCES], counts.iloc[:MAX_SOURCES]
    if notes:
        st.info("Showing " + " and ".join(notes) + ". Narrow the sidebar filters to see the rest.")
    # Up to 10 topics: horizontal labels wrapped onto short lines under each column (number first, then the
    # name); more: slanted "number · name" labels. The full name is always in the hover.
    few = shares.shape[1] <= 10
    if few:
        x = [f"{int(k)}<br>" + sh.wrap_label(ptext(labels.get(int(k), f'Topic {int(k)}'), 60),
                                              width=max(10, min(22, 110 // shares.shape[1])))
             for k in shares.columns]
    else:
        x = [_topic_axis(int(k), labels, limit=24) for k in shares.columns]
    full_names = [f"{int(k)} · {ptext(labels.get(int(k), f'Topic {int(k)}'), 80)}" for k in shares.columns]
    y = [ptext(s, 30) for s in shares.index]
    thin = (counts > 0) & (counts < sh.THIN)
    with_text = shares.size <= 400
    # thin cells say so under their share; without cell texts (big grids) an ✕ marks them instead (an ✕ over a
    # text hid the number)
    cell_text = [[("" if c == 0 else f"{v:.0%}<br>thin" if 0 < c < sh.THIN else f"{v:.0%}")
                  for v, c in zip(vr, cr)] for vr, cr in zip(shares.values, counts.values)]
    n_src = counts.sum(axis=1).values
    hover = [[f"{y[i]}<br>topic {full_names[j]}<br>{int(counts.values[i, j])} of {int(n_src[i])} articles "
              f"({shares.values[i, j]:.0%})" + (" · thin" if thin.values[i, j] else "")
              for j in range(len(x))] for i in range(len(y))]
    fig = go.Figure(go.Heatmap(
        z=shares.values.tolist(), x=x, y=y, colorscale="Blues", zmin=0, zmax=max(0.01, float(shares.values.max())),
        text=cell_text, texttemplate="%{text}" if with_text else None, customdata=hover,
        hovertemplate="%{customdata}<extra></extra>", colorbar=dict(title="Share of<br>source", tickformat=".0%"),
        xgap=1, ygap=1,
    ))
    ti, tj = thin.values.nonzero()
    if len(ti) and not with_text:
        fig.add_trace(go.Scatter(
            x=[x[j] for j in tj], y=[y[i] for i in ti], mode="markers", name=f"thin: < {sh.THIN} articles",
            marker=dict(symbol="x-thin-open", size=18, color="rgba(120,120,120,0.9)", line=dict(width=1.5)),
            hoverinfo="skip", showlegend=True,
        ))
    fig.update_layout(
        height=max(320, 30 * len(y) + 220), margin=dict(l=10, r=10, t=30, b=10),
        xaxis=dict(title="Topic (number and name)", tickangle=0 if few else -40, side="bottom",
                   tickfont=dict(size=11)),
        yaxis=dict(title="Source (busiest first)", autorange="reversed"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    st.plotly_chart(fig, config=sh.plotly_config("source_topic_heatmap"), width="stretch", key="sc_heat")
    sh.chart_caption(clustered, f"{stm.unassigned:,} not clustered" if stm.unassigned else "")
    st.caption(f"Each row adds up to 100%: the share of that source's articles on each topic. "
               f"{'Cells marked thin' if with_text else '✕ marks cells'} are backed by fewer than {sh.THIN} "
               "articles: read them with care.")
    sh.download_csv(stm.long().rename(columns={"value": "share_of_source"}), "source_topic.csv", key="dl_sc_heat")

# ------------------------------------------------------------------ 2. stance mix per source
st.subheader("How each source leans on a topic")
if clustered.empty:
    st.caption("Needs clustered articles.")
else:
    topic_sizes = clustered["topic"].astype(int).value_counts()
    topic_opts = [str(k) for k in topic_sizes.index]                  # largest topic first = default
    _check_param(K_MIX_TOPIC, topic_opts, "topic")
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    mix_topic = c1.selectbox("Topic", topic_opts, key=K_MIX_TOPIC, bind="query-params",
                             help="Topic number (largest first); the name is shown beside it.")
    tkey = int(mix_topic)
    c2.markdown(f"**{sh.md_escape(labels.get(tkey, ''), 120)}**")
    on_topic = clustered[clustered["topic"].astype(int) == tkey]
    mix = compare.stance_mix(on_topic)
    if mix.empty or (mix["stance_label"] == "(no stance)").all():
        st.info("This topic has no stance clusters yet (too few articles, or not clustered by stance).")
    else:
        per_source = mix.groupby("source")["articles"].sum().sort_values(ascending=False)
        per_source = per_source.iloc[:MAX_SOURCES]
        ylab = {s: (f"{ptext(s, 30)} ({n})" + (" · thin" if n < sh.THIN else "")) for s, n in per_source.items()}
        fig = go.Figure()
        stances = mix[["stance", "stance_label"]].drop_duplicates().sort_values("stance")
        real = stances[stances["stance"] >= 0]
        one_stance = len(real) <= 1
        as_share = (not one_stance) and c2.toggle("Show as share of each source", key="sc_mix_share",
                                                  help="Off: article counts per stance. On: each bar adds up to 100%.")
        for i, (skey, slabel) in enumerate(stances.itertuples(index=False)):
            part = mix[(mix["stance"] == skey) & mix["source"].isin(per_source.index)]
            color = "#cccccc" if skey < 0 else PALETTE[i % len(PALETTE)]
            fig.add_trace(go.Bar(
                y=[ylab[s] for s in part["source"]],
                x=(part["share"] if as_share else part["articles"]).tolist(), orientation="h",
                name=ptext(slabel, 40), marker_color=color,
                customdata=[[int(a), float(sv)] for a, sv in zip(part["articles"], part["share"])],
                text=part["articles"].tolist(), textposition="inside",
                hovertemplate="%{y}<br>stance " + ptext(slabel, 40)
                              + ": %{customdata[0]} articles (%{customdata[1]:.0%} of this source's)<extra></extra>",
            ))
        fig.update_layout(
            barmode="stack", height=max(260, 32 * len(per_source) + 180), margin=dict(l=10, r=10, t=30, b=10),
            showlegend=True,
            yaxis=dict(title=None, categoryorder="array", categoryarray=[ylab[s] for s in per_source.index][::-1]),
            legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, title_text="Stance:"),
        )
        if as_share:
            fig.update_xaxes(title_text="Share of the source's articles on this topic", tickformat=".0%",
                             range=[0, 1])
        else:
            sh.count_axis(fig, per_source.max(), "Articles on this topic (stacked by stance)", axis="x")
        st.plotly_chart(fig, config=sh.plotly_config("stance_mix"), width="stretch", key="sc_mix")
        sh.chart_caption(on_topic)
        if one_stance:
            st.caption("One stance cluster in this topic: its articles did not split into distinct positions, "
                       "so every source is in the same stance. The bars show how many articles each source has.")
        st.caption(f"Numbers in the bars are article counts; sources with fewer than {sh.THIN} articles on "
                   "the topic are marked thin.")
        sh.download_csv(mix, f"stance_mix_topic_{tkey}.csv", key="dl_sc_mix")

# ------------------------------------------------------------------ 3. distinguishing terms
st.subheader("Words that set a source apart")


@st.cache_data(show_spinner="Counting words…", max_entries=16)
def _terms(url: str, ver: str, sets_digest: str, exclude: tuple[str, ...],
           _ids_a: np.ndarray, _ids_b: np.ndarray) -> pd.DataFrame:
    """Cached per store version and exact article sets (their digest: Streamlit hashes a tuple of 100,000
    ids element by element, ~3 s). Only the sampled articles' texts are read (compare.cap_sample)."""
    store = sh.get_store()
    _, _, ta = store.texts(compare.cap_sample(_ids_a.tolist(), seed=0))
    _, _, tb = store.texts(compare.cap_sample(_ids_b.tolist(), seed=1))
    return compare.distinguishing_terms(ta, tb, n=15, exclude=exclude)


if len(sources_all) < 2:
    st.info("Needs articles from at least two sources in the current filters.")
else:
    _check_param(K_TERMS_A, sources_all, "source")
    _check_param(K_TERMS_B, [ALL_OTHERS, *sources_all], "source")
    c1, c2 = st.columns(2)
    src_a = c1.selectbox("Source", sources_all, key=K_TERMS_A, bind="query-params")
    src_b = c2.selectbox("Compared with", [ALL_OTHERS, *sources_all], key=K_TERMS_B, bind="query-params")
    if src_b == src_a:
        st.info("Pick two different sources (or compare with all other sources).")
    else:
        in_a = view["source_name"] == src_a
        in_b = ~in_a if src_b == ALL_OTHERS else view["source_name"] == src_b
        ids_a = view.loc[in_a, "id"].to_numpy(dtype="int64")
        ids_b = view.loc[in_b, "id"].to_numpy(dtype="int64")
        own_names = compare.name_words(src_a, "" if src_b == ALL_OTHERS else src_b)
        terms = _terms(sh.get_store().url, sh.version(), sh.ids_digest(ids_a, ids_b), tuple(sorted(own_names)),
                       ids_a, ids_b)
        name_b = "the others" if src_b == ALL_OTHERS else src_b
        if terms.empty:
            st.info("Not enough words in common vocabulary to compare these two sets of articles.")
        else:
            ta, tb = terms[terms["side"] == "a"], terms[terms["side"] == "b"]
            fig = go.Figure()
            for part, name, color in ((ta, src_a, "#4c78a8"), (tb, name_b, "#e45756")):
                fig.add_trace(go.Bar(
                    y=[ptext(t, 30) for t in part["term"]], x=part["z"].tolist(), orientation="h",
                    name=f"more in {ptext(name, 30)}", marker_color=color,
                    customdata=[[int(a), int(b)] for a, b in zip(part["count_a"], part["count_b"])],
                    hovertemplate=("%{y}: z = %{x:.1f}<br>" + ptext(src_a, 30) + ": %{customdata[0]} · "
                                   + ptext(name_b, 30) + ": %{customdata[1]}<extra></extra>"),
                ))
            # top to bottom: A's strongest term first ... then B's terms, its strongest at the very bottom
            order = [ptext(t, 30) for t in pd.concat([ta, tb.iloc[::-1]])["term"]]
            fig.update_layout(
                height=max(300, 18 * len(order) + 140), margin=dict(l=10, r=10, t=30, b=10),
                xaxis_title="z-score of the log-odds ratio (beyond ±2: unlikely to be chance)",
                yaxis=dict(categoryorder="array", categoryarray=order, autorange="reversed"),
                legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
            )
            st.plotly_chart(fig, config=sh.plotly_config("distinguishing_terms"), width="stretch", key="sc_terms")
            sh.chart_caption(view[in_a | in_b])
            st.caption("Log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008): "
                       "rare words are shrunk, so a name mentioned twice does not top the list. The outlets' own "
                       "names are left out. Large sets are sampled (1,000 articles per side).")
            sh.download_csv(terms.assign(side=terms["side"].map({"a": src_a, "b": name_b})),
                            "distinguishing_terms.csv", key="dl_sc_terms")

# ------------------------------------------------------------------ 4. first coverage
st.subheader("Who covered each topic first")
if clustered.empty:
    st.caption("Needs clustered articles.")
else:
    fc = compare.first_coverage(view)
    no_date = fc["published"].isna()   # a topic whose filtered articles are all undated has no "first"
    table = pd.DataFrame({
        "topic": fc["topic"].astype(int),
        "topic name": fc["topic_label"],
        "first source": sh.source_labels(fc["source"]).where(~no_date, "(no dated article)"),
        "date": sh.date_texts(fc["published"]),
        "article": fc["id"],
        "title": fc["title"].astype(object).where(~no_date, ""),
        "same day": fc["same_day"],
        "sources": fc["sources"],
        "articles": fc["articles"],
        "undated": fc["undated"],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="sc_first", column_config={
        "article": st.column_config.NumberColumn("article id", format="%d"),
        "undated": st.column_config.NumberColumn("undated", help="Undated articles cannot be first: not counted."),
        "same day": st.column_config.TextColumn("also that day"),
    })
    sh.chart_caption(clustered, f"{int(fc['undated'].sum()):,} undated left out")
    st.caption("First = earliest publication date among the filtered articles; outlets dated on the same "
               "day are listed as 'also that day'. Open an article by id on the Articles page.")
    sh.download_csv(fc, "first_coverage.csv", key="dl_sc_first")

# ------------------------------------------------------------------ 5. stance evidence
st.subheader("What a source says on a topic")
if clustered.empty:
    st.caption("Needs clustered articles.")
else:
    ev_sources = compare.source_names(clustered).value_counts().index.tolist()
    _check_param(K_EV_SOURCE, ev_sources, "source")
    c1, c2 = st.columns([2, 1])
    ev_source = c1.selectbox("Source", ev_sources, key=K_EV_SOURCE, bind="query-params")
    src_topics = clustered.loc[compare.source_names(clustered) == ev_source, "topic"].astype(int).value_counts()
    ev_opts = [str(k) for k in src_topics.index]
    _check_param(K_EV_TOPIC, ev_opts, "topic")
    ev_topic = c2.selectbox("Topic", ev_opts, key=K_EV_TOPIC, bind="query-params",
                            help="Topics this source covers, largest first.")
    if ev_topic is not None:
        ek = int(ev_topic)
        st.markdown(f"**{sh.md_escape(ev_source, 80)}** on topic {ek} · **{sh.md_escape(labels.get(ek, ''), 100)}** "
                    f"({sh.plural(int(src_topics.get(ek, 0)), 'article')})")
        try:
            ev = compare.stance_evidence(sh.get_store(), view, ev_source, ek, limit=3)
        except Exception as exc:  # stance sentences need the text; a broken row must not break the page
            st.warning(f"Could not read the stance sentences: {sh.md_escape(exc, 200)}")
            ev = pd.DataFrame(columns=["id", "title", "published", "url", "stance_label", "sentence"])
        if ev.empty:
            st.info("No quotes, attributions or denials found in these articles.")
        else:
            for aid, grp in ev.groupby("id", sort=False):
                first = grp.iloc[0]
                day = first["published"].date().isoformat() if pd.notna(first["published"]) else "undated"
                with st.container(border=True):
                    st.markdown(f"**{sh.md_escape(first['title'], 160)}** · {day} · "
                                f"stance: {sh.md_escape(first['stance_label'] or '—', 60)}")
                    for s in grp["sentence"]:
                        st.markdown("> " + sh.md_escape(s, 600))
                    l1, l2 = st.columns(2)
                    l1.page_link(sh.PAGE_ARTICLES, label=f"Open article #{aid}", icon=":material/article:",
                                 query_params={"id": str(aid)})
                    l2.page_link(sh.PAGE_SIDE_BY_SIDE, label="Compare side by side", icon=":material/view_column:",
                                 query_params={"a": str(aid)})
            st.caption(f"{ev['id'].nunique()} articles · sentences with quotes, attributions or denials, newest "
                       "articles first.")
            sh.download_csv(ev, "stance_evidence.csv", key="dl_sc_ev")
