"""Side by side: two articles in two columns, passages they share highlighted in the same colour.

The pickers are selectboxes of article ids bound to the URL as `a` and `b` (plain ids, no format_func:
a formatted label would end up in the URL, see notes), so other pages link here with `?a=ID&b=ID`.
Article text is untrusted: every piece is html.escape'd (and markdown/LaTeX characters turned into
entities) before it goes into the one HTML block rendered with unsafe_allow_html.
"""
from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd
import streamlit as st

from narratives import compare
from views import _shared as sh

K_A, K_B = "a", "b"
MAX_OPTIONS = 2000          # a selectbox with 100k options would ship megabytes to the browser
MAX_TEXT = 200_000          # characters per article shown and aligned
COLORS = ["#fde68a", "#bfdbfe", "#bbf7d0", "#fbcfe8", "#ddd6fe", "#fed7aa", "#a5f3fc", "#d9f99d",
          "#fecaca", "#e9d5ff"]
# html.escape's five characters (as it writes them) plus markdown / LaTeX syntax as numeric entities, in ONE pass
# (escaping in two passes would mangle the first pass's entities).
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
                        **{ch: f"&#{ord(ch)};" for ch in "*_`[]$~#|\\"}})

st.title("Side by side")


def esc(text) -> str:
    """HTML-escape untrusted text, then neutralise markdown/LaTeX syntax so it shows literally."""
    return ("" if text is None else str(text)).translate(_ESCAPE)


def _raw_id(key: str) -> str | None:
    v = st.query_params.get(key)
    return v.strip() if isinstance(v, str) and v.strip() else None


# ------------------------------------------------------------------ data
frame = sh.full_frame()
if sh.empty_state(frame, frame):
    sh.stop()
view, f = sh.filtered_frame(frame)
known = set(frame["id"].astype(int).tolist())

# URL ids first: a link must open its pair even when the sidebar filters would hide the articles.
notices, linked = [], []
for key in (K_A, K_B):
    raw = _raw_id(key)
    if raw is None:
        continue
    if raw.isdigit() and int(raw) in known:
        linked.append(int(raw))
    else:
        notices.append(f"Article `{sh.md_escape(raw, 20)}` in the link (`{key}=`) does not exist "
                       "(it may have been deleted or the link is mistyped); pick another one below.")
for n in notices:
    st.warning(n, icon=":material/link_off:")

newest = sh.newest_first(view)
options = list(dict.fromkeys(linked + newest["id"].astype(int).tolist()[:MAX_OPTIONS]))
if not options:
    st.info("No articles match the current filters. Widen the filters in the sidebar, or open a pair "
            "from the Articles page.")
    sh.stop()

meta = frame.set_index("id")


def _title(aid) -> str:
    return "" if aid is None or aid not in meta.index else str(meta.at[aid, "title"] or "(untitled)")


c1, c2 = st.columns(2)
with c1:
    a_id = st.selectbox("Article A (id)", options, index=None, key=K_A, bind="query-params",
                        placeholder="Pick an article id")
    st.caption(sh.md_escape(_title(a_id), 160) or " ")
with c2:
    b_id = st.selectbox("Article B (id)", options, index=None, key=K_B, bind="query-params",
                        placeholder="Pick an article id")
    st.caption(sh.md_escape(_title(b_id), 160) or " ")

if len(view) > MAX_OPTIONS:
    st.caption(f"The lists hold the {MAX_OPTIONS:,} newest of {len(view):,} filtered articles; narrow the "
               "sidebar filters, or open a pair from the Articles page.")

with st.expander("Find article ids", expanded=a_id is None or b_id is None):
    pick = newest.head(MAX_OPTIONS)
    st.dataframe(pd.DataFrame({"id": pick["id"], "published": sh.date_texts(pick["published"]),
                               "source": sh.source_labels(pick["source"]), "title": pick["title"],
                               "topic": pick["topic_label"]}),
                 hide_index=True, width="stretch", height=min(240, 38 + 35 * len(pick)), key="sbs_find")

if a_id is None or b_id is None:
    st.info("Pick two articles to compare (or open a pair from the Articles page with **Compare side by side**).")
    sh.stop()
if a_id == b_id:
    st.info("Both sides show the same article: pick a different one for B.")


# ------------------------------------------------------------------ alignment
@st.cache_data(show_spinner="Aligning passages…", max_entries=32)
def _align(url: str, ver: str, a: int, b: int):
    """Cached per store version and pair: re-running the page on a widget change must not re-align."""
    store = sh.get_store()
    art_a, art_b = store.get_article(a), store.get_article(b)
    if art_a is None or art_b is None:
        return None, None, None
    al = compare.align_passages((art_a.text or "")[:MAX_TEXT], (art_b.text or "")[:MAX_TEXT])
    return art_a, art_b, al


