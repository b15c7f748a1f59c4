"""Start the browser on Plotly's bundle as soon as the page's HTML arrives (ASGI middleware, scripts/server_app.py).

Why: Streamlit imports its Plotly chart code (~4.7 MB of JavaScript) only when the first chart's message has
arrived, and running it then costs ~0.7 s of the browser's main thread after the chart's data is already
there (bench/dashboard.py). One constant script added to the HTML Streamlit serves moves that work into the
second the browser otherwise spends waiting for the server to run the page: it adds a modulepreload (fetch
and compile alongside Streamlit's own bundle) and imports the bundle (runs it) once Streamlit's
connection is open. Streamlit's later import of the same URL is then a cache hit. The tags hold no user
text; when the bundle is not found (another Streamlit version) nothing is added, and a failed import
changes nothing.

Since the Overview draws its first chart with plotly.js's basic bundle (views/_light_plotly.py), the same
script starts loading that bundle instead when the page opened is the Overview, and runs Streamlit's full
bundle only once that chart is drawn and the browser is idle (the other pages' charts still need it): on
the Overview the full bundle's ~1 s of CPU would otherwise compete with the first chart. The middleware also
serves the vendored basic bundle (immutable, gzip when accepted).

On the Overview the script also imports, at the same moment, Streamlit's chunk for custom components (the
light chart is one): Streamlit imports it only when the chart's message arrives, and fetching it then from
a server busy running the rest of the page held the chart back: with app.py sending the page before the
sidebar, importing it early took ~0.4 s off the median first chart (bench/dashboard.py; README
"Performance").
"""
from __future__ import annotations

import json
from pathlib import Path


def full_bundle_url(name: str | None) -> str | None:
    """The page-relative URL of Streamlit's chart bundle `name` (None when there is none)."""
    return f"./static/js/{name}" if name else None


def _chunk(prefix: str) -> str | None:
    """File name of Streamlit's lazily loaded chunk `prefix`.<hash>.js, or None (another Streamlit layout)."""
    import streamlit
    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    found = sorted(folder.glob(f"{prefix}.*.js"))
    return found[0].name if len(found) == 1 else None


def plotly_chunk() -> str | None:
    """File name of Streamlit's lazily loaded Plotly chart bundle, or None (another Streamlit layout)."""
    return _chunk("PlotlyChart")


def component_chunk() -> str | None:
    """File name of Streamlit's lazily loaded chunk for st.components.v2 elements, or None."""
    return _chunk("BidiComponent")


# Run the import once the page's WebSocket is open (Streamlit has then asked the server for the page), not
# as soon as possible: started earlier, its ~0.7 s of work could delay Streamlit's own connection, and so
# the server's start on the page (seen in a Playwright timeline; README "Performance"). On the Overview
# ("/" or "/overview" under the app's base path) the basic bundle is loaded then instead, and the full one
# once the first chart is drawn (the component's "nm-plotly-drawn" event) and the browser is idle, or
# FULL_AFTER_MS after connecting when no chart comes (nothing clustered yet).
# "Idle" includes the person: running that bundle holds the browser's main thread for ~1 s, and an analyst
# who picked a filter during it waited that long for the page to react (the click reached the server 1.0 s
# late). bench/dashboard.py, 2026-12-02, 5 alternating starts each: first filter change 1.09-1.42 s with the
# import when idle, 0.33-0.39 s with this wait.
# So it also waits until the pointer, keys and wheel have been still for INPUT_QUIET_MS since the chart was
# drawn. While someone keeps working it does not run, and the first page with a Streamlit chart imports it
# then, as without this script.
FULL_AFTER_MS = 10000
INPUT_QUIET_MS = 1000
_AFTER_CONNECT = """(function () {
  var W = window.WebSocket, url = %(full)s, component = %(component)s, done = false, queued = false;
  window.__nmLoadPlotly = %(loader)s;
  var lastInput = 0, quiet = %(quiet)d;
  ["pointermove", "pointerdown", "keydown", "wheel", "touchstart"].forEach(function (type) {
    window.addEventListener(type, function () { lastInput = Date.now(); }, { capture: true, passive: true });
  });
  function full() { import(url).catch(function () {}); }
  function whenQuiet() {   // the browser idle and no input for `quiet` ms, checked again until it is so
    var wait = lastInput + quiet - Date.now();
    if (wait > 0) { setTimeout(whenQuiet, wait); return; }
    if (!window.requestIdleCallback) { full(); return; }
    window.requestIdleCallback(function () {
      if (Date.now() - lastInput < quiet) { whenQuiet(); } else { full(); }
    }, { timeout: 5000 });
  }
  function whenIdle() {   // the chart just drawn counts as input: a person reacts to it
    if (queued) { return; }
    queued = true;
    lastInput = Math.max(lastInput, Date.now());
    whenQuiet();
  }
  function later() {
    window.addEventListener("nm-plotly-drawn", whenIdle, { once: true });
    setTimeout(whenIdle, %(after)d);
  }
  var overview = /\\/(?:overview\\/?)?$/.test(location.pathname);
  if (!overview) {   // fetch and compile it now, alongside Streamlit's own bundle
    var link = document.createElement("link");
    link.rel = "modulepreload"; link.crossOrigin = ""; link.href = url;
    document.head.appendChild(link);
  }
  function load() {
    if (done) { return; }
    done = true;
    if (overview) {
      window.__nmLoadPlotly().catch(function () {});
      if (component) { import(component).catch(function () {}); }
      later();
    } else { full(); }
  }
  if (!W || typeof Proxy !== "function" || typeof Reflect !== "object") { return; }
  window.WebSocket = new Proxy(W, { construct: function (target, args, newTarget) {
    var ws = Reflect.construct(target, args, newTarget);
    ws.addEventListener("open", function () { setTimeout(load, 0); }, { once: true });
    return ws;
  } });
})();"""


