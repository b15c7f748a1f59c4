"""Title, date, source, url and language found in an article's own text.

Scraped files carry their metadata as lines of text ("Friday, November 15, 2024", "Original Source: ...",
"X is a news writer for National Review Online"). Only unambiguous patterns are taken: a caption date or
"According to Dawn News" (a cited source) must not become the article's date or outlet. Nothing found ->
None, never a guess. Regexes run first; dateparser (slow) only on a few short candidate lines near the top.
"""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
         r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DATE_FORMS = (
    MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR,                       # November 15, 2024
    _DAY + r"\s+(?:of\s+)?" + MONTH + r",?\s+" + _YEAR,             # 15 November 2024
    r"(?P<iso_y>(?:19|20)\d\d)-(?P<iso_m>[01]\d)-(?P<iso_d>[0-3]\d)",  # 2024-11-15
)
DATE_RE = re.compile(r"\b(?:" + "|".join(f"(?:{f})" for f in (
    _DATE_FORMS[0], _DATE_FORMS[1].replace("mon>", "mon2>").replace("day>", "day2>").replace("year>", "year2>"),
    _DATE_FORMS[2])) + r")\b", re.I)
_TIME = r"(?:\s*(?:at|,|\||-|–)?\s*\d{1,2}[:.]\d\d(?:[:.]\d\d)?\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,5}|[+-]\d\d:?\d\d)?)?"
# A line that is nothing but a date (weekday, time and a "Published:" style label allowed).
_LABEL = r"(?:(?:published|posted|updated|last updated|date|dated|first published)(?: on)?\s*[:\-|]?\s*)?"
DATE_LINE_RE = re.compile(r"^\s*" + _LABEL + _WEEKDAY + r"(?P<date>" + DATE_RE.pattern + r")" + _TIME + r"\s*$", re.I)
# A byline / dateline that carries a date: "By Jane Doe | Nov 15, 2024", "Published: 15 November 2024 10:02".
BYLINE_RE = re.compile(r"^\s*(?:by|published|posted|updated|last updated|date|dated|first published)\b", re.I)
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")

# Lines at the top of a scraped page that are not the headline.
NON_TITLE_RE = re.compile(
    r"^(?:breaking(?: news)?|home|loading(?: now)?|menu|main menu|skip to (?:main )?content|advertisement|"
    r"sponsored(?: content)?|live|exclusive|opinion|analysis|news|latest(?: news)?|top stories|updated|share|"
    r"search|sign in|log ?in|subscribe|close|toggle navigation|you are here.*|world|home page|"
    r"navigation|print|email|featured)\W*$", re.I)
URL_RE = re.compile(r"^\s*(?:url\s*:\s*)?(?P<url>https?://[^\s<>\"']+)\s*$", re.I)
BYNAME_RE = re.compile(r"^\s*[Bb]y\s+[A-Z][\w.'’-]*(?:\s+(?:and\s+)?[A-Z][\w.'’-]*){1,4}\s*(?:\|.*)?$")

_SRC_TOKEN = r"[A-Z](?:[\w&'’-]|\.(?=\w))*"
ORIGINAL_SOURCE_RE = re.compile(r"^\s*(?:original\s+)?source\s*:\s*(?P<src>\S.{0,150}?)\s*$", re.I)
_SOURCE_FIRST = frozenset("oOsS\u017f")   # how a stripped ORIGINAL_SOURCE_RE line starts (ſ matches s under re.I)
WRITER_RE = re.compile(
    r"^[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}\s+is\s+(?:an?|the)\s+(?:[\w'’-]+\s+){0,4}?"
    r"(?:writer|reporter|correspondent|editor|journalist|columnist|contributor|producer|anchor|fellow|intern)"
    r"\s+(?:for|at|with)\s+(?P<src>(?:the\s+)?" + _SRC_TOKEN + r"(?:\s+(?:of\s+|and\s+|&\s+|the\s+)?"
    + _SRC_TOKEN + r"){0,5})")
_SOCIAL = r"(?:google news|twitter|x|facebook|instagram|youtube|whats\s?app|telegram|linkedin|tiktok|threads)"
FOLLOW_RE = re.compile(r"^\s*follow\s+(?!us\b|me\b|him\b|her\b|them\b)(?P<src>.{2,60}?)\s+on\s+" + _SOCIAL + r"\b", re.I)
COPYRIGHT_RE = re.compile(
    r"^\s*(?:©|(?:copyright|\(c\))(?=\s*(?:©|\(c\)|(?:19|20)\d\d)))\s*(?:©\s*)?(?:(?:19|20)\d\d(?:\s*[-–]\s*(?:19|20)\d\d)?\s*)?,?\s*"
    r"(?P<src>[^.|]{2,60}?)\s*[.,]?\s*(?:all rights reserved\.?)?\s*$", re.I)
