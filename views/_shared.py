"""Helpers every dashboard page uses, so that pages stay thin: read filters -> call narratives -> draw.

How a page gets its data::

    from views import _shared as sh

    store = sh.get_store()                 # one Store per process (st.cache_resource)
    frame = sh.full_frame()                # all articles, cached on store.version()
    view, f = sh.filtered_frame()          # the sidebar filters (app.py) applied; f is a narratives.filters.Filters
    if sh.empty_state(view, frame): sh.stop()   # says what to do when there is nothing to show; ends the page
    sh.chart_caption(view)                 # "N articles · M sources behind this chart"
    st.plotly_chart(fig, config=sh.plotly_config("topic_over_time"))
    sh.download_csv(table, "topic_over_time.csv", key="dl_tot")

The sidebar filters live in st.session_state under the keys in FILTER_KEYS (bound to the URL by app.py);
pages never read st.query_params for them. After any write to the store call sh.after_write() so every
cached frame is rebuilt (caches are keyed on store.version(), never on DataFrame hashing).
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
import time
from datetime import date
from pathlib import Path
from typing import Callable, NoReturn

import pandas as pd
import streamlit as st

from narratives import config
from narratives.filters import UNKNOWN_SOURCE, unknown_source

# Sidebar widget keys (= URL query-parameter names) set by app.py.
K_DATES, K_SOURCES, K_TOPICS, K_STANCES, K_QUERY, K_GRAN, K_UNDATED = (
    "dr", "source", "topic", "stance", "q", "gran", "undated")
FILTER_KEYS = (K_DATES, K_SOURCES, K_TOPICS, K_STANCES, K_QUERY, K_GRAN, K_UNDATED)
GRANULARITIES = ("day", "week", "month")
THIN = 3  # a chart point / cell backed by fewer articles than this is marked as thin

PAGE_OVERVIEW = "views/overview.py"
PAGE_TIMELINE = "views/timeline.py"
PAGE_SOURCES = "views/sources.py"
PAGE_SIDE_BY_SIDE = "views/side_by_side.py"
PAGE_ARTICLES = "views/articles.py"
PAGE_UPLOAD = "views/upload.py"
PAGE_TOPICS = "views/topics.py"


def read_only() -> bool:
    """Read-only deployments hide every upload/edit control (env read at call time so tests can flip it)."""
    return config.READ_ONLY or os.environ.get("NARRATIVES_READ_ONLY", "").lower() in {"1", "true", "yes"}


# ---------------------------------------------------------------- who may write (docs/DEPLOY.md)
def auth_required() -> bool:
    """Uploads and edits need a signed-in user: NARRATIVES_AUTH=oidc, or an [auth] block in secrets.toml
    (NARRATIVES_AUTH=off switches it off even then)."""
    mode = os.environ.get("NARRATIVES_AUTH", "").strip().lower()
    if mode in {"oidc", "1", "true", "yes", "on"}:
        return True
    if mode in {"off", "0", "false", "no", "none"}:
        return False
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def signed_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # no auth configured / no session
        return False


def can_edit() -> bool:
    """May this session upload, rename, merge, re-cluster or correct articles?"""
    return not read_only() and (not auth_required() or signed_in())


def edit_gate(what: str, key: str) -> bool:
    """True if this session may edit; otherwise says why (read-only, or a Sign in button) and returns False."""
    if read_only():
        st.info(f"This dashboard is read-only: {what} is switched off.")
        return False
    if auth_required() and not signed_in():
        st.info(f"Sign in to {what}. Reading needs no account.")
        st.button("Sign in", key=key, on_click=_login, icon=":material/login:")
        return False
    return True


def _login() -> None:
    st.login()   # the provider from [auth] in .streamlit/secrets.toml


# ---------------------------------------------------------------- store access (cached)
@st.cache_resource(show_spinner=False)
def _open_store(url: str, read_only: bool = False):
    from narratives.store import Store
    return Store(url, read_only=read_only)


def get_store():
    """The process-wide Store for NARRATIVES_DB (or the default DB); opened once per URL.

    A session that may not edit (read-only mode, or not signed in where sign-in is required) gets a
    read-only handle: the store itself refuses writes, whatever a page does.
    """
    return _open_store(config.default_db_url(), not can_edit())


def version() -> str:
    """The store's version string: the key of every cached read below."""
    return get_store().version()


