"""views/_preload.PlotlyPreload: the constant script tag goes into HTML pages only, and nothing else changes."""
from __future__ import annotations

import asyncio
import threading

from views import _preload

TAGS = _preload.preload_tags("PlotlyChart.abc123.js")
PAGE = b"<html><head><title>t</title></head><body>x</body></html>"


def _serve(body: bytes, headers: list[tuple[bytes, bytes]], method: str = "GET", chunks: int = 1,
           request_headers: list[tuple[bytes, bytes]] | None = None, seen: list | None = None, path: str = "/"):
    """Run the middleware over a fake app answering with body (in `chunks` parts); (start message, body).
    The scope the app got (if the request reached it) is appended to `seen`."""
    async def app(scope, receive, send):
        if seen is not None:
            seen.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        step = max(1, len(body) // chunks)
        parts = [body[i:i + step] for i in range(0, len(body), step)] or [b""]
        for i, part in enumerate(parts):
            await send({"type": "http.response.body", "body": part, "more_body": i < len(parts) - 1})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": "http", "method": method, "path": path, "headers": request_headers or []}
    # in a thread of its own: earlier tests in the same process (Playwright's sync API) may leave an event
    # loop running in this one, and asyncio.run refuses to nest
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_preload.PlotlyPreload(app, tags=TAGS)(scope, receive, send))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    start = sent[0]
    return start, b"".join(m.get("body", b"") for m in sent[1:])


def test_tags_are_constant_and_relative():
    """One classic script (it adds the modulepreload itself, off the Overview) whose only variable parts are
    the bundles' (JSON-quoted) URLs."""
    url = "./static/js/PlotlyChart.abc123.js"
    assert TAGS.startswith(b"<script>") and b"<link" not in TAGS
    assert 'link.rel = "modulepreload"' in TAGS.decode() and "link.href = url" in TAGS.decode()
    assert TAGS.endswith(b"</script>") and TAGS.count(b"<script") == 1
    assert TAGS == _preload.preload_tags("PlotlyChart.abc123.js")
    script = TAGS.decode().split("<script>", 1)[1]
    assert f'url = "{url}"' in script and "import(url)" in script
    assert _preload.preload_tags(None) == b""


def test_html_page_gets_the_tags_before_head_end_and_a_correct_length():
    html = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(PAGE)).encode())]
    for chunks in (1, 3):
        start, body = _serve(PAGE, html, chunks=chunks)
        assert body == PAGE.replace(b"</head>", TAGS + b"</head>")
        assert dict(start["headers"])[b"content-length"] == str(len(body)).encode()


def test_other_responses_pass_through_unchanged():
    js = [(b"content-type", b"text/javascript"), (b"content-length", b"11")]
    assert _serve(b"console.log", js)[1] == b"console.log"
    gz = [(b"content-type", b"text/html"), (b"content-encoding", b"gzip")]
    assert _serve(PAGE, gz)[1] == PAGE                        # compressed: not touched
    assert _serve(PAGE, [(b"content-type", b"text/html")], method="POST")[1] == PAGE
    assert _serve(PAGE, [(b"content-type", b"text/html")], method="HEAD")[1] == PAGE
    headless = b"<html><body>no head</body></html>"
    assert _serve(headless, [(b"content-type", b"text/html")])[1] == headless


def test_the_bundle_of_the_installed_streamlit_is_found():
    """If Streamlit renames its chunk, the preload silently stops: this test says so instead."""
    name = _preload.plotly_chunk()
    assert name and name.startswith("PlotlyChart.") and name.endswith(".js")


def test_a_page_request_is_asked_for_uncompressed_html_and_other_requests_are_not():
    """Streamlit gzips pages other than "/" when asked: a browser's page request must reach it without
    Accept-Encoding, or the tags could not be added. Script and data requests keep theirs."""
    seen: list = []
    page_request = [(b"accept", b"text/html,application/xhtml+xml"), (b"accept-encoding", b"gzip, br")]
    _serve(PAGE, [(b"content-type", b"text/html")], request_headers=page_request, seen=seen)
    assert dict(seen[-1]["headers"]) == {b"accept": b"text/html,application/xhtml+xml"}
    script_request = [(b"accept", b"*/*"), (b"accept-encoding", b"gzip")]
    _serve(b"x", [(b"content-type", b"text/javascript")], request_headers=script_request, seen=seen)
    assert dict(seen[-1]["headers"]) == dict(script_request)


def test_the_overview_also_imports_the_components_chunk_once_connected():
    """On the Overview the script imports Streamlit's custom-components chunk (the light chart is a
    component) when the page connects, next to the basic Plotly bundle; other pages do not. Without a
    chunk name nothing is imported."""
    tags = _preload.preload_tags("PlotlyChart.abc123.js", "BidiComponent.def456.js").decode()
    assert 'component = "./static/js/BidiComponent.def456.js"' in tags
    overview_branch = tags.split("if (overview) {", 1)[1].split("} else { full(); }", 1)[0]
    assert "import(component)" in overview_branch and "__nmLoadPlotly()" in overview_branch
    assert tags.count("import(component)") == 1
    assert 'component = ""' in TAGS.decode()     # no chunk given: the guarded import does nothing
    assert "if (component)" in tags


def test_the_components_chunk_of_the_installed_streamlit_is_found():
    """If Streamlit renames its components chunk, the early import silently stops: this test says so."""
    name = _preload.component_chunk()
    assert name and name.startswith("BidiComponent.") and name.endswith(".js")
