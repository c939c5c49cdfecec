"""The web pages through Flask's test client: routes, headers, hostile input, facets, XSS."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from labb import index, validate
from labb.facets import FACETS
from labb.web import create_app

from .conftest import GOOD

# -- fixtures ------------------------------------------------------------------------------


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of <title> and <h1>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = self.h1 = ""
        self._in: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("title", "h1"):
            self._in.append(tag)

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if "title" in self._in:
            self.title += data
        if "h1" in self._in:
            self.h1 += data

    def links(self, cls: str | None = None) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == "a" and (cls is None or cls in (a.get("class") or "").split())]

    def hrefs(self, cls: str | None = None) -> list[str]:
        return [a["href"] for a in self.links(cls) if a.get("href") is not None]


def page(client, url: str, status: int = 200, **kwargs) -> Page:
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def params_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# -- routes and statuses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=Pudasjarvi",
        "/?q=integration&country=IT",
        "/?dimension=health&criterion=innovation:strong",
        "/?sort=newest",
        "/?sort=budget",
        "/?sort=title",
        "/?per_page=2&page=2",
        "/?lang=sv",
        "/?q=&country=",
        "/?region=FI1D9",
        "/?fund=esf&role=indirect&period=2014-2020&language=el&target_group=women",
        "/?indicator=language-proficiency",
    ],
)
def test_search_page_renders(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<form class="searchbox"' in html and 'role="search"' in html


def test_search_lists_everything_then_finds_a_word(client):
    everything = page(client, "/")
    assert set(everything.hrefs()) >= {
        f"/practices/{pid}"
        for pid in ("xx-good-practice", "xx-swedish-health", "xx-italian-work", "xx-greek-reception")
    }
    found = page(client, "/?q=Napoli")
    practices = [h for h in found.hrefs() if h.startswith("/practices/")]
    assert practices == ["/practices/xx-italian-work"]
    assert found.h1 == "Practices matching “Napoli”"
    assert found.title.startswith("Practices matching “Napoli”")


def test_a_result_card_kept_from_an_earlier_page_is_the_one_written_for_this_reader(web_site):
    """Result cards are kept written per practice, language and links: each page, with
    every card kept from the pages before it, is the page written afresh, whether the
    language is in the URL (its links keep it), chosen by the browser (they do not) or
    another one. (Finished pages are not kept here, so each request writes its page.)"""
    from labb.web import create_app, pages

    client = create_app({"INDEX": web_site[1], "TESTING": True, "PAGE_CACHE_BYTES": 0, "SEARCH_CACHE": 0}).test_client()

    readers = [
        ("/?q=Napoli", {}),
        ("/?q=Napoli&lang=fr", {}),
        ("/?q=Napoli", {"Accept-Language": "fr"}),
        ("/?q=Napoli&lang=de", {}),
        ("/?dimension=language&lang=fr", {}),
    ]
    for url, headers in readers:
        pages._WRITTEN.clear()
        for other, its_headers in readers:  # the other readers' cards kept
            if (other, its_headers) != (url, headers):
                assert client.get(other, headers=its_headers).status_code == 200
        assert pages._WRITTEN
        kept = client.get(url, headers=headers).get_data(as_text=True)
        pages._WRITTEN.clear()
        assert kept == client.get(url, headers=headers).get_data(as_text=True), (url, headers)
    french = client.get("/?q=Napoli&lang=fr").get_data(as_text=True)
    assert 'href="/?dimension=labour-market&amp;lang=fr"' in french


@pytest.mark.parametrize("sort,first", [("budget", "xx-italian-work"), ("newest", "xx-italian-work")])
def test_sort_orders_results(client, sort, first):
    hits = [h for h in page(client, f"/?sort={sort}").hrefs() if h.startswith("/practices/")]
    assert hits[0] == f"/practices/{first}"


def test_practice_page(client):
    p = page(client, "/practices/xx-good-practice")
    assert p.h1 == "A good start in Pudasjärvi"
    assert "A good start in Pudasjärvi" in p.title
    html = client.get("/practices/xx-good-practice").get_data(as_text=True)
    assert "<strong>working women</strong>" in html  # the Markdown description, rendered
    assert 'href="https://example.org/network"' in html
    original = html.split('class="original"', 1)[1].split("</p>", 1)[0]
    assert "Hyvä alku Pudasjärvellä" in original
    assert "Kohesio project page" in html and "Edit this practice" in html
    # facts link back to the search, filtered
    assert "/?country=FI" in p.hrefs() and "/?region=FI1D9" in p.hrefs() and "/?fund=esf" in p.hrefs()
    fi = page(client, "/practices/xx-good-practice?lang=fi")
    assert fi.h1 == "Hyvä alku Pudasjärvellä"


@pytest.mark.parametrize("pid", ["nope", "xx-good-practice-2", "a" * 101, "%3Cscript%3E", "..%2F..%2Fetc"])
def test_unknown_practice_is_a_helpful_404(client, pid):
    p = page(client, f"/practices/{pid}", status=404)
    assert p.h1 == "Page not found"
    assert ("form", {"class": "searchbox", "method": "get", "action": "/", "role": "search"}) in p.tags
    assert "/" in p.hrefs()  # "Browse all practices"


def test_unknown_route_is_404(client):
    assert page(client, "/no/such/page", status=404).h1 == "Page not found"


def test_favicon_and_css(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    css = client.get("/static/labb.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and b":focus-visible" in css.data
    js = client.get("/static/labb.js")
    assert js.status_code == 200 and "javascript" in js.mimetype


# -- headers -----------------------------------------------------------------------------------

EVERY_KIND = [
    "/",
    "/?q=Pudasjarvi&country=FI",
    "/practices/xx-good-practice",
    "/practices/nope",
    "/no/such",
    "/favicon.ico",
    "/static/labb.css",
    "/static/labb.js",
    "/static/nope.css",
    "/?page=abc",
]


@pytest.mark.parametrize("url", EVERY_KIND)
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"] and directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", ["/", "/practices/xx-good-practice"])
def test_big_pages_are_gzipped(client, url):
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers.get("Vary", "")
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2


def test_cache_headers(client):
    css = client.get("/static/labb.css")
    assert "public" in css.headers["Cache-Control"] and "max-age=3600" in css.headers["Cache-Control"]
    assert css.headers.get("ETag") or css.headers.get("Last-Modified")
    if css.headers.get("ETag"):
        again = client.get("/static/labb.css", headers={"If-None-Match": css.headers["ETag"]})
        assert again.status_code == 304
    assert "max-age=3600" in client.get("/favicon.ico").headers["Cache-Control"]
    # pages may be kept by a proxy but are always revalidated: a search result must not be stale
    assert client.get("/").headers["Cache-Control"] == "public, no-cache"
    assert client.get("/practices/xx-good-practice").headers["Cache-Control"] == "public, no-cache"


# -- hostile parameters --------------------------------------------------------------------------

HOSTILE_QUERIES = [
    "page=-1",
    "page=0",
    "page=abc",
    f"page={10**9}",
    "page=1e9",
    "page=%00",
    "per_page=-5",
    "per_page=0",
    f"per_page={10**9}",
    "per_page=x",
    "country=ZZ",
    "country=",
    "region=<b>",
    "criterion=innovation:huge",
    "criterion=:",
    "criterion=nope:strong",
    "period=1999-2000",
    "period=x",
    "sort=zzz",
    "sort=",
    "lang=zz",
    "lang=" + "x" * 500,
    "q=" + "x" * 10_000,
    "q=%00%01%02%1b%7f",
    "q=%22unclosed",
    "q=(a%20OR",
    "q=***",
    "q=*",
    "q=?",
    "q=a:b:c",
    "q=title:(",
    "q=[a%20TO",
    "q=%5E2",
    "q=AND%20OR%20NOT",
    "q=-",
    "q=%2B",
    "q=%22%22",
    "q=a~",
    "q=ab*~2",
    "q=%ff%fe",
    "q=%",
    "q=%zz",
    "q=a&q=b&q=c",
    "page=2&page=3&page=x",
    "sort=title&sort=budget",
    "country=IT&country=IT&country=SE",
    "&&&=&==",
    "q",
    "=x",
    "q=%E2%80%AE%E2%80%8B",
    "q=%F0%9F%98%80",
    "x" * 60 + "=1",
    "country=" + "IT&country=" * 60 + "SE",
    "q=\u00a0\u3000",
    "q=%0d%0aSet-Cookie:%20x=1",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=lambda q: q[:40])
def test_hostile_parameters_never_fail(client, query):
    response = client.get("/?" + query)
    past_the_end = query in (f"page={10**9}", "page=2&page=3&page=x")  # 4 practices: one page
    assert response.status_code == (404 if past_the_end else 200), query
    assert "Set-Cookie" not in response.headers
    Page(response.get_data(as_text=True))


def test_hostile_parameters_are_explained(client):
    bad = page(client, "/?page=abc&sort=zzz&country=ZZ")
    html = client.get("/?page=abc&sort=zzz&country=ZZ").get_data(as_text=True)
    assert "`abc` is not a valid page" in html
    assert "Unknown sort `zzz`" in html
    assert "`ZZ` is not a known country" in html
    assert bad.h1 == "All practices"
    long = client.get("/?q=" + "x" * 10_000).get_data(as_text=True)
    assert "shortened to its first 300 characters" in long
    p = Page(long)
    [box] = [a for t, a in p.tags if t == "input" and a.get("name") == "q"]
    assert len(box["value"]) <= 1000 and len(p.h1) < 1100  # parameters are bounded before they are used


def test_page_past_the_end(client):
    response = client.get(f"/?page={10**9}")
    assert response.status_code == 404
    assert "There is no page 1000000000" in response.get_data(as_text=True)


def test_practice_with_hostile_lang(client):
    for lang in ("zz", "<script>", "x" * 1000, "%00"):
        response = client.get("/practices/xx-good-practice", query_string={"lang": lang})
        assert response.status_code == 200
        assert "<script>" not in response.get_data(as_text=True).replace(
            '<script src="/static/labb.js" defer></script>', ""
        )


KEYS = st.sampled_from(["q", "page", "per_page", "sort", "lang", *FACETS, "x", "", "Q", "page[]"])
VALUES = (
    st.text(max_size=60)
    | st.sampled_from(
        [
            "-1",
            "0",
            "abc",
            str(10**9),
            "innovation:strong",
            "IT",
            "FI1D9",
            "2014-2020",
            "relevance",
            "title",
            '"unclosed',
            "(a OR",
            "***",
            "integr*",
            "en",
            "sv",
        ]
    )
    | st.integers(min_value=-(10**12), max_value=10**12).map(str)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(KEYS, VALUES), max_size=8))
def test_random_query_strings_never_fail(client, pairs):
    response = client.get("/?" + urlencode(pairs))
    assert response.status_code == 200 or (
        response.status_code == 404 and "There is no page" in response.get_data(as_text=True)
    )  # past the last
    Page(response.get_data(as_text=True))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=80))
def test_raw_query_bytes_never_fail(client, raw):
    query = "".join(chr(b) if chr(b).isalnum() or chr(b) in "=&%+" else f"%{b:02X}" for b in raw)
    assert client.get("/?" + query).status_code == 200


# -- facets, chips, titles, pagination, suggestions ----------------------------------------------


def test_facet_value_has_a_toggle_link(client):
    p = page(client, "/?q=integration")
    hrefs = p.hrefs("facet-value")
    assert hrefs
    toggles = {tuple(v) for h in hrefs for k, v in params_of(h).items() if k == "country"}
    assert ("IT",) in toggles and ("GR",) in toggles
    for h in hrefs:
        assert params_of(h)["q"] == ["integration"]  # the query is kept
        assert "page" not in params_of(h)  # a new filter starts on page 1


def test_two_facets_give_two_removable_chips_and_clear_all(client):
    start = page(client, "/")
    it = next(h for h in start.hrefs("facet-value") if params_of(h).get("country") == ["IT"])
    step = page(client, it)
    health = next(h for h in step.hrefs("criterion-any") if params_of(h).get("criterion") == ["sustainability"])
    both = page(client, health + "&q=integrazione")
    chips = both.links("chip")
    assert len(chips) == 2
    removes = [params_of(c["href"]) for c in chips]
    assert {"country": ["IT"], "q": ["integrazione"]} in removes
    assert {"criterion": ["sustainability"], "q": ["integrazione"]} in removes
    [clear] = both.hrefs("clear")
    assert params_of(clear) == {"q": ["integrazione"]}
    selected = [a for a in both.links("facet-value") + both.links("criterion-any") if a.get("aria-current") == "true"]
    assert len(selected) == 2
    # removing a chip leaves the other filter
    after = page(client, chips[0]["href"])
    assert len(after.links("chip")) == 1


def test_title_and_heading_describe_the_filters(client):
    p = page(client, "/?q=integration&country=IT&country=SE&dimension=health")
    assert p.h1 in [
        f"Practices matching “integration” where area of integration is Health and country is {countries}"
        for countries in ("Sweden or Italy", "Italy or Sweden")
    ]
    assert p.title == f"{p.h1} · labb, the Integration Lab"
    assert page(client, "/?dimension=health").h1 == "Practices where area of integration is Health"
    assert page(client, "/").h1 == "All practices"


def test_selected_value_without_results_stays_listed(client):
    p = page(client, "/?country=IT&dimension=health")
    html = client.get("/?country=IT&dimension=health").get_data(as_text=True)
    assert "No practice matches" in html
    assert len(p.links("chip")) == 2
    # what removed the results: each filter dropped in turn, with the count it would give
    found = re.findall(r'<a href="([^"]+)" rel="nofollow">(without the filter [^<]+)</a>: (\d+) practice', html)
    wider = {text: params_of(unescape(href)) for href, text, _ in found}
    assert wider == {
        "without the filter “Country: Italy”": {"dimension": ["health"]},
        "without the filter “Area of integration: Health”": {"country": ["IT"]},
    }, wider
    for href, _, count in found:
        assert int(count) == client.get("/api/search?" + urlsplit(unescape(href)).query).get_json()["total"] > 0


def test_pagination_links(client):
    first = page(client, "/?per_page=1&sort=title")
    nav = [h for h in first.hrefs() if params_of(h).get("per_page") == ["1"] and "page" in params_of(h)]
    assert {params_of(h)["page"][0] for h in nav} >= {"2", "4"}
    next_link = next(a["href"] for a in first.links() if a.get("rel") == "next")
    assert params_of(next_link) == {"per_page": ["1"], "sort": ["title"], "page": ["2"]}
    second = page(client, next_link)
    previous = next(a["href"] for a in second.links() if a.get("rel") == "prev")
    assert params_of(previous) == {"per_page": ["1"], "sort": ["title"]}  # page 1 has no page parameter
    assert ("span", {"aria-current": "page", "class": "current"}) in second.tags
    titles = [h for p in (first, second) for h in p.hrefs() if h.startswith("/practices/")]
    assert len(titles) == len(set(titles)) == 2
    last = page(client, "/?per_page=1&sort=title&page=4")
    assert not [a for a in last.links() if a.get("rel") == "next"]
    assert not [h for h in page(client, "/").hrefs() if "page" in params_of(h)]  # one page: no links


def test_a_corrected_word_is_said_with_a_link_to_search_exactly(client):
    html = client.get("/?q=Pudasjarvu&country=FI").get_data(as_text=True)
    results = Page(html)
    assert "/practices/xx-good-practice" in results.hrefs()
    assert "Showing results for <em>pudasjarvi</em>." in html
    exact = next(h for h in results.hrefs() if params_of(h).get("exact") == ["1"])
    assert params_of(exact)["q"] == ["Pudasjarvu"] and params_of(exact)["country"] == ["FI"]
    assert "Did you mean" in client.get(exact).get_data(as_text=True)  # as typed: nothing, and a suggestion
    fi = client.get("/?q=Pudasjarvu&lang=fi").get_data(as_text=True)
    assert "Näytetään tulokset hakusanalle <em>pudasjarvi</em>." in fi


def test_did_you_mean(client):
    html = client.get("/?q=Pudasjarvu&country=FI&exact=1").get_data(as_text=True)
    assert "Did you mean" in html
    p = Page(html)
    link = next(a["href"] for t, a in p.tags if t == "a" and params_of(a.get("href") or "").get("q") == ["pudasjärvi"])
    assert params_of(link)["country"] == ["FI"]
    fixed = page(client, link)
    assert "/practices/xx-good-practice" in fixed.hrefs()
    assert "Did you mean" not in client.get("/?q=Pudasjarvi").get_data(as_text=True)


def test_search_box_keeps_state(client):
    p = page(client, "/?q=health&country=SE&sort=title")
    [box] = [a for t, a in p.tags if t == "input" and a.get("name") == "q"]
    assert box["value"] == "health"
    hidden = {(a["name"], a["value"]) for t, a in p.tags if t == "input" and a.get("type") == "hidden"}
    assert hidden == {("country", "SE"), ("sort", "title")}


# -- XSS: practice texts that got past the validator are still inert ---------------------------

HOSTILE = (
    "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> "
    "\" onmouseover=\"alert(1) ' onfocus='alert(1)"
)


def _hostile_practice(vocabs):
    """The good practice with every text replaced by hostile markup, bypassing validation."""
    practice = validate.check_file(GOOD, vocabs).practice
    assert practice is not None

    def text(prefix: str) -> dict[str, str]:
        return {"en": f"{prefix} {HOSTILE}", "fi": f"{prefix} fi {HOSTILE}"}

    evaluation = {
        c: a.model_copy(update={"inspiring": text("Inspiring"), "improvement": text("Improve")})
        for c, a in practice.evaluation.items()
    }
    return practice.model_copy(
        update={
            "id": "xx-hostile",
            "title": text("Hostile"),
            "summary": text("Summary"),
            "description": text("Description"),
            "lessons_learnt": text("Lessons"),
            "transferability": text("Transfer"),
            "challenges": text("Challenges"),
            "evaluation": evaluation,
            "regional_role": practice.regional_role.model_copy(update={"detail": text("Role")}),
            "organisations": practice.organisations.model_copy(
                update={"lead": HOSTILE, "partners": [HOSTILE], "managing_authority": HOSTILE}
            ),
            "places": [HOSTILE, "Oulu"],
            "funding": practice.funding.model_copy(update={"programme": HOSTILE}),
            "assessment": practice.assessment.model_copy(update={"by": HOSTILE}),
            "sources": [
                practice.sources[0].model_copy(update={"title": HOSTILE}),
                # The model refuses any address but http(s) (a stored `javascript:` link would not
                # even load); what gets through must still not break out of its attribute.
                practice.sources[0].model_copy(
                    update={"url": 'https://x.org/"onmouseover="alert(1)', "title": "bad link"}
                ),
            ],
        }
    )


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory, vocabs):
    """An index holding the hostile practice (written straight into Whoosh, as index.build would)."""
    root = tmp_path_factory.mktemp("hostile")
    generation = root / "gen-hostile"
    generation.mkdir()
    ix = whoosh_index.create_in(generation, index.make_schema(vocabs))
    stemmers = index.stemmed_languages(vocabs)
    writer = ix.writer()
    good = validate.check_file(GOOD, vocabs).practice
    writer.add_document(**index.document(good, vocabs, stemmers, "xx/xx-good-practice.yaml"))
    writer.add_document(**index.document(_hostile_practice(vocabs), vocabs, stemmers, "xx/xx-hostile.yaml"))
    writer.commit()
    ix.close()
    (generation / index.MANIFEST).write_text(json.dumps({"stamp": index.stamp(vocabs), "files": {}}), encoding="utf-8")
    (root / index.CURRENT).write_text(generation.name + "\n", encoding="utf-8")
    return create_app({"INDEX": root, "TESTING": True}).test_client()


def assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img" not in html
    p = Page(html)
    scripts = [a for t, a in p.tags if t == "script"]
    assert scripts == [{"src": "/static/labb.js", "defer": None}]
    for tag, attrs in p.tags:
        assert tag not in ("img", "iframe", "object", "embed", "svg", "math", "base"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), (
                    tag,
                    name,
                    value,
                )


@pytest.mark.parametrize(
    "url",
    [
        "/practices/xx-hostile",
        "/practices/xx-hostile?lang=fi",
        "/practices/xx-good-practice",
        "/",
        "/?q=alert",
        "/?q=Hostile",
        "/?q=onerror",
        "/?q=" + HOSTILE.replace("&", "%26").replace("#", "%23"),
        "/?q=Pudasjarvu",
        "/?q=Summary&sort=title",
    ],
)
def test_hostile_texts_are_inert(hostile_client, url):
    response = hostile_client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_inert(html)
    if "hostile" in url.lower() or "alert" in url or "Summary" in url:
        assert "alert(1)" in html  # the text is shown, escaped, not dropped


def test_hostile_texts_are_shown_as_text(hostile_client):
    html = hostile_client.get("/practices/xx-hostile").get_data(as_text=True)
    assert "Hostile &lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    p = Page(html)
    assert p.h1.startswith("Hostile <script>alert(1)</script>")  # as the reader sees it
    assert "bad link" in html  # a source with an unsafe address keeps its title, without the link


# -- the language menu (labb/web/i18n.py) -----------------------------------------------------


def test_language_menu_keeps_the_search(client):
    p = page(client, "/?q=health&country=SE")
    fr = next(a["href"] for a in p.links() if a.get("hreflang") == "fr")
    assert params_of(fr) == {"q": ["health"], "country": ["SE"], "lang": ["fr"]}
    french = page(client, fr)
    assert all(params_of(h).get("lang") == ["fr"] for h in french.hrefs("facet-value"))


def test_language_menu_links_are_routed_once_and_keep_every_parameter(client):
    """The menu's addresses are one routed address with each code in place of a marker;
    the marker typed into the search stays as typed."""
    from labb.web.i18n import _MARKER, LANGUAGES

    p = page(client, f"/?q={_MARKER}+health&dimension=health&dimension=education")
    menu = {a["hreflang"]: a["href"] for a in p.links() if a.get("hreflang")}
    assert set(menu) == set(LANGUAGES) - {"en"}  # the page's own language is not a link
    for code, href in menu.items():
        assert params_of(href) == {"q": [f"{_MARKER} health"], "dimension": ["health", "education"], "lang": [code]}
    practice = page(client, "/practices/xx-good-practice?lang=de")
    hrefs = {a["hreflang"]: a["href"] for a in practice.links() if a.get("hreflang")}
    assert hrefs["el"] == "/practices/xx-good-practice?lang=el"


def test_language_menu_is_bounded(client):
    html = client.get("/?q=" + "x" * 10_000 + "&junk=" + "y" * 5_000).get_data(as_text=True)
    assert "x" * 1001 not in html and "y" * 1001 not in html
    assert len(html) < 60_000


def test_language_menu_never_links_off_site(client):
    p = page(client, "/\\evil.example/", status=404)
    for href in p.hrefs():
        normalised = href.replace("\\", "/")
        assert not normalised.startswith("//") and not urlsplit(normalised).netloc, href


# -- comparing practices, following a search ---------------------------------------------------


def test_compare_takes_ids_as_a_list_or_repeated_and_says_what_it_left_out(client):
    ids = ["xx-good-practice", "xx-italian-work", "xx-greek-reception", "xx-swedish-health"]
    listed = client.get("/compare?ids=" + ",".join(ids[:2]))
    repeated = client.get("/compare?ids=xx-good-practice&ids=xx-italian-work")
    assert listed.status_code == repeated.status_code == 200

    def table(response):
        return response.get_data(as_text=True).partition("<table")[2].partition("</table>")[0]

    assert table(listed) == table(repeated) and "Work and integration in Campania" in table(listed)
    html = client.get("/compare?ids=" + ",".join([*ids, "xx-good-practice", "no-such-practice"])).get_data(as_text=True)
    assert html.count('<th scope="col">') == 4  # the duplicate once, the unknown one named
    assert "Not found, so not shown: no-such-practice." in html
    five = client.get("/compare?ids=" + ",".join([*ids, "xx-good-practice"]).replace("xx-good-practice", "x", 1))
    assert five.status_code == 200
    assert client.get("/compare").status_code == 200  # how to choose practices
    assert "Tick “Compare”" in client.get("/compare").get_data(as_text=True)
    assert client.get("/compare?ids=nothing,here").status_code == 404


def test_compare_csv_is_the_same_table(client):
    response = client.get("/compare.csv?ids=xx-italian-work,xx-good-practice")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="labb-comparison.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["field", "xx-italian-work", "xx-good-practice"]
    by_field = {row[0]: row[1:] for row in rows}
    assert by_field["title"] == ["Work and integration in Campania", "A good start in Pudasjärvi"]
    assert by_field["sustainability"][0] == "Weak" and by_field["where"][0].endswith("Italy")
    assert client.get("/compare.csv?ids=nothing").status_code == 404


def test_the_feed_follows_the_search(client):
    all_entries = client.get("/feed.atom").get_data(as_text=True).count("<entry>")
    health = client.get("/feed.atom?dimension=health&lang=sv")
    assert health.status_code == 200 and health.mimetype == "application/atom+xml"
    text = health.get_data(as_text=True)
    assert text.count("<entry>") == 1 < all_entries
    assert "urn:labb:practice:xx-swedish-health" in text and 'xml:lang="sv"' in text
    assert client.get("/feed.atom?dimension=no-such-area").status_code == 400
    page = client.get("/?dimension=health&lang=sv").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/feed.atom?dimension=health&amp;lang=sv"' in page


# -- addresses built without routing -------------------------------------------------------------

_URL_APP = create_app({"INDEX": "/nonexistent/index"})  # no index needed to build addresses
_NAMES = st.sampled_from(["q", "sort", "country", "dimension", "criterion", "page"])
_VALUES = st.lists(st.sampled_from(["a", "b c", "Å/x&y", "relevance", "gender:strong"]), max_size=2)


@settings(max_examples=300, deadline=None)
@given(state=st.dictionaries(_NAMES, _VALUES, max_size=5), name=_NAMES, values=st.one_of(st.none(), _VALUES))
def test_a_link_with_one_parameter_changed_keeps_every_other_in_its_place(state, name, values):
    """`Urls` joins what stands around a changed parameter once per parameter: the
    address must still be the state with that one change, in the state's order, an
    added parameter after the others and the interface language last."""
    from urllib.parse import parse_qsl

    from flask import g

    from labb.web.urls import Urls

    def pairs(key, chosen):
        if not chosen or (key == "sort" and chosen == ["relevance"]):
            return []
        return [(key, v) for v in chosen]

    expected = [pair for key in state for pair in pairs(key, values if key == name else state[key])]
    if name not in state:
        expected += pairs(name, values)
    with _URL_APP.test_request_context("/?lang=fr"):
        g.lang, g.lang_in_url = "fr", True
        address = Urls(state)(**{name: values})
    path, _, query = address.partition("?")
    assert path == "/"
    assert parse_qsl(query) == [*expected, ("lang", "fr")]


@settings(max_examples=300, deadline=None)
@given(
    state=st.dictionaries(_NAMES, _VALUES, max_size=5),
    name=st.sampled_from(["country", "dimension", "criterion"]),
    value=st.sampled_from(["a", "b c", "Å/x&y", "gender:strong"]),
)
def test_a_facet_toggle_is_the_address_with_the_value_added_or_taken_out(state, name, value):
    """`Urls.toggle` (a facet value's link) writes what the general rule writes for the
    facet's values with `value` added, or without it when it is selected."""
    from flask import g

    from labb.web.urls import Urls

    chosen = state.get(name, [])
    with _URL_APP.test_request_context("/?lang=de"):
        g.lang, g.lang_in_url = "de", True
        urls = Urls(state)
        for selected in (value in chosen, False):
            toggled = [v for v in chosen if v != value] if selected else [*chosen, value]
            assert urls.toggle(name, value, selected) == Urls(state)(**{name: toggled})


def test_a_server_process_settles_its_long_lived_objects_out_of_garbage_collection():
    import gc

    from labb.web import GC_THRESHOLDS, settle

    before = gc.get_threshold()
    try:
        settle()
        assert gc.get_freeze_count() > 10_000  # the app, the vocabularies... made so far
        assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
