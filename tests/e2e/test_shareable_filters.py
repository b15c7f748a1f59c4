"""Filters live in the page link: open a link -> see the filters applied; change a filter -> the link changes;
a colleague opening that link sees the same list; a garbage link gives a clean page with notices."""
from __future__ import annotations

import re
from datetime import date

import pytest

from e2e_util import (article_count, check_page, date_range_values, eventually, expected_ids, main, multiselect_tags, open_page, query,
                      shot, sidebar, table_rows, text_input_value, wait_count)


def visible_articles(page, n: int) -> list[tuple[int, str, str, str]]:
    """(id, published, source, title) of every row the Articles table shows."""
    rows = table_rows(page, expect=n)
    return sorted((int(r["id"]), r["published"], r["source"], r["title"]) for r in rows)


def test_link_with_filters_opens_filtered_list(ctx, e2e_corpus):
    """Scenario 1: /articles?source=Reuters&q=coronavirus&dr=2020-03-01&dr=2020-03-31."""
    want = expected_ids(e2e_corpus, sources={"Reuters"}, term="coronavirus",
                        start=date(2020, 3, 1), end=date(2020, 3, 31))
    assert 2 <= len(want) <= 10, want  # the corpus gives a short, non-trivial list
    page = open_page(ctx, "/articles?source=Reuters&q=coronavirus&dr=2020-03-01&dr=2020-03-31", "Articles")
    wait_count(page, len(want))

    # the sidebar shows the link's values
    assert eventually(lambda: date_range_values(page), ["2020-03-01", "2020-03-31"], page=page) \
        == ["2020-03-01", "2020-03-31"]
    assert multiselect_tags(page, "Sources") == ["Reuters"]
    assert text_input_value(page, "Search text") == "coronavirus"
    # the list holds exactly the matching articles, all from Reuters, all in March 2020
    rows = visible_articles(page, len(want))
    assert [r[0] for r in sorted(rows)] == want
    for _id, published, source, _title in rows:
        assert source == "Reuters"
        assert "2020-03-01" <= published <= "2020-03-31"
    assert main(page).get_by_text("Search: “coronavirus”").is_visible()
    check_page(page, "01_link_with_filters")


@pytest.fixture(scope="module")
def changed_link(browser, server, e2e_corpus):
    """A person opens the Reuters 'climate' list, adds The Guardian in the sidebar and picks month granularity.

    Returns what they saw: the URL afterwards and the visible rows."""
    from e2e_util import Ctx

    c = Ctx(browser, server)
    try:
        before = expected_ids(e2e_corpus, sources={"Reuters"}, term="climate")
        after = expected_ids(e2e_corpus, sources={"Reuters", "The Guardian"}, term="climate")
        assert 1 <= len(before) < len(after) <= 10, (before, after)
        page = open_page(c, "/articles?source=Reuters&q=climate", "Articles")
        wait_count(page, len(before))
        start_url = page.url

        sidebar(page).get_by_role("combobox", name="Sources").click()
        page.get_by_role("option", name="The Guardian", exact=True).click()
        page.keyboard.press("Escape")
        wait_count(page, len(after))
        sidebar(page).get_by_role("radio", name="month", exact=True).click()
        page.wait_for_url(re.compile(r"gran=month"))
        check_page(page, "02_filter_changed_in_sidebar")
        yield {"start_url": start_url, "url": page.url, "rows": visible_articles(page, len(after)),
               "want": after, "tags": multiselect_tags(page, "Sources")}
    finally:
        c.close()


def test_sidebar_change_updates_link(changed_link):
    """Scenario 2: changing the sidebar filters rewrites the page link."""
    q = query(changed_link["url"])
    assert q.get("source") and sorted(q["source"]) == ["Reuters", "The Guardian"], changed_link["url"]
    assert q.get("q") == ["climate"]
    assert q.get("gran") == ["month"]
    assert "gran" not in query(changed_link["start_url"])
    assert changed_link["tags"] == ["Reuters", "The Guardian"]
    assert [r[0] for r in changed_link["rows"]] == changed_link["want"]
    assert {r[2] for r in changed_link["rows"]} == {"Reuters", "The Guardian"}


def test_colleague_opening_the_link_sees_same_list(changed_link, new_ctx):
    """Scenario 3: the copied link, opened in a fresh browser profile, shows the same filters and articles."""
    colleague = new_ctx()
    page = colleague.page
    page.goto(changed_link["url"], wait_until="domcontentloaded")
    page.get_by_role("heading", name="Articles", level=1).wait_for()
    wait_count(page, len(changed_link["want"]))
    assert visible_articles(page, len(changed_link["want"])) == changed_link["rows"]
    assert multiselect_tags(page, "Sources") == ["Reuters", "The Guardian"]
    assert text_input_value(page, "Search text") == "climate"
    assert sidebar(page).locator("[data-testid=stButtonGroup]", has_text="week").locator("[aria-checked=true]").inner_text().strip() == "month"
    check_page(page, "03_colleague_opens_link")


def test_garbage_link_gives_clean_page_with_notices(ctx):
    """Scenario 7: nonsense values in the link are ignored with a notice, never a traceback."""
    page = open_page(ctx, "/articles?dr=notadate&topic=abc&source=%3Cscript%3E", "Articles")
    text = main(page).inner_text()
    assert "Ignored the date range in the link" in text and "notadate" in text
    assert "Unknown source(s) in the link, ignored: <script>" in text  # shown as text
    assert re.search(r"Topic\(s\) in the link .*ignored: abc", text)
    # nothing filtered: the widgets are at their defaults and the whole corpus is listed
    assert date_range_values(page) == []
    assert multiselect_tags(page, "Sources") == []
    assert multiselect_tags(page, "Topics") == []
    assert article_count(page) >= 60
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    check_page(page, "07_garbage_link")
