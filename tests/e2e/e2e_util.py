"""Page helpers for the e2e tests: browser contexts, waiting for a Streamlit run, exception check, screenshots,
and reading what a person sees (sidebar widget values, the article table, captions)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
VIEWPORT = {"width": 1400, "height": 2000}
TIMEOUT_MS = 60_000   # the machine is shared: a rerun can take a few seconds under load


class Ctx:
    """One browser context (a person's browser profile) with page helpers."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.page_errors: list[str] = []
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.requests: list[str] = []      # every URL the page asked for (offline installs: only the server)
        self.page.on("request", lambda r: self.requests.append(r.url))

    def outside_requests(self) -> list[str]:
        """URLs requested from anywhere but the app's server (data: / blob: URLs are not requests out)."""
        from urllib.parse import urlsplit
        own = urlsplit(self.base).netloc
        return [u for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).netloc != own]

    def close(self):
        self.context.close()


# ------------------------------------------------------------------ waiting, checking, screenshots
def wait_idle(page, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the Streamlit run has finished and every element has drawn (no skeleton placeholders)."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)
    # widget components load lazily after the run: until then they are grey placeholders
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')", timeout=timeout)


def check_page(page, name: str | None = None) -> None:
    """No Streamlit exception box on the page (and a screenshot when name is given)."""
    wait_idle(page)
    exc = page.locator("[data-testid=stException]")
    if exc.count():
        pytest.fail(f"Streamlit exception on {page.url}:\n" + "\n---\n".join(exc.all_inner_texts())[:3000])
    if name:
        shot(page, name)


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^0-9A-Za-z_.-]', '_', name)}.png"
    page.screenshot(path=str(path))
    return path


def open_page(c: Ctx, path: str, heading: str, name: str | None = None):
    """Open base+path, wait for the page title (an h1) and the end of the run, assert no exception."""
    page = c.page
    page.goto(c.base + path, wait_until="domcontentloaded")
    page.get_by_role("heading", name=heading, level=1).wait_for()
    check_page(page, name)
    return page


# ------------------------------------------------------------------ the expected answer (not via the app's code)
def expected_ids(corpus: dict, *, sources=None, term=None, start=None, end=None) -> list[int]:
    """Articles matching the filters, worked out from the stored texts without the app's filter code."""
    from narratives.store import Store

    store = Store(corpus["url"])
    try:
        ids, titles, texts = store.texts()
        frame = store.frame().set_index("id")
    finally:
        store.close()
    out = []
    for i, title, text in zip(ids, titles, texts):
        row = frame.loc[i]
        if sources and row["source"] not in sources:
            continue
        if term and not re.search(rf"\b{re.escape(term)}\b", f"{title}\n{text}", re.I):
            continue
        pub = row["published"]
        if (start or end) and pd.isna(pub):
            continue
        if start and pub.date() < start:
            continue
        if end and pub.date() > end:
            continue
        out.append(int(i))
    return sorted(out)


# ------------------------------------------------------------------ reading the page
_GRID_JS = """(el) => {
  const heads = {};
  el.querySelectorAll('[role=columnheader]').forEach(h => heads[h.getAttribute('aria-colindex')] = h.innerText.trim());
  return [...el.querySelectorAll('tr[role=row]')].map(r => {
    const o = {};
    r.querySelectorAll('[role=gridcell]').forEach(c => {
      const k = heads[c.getAttribute('aria-colindex')] || ('col' + c.getAttribute('aria-colindex'));
      o[k] = c.innerText.trim();
    });
    return o;
  }).filter(o => Object.keys(o).length);
}"""


def sidebar(page):
    return page.locator("[data-testid=stSidebar]")


def main(page):
    return page.locator("[data-testid=stMain]")


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def date_range_values(page) -> list[str]:
    """The dates the sidebar 'Published between' field shows, as ISO strings: [start, end], or [] when empty."""
    field = sidebar(page).locator("[data-testid=stDateInput]").first
    out = []
    for part in ("start", "end"):
        spins = field.locator(f"[data-range-field={part}] [role=spinbutton]")
        vals = {el.get_attribute("data-type"): el.get_attribute("aria-valuenow") for el in spins.all()}
        if all(vals.get(k) for k in ("year", "month", "day")):
            out.append(f"{int(vals['year']):04d}-{int(vals['month']):02d}-{int(vals['day']):02d}")
    return out


def eventually(read, expected, timeout_ms: int = 15_000, page=None):
    """Re-read a value from the page until it equals expected (widgets fill in after the first paint);
    returns the last value read, so the caller's assert shows what the page really shows."""
    import time

    deadline = time.monotonic() + timeout_ms / 1000
    value = read()
    while value != expected and time.monotonic() < deadline:
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)
        value = read()
    return value


def multiselect_tags(page, label: str) -> list[str]:
    """Chosen values of the sidebar multiselect with this label (its tags)."""
    box = sidebar(page).locator("[data-testid=stMultiSelect]").filter(
        has=page.locator("[data-testid=stWidgetLabel]", has_text=re.compile(rf"^{re.escape(label)}$")))
    return [t.strip() for t in box.locator("[data-tag]").all_inner_texts()]


def text_input_value(page, label: str, scope=None) -> str:
    return (scope or page).get_by_label(label, exact=True).input_value()


def article_count(page) -> int:
    """The 'N articles · M sources[ · K with no known source]' caption of the Articles page."""
    cap = main(page).get_by_text(
        re.compile(r"^[\d,]+ articles? · [\d,]+ sources?( · [\d,]+ with no known source)?$")).first
    cap.wait_for()
    return int(cap.inner_text().split()[0].replace(",", ""))


def wait_count(page, n: int) -> None:
    """Wait until the Articles caption says n articles (a rerun after a widget change has landed)."""
    word = "article" if n == 1 else "articles"
    main(page).get_by_text(re.compile(rf"^{n:,} {word} · ")).first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)


def table_rows(page, index: int = 0, expect: int | None = None) -> list[dict]:
    """Rows of the index-th data table on the page, as {column header: cell text} (rendered rows only).

    st.dataframe draws on a canvas but keeps an accessible table of the rows in view; the Articles table
    is tall enough for ~10 rows, so tests keep their filtered lists short."""
    grid = main(page).locator("[data-testid=stDataFrame]").nth(index)
    grid.wait_for()
    if expect is not None:
        page.wait_for_function(
            "([el, n]) => el.querySelectorAll('tr[role=row] [role=gridcell][aria-colindex=\"2\"]').length === n",
            arg=[grid.element_handle(), expect], timeout=TIMEOUT_MS)
    return grid.evaluate(_GRID_JS)
