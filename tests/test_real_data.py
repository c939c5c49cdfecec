"""Every page, API record and export works on the shipped practices, on the same
practices thinned to fewer fields, and on practices with only the required keys,
in every interface language; a crawl from the front pages finds no error and no
broken link."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import pytest
from markupsafe import escape

from labb.facets import FACETS
from labb.web.i18n import LANGUAGES

from .conftest import DATA
from .site import ATOM, SHIPPED, built_client, check_exports, check_practice, crawl, html_of, write_thinned

SPARSE = DATA / "pt-sparse-practice.yaml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory, vocabs):
    return built_client(SHIPPED, tmp_path_factory.mktemp("shipped"), vocabs)


@pytest.fixture(scope="module", params=["shipped", "thinned", "required-only"])
def corpus(request, tmp_path_factory, vocabs):
    """The shipped practices as they are; with each optional field kept at random (a fixed
    seed); or with none of them; the two thinned ones with the hand-written sparse fixture."""
    if request.param == "shipped":
        return request.getfixturevalue("shipped")
    root = tmp_path_factory.mktemp(request.param)
    keep = {"thinned": 0.5, "required-only": 0.0}[request.param]
    practices = write_thinned(SHIPPED, root / "practices", keep=keep, seed=11)
    (practices / SPARSE.name).write_text(SPARSE.read_text(encoding="utf-8"), encoding="utf-8")
    return built_client(practices, root, vocabs)


def test_the_shipped_corpus_is_real(shipped):
    practices, _ = shipped
    assert len(practices) >= 60
    assert len({p.country for p in practices}) >= 20


def test_every_practice_page_in_every_language(corpus):
    practices, client = corpus
    requests = sum(check_practice(client, p) for p in practices)
    assert requests == len(practices) * (len(LANGUAGES) * 2 + 1)


def test_the_sparse_fixture_has_only_required_keys(vocabs):
    from labb import validate
    from labb.model import Practice

    checked = validate.check_file(SPARSE, vocabs)
    assert checked.practice is not None, checked.problems
    data = checked.practice.model_dump(exclude_none=True, exclude_defaults=True)
    required = {name for name, field in Practice.model_fields.items() if field.is_required()}
    assert set(data) - {"duration_months"} == required


def test_exports_and_feed(corpus):
    practices, client = corpus
    check_exports(client, practices)


def test_every_practice_compared_in_every_language(corpus):
    """Every practice in a comparison (four at a time), as a page in each language and as CSV."""
    practices, client = corpus
    ids = sorted(p.id for p in practices)
    by_id = {p.id: p for p in practices}
    for start in range(0, len(ids), 4):
        group = ids[start : start + 4]
        for lang in LANGUAGES:
            page = html_of(client.get(f"/compare?ids={','.join(group)}&lang={lang}"))
            for practice_id in group:
                assert f'href="/practices/{practice_id}?lang={lang}"' in page, (lang, practice_id)
                assert str(escape(by_id[practice_id].text("title", lang)[1])) in page, (lang, practice_id)
        table = client.get(f"/compare.csv?ids={','.join(group)}")
        assert table.status_code == 200 and table.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(table.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows[0] == ["field", *group]
        assert {len(row) for row in rows} == {len(group) + 1}


def test_the_feed_of_a_search_lists_only_its_practices_in_its_language(corpus):
    practices, client = corpus
    for lang in LANGUAGES:
        for dimension in sorted({d for p in practices for d in p.dimensions}):
            matching = {p.id for p in practices if dimension in p.dimensions}
            feed = client.get(f"/feed.atom?dimension={dimension}&lang={lang}")
            assert feed.status_code == 200, (lang, dimension)
            root = ET.fromstring(feed.data)
            assert root.get(XML_LANG) == lang
            found = {e.find(f"{ATOM}id").text.rsplit(":", 1)[-1] for e in root.findall(f"{ATOM}entry")}
            assert found and found <= matching and len(found) == min(len(matching), 50), (lang, dimension)
        page = html_of(client.get(f"/?dimension=health&lang={lang}"))
        assert 'rel="alternate" type="application/atom+xml"' in page
        assert f"/feed.atom?dimension=health&amp;lang={lang}" in page


def test_the_assessment_page_in_every_language(corpus, vocabs):
    practices, client = corpus
    for lang in LANGUAGES:
        page = html_of(client.get(f"/assessment?lang={lang}"))
        for term in vocabs["criteria"]:
            assert str(escape(term.label_in(lang))) in page and str(escape(term.description_in(lang))) in page
        counts = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', page)]
        assert sum(counts) == sum(1 for p in practices if p.evaluation), lang


def test_every_region_panel_and_the_map_in_every_language(corpus, vocabs):
    practices, client = corpus
    by_region: dict[str, list] = {}
    for p in practices:
        if p.region:
            by_region.setdefault(p.region, []).append(p)
    for lang in LANGUAGES:
        page = html_of(client.get(f"/map?lang={lang}"))
        for code in by_region:  # on the map: its NUTS 2 region, or itself (a country or NUTS 1 region)
            shown = vocabs.recode(code)[:4]
            assert f"/regions/{shown}?lang={lang}" in page, (lang, code)
        # every region a practice names or that carries statistics, and a spread of the other
        # ~1,800 NUTS codes (all of them in ten languages would take minutes)
        terms = list(vocabs.regions)
        sample = [t for t in terms if t.id in by_region or t.extra.get("statistics")] + terms[::97]
        for term in sample:
            panel = html_of(client.get(f"/regions/{term.id}?lang={lang}"))
            assert str(escape(term.label_in(lang))) in panel, (lang, term.id)
            for p in by_region.get(term.id, [])[:5]:
                assert str(escape(p.text("title", lang)[1])) in panel, (lang, term.id, p.id)


def test_search_pages_in_every_language(corpus):
    practices, client = corpus
    for lang in LANGUAGES:
        for query in ("", "q=integration", "sort=budget", "sort=title", "sort=newest", "page=2"):
            page = html_of(client.get(f"/?lang={lang}&{query}"))
            assert f'<html lang="{lang}"' in page
        found: set[str] = set()
        for page in range(1, -(-len(practices) // 100) + 1):
            api = client.get(f"/api/search?lang={lang}&per_page=100&page={page}").get_json()
            assert api["total"] == len(practices)
            found |= {r["id"] for r in api["results"]}
        assert found == {p.id for p in practices}


def _expand(url: str) -> bool:
    """Follow the links of every page but filtered search pages and pages past the second:
    those are fetched (and must answer), but only recombine links already followed."""
    parts = urlsplit(url)
    if parts.path != "/":
        return not parts.path.startswith(("/static/", "/export.", "/feed.", "/api/"))
    params = parse_qs(parts.query)
    filters = sum(len(params.get(f, ())) for f in FACETS)
    return filters == 0 and int(params.get("page", ["1"])[0] or 1) <= 2


def _fetch(url: str, lang: str) -> bool:
    """Fetch filtered search pages and the map's region panels in the crawl's language only:
    every region's facet link (its NUTS ancestors included) in ten languages would be
    thousands of pages; the other languages' pages are rendered by the tests above."""
    parts = urlsplit(url)
    params = parse_qs(parts.query)
    filtered = parts.path == "/" and any(f in params for f in FACETS)
    panel = parts.path == "/map" and "show" in params
    return not (filtered or panel) or params.get("lang", ["en"]) == [lang]


@pytest.mark.parametrize("lang", ["en", "el"])
def test_crawl_finds_no_error_and_no_broken_link(shipped, lang):
    practices, client = shipped
    starts = [f"/?lang={lang}", f"/map?lang={lang}", f"/api?lang={lang}"]
    visited, broken = 0, []
    kinds = set()
    for url, found_on, response in crawl(client, starts, _expand, lambda url: _fetch(url, lang)):
        visited += 1
        kinds.add(urlsplit(url).path.split("/")[1])
        if response.status_code >= 400:
            broken.append((response.status_code, url, found_on))
    assert not broken, broken[:10]
    assert {"", "practices", "regions", "map", "api", "static", "export.csv", "feed.atom", "assessment"} <= kinds, kinds
    assert visited > len(practices) * 2
    print(f"crawled {visited} addresses in {lang}")
