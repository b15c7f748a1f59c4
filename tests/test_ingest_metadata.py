"""Metadata found in text: only unambiguous shapes, None otherwise; and the cleaning rules one by one."""
from __future__ import annotations

from datetime import date

import pytest

from narratives.ingest import metadata as md
from narratives.ingest.clean import clean_text, strip_repeated_lines


@pytest.mark.parametrize("line,expected", [
    ("Friday, November 15, 2024", date(2024, 11, 15)),
    ("Nov. 5, 2024 10:30 AM EST", date(2024, 11, 5)),
    ("15 November 2024", date(2024, 11, 15)),
    ("Published: 3rd March 2025", date(2025, 3, 3)),
    ("2024-11-15", date(2024, 11, 15)),
    ("Updated 2024-11-15 08:00", date(2024, 11, 15)),
    ("February 30, 2024", None),                       # not a date
    ("The meeting on November 15, 2024 was postponed because of rain.", None),   # a sentence, not a date line
])
def test_date_lines(line, expected):
    assert md.find_published([line, "", "Body text here."]) == expected


def test_byline_dates_and_published_in_signoff():
    assert md.find_published(["Headline", "By Jane Doe | Nov 15, 2024", "Text."]) == date(2024, 11, 15)
    assert md.find_published(["Headline", "Text.", "Published in Dawn, November 16th, 2024"]) == date(2024, 11, 16)


def test_caption_date_is_not_the_publication_date():
    lines = ["Title", "The minister talks to reporters in Beijing, China, October 9, 2019. (Photo/Reuters)", "Text."]
    assert md.find_published(lines) is None


@pytest.mark.parametrize("lines,expected", [
    (["Text.", "Original Source: www.tradingview.com"], ("www.tradingview.com", None)),
    (["Text.", "Source: https://www.example.com/a/b"], ("www.example.com", "https://www.example.com/a/b")),
    (["Text.", "Zachary Evans is a news writer for National Review Online. He plays viola."],
     ("National Review Online", None)),
    (["Text.", "Follow Day News on Google News, Instagram, YouTube"], ("Day News", None)),
    (["Text.", "Follow us on Twitter"], (None, None)),
    (["Text.", "Published in Dawn, November 16th, 2024"], ("Dawn", None)),
    (["Text.", "Copyright 2019 The Associated Press. All rights reserved."], ("The Associated Press", None)),
    (["According to Dawn News, officials denied the report.", "Text."], (None, None)),
    (["Reuters reported that talks had stalled.", "Text."], (None, None)),
])
def test_sources(lines, expected):
    assert md.find_source(lines) == expected


def test_title_skips_page_furniture():
    lines = ["Home", "Breaking", "Loading Now...", "Friday, November 15, 2024", "https://example.com/x",
             "By Jane Doe", "Real Headline Here", "Body sentence one."]
    assert md.find_title(lines) == ("Real Headline Here", 6)
    assert md.find_title(["This is a paragraph. It has two sentences and is not a title.", "More."]) == (None, None)


def test_language():
    assert md.guess_language("The minister said that the talks would continue and that he was hopeful.") == "en"
    assert md.guess_language("Le ministre a déclaré que les négociations continueraient demain matin.") is None
    assert md.guess_language("Too short") is None


def test_link_list_with_last_item_removed():
    story = "The council approved the budget on Monday.\nIt takes effect in May."
    junk = "-\nCelebrity Does A Thing -\nAnother Star Wins Award -\nRoyal Family News Update -\nLast Headline Here"
    assert clean_text(story + "\n" + junk) == story


def test_unrelated_headline_in_body_removed_subheadings_kept():
    text = ("The council approved the budget for schools on Monday.\n"
            "Budget Approved For Schools\n"
            "Teachers welcomed the decision on the budget.\n"
            "Celebrity Chef Opens Seaside Restaurant Tonight\n"
            "The schools will receive the money in May.")
    out = clean_text(text)
    assert "Budget Approved For Schools" in out
    assert "Celebrity Chef" not in out


def test_lists_inside_the_story_are_kept():
    text = ("The draw for the next round was made on Sunday.\n"
            "Derby v Watford or Fulham\nCardiff or Blackburn v Colchester\nNottm Forest v Peterborough\n"
            "Ties will be played on the weekend of 19 February.")
    assert clean_text(text) == text


def test_repeated_lines_within_one_source():
    stories = ["The first story says the council approved the budget for the coming school year on Monday.",
               "The second story says the river flooded two villages after a week of heavy rain in the hills.",
               "The third story says the airport will close its older terminal for repairs until next spring."]
    a, b, c = (f"Site Menu Bar\n{s}\nSend a tip to the team.\nShared Footer Line" for s in stories)
    assert strip_repeated_lines([a, b, c]) == stories
    # two copies of the same story are not boilerplate of each other
    assert strip_repeated_lines([a, a]) == [a, a]
    # a sentence shared by only two articles stays (it may be real text)
    out2 = strip_repeated_lines([a, b])
    assert all("Send a tip to the team." in t for t in out2) and all("Site Menu Bar" not in t for t in out2)


def test_byline_under_headline_removed():
    text = "By Jane Doe | Reuters\nThe council approved the budget on Monday.\nBy the way, nobody objected."
    assert clean_text(text) == "The council approved the budget on Monday.\nBy the way, nobody objected."


def test_source_url_with_a_footnote_or_a_bad_host_never_fails_the_file():
    """Seen in real scraped text: "Source: http://www.yale.edu [2]" (a footnote mark after the URL) made
    urlsplit raise ValueError and the whole file failed; a URL that is not one is simply not used."""
    from narratives.ingest import metadata as md
    from narratives.ingest.text import read_text
    body = ["Headline About Geoengineering", "", "A new study says geoengineering could ease polarisation."]
    assert md.find_source(body + ["Source: http://www.yale.edu [2]"]) == ("www.yale.edu", "http://www.yale.edu")
    assert md.find_source(body + ["Source: http://[2 broken"]) == (None, None)
    (article,) = read_text("yale.txt", "\n".join(body + ["Source: http://www.yale.edu [1]"]).encode())
    assert article.url == "http://www.yale.edu" and "geoengineering" in article.text


def test_dateparser_is_asked_about_short_date_lines_but_not_the_headline(monkeypatch):
    """The slow path (dateparser, for date forms the regexes do not know) still finds "8/13/2018" under a
    headline, and is not asked about a headline with a year and another number ("1st 2020 Democratic
    Debate"): its first call in a process costs 0.2-0.5 s."""
    from narratives.ingest import metadata as md
    from narratives.ingest.text import article_from_text

    asked = []
    real = md._dateparser
    monkeypatch.setattr(md, "_dateparser", lambda value, languages=None: asked.append(value) or real(value, languages))
    body = ("The candidates met on stage in Miami for the first of two nights of debate, and the moderators "
            "asked about health care, immigration and the economy for most of the evening.\n\n"
            "Several of them said the party would have to win back voters it lost in the last election.")
    a = article_from_text(f"1st 2020 Democratic Debate\n\n{body}", "debate.txt")
    assert a.title == "1st 2020 Democratic Debate" and a.published is None and asked == []
    a = article_from_text(f"1st 2020 Democratic Debate\n\n8/13/2018\n\n{body}", "debate.txt")
    assert a.published == date(2018, 8, 13) and asked == ["8/13/2018"]
