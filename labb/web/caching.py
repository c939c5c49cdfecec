"""Caching that is correct by construction.

An index generation never changes once it is live, and every page, API answer and
export is a function of the generation, the address (path and query string), the
reader's language and the encoding the client accepts. So:

- every such response carries a weak `ETag` made of those, a `Last-Modified` from
  the generation, and `Cache-Control: public, no-cache`: a browser or a reverse proxy
  may keep it but asks again each time, and a conditional request for an unchanged
  generation is answered `304 Not Modified` before any search or rendering;
- finished responses (already compressed) are kept in memory, keyed the same way and
  bounded in bytes. A new generation changes every key, so the very next request after
  `labb index` switches generations is answered from the new one.

`PAGE_CACHE_BYTES` in the app's config bounds the memory (0 turns the page cache
off; the conditional requests still work).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from flask import Flask, Response, current_app, g, request

from .. import __version__
from ..search import NoIndex
from .i18n import current
from .views import searcher

PAGE_CACHE_BYTES = 64 * 1024 * 1024
"""Default bound of the page cache per process."""
LARGEST_PAGE = 2 * 1024 * 1024
"""Larger responses are not kept."""
CACHE_CONTROL = "public, no-cache"


@dataclass(frozen=True)
class Page:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class PageCache:
    """Finished responses by key, least recently used dropped first, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._pages: OrderedDict[str, Page] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: str, page: Page) -> None:
        if len(page.body) > min(LARGEST_PAGE, self.max_bytes):
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self._pages[key] = page
            self.size += len(page.body)
            while self.size > self.max_bytes and self._pages:
                _, dropped = self._pages.popitem(last=False)
                self.size -= len(dropped.body)


def _generation() -> tuple[str, float] | None:
    """The live generation's name and when it went live, or None without an index."""
    try:
        name = searcher().generation()
    except NoIndex:
        return None
    try:
        built = (Path(current_app.config["INDEX"]) / name).stat().st_mtime
    except OSError:
        built = 0.0
    return name, built


def _cacheable() -> bool:
    """Pages, API answers, exports and the feed; static files have their own validators."""
    return request.method in ("GET", "HEAD") and request.endpoint not in (None, "static", "favicon")


def _key(generation: str) -> str:
    """What a response depends on, as a short hex string (also its ETag)."""
    parts = (__version__, generation, current(), request.full_path)
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=12).hexdigest()


def init_app(app: Flask) -> None:
    """Register the hooks. Call before the compressor registers its own, so that its
    after-request hook runs first and the cache keeps what it compressed."""
    cache = PageCache(int(app.config.get("PAGE_CACHE_BYTES", PAGE_CACHE_BYTES)))
    app.extensions["labb.pages"] = cache

    @app.before_request
    def _answer_from_cache() -> Response | None:
        g.cache_key = None
        if not _cacheable():
            return None
        generation = _generation()
        if generation is None:
            return None
        etag = _key(generation[0])
        g.cache_key, g.last_modified = etag, generation[1]
        if request.if_none_match.contains_weak(etag):
            response = Response(status=304)
            _validators(response, etag, generation[1])
            return response
        encoding = request.headers.get("Accept-Encoding", "")[:200]
        page = cache.get(f"{etag}|{encoding}") if cache.max_bytes > 0 else None
        if page is None:
            return None
        g.cache_hit = True
        return Response(page.body, status=page.status, headers=list(page.headers))

    @app.after_request
    def _keep(response: Response) -> Response:
        etag = g.get("cache_key")
        if not etag or response.status_code != 200:
            return response
        _validators(response, etag, g.last_modified)
        if cache.max_bytes > 0 and not g.get("cache_hit") and not response.is_streamed:
            encoding = request.headers.get("Accept-Encoding", "")[:200]
            headers = tuple((k, v) for k, v in response.headers.items() if k.lower() != "date")
            cache.put(f"{etag}|{encoding}", Page(response.status_code, headers, response.get_data()))
        return response


def _validators(response: Response, etag: str, built: float) -> None:
    response.set_etag(etag, weak=True)
    if built:
        response.headers["Last-Modified"] = formatdate(built, usegmt=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