PUBLISHED_IN_RE = re.compile(r"^\s*published in (?P<src>[^,]{2,60}),\s*(?P<date>.{6,40})$", re.I)

_EN_STOP = frozenset(
    "the of and to in a is that for on it with as was by at be this are from has have an or not but "
    "said which were their its will his her they he she been had who would also more than after".split())
_WORD_RE = re.compile(r"[a-z']+")
_EN_STOP_BYTES = frozenset(w.encode() for w in _EN_STOP)
# bytes.translate table for guess_language: a-z and ' kept, every other byte a separator (non-ASCII characters
# arrive as '?' from encode(errors="replace")), i.e. the [a-z']+ runs of _WORD_RE in one C pass
_EN_WORD_BYTES = bytes(c if (97 <= c <= 122 or c == 39) else 32 for c in range(256))


def _mk_date(y: int, m: int, d: int) -> date | None:
    """A real calendar date in a plausible range for news, else None."""
    try:
        result = date(y, m, d)
    except ValueError:
        return None
    if result.year < 1900 or result > date.today().replace(year=date.today().year + 1):
        return None
    return result


def _from_match(m: re.Match) -> date | None:
    g = m.groupdict()
    if g.get("iso_y"):
        return _mk_date(int(g["iso_y"]), int(g["iso_m"]), int(g["iso_d"]))
    mon, day, year = (g.get("mon"), g.get("day"), g.get("year")) if g.get("mon") else (
        g.get("mon2"), g.get("day2"), g.get("year2"))
    if not mon:
        return None
    return _mk_date(int(year), _MONTHS[mon[:3].lower()], int(day))


