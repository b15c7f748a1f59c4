"""narrative-monitor dashboard entry point: navigation + the URL-bound sidebar filters every page shares.

The filters are widgets with key= and bind="query-params" placed here, in the entry point, so they live in
the URL and carry over between pages (see /work/shared/notes/streamlit.md §0-1). Pages read them through
views/_shared.py (current_filters / filtered_frame). They run before the page only when the link sets a
filter their widget has not taken yet; otherwise after it, so the page's first chart reaches the browser
first. Streamlit silently drops invalid URL values, so the raw st.query_params are checked first and every
dropped value gets a visible notice.
The app never refits on page load: clustering runs only from the Topics page or the CLI.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from views import _shared as sh

ROOT = Path(__file__).resolve().parent

# an emoji icon is drawn in the browser (a data: URL); a ":material/...:" one is fetched from a font CDN, which an
# offline or locked-down network cannot reach
st.set_page_config(page_title="Narrative monitor", page_icon="📰", layout="wide")


def _pages() -> list:
    """All seven pages; a page file that is not there (yet) is skipped rather than crashing the app."""
    # url_path must equal the file stem: before st.navigation runs, Streamlit resolves the first request
    # against the views/ folder names, and any other path shows a "Page not found" modal on a cold load.
    spec = [
        (sh.PAGE_OVERVIEW, "Overview", ":material/dashboard:", None),
        (sh.PAGE_TIMELINE, "Topic over time", ":material/timeline:", "timeline"),
        (sh.PAGE_SOURCES, "Source comparison", ":material/compare_arrows:", "sources"),
        (sh.PAGE_SIDE_BY_SIDE, "Side by side", ":material/view_column:", "side_by_side"),
        (sh.PAGE_ARTICLES, "Articles", ":material/article:", "articles"),
        (sh.PAGE_UPLOAD, "Upload", ":material/upload:", "upload"),
        (sh.PAGE_TOPICS, "Topics", ":material/category:", "topics"),
    ]
    pages = []
    for path, title, icon, url_path in spec:
        if path == sh.PAGE_UPLOAD and sh.read_only():
            continue
        if not (ROOT / path).exists():
            continue
        if url_path is None:
            pages.append(st.Page(path, title=title, icon=icon, default=True))
        else:
            pages.append(st.Page(path, title=title, icon=icon, url_path=url_path))
    return pages


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        return None


def _check_params(sources: list[str], topic_keys: list[int], stance_keys: list[int]) -> list[str]:
    """Notices for URL values the widgets below will drop (garbage dates, stale topic keys, unknown outlets)."""
    qp = st.query_params
    notes: list[str] = []
    raw_dates = qp.get_all(sh.K_DATES)
    if raw_dates:
        parsed = [_parse_date(v) for v in raw_dates]
        if len(raw_dates) > 2 or any(d is None for d in parsed):
            notes.append("Ignored the date range in the link (expected two dates like 2024-11-15): "
                         + ", ".join(f"`{sh.md_escape(v, 40)}`" for v in raw_dates))
        elif len(parsed) == 2 and parsed[0] > parsed[1]:
            notes.append("Ignored the date range in the link: the start date is after the end date.")
    bad = [v for v in qp.get_all(sh.K_SOURCES) if v not in sources]
    if bad:
        notes.append("Unknown source(s) in the link, ignored: " + ", ".join(sh.md_escape(v, 60) for v in bad))

    def _bad_keys(name: str, known: list[int]) -> list[str]:
        out = []
        for v in qp.get_all(name):
            try:
                ok = int(v) in known and str(int(v)) == v.strip()
            except ValueError:
                ok = False
            if not ok:
                out.append(v)
        return out

    bad = _bad_keys(sh.K_TOPICS, topic_keys)
    if bad:
        notes.append("Topic(s) in the link no longer exist (the corpus may have been re-clustered), ignored: "
                     + ", ".join(sh.md_escape(v, 30) for v in bad))
    bad = _bad_keys(sh.K_STANCES, stance_keys)
    if bad:
        notes.append("Stance(s) in the link no longer exist, ignored: " + ", ".join(sh.md_escape(v, 30) for v in bad))
    gran = qp.get_all(sh.K_GRAN)
    if gran and gran[-1] not in sh.GRANULARITIES:
        notes.append(f"Unknown granularity `{sh.md_escape(gran[-1], 20)}` in the link; using week.")
    und = qp.get_all(sh.K_UNDATED)
    if und and und[-1].lower() not in {"true", "false"}:
        notes.append("Ignored an invalid 'undated' value in the link.")
    return notes


def _clear_filters() -> None:
    st.session_state[sh.K_DATES] = ()
    st.session_state[sh.K_SOURCES] = []
    st.session_state[sh.K_TOPICS] = []
    st.session_state[sh.K_STANCES] = []
    st.session_state[sh.K_QUERY] = ""
    st.session_state[sh.K_GRAN] = "week"
    st.session_state[sh.K_UNDATED] = True


def _sidebar_options() -> tuple[list[str], dict[int, str], dict[int, str]]:
    """(sources, topic labels, stance labels) for the filter widgets; a broken store stops the run with a
    notice, before any page runs."""
    try:
        sh.full_frame()
        topics = sh.topic_labels()
        stances = sh.stance_labels()
    except Exception as exc:  # a broken DB must show a notice, not a traceback
        st.error(f"Cannot open the article store: {sh.md_escape(exc, 200)}")
        st.stop()
    return sh.source_names(), topics, stances


def _link_filters_pending() -> bool:
    """True when the link sets a filter whose widget has not taken it yet (a session's first run of a link
    with filters): only then must the widgets run before the page, which reads the filters from them."""
    return any(k in st.query_params and k not in st.session_state for k in sh.FILTER_KEYS)


def _sidebar(sources: list[str], topics: dict[int, str], stances: dict[int, str]) -> None:
    topic_keys = sorted(topics)
    stance_keys = sorted(stances)
    with st.sidebar:
        st.markdown("**Filters** (saved in the page link)")
        st.date_input("Published between", value=(), key=sh.K_DATES, bind="query-params",
                      help="Pick a start and an end date. Empty = all dates.")
        st.checkbox("Include undated articles", value=True, key=sh.K_UNDATED, bind="query-params",
                    help="Undated articles can't be placed on a timeline, but are counted apart.")
        st.multiselect("Sources", sources, key=sh.K_SOURCES, bind="query-params",
                       placeholder="All sources")
        st.multiselect("Topics", topic_keys, key=sh.K_TOPICS, bind="query-params",
                       placeholder="All topics", help="Topic numbers; their names are listed below.")
        if topics:
            st.caption("  \n".join(f"**{k}** · {sh.md_escape(lbl, 60)}" for k, lbl in sorted(topics.items())))
        if stance_keys:
            st.multiselect("Stances", stance_keys, key=sh.K_STANCES, bind="query-params",
                           placeholder="All stances", help="Stance numbers within topics; names below.")
            with st.expander("Stance names"):
                st.caption("  \n".join(f"**{k}** · {sh.md_escape(lbl, 60)}" for k, lbl in sorted(stances.items())))
        else:
            st.multiselect("Stances", [], key=sh.K_STANCES, bind="query-params", placeholder="No stances yet",
                           disabled=True)
        st.text_input("Search text", key=sh.K_QUERY, bind="query-params", placeholder="words or \"a phrase\"",
                      help="Full-text search over titles and texts: all the words, or \"an exact phrase\"; OR, "
                           f"NOT and prefix* work too. Every page counts every match; the Articles page lists up to "
                           f"{sh.RANK_MAX:,} matches best first.")
        st.segmented_control("Time granularity", list(sh.GRANULARITIES), default="week", key=sh.K_GRAN,
                             bind="query-params")
        st.button("Clear filters", on_click=_clear_filters, key="clear_filters")
        st.segmented_control("Chart image format", ["png", "svg"], default="png", key=sh.K_IMAGE_FORMAT,
                             help="What the camera button above each chart downloads (the CSV buttons give "
                                  "the data behind it).")
        if sh.read_only():
            st.caption("Read-only mode: uploads and edits are switched off.")
        elif sh.auth_required():
            if sh.signed_in():
                who = st.user.get("email") or st.user.get("name") or "signed in"
                st.caption(f"Signed in: {sh.md_escape(who, 80)}")
                st.button("Sign out", key="sign_out", on_click=st.logout)
            else:
                st.button("Sign in to upload and edit", key="sign_in", on_click=sh._login)


def _run_page(pg) -> None:
    try:
        pg.run()
    except sh.PageStopped:   # the page ended early on purpose (sh.stop: an empty state, a sign-in gate...)
        pass


with sh.RUNS.running():   # warm_later() imports in a quiet moment: it needs to know when runs happen
    pg = st.navigation(_pages())
    sh.follow_goto()
    sources, topics, stances = _sidebar_options()
    for note in _check_params(sources, sorted(topics), sorted(stances)):
        st.warning(note, icon=":material/link_off:")
    if _link_filters_pending():
        _sidebar(sources, topics, stances)
        _run_page(pg)
    else:
        # The page first, then the filter widgets: the browser gets (and starts drawing) the page's first chart
        # before it lays out the ~15 sidebar elements, which otherwise come first and delay the chart by their
        # rendering (bench/dashboard.py: first chart; README "Performance"). The page reads the same values
        # either way (current_filters: the widgets' state, or their defaults before a session's first widget
        # run), and the sidebar is drawn even when the page ends early (sh.stop) or fails.
        try:
            _run_page(pg)
        finally:
            _sidebar(sources, topics, stances)
