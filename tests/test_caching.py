"""Caching is correct by construction: a new index generation is visible on the very next
request, conditional requests are answered 304 only while the generation is the same,
and a cached answer is byte for byte the one it stands for."""

from __future__ import annotations

import pytest

from labb import index
from labb.model import Query
from labb.search import Searcher
from labb.web import create_app

from .conftest import GOOD, write_web_corpus

PAGES = [
    "/",
    "/?q=integration&lang=fr",
    "/practices/xx-good-practice",
    "/api/search?q=integration",
    "/api/practices/xx-good-practice",
    "/export.csv",
    "/feed.atom",
    "/map",
]


@pytest.fixture
def site(tmp_path, vocabs):
    practices = write_web_corpus(tmp_path / "practices")
    index.build(practices, tmp_path / "index", vocabs)
    app = create_app({"TESTING": True, "PRACTICES": practices, "INDEX": tmp_path / "index"})
    return practices, tmp_path / "index", app, app.test_client()


def _add_practice(practices, vocabs, index_dir, title: str) -> None:
    text = GOOD.read_text(encoding="utf-8").replace("id: xx-good-practice", "id: xx-brand-new")
    text = text.replace("  en: A good start in Pudasjärvi", f"  en: {title}")
    (practices / "xx" / "xx-brand-new.yaml").write_text(text, encoding="utf-8")
    index.build(practices, index_dir, vocabs)


def test_a_new_generation_is_visible_on_the_very_next_request(site, vocabs):
    practices, index_dir, _app, client = site
    first = client.get("/?q=zanzibar")
    assert "Zanzibar welcome desk" not in first.get_data(as_text=True)
    assert client.get("/api/search?q=zanzibar").get_json()["total"] == 0
    etag = first.headers["ETag"]
    assert client.get("/?q=zanzibar").headers["ETag"] == etag  # same generation, same answer
    _add_practice(practices, vocabs, index_dir, "Zanzibar welcome desk")
    after = client.get("/?q=zanzibar")
    assert after.status_code == 200 and "Zanzibar welcome desk" in after.get_data(as_text=True)
    assert client.get("/api/search?q=zanzibar").get_json()["total"] == 1
    assert after.headers["ETag"] != etag
    # A client holding the old ETag gets the new page, not a 304.
    assert client.get("/?q=zanzibar", headers={"If-None-Match": etag}).status_code == 200
    assert client.get("/api/practices/xx-brand-new").status_code == 200


def test_the_assessment_page_counts_the_new_generation(tmp_path, vocabs):
    """Its assessors are counted once per generation: a practice added by a build is
    counted on the next request (caches off, so the page itself is made again)."""
    import re

    practices = write_web_corpus(tmp_path / "practices")
    index.build(practices, tmp_path / "index", vocabs)
    app = create_app(
        {"TESTING": True, "PRACTICES": practices, "INDEX": tmp_path / "index", "SEARCH_CACHE": 0, "PAGE_CACHE_BYTES": 0}
    )
    client = app.test_client()

    def counts() -> list[int]:
        html = client.get("/assessment?lang=en").get_data(as_text=True)
        return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html)]

    before = counts()
    assert before and counts() == before
    _add_practice(practices, vocabs, tmp_path / "index", "Zanzibar welcome desk")
    assert sum(counts()) == sum(before) + 1


@pytest.mark.parametrize("path", PAGES)
def test_conditional_requests_and_cached_answers(site, path):
    _, _, _app, client = site
    headers = {"Accept-Encoding": "gzip"}
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert first.headers["ETag"].startswith('W/"') and first.headers["Last-Modified"]
    second = client.get(path, headers=headers)
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers.get("Content-Encoding") == first.headers.get("Content-Encoding")
    unchanged = client.get(path, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    # Another language is another answer.
    other = client.get(path + ("&" if "?" in path else "?") + "lang=de", headers=headers)
    assert other.headers["ETag"] != first.headers["ETag"]


def test_errors_and_static_files_are_not_kept(site):
    _, _, _app, client = site
    assert client.get("/practices/nothing-here").status_code == 404
    assert "ETag" not in client.get("/practices/nothing-here").headers
    assert client.get("/static/labb.css").headers["Cache-Control"] == "public, max-age=3600"


def test_the_caches_can_be_turned_off(tmp_path, vocabs):
    practices = write_web_corpus(tmp_path / "practices")
    index.build(practices, tmp_path / "index", vocabs)
    app = create_app(
        {"TESTING": True, "PRACTICES": practices, "INDEX": tmp_path / "index", "SEARCH_CACHE": 0, "PAGE_CACHE_BYTES": 0}
    )
    client = app.test_client()
    for _ in range(3):
        assert client.get("/?q=integration").status_code == 200
    assert app.extensions["labb.pages"].size == 0
    assert len(app.extensions["labb.searcher"].cache) == 0
    etag = client.get("/").headers["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304  # still answered cheaply


def test_the_result_cache_is_bounded_and_per_generation(tmp_path, vocabs):
    practices = write_web_corpus(tmp_path / "practices")
    index.build(practices, tmp_path / "index", vocabs)
    searcher = Searcher(tmp_path / "index", vocabs, cache=3)
    for page in range(1, 6):
        searcher.search(Query(text="integration", page=page, per_page=1))
    assert len(searcher.cache) == 3
    assert searcher.search(Query(text="integration", page=5, per_page=1)) is searcher.search(
        Query(text="integration", page=5, per_page=1)
    )
    before = searcher.search(Query(text="integration", page=5, per_page=1)).total
    _add_practice(practices, vocabs, tmp_path / "index", "Another integration practice")
    fresh = searcher.search(Query(text="integration", page=5, per_page=1))
    assert len(searcher.cache) == 1 and fresh.total == before + 1
