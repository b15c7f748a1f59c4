"""Start the browser on Plotly's bundle as soon as the page's HTML arrives (ASGI middleware, scripts/server_app.py).

Why: Streamlit imports its Plotly chart code (~4.7 MB of JavaScript) only when the first chart's message has
arrived, and running it then costs ~0.7 s of the browser's main thread after the chart's data is already
there (bench/dashboard.py). Two constant tags added to the HTML Streamlit serves move that work into the
second the browser otherwise spends waiting for the server to run the page: a modulepreload (fetch and
compile alongside Streamlit's own bundle) and a script that imports it (runs it) once Streamlit's
connection is open. Streamlit's later import of the same URL is then a cache hit. The tags hold no user
text; when the bundle is not found (another Streamlit version) nothing is added, and a failed import
changes nothing.
"""
from __future__ import annotations

import json
from pathlib import Path


def plotly_chunk() -> str | None:
    """File name of Streamlit's lazily loaded Plotly chart bundle, or None (another Streamlit layout)."""
    import streamlit
    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    found = sorted(folder.glob("PlotlyChart.*.js"))
    return found[0].name if len(found) == 1 else None


# Run the import once the page's WebSocket is open (Streamlit has then asked the server for the page), not
# as soon as possible: started earlier, its ~0.7 s of work could delay Streamlit's own connection, and so
# the server's start on the page (seen in a Playwright timeline; README "Performance").
_AFTER_CONNECT = """(function () {
  var W = window.WebSocket, url = %s, done = false;
  function load() { if (!done) { done = true; import(url).catch(function () {}); } }
  if (!W || typeof Proxy !== "function" || typeof Reflect !== "object") { return; }
  window.WebSocket = new Proxy(W, { construct: function (target, args, newTarget) {
    var ws = Reflect.construct(target, args, newTarget);
    ws.addEventListener("open", function () { setTimeout(load, 0); }, { once: true });
    return ws;
  } });
})();"""


def preload_tags(name: str | None) -> bytes:
    """The two tags for the bundle `name` ("" when there is none): fetch and compile it now, run it once
    connected. Relative URLs, as Streamlit's own tags are, so they resolve under a base URL path too."""
    if not name:
        return b""
    url = f"./static/js/{name}"
    return (f'<link rel="modulepreload" crossorigin href="{url}" />'
            f'<script>{_AFTER_CONNECT % json.dumps(url)}</script>').encode()


class PlotlyPreload:
    """Pure ASGI middleware: adds preload_tags() before </head> of every HTML page served.

    A page request (Accept: text/html) reaches Streamlit without Accept-Encoding: Streamlit gzips pages other
    than "/", and the ~5 KB page is not worth unpacking and packing again."""

    def __init__(self, app, tags: bytes | None = None) -> None:
        self.app = app
        self.tags = preload_tags(plotly_chunk()) if tags is None else tags

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or not self.tags:
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        if any(k.lower() == b"accept" and b"text/html" in v for k, v in headers):
            scope = dict(scope, headers=[(k, v) for k, v in headers if k.lower() != b"accept-encoding"])
        held: dict = {}

        async def send_with_tags(message) -> None:
            if message["type"] == "http.response.start":
                out = {k.lower(): v for k, v in message.get("headers", [])}
                if out.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in out:
                    held["start"], held["body"] = message, b""   # hold until the whole page is here
                    return
            elif message["type"] == "http.response.body" and "start" in held:
                held["body"] += message.get("body", b"")
                if message.get("more_body"):
                    return
                body = held["body"]
                if b"</head>" in body:
                    body = body.replace(b"</head>", self.tags + b"</head>", 1)
                start = held.pop("start")
                start["headers"] = [(k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                                    for k, v in start.get("headers", [])]
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_with_tags)
