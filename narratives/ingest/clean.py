"""Boilerplate stripping for scraped article text.

Conservative by design: a line is dropped only when it cannot be part of the story - a known boilerplate
phrase ("Post Comment", "Follow X on Google News"), a run of link-list headlines ("Headline -") with its
last item, an isolated headline-shaped line whose words share nothing with the story (an unrelated
headline dropped into the body), a repeat of the title, or a line repeated at the edges of many articles
of the same outlet (`strip_repeated_lines`). A line that ends like a sentence is only ever dropped by an
explicit phrase rule or as outlet furniture repeated across a tenth of that outlet's batch.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Sequence

from . import metadata as md

_BOILERPLATE = [
    r"post (?:a )?comments?", r"no comments?:?", r"\d+ comments?", r"comments?(?: \(\d+\))?",
    r"(?:leave|add|write) a (?:comment|reply)\b.{0,40}", r"view comments?",
    r"loading(?: now)?(?:\s*\.\.\.|…)?", r"please wait\W*",
    r"send (?:us )?a (?:news )?tip\b.{0,120}", r"have a (?:news )?tip\?.{0,120}",
    r"the latest", r"breaking(?: news)?", r"advertisement", r"sponsored(?: content)?", r"ad",
    r"(?:share|share this(?: article| story| post)?|tweet|print|e-?mail)"
    r"(?:\s*[:|,]?\s*(?:on\s+)?(?:facebook|twitter|x|whatsapp|e-?mail|linkedin|print|copy link|reddit|telegram))*",
    r"(?:read|see) (?:more|also|next)\b.{0,160}", r"also read\b.{0,160}",
    r"(?:related|recommended|more)(?: articles| stories| news| posts| reading)?(?: from .{1,40})?",
    r"follow .{1,60} on " + md._SOCIAL + r"\b.{0,160}", r"follow us\b.{0,160}",
    r"for (?:the )?latest news\b.{0,120}",
    r"(?:subscribe|sign up|join)\b.{0,100}(?:newsletter|updates|channel|subscribe|for free|inbox).{0,60}",
    r"click here\b.{0,120}", r"tap here\b.{0,120}",
    r"skip to (?:main )?content", r"home", r"menu", r"search", r"toggle navigation", r"back to top",
    r"top stories", r"trending(?: now)?", r"most (?:read|popular)", r"you may also like",
    r"meta description:.{0,400}", r"meta title:.{0,300}", r"(?:focus )?keywords?:.{0,300}",
    r"(?:original )?source:.{1,150}",
    r"(?:©|(?:copyright|\(c\))\s*(?:©|\(c\)|(?:19|20)\d\d)).{0,150}", r"all rights reserved\.?",
    r"published in [^,]{2,60}, .{6,40}",
    r"(?:tags?|filed under|categories|topics):.{0,300}",
    r"this (?:article|story|post) (?:was )?(?:originally |first )?(?:appeared|published) (?:in|on|at) .{1,120}",
    r"(?:reporting|writing|editing|additional reporting|compiled) by (?-i:[A-Z]).{0,200}",
    r"(?:image|photo|picture) (?:credit|source):.{0,120}",
    r"we (?:use|value) (?:cookies|your privacy)\b.{0,300}", r"accept (?:all )?cookies",
]
_BOILER_RE = re.compile(r"^\W{0,3}(?:" + "|".join(_BOILERPLATE) + r")\W{0,3}$", re.I)
_LINK_SEPARATORS = frozenset("-|•»·–")
_SEPARATORS = "-|•»·–—_=*"   # a line of nothing but these is a separator (a stripped one starts with one)
_SEPARATOR_RE = re.compile(r"^\s*[" + re.escape(_SEPARATORS) + r"]+\s*$")
_SENTENCE_END_RE = re.compile(r"[.!?…:;][\"”’')\]]*$|[\"”’]$")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_STOP = frozenset(
    "a an the and or but of to in on at for with from by as is are was were be been it its this that these "
    "those his her their our your over amid after before into about against says said new how why what when "
    "who will would could should may might can not no than more most".split())


def _is_link_item(line: str) -> bool:
    """"Headline text -" / "Headline text |": an item of a link list (checked from the end: cheap)."""
    s = line.rstrip()
    return 5 <= len(s) <= 253 and s[-1] in _LINK_SEPARATORS and s[-2].isspace() and bool(s[:-1].strip())


def _norm(line: str) -> str:
    return " ".join(line.split()).casefold()


_ENDS_SENTENCE = frozenset(".!?…:;\"”’")   # a last character that alone makes _SENTENCE_END_RE match
_MAY_CLOSE_SENTENCE = frozenset("')]")       # closers that need the regex (is there a stop before them?)


def is_sentence(line: str) -> bool:
    """Ends like a sentence (., !, ?, closing quote ...): story text, never dropped by shape rules.

    = _SENTENCE_END_RE on the last 4 characters, decided by the last one except after ' ) ] (called for
    every line of every article)."""
    s = line.rstrip()
    if not s:
        return False
    last = s[-1]
    if last in _ENDS_SENTENCE:
        return True
    return last in _MAY_CLOSE_SENTENCE and bool(_SENTENCE_END_RE.search(s[-4:]))


def _is_headline(line: str) -> bool:
    """Headline-shaped: no sentence ending, <= 25 words, most words capitalised (or a link-list item)."""
    s = line.strip()
    if not s or is_sentence(s) and not _is_link_item(s):
        return False
    if _is_link_item(s) or _SEPARATOR_RE.match(s):
        return True
    words = _WORD_RE.findall(s)
    if not 2 <= len(words) <= 25:
        return False
    caps = sum(1 for w in words if w[0].isupper() or w.lower() in _STOP)
    return caps / len(words) >= 0.75


def _content_words(text: str) -> set[str]:
    """Lower-cased content words cut to 5 letters: cheap stemming for the overlap test."""
    words = {w.lower() for w in _WORD_RE.findall(text) if len(w) >= 4}
    return {w[:5] for w in words if w not in _STOP}


# Boilerplate lines longer than 200 characters only ever start like one of these.
_LONG_BOILER_START = re.compile(
    r"^\W{0,3}(?:meta|focus|keywords?|tags?|filed|categories|topics|we |reporting|writing|editing|additional|"
    r"compiled|this (?:article|story|post)|©|\(c\)|copyright|read|see|also|follow|subscribe|sign|join|click|tap|"
    r"send|have a|leave|add|write|for )", re.I)


def is_boilerplate(line: str) -> bool:
    """A known boilerplate phrase (the whole line), a writer bio line, or a bare date line."""
    s = line.strip()
    if len(s) > 450 or (len(s) > 200 and not _LONG_BOILER_START.match(s)):
        return False
    return bool(_BOILER_RE.match(s)) or md.date_only_line(s) is not None


def clean_lines(lines: list[str], title: str | None = None) -> list[str]:
    """Drop boilerplate lines; keep story lines unchanged and in order.

    Called for every article: each line's shape (link item, sentence ending) is worked out once, and the
    cheap first-character test runs before the separator regex (the same outcome as the plain rules)."""
    keep = [ln.rstrip() for ln in lines]
    drop = [False] * len(keep)
    nonempty = [i for i, ln in enumerate(keep) if ln]   # rstripped: empty exactly when blank
    title_n = _norm(title) if title else None
    title_max = 2 * len(title_n) + 20 if title_n else 0
    tail = set(nonempty[-6:])
    head = set(nonempty[:4])
    for i in nonempty:
        s = keep[i].lstrip()
        if i in head and (md.BYNAME_RE.match(s) or md.byline_date(s)):
            drop[i] = True   # "By Jane Doe", "By Jane Doe | Nov 15, 2024" under the headline
            continue
        n = len(s)
        # (a repeat of the title starts with the title's first letter: most lines are not normalised)
        if (is_boilerplate(s) or (title_n and n <= title_max and s[0].casefold()[0] == title_n[0]
                                  and _norm(s) == title_n)
                or s[0] in _SEPARATORS and _SEPARATOR_RE.match(s)):
            drop[i] = True   # a boilerplate phrase, a repeat of the title, a separator line
        elif i in tail and n < 400 and md.WRITER_RE.match(s):
            drop[i] = True   # "Zachary Evans is a news writer for National Review Online. ..."
    # Runs of >= 3 link-list items ("Headline -") anywhere, with the list's last item (which has no
    # separator after it) when it is headline-shaped and ends the run.
    link = {i for i in nonempty if _is_link_item(keep[i])}
    if len(link) >= 3:
        run: list[int] = []
        for i in nonempty + [None]:
            if i is not None and (i in link or (run and drop[i])):
                run.append(i)
                continue
            if run and sum(1 for j in run if j in link) >= 3:
                for j in run:
                    drop[j] = True
                if i is not None and _is_headline(keep[i]) and not is_sentence(keep[i]):
                    drop[i] = True
            run = []
    # An unrelated headline dropped into the body: headline-shaped, between story lines, and sharing
    # no content word with the rest of the story (real sub-headings repeat the story's vocabulary).
    # Only an isolated line counts (story paragraphs on both sides): consecutive such lines are a list
    # (fixtures, nominees, a line-up) that belongs to the story.
    remaining = [i for i in nonempty if not drop[i]]
    sentence = [is_sentence(keep[i]) for i in remaining]
    candidates = [i for k, i in enumerate(remaining[1:-1], start=1)
                  if not sentence[k] and sentence[k - 1] and sentence[k + 1]
                  and _is_headline(keep[i]) and not keep[i].isupper()]
    if candidates:
        # Substring test against the lower-cased story: looser than word matching, so it drops less.
        body = "\n".join(keep[i] for i, sent in zip(remaining, sentence) if sent).lower()
        for i in candidates:
            words = _content_words(keep[i])
            if body and len(words) >= 4 and not any(w in body for w in words):
                drop[i] = True
    return _tidy([ln for ln, d in zip(keep, drop) if not d])


def _tidy(lines: list[str]) -> list[str]:
    """Collapse the blank runs that dropped lines leave behind; trim blank lines at the end."""
    result: list[str] = []
    for ln in lines:
        if not ln.strip():
            if result and result[-1] != "":
                result.append("")
            continue
        result.append(ln)
    while result and result[-1] == "":
        result.pop()
    return result


def clean_text(text: str, title: str | None = None) -> str:
    """Boilerplate-free article text (lines kept verbatim, blank-line runs collapsed)."""
    return "\n".join(clean_lines(text.split("\n"), title))


def strip_repeated_lines(texts: Sequence[str], min_articles: int = 2, edge: int = 8) -> list[str]:
    """Drop lines repeated at the top/bottom of several articles of ONE source (pass one source's texts).

    A line counts once per distinct article text. Headline-shaped lines need `min_articles` articles
    (and 5 % of them); sentence-shaped ones need 3 and 10 % (a sentence shared by a few articles, such as
    a team line-up, is story text; one in every tenth article of an outlet is its furniture). An article that
    would lose more than 40 % of its characters is left alone: it is a copy of another, not boilerplate.
    """
    seen: set[str] = set()
    counts: Counter[str] = Counter()
    edges: list[set[str]] = []
    for text in texts:
        lines = [ln for ln in text.split("\n") if ln.strip()]
        e = {_norm(ln) for ln in (lines if len(lines) <= 2 * edge else lines[:edge] + lines[-edge:])
             if len(ln) <= 320}    # longer lines are never treated as furniture
        edges.append(e)
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest().hex()
        if digest in seen:
            continue
        seen.add(digest)
        counts.update(e)
    n = len(seen)
    repeated = {ln for ln, c in counts.items()
                if c >= max(min_articles, 0.05 * n) and len(ln) <= 300
                and (not is_sentence(ln) or c >= max(3, 0.1 * n))}
    if not repeated:
        return list(texts)
    out = []
    for text, e in zip(texts, edges):
        hit = e & repeated
        if not hit:
            out.append(text)
            continue
        lines = text.split("\n")
        nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
        zone = set(nonempty[:edge]) | set(nonempty[-edge:])
        dropped = {i for i in zone if _norm(lines[i]) in hit}
        total = sum(len(ln) for ln in lines) or 1
        if sum(len(lines[i]) for i in dropped) > 0.4 * total or len(dropped) == len(nonempty):
            out.append(text)
            continue
        out.append("\n".join(_tidy([ln for i, ln in enumerate(lines) if i not in dropped])).strip("\n"))
    return out