@st.cache_resource(show_spinner=False, max_entries=2)
def _frame(url: str, ver: str) -> pd.DataFrame:
    # cache_resource, not cache_data: cache_data would unpickle a fresh copy of the whole frame on every
    # rerun (100,000 rows). The one shared frame is read-only: pages filter/derive from it, never assign
    # into it (pandas copy-on-write makes everything derived from it safe to change).
    # First read after a server start: the parquet copy of this exact store version (narratives.framecache:
    # 0.15 s at 100k articles instead of 1.5-2.5 s for the SQL query), written in the background after a
    # real read (and by the command line after it changed the store).
    from narratives import framecache
    path = framecache.frame_path(url, ver)
    frame = framecache.read(path)
    if frame is not None:
        return frame
    frame = _open_store(url).frame()
    if path is not None:
        import threading
        threading.Thread(target=framecache.write, args=(path, frame), daemon=True,
                         name="narratives-frame-cache").start()
    return frame


@st.cache_resource(show_spinner=False, max_entries=2)
def _source_names(url: str, ver: str) -> tuple[str, ...]:
    """Sorted outlet names, then UNKNOWN_SOURCE when some articles have none (so they can be filtered on)."""
    frame = _frame(url, ver)
    if frame.empty:
        return ()
    src = frame["source"]
    unknown = unknown_source(src)
    names = sorted(str(s) for s in src[~unknown].unique())
    return tuple(names + [UNKNOWN_SOURCE] if unknown.any() else names)


@st.cache_data(show_spinner=False, max_entries=64)
def _search(url: str, ver: str, query: str) -> list[int]:
    return list(_open_store(url).match_ids(query))


@st.cache_data(show_spinner=False, max_entries=16)
def _rank(url: str, ver: str, query: str, ids_key: str, _ids: list[int]) -> list[int]:
    return list(_open_store(url).rank(query, _ids))


def ids_digest(*id_sets) -> str:
    """A cache key for sets of article ids. Passed to a cached function instead of the ids themselves
    (as _ids, which st.cache_data does not hash): Streamlit hashes a tuple element by element, ~30 µs
    an id, so 100,000 ids cost ~3 s on every rerun."""
    import hashlib

    import numpy as np

    h = hashlib.blake2b(digest_size=16)
    for ids in id_sets:
        arr = np.asarray(ids, dtype=np.int64)
        h.update(len(arr).to_bytes(8, "little"))
        h.update(arr.tobytes())
    return h.hexdigest()


@st.cache_data(show_spinner=False, max_entries=8)
def _clusters(url: str, ver: str, kind: str) -> list:
    return list(_open_store(url).clusters(kind=kind))


@st.cache_data(show_spinner=False, max_entries=8)
def _stats(url: str, ver: str) -> dict:
    return dict(_open_store(url).stats())


def full_frame() -> pd.DataFrame:
    """Every stored article (see Store.frame for the columns). Shared by every session: READ-ONLY, never
    assign into it (filter or .copy() first)."""
    return _frame(config.default_db_url(), version())


def source_names() -> list[str]:
    """Sorted distinct source names of the stored articles (the sidebar's Sources options)."""
    return list(_source_names(config.default_db_url(), version()))


def stats() -> dict:
    return _stats(config.default_db_url(), version())


def clusters(kind: str) -> list:
    """Clusters of the latest complete run ('topic' or 'stance'); [] when nothing was clustered yet."""
    try:
        return _clusters(config.default_db_url(), version(), kind)
    except Exception:  # no run yet on some store versions
        return []


def topic_labels() -> dict[int, str]:
    """Stable topic key -> the label the analyst sees (custom label if set)."""
    return {int(c.key): c.label for c in clusters("topic")}


def stance_labels() -> dict[int, str]:
    """Stable stance key -> 'label' (stance keys are integers; labels may repeat across topics)."""
    return {int(c.key): c.label for c in clusters("stance")}


def search_ids(query: str) -> list[int]:
    """Every id the full-text search matches (store.match_ids: all of them, unranked), cached per store
    version. A filter must count every match: the charts of a word in 59,000 of 100,000 articles."""
    query = (query or "").strip()
    if not query:
        return []
    return _search(config.default_db_url(), version(), query)


