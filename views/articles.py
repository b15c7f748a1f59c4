"""Articles: full-text search under all sidebar filters, open one article (id in the URL), export CSV.

The open article is page-local state synced to the URL by hand (`?id=12`) so a link opens it directly.
Article text is untrusted: it is shown only through escaped markdown, never as HTML.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from views import _shared as sh

ID = "id"
MAX_PARAGRAPHS = 300

st.title("Articles")

frame = sh.full_frame()
if sh.empty_state(frame, frame):
    sh.stop()

# The open article: seeded once from the URL, then from row selection.
if "art_open" not in st.session_state:
    raw = st.query_params.get(ID)
    st.session_state.art_open = None
    if raw is not None:
        if raw.strip().isdigit() and int(raw) in set(frame["id"].tolist()):
            st.session_state.art_open = int(raw)
        else:
            st.warning(f"No article with id `{sh.md_escape(raw, 20)}` (it may have been deleted); showing the list.",
                       icon=":material/link_off:")

view, f = sh.filtered_frame(frame)
if f.query and not view.empty:
    view, by_rank = sh.ranked(view, f.query)
    if by_rank:
        st.caption(f"Search: “{sh.md_escape(f.query, 80)}”: {len(view):,} of {len(frame):,} stored "
                   f"{'article matches' if len(view) == 1 else 'articles match'} (with the other filters), "
                   "best matches first.")
    else:
        st.caption(f"Search: “{sh.md_escape(f.query, 80)}”: {len(view):,} matches, newest first (ranked by "
                   f"relevance up to {sh.RANK_MAX:,}: add words or narrow the filters to rank them).")
sh.chart_caption(view)
if view.empty:
    sh.empty_state(view)
else:
    table = pd.DataFrame({
        "id": view["id"].astype("int64"),
        "published": sh.date_texts(view["published"]),
        "source": sh.source_labels(view["source"]),
        "title": view["title"],
        "topic": view["topic_label"].fillna("").replace("", "(not clustered yet)"),
        "stance": view["stance_label"].fillna("").replace("", "—"),
        "chars": view["n_chars"],
        "near-duplicate of": view["duplicate_of"],
    }).reset_index(drop=True)
    ev = st.dataframe(table, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(table)),
                      on_select="rerun", selection_mode="multi-row", key="art_table",
                      column_config={"title": st.column_config.TextColumn("title", width="large"),
                                     "near-duplicate of": st.column_config.NumberColumn(
                                         "near-duplicate of", format="%d", help="Id of the article this copies"),
                                     "published": st.column_config.TextColumn(
                                         "published", help="Publication date; 'undated' when the file gave none.")})
    try:
        rows = list(ev["selection"]["rows"])
    except (KeyError, TypeError):
        rows = []
    chosen = [int(table["id"].iloc[r]) for r in rows if 0 <= r < len(table)]
    st.caption("Select one row to open the article, two rows to compare them side by side.")
    if len(chosen) >= 1 and chosen[0] != st.session_state.art_open and len(chosen) == 1:
        st.session_state.art_open = chosen[0]

    c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="center")
    with c1:
        with_text = st.checkbox("Include full text in CSV", key="art_csv_text")
        export = table.rename(columns={"near-duplicate of": "duplicate_of"}).assign(url=view["url"].values)
        store = sh.get_store()

        def with_texts(rows: pd.DataFrame) -> pd.DataFrame:
            """The full texts, read when the button is clicked (100,000 of them are ~230 MB)."""
            ids, _titles, texts = store.texts([int(i) for i in rows["id"]])
            return rows.merge(pd.DataFrame({"id": ids, "text": texts}), on="id", how="left")

        # the label says what the file holds (and a person, or a test, sees the tick has been applied)
        sh.download_csv(export, "articles.csv", key="dl_articles",
                        label="Download these articles with their texts (CSV)" if with_text
                        else "Download these articles (CSV)",
                        extend=with_texts if with_text else None)
    with c2:
        if len(chosen) >= 2:
            st.page_link(sh.PAGE_SIDE_BY_SIDE, label=f"Compare #{chosen[0]} and #{chosen[1]} side by side",
                         icon=":material/view_column:", query_params={"a": str(chosen[0]), "b": str(chosen[1])})
        else:
            st.button("Compare side by side", disabled=True, key="art_cmp_disabled",
                      help="Select two rows in the table first.")

# Keep the URL in step with the open article (manual sync: not a widget).
if st.session_state.art_open is not None:
    st.query_params[ID] = str(st.session_state.art_open)
elif ID in st.query_params:
    del st.query_params[ID]

# ------------------------------------------------------------------ the open article
aid = st.session_state.art_open
if aid is not None:
    art = sh.get_store().get_article(aid)
    st.divider()
    if art is None:
        st.warning(f"Article #{aid} is no longer stored.")
    else:
        head, close = st.columns([6, 1])
        head.markdown(f"### {sh.md_escape(art.title or '(untitled)', 200)}")
        if close.button("Close", key="art_close"):
            st.session_state.art_open = None
            st.rerun()
        row = frame[frame["id"] == aid]
        meta = [f"#{aid}", sh.md_escape(sh.source_label(art.source), 80),
                art.published.isoformat() if art.published else "undated"]
        if not row.empty and row["topic_label"].iloc[0]:
            meta.append("topic: " + sh.md_escape(row["topic_label"].iloc[0], 80))
        if not row.empty and row["stance_label"].iloc[0]:
            meta.append("stance: " + sh.md_escape(row["stance_label"].iloc[0], 80))
        if art.duplicate_of:
            meta.append(f"near-duplicate of #{art.duplicate_of}")
        st.caption(" · ".join(meta))
        if art.url:
            st.text(f"URL: {art.url[:500]}")  # plain text: the URL came from the file, never a live link
        paras = [p for p in art.text.split("\n") if p.strip()]
        with st.container(height=460, border=True):
            for p in paras[:MAX_PARAGRAPHS]:
                st.markdown(sh.md_escape(p))
            if len(paras) > MAX_PARAGRAPHS:
                st.caption(f"… {len(paras) - MAX_PARAGRAPHS} more paragraphs (download the CSV with full text).")
        if not sh.can_edit():
            if not sh.read_only():
                sh.edit_gate("correct article metadata", key=f"art_signin_{aid}")
        else:
            with st.expander("Edit metadata"):
                with st.form(f"edit_{aid}"):
                    title = st.text_input("Title", value=art.title or "")
                    source = st.text_input("Source", value=art.source or "")
                    published = st.date_input("Published", value=art.published, min_value=date(1900, 1, 1))
                    url = st.text_input("URL", value=art.url or "")
                    if st.form_submit_button("Save changes"):
                        try:
                            sh.get_store().update_article(aid, title=title.strip() or art.title,
                                                          source=source.strip() or None,
                                                          published=published, url=url.strip() or None)
                        except Exception as exc:
                            st.error(f"Could not save: {sh.md_escape(exc, 200)}")
                        else:
                            sh.after_write()
                            st.success("Saved.")
                            st.rerun()