art_a, art_b, al = _align(sh.get_store().url, sh.version(), int(a_id), int(b_id))
if al is None:
    st.warning("One of these articles was deleted a moment ago; pick another one.", icon=":material/link_off:")
    sh.stop()

n_same = sum(p.kind == "same" for p in al.pairs)
n_para = len(al.pairs) - n_same
m1, m2, m3, m4 = st.columns(4)
m1.metric("Shared text", f"{al.similarity:.0%}",
          help="Share of both texts (by characters) in matched sentences, weighted by how close the match is.")
m2.metric("Same wording", n_same, help="Sentences that are identical or nearly so (a wire copy, a shared quote).")
m3.metric("Paraphrased", n_para, help="Sentences that report the same thing in other words (word + character "
                                      "n-gram similarity above a threshold).")
m4.metric("Only in one", f"{len(al.only_a)} · {len(al.only_b)}", help="Sentences only in A · only in B.")

only_shared = st.toggle("Show only shared passages", key="sbs_only_shared")


def _meta_block(art, row) -> None:
    """Metadata of one side; every value is escaped (titles and urls come from scraped pages)."""
    st.markdown(f"#### {sh.md_escape(art.title or '(untitled)', 200)}")
    day = art.published.isoformat() if art.published else "undated"
    lines = [f"**Source:** {sh.md_escape(art.source or '(unknown source)', 80)}", f"**Published:** {day}"]
    if row is not None:
        if pd.notna(row.get("topic")):
            lines.append(f"**Topic:** {int(row['topic'])} · {sh.md_escape(row.get('topic_label') or '', 80)}")
        if pd.notna(row.get("stance")):
            lines.append(f"**Stance:** {sh.md_escape(row.get('stance_label') or '', 80)}")
    url = art.url or ""
    if urlparse(url).scheme in ("http", "https"):
        href = url.replace(")", "%29").replace(" ", "%20")
        lines.append(f"**URL:** [{sh.md_escape(urlparse(url).netloc, 60)}]({href})")
    elif url:
        lines.append(f"**URL:** {sh.md_escape(url, 120)}")
    st.markdown("  \n".join(lines))


def _body(sentences, paragraphs, pair_of, side: str) -> str:
    """One HTML block: shared sentences in <mark> with their pair's colour and number, the rest plain."""
    out, para, buf = [], None, []
    for i, (s, p) in enumerate(zip(sentences, paragraphs)):
        if p != para and buf:
            out.append("<p>" + " ".join(buf) + "</p>")
            buf = []
        para = p
        k = pair_of.get(i)
        if k is not None:
            pair = al.pairs[k]
            style = f"background:{COLORS[k % len(COLORS)]};padding:0 2px;border-radius:3px"
            if pair.kind == "paraphrase":
                style += ";border-bottom:2px dashed #888"
            buf.append(f'<mark style="{style}" title="{pair.kind} #{k + 1} ({pair.score:.2f})">'
                       f'<sup>{k + 1}</sup>{esc(s)}</mark>')
        elif not only_shared:
            buf.append(f'<span style="color:#555">{esc(s)}</span>')
    if buf:
        out.append("<p>" + " ".join(buf) + "</p>")
    if not out:
        out.append('<p style="color:#777">(nothing to show)</p>')
    # one line, no blank lines: the whole block is raw HTML, markdown never parses inside it
    return f'<div class="sbs-{side}" style="line-height:1.6">' + "".join(out) + "</div>"


left, right = st.columns(2, gap="large")
rows = {int(i): r for i, r in frame.set_index("id", drop=False).loc[[int(a_id), int(b_id)]].iterrows()} \
    if {int(a_id), int(b_id)} <= known else {}
with left:
    _meta_block(art_a, rows.get(int(a_id)))
    st.markdown(_body(al.sentences_a, al.paragraphs_a, al.pair_of_a(), "a"), unsafe_allow_html=True)
with right:
    _meta_block(art_b, rows.get(int(b_id)))
    st.markdown(_body(al.sentences_b, al.paragraphs_b, al.pair_of_b(), "b"), unsafe_allow_html=True)

st.caption("Highlighted: passages both articles carry; the same colour and number mark a pair. Solid = same "
           "wording, dashed underline = paraphrase. Grey: what only that article says.")

with st.expander(f"Matched passages ({len(al.pairs)})"):
    table = al.table()
    st.dataframe(table, hide_index=True, width="stretch", key="sbs_pairs")
    sh.download_csv(table.assign(article_a=int(a_id), article_b=int(b_id)),
                    f"side_by_side_{int(a_id)}_{int(b_id)}.csv", key="dl_sbs")