RANK_MAX = 5_000   # store.rank scores ~50 us an article: 5,000 in ~0.25 s at 100,000 articles
MAX_MARKERS = 2_500   # Topic over time: more points than this in a dense chart are drawn as lines only


def newest_first(view: pd.DataFrame) -> pd.DataFrame:
    """view by publication date, newest first (undated last, then the latest stored first)."""
    return view.sort_values(["published", "id"], ascending=[False, False], na_position="last", kind="stable")


def ranked(view: pd.DataFrame, query: str) -> tuple[pd.DataFrame, bool]:
    """(view best match first, True) when it has at most RANK_MAX rows; else (view newest first, False):
    ranking every match of a common word takes seconds (bm25 over 59,000 articles: 2.7 s)."""
    if view.empty or not (query or "").strip():
        return view, False
    if len(view) > RANK_MAX:
        return newest_first(view), False
    ids = sorted(int(i) for i in view["id"])
    order = _rank(config.default_db_url(), version(), query.strip(), ids_digest(ids), ids)
    pos = {int(i): n for n, i in enumerate(order)}
    return view.iloc[view["id"].map(lambda i: pos.get(int(i), len(pos))).argsort(kind="stable")], True


def after_write() -> None:
    """Call after any write: caches are keyed on store.version(), this just drops old entries early."""
    _frame.clear()
    _source_names.clear()
    _search.clear()
    _rank.clear()
    _clusters.clear()
    _stats.clear()


# ---------------------------------------------------------------- ending a page early
class PageStopped(BaseException):
    """Raised by stop(); app.py's page runner catches it. A BaseException, as Streamlit's own StopException
    is, so that a page's `except Exception` never swallows it."""


def stop() -> NoReturn:
    """End the page here: the pages' st.stop(). st.stop() ends the whole script run, and every element after
    it: app.py, which draws the filter widgets after the page (to send the page's first chart sooner), could
    not draw them, and an empty-state page would show no filters to widen. tests/test_app_pages.py checks
    that no page calls st.stop()."""
    raise PageStopped


# ---------------------------------------------------------------- filters
def current_filters():
    """The sidebar filters as a narratives.filters.Filters (defaults when a key is not set yet)."""
    from narratives.filters import Filters

    ss = st.session_state
    dr = ss.get(K_DATES) or ()
    if isinstance(dr, date):
        dr = (dr,)
    start = dr[0] if len(dr) >= 1 else None
    end = dr[1] if len(dr) >= 2 else None
    gran = ss.get(K_GRAN) or "week"
    if gran not in GRANULARITIES:
        gran = "week"
    undated = ss.get(K_UNDATED)
    return Filters(
        start=start, end=end,
        sources=list(ss.get(K_SOURCES) or []),
        topics=[int(t) for t in (ss.get(K_TOPICS) or [])],
        stances=[int(s) for s in (ss.get(K_STANCES) or [])],
        query=(ss.get(K_QUERY) or "").strip(),
        granularity=gran,
        include_undated=True if undated is None else bool(undated),
    )


def filtered_frame(frame: pd.DataFrame | None = None):
    """(articles matching the sidebar filters, Filters), in the frame's order; a list of search results
    orders them with ranked()."""
    from narratives.filters import apply

    f = current_filters()
    if frame is None:
        frame = full_frame()
    ids = search_ids(f.query) if f.query else None
    return apply(frame, f, ids), f


# ---------------------------------------------------------------- drawing helpers
def source_counts(df: pd.DataFrame) -> tuple[int, int]:
    """(distinct known outlets, articles with no known outlet): one pass over the column (100,000 rows)."""
    if "source" not in df:
        return 0, 0
    unknown = unknown_source(df["source"])
    return int(df["source"][~unknown].nunique()), int(unknown.sum())


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 article', '2 articles', '1,000 articles'."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def chart_caption(df: pd.DataFrame, extra: str = "") -> None:
    """The 'N articles · M sources' line under every chart (what the chart is built on); articles whose
    outlet is unknown are said apart, as the charts show them apart ("(unknown source)")."""
    known, unknown = source_counts(df)
    text = f"{plural(len(df), 'article')} · {plural(known, 'source')}"
    if unknown:
        text += f" · {unknown:,} with no known source"
    if extra:
        text += f" · {extra}"
    st.caption(text)


