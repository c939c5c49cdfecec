"""The web front end: an app factory over the query API.

Pages and the JSON API read the index through one shared `Searcher`, opened once
per process; nothing here opens the index per request or renders practice text
without escaping or sanitising it.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask_compress import Compress
from jinja2 import StrictUndefined

from .. import search, vocab
from . import caching, i18n

TEMPLATES = Path(str(resources.files("labb.templates")))  # templates/, installed as the package labb.templates
STATIC = Path(__file__).resolve().with_name("static")
LOG = logging.getLogger("labb.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The labb web app. `config` may set PRACTICES, INDEX (folders), REPOSITORY_URL
    (for "edit this practice" links), SEARCH_CACHE (result pages kept per process),
    PAGE_CACHE_BYTES (memory for finished responses; 0 turns both caches off with
    SEARCH_CACHE=0) and any Flask setting."""
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    app.config.update(
        PRACTICES=Path("practices"),
        INDEX=Path("index"),
        REPOSITORY_URL="https://github.com/labb-eu/labb/blob/main/practices",
        SEND_FILE_MAX_AGE_DEFAULT=3600,
        COMPRESS_MIMETYPES=[
            "text/html",
            "text/css",
            "application/javascript",
            "application/json",
            "text/csv",
            "image/svg+xml",
            "application/atom+xml",
        ],
        COMPRESS_MIN_SIZE=500,
        # gzip level 3: a 145 KB search page in 1.2 ms to 17.3 KB; level 6 (the
        # default) took 3.0 ms for 15.3 KB, and a page is compressed per request.
        COMPRESS_LEVEL=3,
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.update(config)
    vocabs = vocab.default()
    app.extensions["labb.vocabs"] = vocabs
    app.extensions["labb.searcher"] = search.Searcher(
        Path(app.config["INDEX"]), vocabs, cache=int(app.config.get("SEARCH_CACHE", search.CACHE_ENTRIES))
    )
    # A missing or misspelt name fails loudly (in tests first) instead of rendering as nothing.
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    i18n.init_app(app)
    caching.init_app(app)  # before the compressor: its hook then runs first, and the cache keeps its output
    Compress(app)

    from . import api, compare, errors, exports, maps, pages

    for blueprint in (pages.bp, compare.bp, api.bp, exports.bp, maps.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)

    @app.route("/favicon.ico")
    def favicon():
        return app.send_static_file("favicon.svg")

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "public, max-age=3600"
            response.direct_passthrough = False  # let the compressor read static files too
        else:
            response.headers.setdefault("Cache-Control", "no-cache")
        started = g.get("started")
        took = (time.perf_counter() - started) * 1000 if started else 0.0
        LOG.info(
            '%s "%s %s" %s %.1fms',
            request.remote_addr,
            request.method,
            request.full_path.rstrip("?"),
            response.status_code,
            took,
        )
        return response

    return app


def warm(app: Flask) -> None:
    """Open the app's index generation and read what the first searches read (see
    `Searcher.warm`), before a server process takes requests: its first readers then
    wait for nothing. Without an index this does nothing (requests answer 503 until
    `labb index` has built one)."""
    started = time.perf_counter()
    searcher: search.Searcher = app.extensions["labb.searcher"]
    try:
        name = searcher.warm()
    except search.NoIndex:
        return
    finally:
        settle()
    LOG.info("index generation %s opened and warmed in %.1f s", name, time.perf_counter() - started)


GC_THRESHOLDS = (20_000, 20, 50)
"""Python's collector runs after this many new objects (and young collections): a search
page makes some 10,000 objects, and with the default (700, 10, 10) the collector took a
tenth of a server's time, scanning dictionaries and indexes that live as long as it."""


def settle() -> None:
    """Exempt every object made so far (the app, the vocabularies, the language
    dictionaries, an opened index) from garbage collection, and collect less often:
    for a server process, before it forks (the workers then share those pages instead
    of each dirtying its copy) and again once it has warmed its index."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
