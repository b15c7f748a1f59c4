"""Properties: cleaning never drops a sentence of a plain article; readers only ever raise InputError."""
from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from narratives.errors import InputError
from narratives.ingest import read_batch
from narratives.ingest.clean import clean_text, strip_repeated_lines

# Ordinary words, including ones that also occur in boilerplate and metadata lines, so the rules are tested.
WORDS = ("the minister said officials would review report claims security china pakistan trade home menu "
         "comments share latest breaking follow source loading search news media post tip week friday "
         "november 2024 15 percent talks border embassy denied agreed market prices rose fell city court "
         "police river water power deal government statement according reuters dawn").split()

word = st.sampled_from(WORDS)


@st.composite
def sentence(draw) -> str:
    words = draw(st.lists(word, min_size=4, max_size=18))
    words[0] = words[0].capitalize()
    if draw(st.booleans()):
        words[1] = words[1].capitalize()
    end = draw(st.sampled_from([".", ".", ".", "?", "!", ".”", "”"]))
    body = " ".join(words)
    return ("“" + body + end) if end.endswith("”") else body + end


@st.composite
def article(draw) -> tuple[list[str], str]:
    """(sentences, text): paragraphs of one or more sentences, separated by one or two newlines."""
    paragraphs = draw(st.lists(st.lists(sentence(), min_size=1, max_size=3), min_size=1, max_size=12))
    sep = draw(st.sampled_from(["\n", "\n\n"]))
    sentences = [s for p in paragraphs for s in p]
    return sentences, sep.join(" ".join(p) for p in paragraphs)


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(article())
def test_clean_text_never_drops_a_sentence(case):
    sentences, text = case
    cleaned = clean_text(text)
    for s in sentences:
        assert s in cleaned


@FAST
@given(article(), st.lists(st.sampled_from(["Post Comment", "Loading Now", "The Latest", "Breaking", "-",
                                            "Follow Day News on Google News, Instagram"]), max_size=4))
def test_batch_keeps_every_sentence_and_drops_added_boilerplate(case, junk):
    sentences, text = case
    data = "\n".join(junk[:2] + [text] + junk[2:]).encode()
    [pf] = read_batch([("a.txt", data)])
    [a] = pf.articles
    for s in sentences:   # a line that repeats the headline (up to case and spacing) is dropped by design
        assert s in a.text or s in a.title or " ".join(s.split()).casefold() == " ".join(a.title.split()).casefold()
    for j in junk:
        assert j not in a.text.split("\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(article(), min_size=2, max_size=5))
def test_repeated_line_stripping_keeps_distinct_stories(cases):
    texts = [t for _, t in cases]
    out = strip_repeated_lines(texts)
    for (sentences, _), cleaned in zip(cases, out):
        for s in sentences:
            if sum(s in t for t in texts) < 3:     # a sentence in 3+ articles of one outlet may be furniture
                assert s in cleaned


def _valid_samples() -> dict[str, bytes]:
    import docx
    from reportlab.pdfgen import canvas
    import openpyxl
    out = {}
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(50, 800, "Reservoir levels recovered after the rains.")
    c.save()
    out["x.pdf"] = buf.getvalue()
    d = docx.Document()
    d.add_paragraph("Reservoir levels recovered after the rains.")
    buf = io.BytesIO()
    d.save(buf)
    out["x.docx"] = buf.getvalue()
    wb = openpyxl.Workbook()
    wb.active.append(["title", "text"])
    wb.active.append(["T", "Reservoir levels recovered."])
    buf = io.BytesIO()
    wb.save(buf)
    out["x.xlsx"] = buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", "Title\n\nReservoir levels recovered after the rains.")
        z.writestr("b.json", '{"text": "Body."}')
    out["x.zip"] = buf.getvalue()
    out["x.json"] = b'[{"title": "T", "text": "Reservoir levels recovered."}]'
    out["x.csv"] = b'title,text\nT,"Reservoir levels recovered."\n'
    out["x.html"] = b"<html><body><article><h1>T</h1><p>Reservoir levels recovered.</p></article></body></html>"
    out["x.txt"] = "Title\n\nReservoir levels recovered after the rains – “quoted”.".encode("utf-16")
    return out


SAMPLES = _valid_samples()
EXTS = [".txt", ".md", ".html", ".csv", ".tsv", ".json", ".jsonl", ".pdf", ".docx", ".xlsx", ".zip", ""]


def _readers():
    from narratives.ingest.docx import read_docx
    from narratives.ingest.html import read_html
    from narratives.ingest.jsonfile import read_json
    from narratives.ingest.pdf import read_pdf
    from narratives.ingest.tabular import read_csv, read_xlsx
    from narratives.ingest.text import read_markdown, read_text
    return [read_text, read_markdown, read_html, read_csv, read_xlsx, read_json, read_pdf, read_docx]


READERS = _readers()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(READERS),
       st.one_of(st.binary(max_size=3000),
                 st.tuples(st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04", b"{", b"[", b"<html>", b"\xff\xfe",
                                            b"title,text\n", b"---\n"]),
                           st.binary(max_size=2000)).map(lambda t: t[0] + t[1])))
def test_readers_raise_only_input_error(reader, data):
    try:
        result = reader("f", data)
    except InputError as e:
        assert e.reason and "\n" not in e.reason
    else:
        assert isinstance(result, list)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_corrupted_real_files_never_break_the_batch(name, data):
    """Flip/truncate bytes of valid files of every format: read_batch returns, errors are one line."""
    raw = bytearray(SAMPLES[name])
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    ext = data.draw(st.sampled_from(EXTS))
    pfs = read_batch([(name.rsplit(".", 1)[0] + ext, bytes(raw))])
    assert pfs
    for pf in pfs:
        if pf.error:
            assert not pf.articles
            assert "\n" not in pf.error and "Traceback" not in pf.error


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_valid_samples_read(name):
    pfs = read_batch([(name, SAMPLES[name])])
    assert all(p.error is None for p in pfs), [(p.file_name, p.error) for p in pfs]
    assert sum(len(p.articles) for p in pfs) >= 1


def test_is_sentence_equals_its_regex_definition_on_every_short_ending():
    """is_sentence decides by the last character where it can; it must agree with the regex it replaced
    (_SENTENCE_END_RE on the last 4 characters after rstrip) on every ending of up to 4 characters."""
    import itertools
    from narratives.ingest import clean
    alphabet = ".!?…:;\"”’')]a \t(“"
    for n in range(6):
        for chars in itertools.product(alphabet, repeat=min(n, 4)):
            line = "x" * (n > 4) + "".join(chars)
            assert clean.is_sentence(line) == bool(clean._SENTENCE_END_RE.search(line.rstrip()[-4:])), repr(line)


@given(st.lists(st.sampled_from([b" ", b"  ", b"a", b"bc", b"\xc3\xa9", b"_", b"9"]), max_size=40))
@settings(max_examples=300, deadline=None)
def test_collapse_spaces_equals_split_and_join(parts):
    from narratives import dedupe
    b = b"".join(parts)
    assert dedupe._collapse_spaces(b) == b" ".join(b.split())