def parse_date_string(value: str) -> date | None:
    """A date from a metadata field (CSV cell, trafilatura, front matter); None if it is not one."""
    value = (value or "").strip()
    if not value or len(value) > 80:
        return None
    iso = re.match(r"^((?:19|20)\d\d)-(\d\d)-(\d\d)(?:[T ].*)?$", value)
    if iso:
        return _mk_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    m = DATE_RE.search(value)
    if m:
        return _from_match(m)
    if not _YEAR_RE.search(value) and not re.search(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", value):
        return None
    return _dateparser(value)


def _dateparser(value: str, languages: list[str] | None = None) -> date | None:
    """Slow path for forms the regexes do not know (other languages, 15.11.2024).

    `languages` narrows dateparser's language detection: its first call without it loads every language
    (1-3 s, once per process, which a 1,000-file ingest would pay in full); with ["en"] it is ~0.07 s.
    """
    try:
        import dateparser  # lazy: ~0.5 s to import
        parsed = dateparser.parse(value, languages=languages, settings={
            "REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False, "DATE_ORDER": "DMY"})
    except Exception:  # dateparser raises assorted errors on odd input; a non-date is simply None
        return None
    return _mk_date(parsed.year, parsed.month, parsed.day) if parsed else None


def date_only_line(line: str) -> date | None:
    """The date when the whole line is a date (optionally with weekday, time, "Published:" label)."""
    if len(line) > 90 or not _YEAR_RE.search(line):
        return None
    m = DATE_LINE_RE.match(line)
    return _from_match(m) if m else None


def byline_date(line: str) -> date | None:
    """The date in a short byline/dateline ("By X | Nov 15, 2024", "Updated: 15 Nov 2024 10:00")."""
    if len(line) > 160 or not BYLINE_RE.match(line):
        return None
    m = DATE_RE.search(line)
    return _from_match(m) if m else None


_DATEISH_RE = re.compile(r"^[\w.,/\- ]{6,40}$")
_NUM_RE = re.compile(r"\d+")


def _maybe_date(line: str) -> bool:
    """Short line of at most 5 words with a year and another number: worth asking dateparser."""
    if not _DATEISH_RE.match(line) or not _YEAR_RE.search(line) or len(line.split()) > 5:
        return False
    return len(_NUM_RE.findall(line)) >= 2


def stripped_lines(lines: list[str]) -> list[str]:
    """The non-blank lines, stripped: what the find_* functions scan (pass it as `stripped` to share it)."""
    return [s for s in map(str.strip, lines) if s]


def find_published(lines: list[str], *, stripped: list[str] | None = None, title: str | None = None
                   ) -> date | None:
    """Publication date from a date line / byline near the top, or "Published in X, <date>" at the end.

    `title`: the headline found in the text, which dateparser is not asked about ("1st 2020 Democratic
    Debate" has a year and another number: its first call in a process costs 0.2-0.5 s, a third of a
    1,000-file ingest)."""
    non_empty = stripped_lines(lines) if stripped is None else stripped
    top = non_empty[:10]
    for ln in top:
        found = date_only_line(ln) or byline_date(ln)
        if found:
            return found
    for ln in non_empty[-8:]:
        m = PUBLISHED_IN_RE.match(ln)
        if m:
            found = parse_date_string(m.group("date"))
            if found:
                return found
        found = byline_date(ln)
        if found:
            return found
    # Slow path: a short line near the top that has a year but no form the regexes know.
    tried, languages = 0, None
    headline = " ".join(title.split()) if title else None
    for ln in top[:6]:
        if tried < 2 and _maybe_date(ln) and " ".join(ln.split()) != headline:
            tried += 1
            if languages is None:   # an English article dates itself in English: skip the other languages
                languages = ["en"] if guess_language(" ".join(non_empty[:40])) == "en" else []
            found = _dateparser(ln, languages or None)
            if found:
                return found
    return None


def is_non_title(line: str) -> bool:
    """Lines at the top of a scraped page that are navigation, labels, dates or bylines."""
    s = line.strip()
    return (not any(ch.isalnum() for ch in s) or bool(NON_TITLE_RE.match(s)) or bool(URL_RE.match(s))
            or date_only_line(s) is not None or bool(BYNAME_RE.match(s)) or byline_date(s) is not None)


def looks_like_title(line: str) -> bool:
    """Headline-shaped: short, one clause, not a paragraph of sentences."""
    s = line.strip()
    words = s.split()
    if not 2 <= len(words) <= 30 or len(s) > 250:
        return False
    if re.search(r"[.!?][\"”’)]?\s+[A-Z\"“]", s):     # two sentences -> a paragraph
        return False
    if s.endswith(".") and len(words) > 20:
        return False
    return True


def find_title(lines: list[str]) -> tuple[str | None, int | None]:
    """(title, line index): the first headline-shaped line after skipping page furniture at the top."""
    for i, ln in enumerate(lines[:40]):
        s = ln.strip()
        if not s:
            continue
        if is_non_title(s):
            continue
        s = re.sub(r"^#{1,6}\s+", "", s).strip()
        if looks_like_title(s):
            return s, i
        return None, None
    return None, None


def _clean_source(src: str) -> str | None:
    src = src.strip().strip(".,;:|-–—").strip()
    if src.lower().startswith("the ") and len(src) > 4 and src[4:5].isupper():
        pass  # "The Hill", "The Guardian": keep the article, it is part of the name
    return src or None


def find_source(lines: list[str], *, stripped: list[str] | None = None) -> tuple[str | None, str | None]:
    """(publishing outlet, url) from "Original Source:", "Published in X", a writer bio or a sign-off.

    Only lines with these shapes count; an outlet named inside a sentence ("According to Dawn News")
    is a cited source, not the publisher.
    """
    non_empty = stripped_lines(lines) if stripped is None else stripped
    tail = non_empty[-12:]
    for ln in non_empty:
        m = ln[0] in _SOURCE_FIRST and len(ln) <= 160 and ORIGINAL_SOURCE_RE.match(ln)
        if m:
            src = m.group("src").strip().rstrip(".")
            if re.match(r"^https?://", src, re.I):
                src = src.split()[0].rstrip(".,;")   # "Source: http://www.yale.edu [2]": the URL, not the note
                try:
                    host = urlsplit(src).hostname
                except ValueError:   # "http://[2]..." is not a URL (urlsplit raises on a bad bracketed host)
                    continue
                return (host or None), src
            if " " not in src or len(src.split()) <= 6:
                return _clean_source(src), None
    for pattern in (PUBLISHED_IN_RE, WRITER_RE, FOLLOW_RE, COPYRIGHT_RE):
        for ln in reversed(tail):
            if len(ln) > 400:
                continue
            m = pattern.match(ln)
            if m:
                src = _clean_source(m.group("src"))
                if src and len(src.split()) <= 8:
                    return src, None
    return None, None


def find_url(lines: list[str], *, stripped: list[str] | None = None) -> str | None:
    """A line that is just a URL (or "URL: ...") in the first or last lines."""
    non_empty = stripped_lines(lines) if stripped is None else stripped
    for ln in non_empty[:5] + non_empty[-5:]:
        m = URL_RE.match(ln)
        if m:
            return m.group("url")
    return None


def guess_language(text: str) -> str | None:
    """"en" when English stop-words make up a normal share of the words; None otherwise (unknown)."""
    words = text[:1500].lower().encode("ascii", "replace").translate(_EN_WORD_BYTES).split()
    if len(words) < 8:
        return None
    hits = sum(map(_EN_STOP_BYTES.__contains__, words))
    return "en" if hits / len(words) >= 0.15 else None