def preload_tags(name: str | None, component: str | None = None) -> bytes:
    """The script tag for the bundle `name` ("" when there is none): on pages other than the Overview it
    adds a modulepreload of the bundle (fetch and compile it now) and runs it once connected; on the
    Overview it loads the basic bundle and imports the components chunk `component` (when given) once
    connected, and this bundle when idle. Relative URLs, as Streamlit's own tags are, so they resolve
    under a base URL path too."""
    if not name:
        return b""
    from views._light_plotly import loader_js
    url = full_bundle_url(name)
    script = _AFTER_CONNECT % {"full": json.dumps(url), "loader": loader_js(url), "after": FULL_AFTER_MS,
                               "quiet": INPUT_QUIET_MS,
                               "component": json.dumps(full_bundle_url(component) or "")}
    return f"<script>{script}</script>".encode()


def installed_tags() -> bytes:
    """preload_tags() for the chunks of the installed Streamlit: what the middleware adds to every page."""
    return preload_tags(plotly_chunk(), component_chunk())


class _Bundle:
    """The vendored basic bundle as a response: read on first request, gzipped once for clients that ask."""

    def __init__(self) -> None:
        self.raw: bytes | None = None
        self.gz: bytes | None = None

    async def send(self, scope, send) -> None:
        import asyncio
        import gzip
        from views import _light_plotly
        if self.raw is None:
            self.raw = await asyncio.to_thread(_light_plotly.bundle_bytes)
        accepts = b",".join(v for k, v in scope.get("headers") or [] if k.lower() == b"accept-encoding")
        zipped = b"gzip" in accepts
        if zipped and self.gz is None:
            self.gz = await asyncio.to_thread(gzip.compress, self.raw, 6)
        body = self.gz if zipped else self.raw
        headers = [(b"content-type", b"text/javascript; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                   (b"cache-control", b"public, max-age=31536000, immutable"), (b"vary", b"Accept-Encoding")]
        if zipped:
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


class PlotlyPreload:
    """Pure ASGI middleware: adds preload_tags() before </head> of every HTML page served, and serves the
    basic Plotly bundle at <base>/_nm/<file> (views/_light_plotly.URL_PATH).

    A page request (Accept: text/html) reaches Streamlit without Accept-Encoding: Streamlit gzips pages other
    than "/", and the ~5 KB page is not worth unpacking and packing again."""

    def __init__(self, app, tags: bytes | None = None) -> None:
        self.app = app
        self.tags = installed_tags() if tags is None else tags
        from views._light_plotly import URL_PATH
        self.bundle, self.bundle_path = _Bundle(), URL_PATH

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") and \
                scope.get("path", "").endswith(self.bundle_path):
            await self.bundle.send(scope, send)
            return
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