def thin_note() -> None:
    st.caption(f"Hollow / faded marks are backed by fewer than {THIN} articles: read them with care.")


def safe_cell(value):
    """Neutralise spreadsheet formulas (=, +, -, @, tab, CR) in exported text cells."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    return out.to_csv(index=False).encode("utf-8")


def download_csv(df: pd.DataFrame, file_name: str, key: str, label: str = "Download data (CSV)", *,
                 extend: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> None:
    """CSV of exactly the data behind a chart/table, formula cells neutralised.

    Built only when the button is clicked (a callable `data`: Streamlit calls it then, outside the script
    run): the Articles page's export of 100,000 rows took ~1.6 s, and every rerun of the page paid it.
    `extend(df)` adds what is too costly to fetch on every run at that moment (the full texts).
    The click does not rerun the page (on_click="ignore"; nothing on a page depends on a download). With the
    default rerun, the rerun raced the browser's request for the deferred file: now and then the download
    never started and the button stayed disabled (headless Chromium, a second download from the Articles
    page: 7 times in 28 runs; 0 in 20 without the rerun, 2026-12-02)."""
    def build() -> bytes:
        return to_csv_bytes(extend(df) if extend is not None else df)

    st.download_button(label, data=build, file_name=file_name, mime="text/csv", key=key, disabled=df.empty,
                       on_click="ignore")


K_IMAGE_FORMAT = "img_fmt"   # sidebar choice of the modebar's image format (not part of shared links)


def plotly_config(name: str) -> dict:
    """Modebar config: the camera button saves the chart as PNG (2x) or SVG, as chosen in the sidebar,
    named after the chart."""
    fmt = st.session_state.get(K_IMAGE_FORMAT) or "png"
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": fmt if fmt in ("png", "svg") else "png", "filename": name,
                                     "scale": 2}}


def page_data():
    """(all articles, the filtered ones, Filters) for a page that charts the filtered set; stops the page
    with the empty state when there is nothing to draw."""
    frame = full_frame()
    if empty_state(frame, frame):
        stop()
    view, f = filtered_frame(frame)
    if empty_state(view):
        stop()
    return frame, view, f


def empty_state(view: pd.DataFrame, frame: pd.DataFrame | None = None) -> bool:
    """Show what to do when there is nothing to draw; True when the page should stop."""
    if frame is not None and frame.empty:
        st.info("No articles stored yet. Add some on the **Upload** page "
                "(or run `python -m narratives seed`).")
        if can_edit():
            st.page_link(PAGE_UPLOAD, label="Go to Upload", icon=":material/upload:")
        return True
    if view.empty:
        st.info("No articles match the current filters. Widen the date range or clear filters in the sidebar.")
        return True
    return False


def no_clusters_note() -> None:
    st.info("Articles are not clustered yet: topics and stances appear after clustering "
            "(Topics page → Re-run clustering).")


def source_label(value) -> str:
    return UNKNOWN_SOURCE if value is None or pd.isna(value) else str(value)


def source_labels(values: pd.Series) -> pd.Series:
    """source_label of a whole column, vectorised (100,000 rows: ~5 ms, not ~0.14 s)."""
    return values.astype("string").fillna(UNKNOWN_SOURCE).astype(object)


# One qualitative palette for topics (Tableau 10, colour-blind safer than the Plotly default), keyed on
# the stable topic number so topic 3 has the same colour on every chart and every page.
TOPIC_PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
                 "#ff9da7", "#bab0ac", "#1f5a8a", "#b5651d", "#2e7d32", "#a52a2a", "#6a3d9a"]
UNCLUSTERED_COLOR = "#9e9e9e"


def topic_color(key) -> str:
    """The colour of topic `key` on every chart (grey for 'not clustered')."""
    try:
        if key is None or pd.isna(key):
            return UNCLUSTERED_COLOR
        return TOPIC_PALETTE[int(key) % len(TOPIC_PALETTE)]
    except (TypeError, ValueError):
        return UNCLUSTERED_COLOR


def count_axis(fig, ymax: float, title: str = "Articles", axis: str = "y") -> None:
    """A y axis for article counts: whole-number ticks only (no 0.5 articles), starting at 0."""
    ymax = max(1.0, float(ymax or 0))
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 10**9)
                if ymax / s <= 8)
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(title_text=title, tick0=0, dtick=step, tickformat=",d", rangemode="tozero",
           range=[0, ymax * 1.08 + (0.3 if ymax < 5 else 0)])


def date_texts(values: pd.Series) -> pd.Series:
    """Publication dates for table cells: 'YYYY-MM-DD', or 'undated' (never a grey 'None'); vectorised
    (100,000 rows: ~0.1 s, not ~0.7 s one by one)."""
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").astype(object).where(values.notna(), "undated")


def wrap_label(text: str, width: int = 16, max_lines: int = 3, sep: str = " · ") -> str:
    """A plot label wrapped onto short lines (parts of 'a · b · c' kept whole) joined by <br>.

    The text must already be escaped."""
    lines: list[str] = []
    for part in str(text).split(sep):
        part = part.strip()
        if not part:
            continue
        if lines and len(lines[-1]) + len(sep) + len(part) <= width:
            lines[-1] += sep + part
        else:
            lines.append(part if len(part) <= width + 6 else part[: width + 5] + "…")
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += " …"
    return "<br>".join(lines)


def plot_text(text, limit: int | None = 60) -> str:
    """Escape text for Plotly (legend, hover, annotations render a small HTML subset)."""
    import html
    s = "" if text is None else " ".join(str(text).split())
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return html.escape(s)


_MD_SPECIAL = "\\`*_{}[]()#|<>~$"


def md_escape(text, limit: int | None = None) -> str:
    """Escape markdown/HTML-ish characters so untrusted text (article titles, URL params) shows as text.

    '.', '-', '+' are escaped only where they would start a list, so URLs in text still read normally.
    """
    import re
    s = "" if text is None else str(text)
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    s = " ".join(s.split())
    s = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in s)
    s = re.sub(r"^([-+=])", r"\\\1", s)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", s)


# ---------------------------------------------------------------- cross-page links that set sidebar filters
_GOTO = "_goto_page"


def _go(page: str, values: dict) -> None:
    for k, v in values.items():
        st.session_state[k] = v
    st.session_state[_GOTO] = page


def filter_button(label: str, page: str, key: str, **values) -> None:
    """A button that sets sidebar filters (e.g. topic=[3]) and opens another page.

    Bound sidebar widgets keep their own state across page switches, so a link carrying ?topic=3 would be
    ignored; setting session_state in the click callback (before the widgets run) is what works.
    app.py then calls st.switch_page via follow_goto().
    """
    st.button(label, key=key, on_click=_go, args=(page, values))


def _switch_keeping_params(page: str) -> None:
    """st.switch_page without its query-param reset.

    st.switch_page clears/replaces st.query_params, which raises StreamlitAPIException as soon as a
    bound sidebar filter is in the URL (Streamlit 1.67). This requests the same rerun but keeps the query
    string, so the filters (and the topic just set) carry over. Uses Streamlit internals (pinned 1.67).
    """
    import os as _os

    from streamlit.commands import execution_control as ec
    from streamlit.runtime.scriptrunner import RerunData, get_script_run_ctx

    ctx = get_script_run_ctx()
    wanted = _os.path.realpath(_os.path.join(_os.path.dirname(ctx.main_script_path), page))
    hashes = [p["page_script_hash"] for p in ctx.pages_manager.get_pages().values() if p["script_path"] == wanted]
    if not hashes:
        raise LookupError(page)
    ctx.script_requests.request_rerun(RerunData(
        query_string=ctx.query_string, page_script_hash=hashes[0],
        cached_message_hashes=ctx.cached_message_hashes, context_info=ctx.context_info))
    ec._force_yield_point()


@functools.lru_cache(maxsize=1)
def follow_goto() -> None:
    """Called by app.py before the sidebar: perform a switch requested by filter_button."""
    page = st.session_state.pop(_GOTO, None)
    if not page:
        return
    from streamlit.runtime.scriptrunner import RerunException, StopException
    try:
        _switch_keeping_params(page)
    except (RerunException, StopException):
        raise
    except Exception:  # internals moved: fall back to a plain link rather than a traceback
        st.page_link(page, label="Filter set: open the page", icon=":material/arrow_forward:")


def known_hashes(texts: list[str]) -> list[int | None]:
    """For each text, the id of an already stored article with the same content hash (exact duplicate), else None.

    Uses Store.find_hashes when the store offers it, else one read query on the articles table.
    """
    if not texts:
        return []
    from narratives import dedupe
    hashes = [dedupe.content_hash(t) for t in texts]
    store = get_store()
    finder = getattr(store, "find_hashes", None)
    if finder is not None:
        found = dict(finder(hashes))
    else:
        import sqlalchemy as sa
        from narratives.store import articles
        found = {}
        uniq = sorted(set(hashes))
        with store.engine.connect() as conn:
            for i in range(0, len(uniq), 500):
                found.update(conn.execute(sa.select(articles.c.content_hash, articles.c.id)
                                          .where(articles.c.content_hash.in_(uniq[i:i + 500]))).all())
    return [found.get(h) for h in hashes]


# ---------------------------------------------------------------- server warm-up (scripts/server_app.py)
def warm_up() -> int:
    """Do at server start what the first visitor's script run would otherwise wait for.

    Called by scripts/server_app.py in a background thread while Streamlit starts and the browser loads the
    page: imports pandas/plotly, reads the article frame of the current store version into the shared
    cache (from the parquet copy when there is one) and fills the sidebar's caches; returns the number of
    articles. Only an optimisation: on any failure the first script run does the work itself.
    """
    # Streamlit's once-per-process check on the first element, first: is_repl() reads the source of every
    # frame on the stack and resolves the file of every loaded module, 76 ms here with Streamlit's ~800
    # modules, 109 ms after the imports below (~1,350); it prints nothing under `streamlit run`
    from streamlit import delta_generator
    first_element_check = getattr(delta_generator, "_maybe_print_use_warning", None)
    if first_element_check is not None:
        first_element_check()
    import plotly.graph_objects as go

    url = config.default_db_url()
    ver = _open_store(url).version()
    n = len(_frame(url, ver))
    _source_names(url, ver)
    # plotly builds its validators on first use (~0.2 s): build and serialise one small figure of each kind
    go.Figure([go.Bar(x=[1], y=["a"], orientation="h"), go.Scatter(x=[1], y=[1])]).to_json()
    _clusters(url, ver, "topic")   # cache_data: needs the runtime (server_app.py starts us once it runs)
    _clusters(url, ver, "stance")
    # what the Overview's first run would do once per process: import its modules, register the light
    # chart component
    import plotly.colors  # noqa: F401
    import plotly.io  # noqa: F401

    from narratives import filters  # noqa: F401
    from views import _light_plotly
    _light_plotly.component()
    return n


class _RunCounter:
    """Script runs in progress in this server and when the last one ended (app.py counts every run)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0
        self.last_end = float("-inf")

    @contextlib.contextmanager
    def running(self):
        with self._lock:
            self.active += 1
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1
                self.last_end = time.monotonic()

    def quiet_for(self) -> float:
        """Seconds since the last run ended; 0 while one runs."""
        with self._lock:
            return 0.0 if self.active else time.monotonic() - self.last_end


RUNS = _RunCounter()
WARM_LATER_S = 5.0   # after the warm-up: by then a first visitor's Overview is drawn
QUIET_S = 1.0        # ... and then no script run for this long


def warm_later(quiet_s: float = QUIET_S, max_wait_s: float = 120.0) -> None:
    """Import what the other pages need and the Overview does not, in a quiet moment after the start.

    scikit-learn (via narratives.textfeatures: the Source comparison's word counts, the Topics page's
    stance sentences) takes ~1.5 s to import on this host, which the first visit to those pages paid.
    scripts/server_app.py runs this in a background thread WARM_LATER_S after the warm-up: at start it would
    compete with the first chart, and while a visitor's script runs it would slow that run (an import holds
    the GIL), so it waits until no run has happened for quiet_s (at most max_wait_s). A page that gets there
    first imports it itself (Python's import lock)."""
    deadline = time.monotonic() + max_wait_s
    while RUNS.quiet_for() < quiet_s and time.monotonic() < deadline:
        time.sleep(0.1)
    from narratives import compare, stance, textfeatures  # noqa: F401
