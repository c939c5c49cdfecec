"""The JSON API, its OpenAPI document, the exports and the Atom feed, on a real index on disk."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from flask import abort
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from labb import index
from labb.cli import main
from labb.facets import FACETS
from labb.web import create_app
from labb.web.exports import COLUMNS

from .conftest import GOOD, REPO

ATOM = "{http://www.w3.org/2005/Atom}"
READ_PARAMETERS = {"q", *FACETS, "sort", "page", "per_page", "lang", "exact"}
"""What search.parse_params reads: every one must be documented, and nothing else."""

VARIANTS = {
    "xx-swedish-health": {
        "  fi: Hyvä alku Pudasjärvellä\n": "  sv: Hälsokommunikatörer för nyanlända i Skåne\n",
        "  en: A good start in Pudasjärvi": "  en: Health communicators in Skåne",
        "language: fi": "language: sv",
        "country: FI": "country: SE",
        "region: FI1D9": "region: SE224",
        "[language, reception-orientation]": "[health]",
        "added: 2026-11-22": "added: 2026-11-25",
    },
    "xx-italian-work": {
        "  fi: Hyvä alku Pudasjärvellä\n": "  it: Lavoro e integrazione in Campania\n",
        "  en: A good start in Pudasjärvi": "  en: Work and integration in Campania",
        "language: fi": "language: it",
        "country: FI": "country: IT",
        "region: FI1D9": "region: ITF3",
        "[language, reception-orientation]": "[labour-market]",
        "  innovation:\n    level: strong": "  sustainability:\n    level: weak",
        "total_eur: 1090474": "total_eur: 5000000",
        "added: 2026-11-22": "added: 2026-11-24",
    },
    "xx-greek-reception": {
        "  fi: Hyvä alku Pudasjärvellä\n": "  el: Κοινωνική ΕΝΤΑΞΗ μεταναστών στην Αττική\n",
        "  en: A good start in Pudasjärvi": "  en: Social inclusion of migrants in Attica",
        "language: fi": "language: el",
        "country: FI": "country: GR",
        "region: FI1D9": "region: EL30",
        "type: indirect": "type: direct",
        "funds: [esf]": "funds: [eea-norway-grants]",
        "added: 2026-11-22": "added: 2026-12-01",
    },
    "xx-formula-title": {
        "  en: A good start in Pudasjärvi": '  en: "=HYPERLINK(\\"https://example.org\\")"',
        "added: 2026-11-22": "added: 2025-01-01",
    },
}


@pytest.fixture(scope="module")
def site(tmp_path_factory, vocabs) -> Path:
    """A corpus of 230 generated practices (more than two export batches and API pages)
    plus five hand-written multilingual ones; its index, built once."""
    sys.path.insert(0, str(REPO / "bench"))
    import corpus as generator

    root = tmp_path_factory.mktemp("api")
    practices = root / "practices"
    generator.generate(230, practices, seed=11)
    good = GOOD.read_text(encoding="utf-8")
    (practices / "xx").mkdir(parents=True, exist_ok=True)
    (practices / "xx" / "xx-good-practice.yaml").write_text(good, encoding="utf-8")
    for pid, replace in VARIANTS.items():
        text = good.replace("id: xx-good-practice", f"id: {pid}")
        for old, new in replace.items():
            assert old in text, old
            text = text.replace(old, new)
        (practices / "xx" / f"{pid}.yaml").write_text(text, encoding="utf-8")
    index.build(practices, root / "index", vocabs)
    return root / "index"


@pytest.fixture(scope="module")
def app(site):
    return create_app({"INDEX": site, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def openapi(app) -> dict:
    return app.test_client().get("/api/openapi.json").get_json()


def schema_validator(openapi: dict, name: str) -> Draft202012Validator:
    """A JSON Schema validator for one component of the OpenAPI document (refs resolved in it)."""
    root = {**openapi, "$ref": f"#/components/schemas/{name}"}
    return Draft202012Validator(root)


# -- /api/search ----------------------------------------------------------------------

SEARCHES = [
    ([], []),
    (["Pudasjärvi"], []),
    (["Pudasjarvi"], []),
    (["integrazione", "lavorativa"], []),
    ([], ["country=IT", "country=SE"]),
    ([], ["criterion=innovation:strong", "dimension=health"]),
    (["language"], ["region=FI1D9"]),
    ([], ["country=EL"]),
    ([], ["dimension=no-such-thing", "period=2014-2020"]),
    (["Pudasjarvu"], []),
    (['"unclosed', "(a"], []),
]


def _query_string(words: list[str], filters: list[str], **extra: str) -> list[tuple[str, str]]:
    pairs = [("q", " ".join(words))] if words else []
    pairs += [tuple(f.split("=", 1)) for f in filters]
    return pairs + list(extra.items())


@pytest.mark.parametrize("words,filters", SEARCHES)
@pytest.mark.parametrize(
    "options",
    [{}, {"sort": "title", "page": "2", "per_page": "7", "lang": "fr"}, {"sort": "budget", "per_page": "100"}],
)
def test_api_search_equals_cli_json(client, site, words, filters, options):
    cli = ["search", *words, "--json", "--index", str(site)]
    for f in filters:
        cli += ["--filter", f]
    for name, value in options.items():
        cli += [f"--{name.replace('_', '-')}", value]
    out = CliRunner().invoke(main, cli)
    response = client.get("/api/search", query_string=_query_string(words, filters, **options))
    if out.exit_code == 2:  # an unknown filter value or a page past the last: both refuse, saying the same
        message = response.get_json()["message"]
        assert response.status_code in (400, 404) and message[0].lower() + message[1:].rstrip(".") in out.stderr
        return
    assert out.exit_code == 0, out.output
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_json() == json.loads(out.output)


def test_api_search_contract(client):
    data = client.get("/api/search", query_string={"q": "Pudasjärvi"}).get_json()
    keys = {"query", "total", "page", "per_page", "suggestion", "notes", "corrected", "also_searched", "results"}
    assert set(data) == keys | {"facets"}
    assert set(data["facets"]) == set(FACETS)
    assert data["results"][0]["id"] == "xx-good-practice"
    assert data["results"][0]["url"] == "/practices/xx-good-practice"
    assert {"value", "label", "count", "selected"} <= set(data["facets"]["region"][0])


def test_api_search_says_which_words_it_corrected_and_searches_exactly_on_request(client):
    corrected = client.get("/api/search", query_string={"q": "Pudasjarvu"}).get_json()
    assert corrected["corrected"] == [{"word": "pudasjarvu", "as": "pudasjarvi"}] and corrected["total"] >= 1
    exact = client.get("/api/search", query_string={"q": "Pudasjarvu", "exact": "1"}).get_json()
    assert exact["corrected"] == [] and exact["total"] == 0 and exact["query"]["exact"] is True


def test_api_search_is_utf8_not_escaped(client):
    raw = client.get("/api/search", query_string={"q": "Pudasjärvi"}).data
    assert "Pudasjärvi".encode() in raw and b"\\u00e4" not in raw


# -- /api/practices/<id> ------------------------------------------------------------------


def test_api_practice(client):
    response = client.get("/api/practices/xx-good-practice")
    assert response.status_code == 200 and response.content_type == "application/json; charset=utf-8"
    data = response.get_json()
    assert data["id"] == "xx-good-practice" and data["url"] == "/practices/xx-good-practice"
    assert data["title"]["fi"] == "Hyvä alku Pudasjärvellä"
    assert data["funding"]["co_financing_rate"] == round(353249 / 1090474, 4)
    assert data["duration_months"] == 36
    assert data["evaluation"]["innovation"]["level"] == "strong"


@pytest.mark.parametrize(
    "path",
    [
        "/api/practices/no-such-practice",
        "/api/practices/" + "x" * 300,
        "/api/practices/a/b",
        "/api/nothing-here",
        "/api/",
        "/api/search/more",
    ],
)
def test_api_not_found_is_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.content_type == "application/json; charset=utf-8"
    body = response.get_json()
    assert body["status"] == 404 and body["error"] == "not found" and body["message"]


# -- errors: JSON under /api/, HTML elsewhere -----------------------------------------------


def test_method_not_allowed_is_json(client):
    response = client.post("/api/search", data={"q": "x"})
    assert response.status_code == 405
    assert response.get_json() == {
        "status": 405,
        "error": "method not allowed",
        "message": response.get_json()["message"],
    }
    assert "GET" in response.headers["Allow"]
    assert client.delete("/api/practices/xx-good-practice").get_json()["status"] == 405


def test_html_pages_keep_their_error_pages(client):
    for path in ("/no-such-page", "/practices/no-such-practice"):
        response = client.get(path)
        assert response.status_code == 404 and response.content_type.startswith("text/html")
        assert b"<!doctype html>" in response.data


def test_bad_request_and_server_error_are_json(site):
    app = create_app({"INDEX": site, "TESTING": True, "PROPAGATE_EXCEPTIONS": False})

    @app.route("/api/_test/bad")
    def _bad():
        abort(400)

    @app.route("/api/_test/boom")
    def _boom():
        raise RuntimeError("boom")

    @app.route("/_test/boom")
    def _page_boom():
        raise RuntimeError("boom")

    client = app.test_client()
    bad = client.get("/api/_test/bad")
    assert bad.status_code == 400 and bad.get_json()["error"] == "bad request"
    boom = client.get("/api/_test/boom")
    assert boom.status_code == 500 and boom.get_json() == {
        "status": 500,
        "error": "internal server error",
        "message": boom.get_json()["message"],
    }
    assert "boom" not in boom.get_json()["message"]  # no internals leak
    page = client.get("/_test/boom")
    assert page.status_code == 500 and page.content_type.startswith("text/html")


def test_no_index_is_503_json(tmp_path):
    client = create_app({"INDEX": tmp_path / "none", "TESTING": True}).test_client()
    for path in ("/api/search", "/api/practices/xx-good-practice"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.get_json()["error"] == "service unavailable"
    assert client.get("/").content_type.startswith("text/html")
    assert client.get("/").status_code == 503
    for path in ("/export.csv", "/export.json", "/feed.atom"):
        assert client.get(path).status_code == 503, path
    assert client.get("/api").status_code == 200  # the documentation does not need the index
    assert client.get("/api/openapi.json").status_code == 200


# -- CORS ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/search?q=x",
        "/api/practices/xx-good-practice",
        "/api/openapi.json",
        "/api/no-such",
        "/export.csv",
        "/export.json",
        "/feed.atom",
    ],
)
def test_cors_on_api_and_exports(client, path):
    response = client.get(path, headers={"Origin": "https://partner.example.org"})
    assert response.data  # read to the end (the exports are streamed)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(
        path.split("?")[0],
        headers={
            "Origin": "https://partner.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept",
        },
    )
    if response.status_code == 200:
        assert preflight.status_code == 200
        assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "accept" in preflight.headers["Access-Control-Allow-Headers"]


def test_no_cors_on_html_pages(client):
    for path in ("/", "/api", "/practices/xx-good-practice"):
        assert "Access-Control-Allow-Origin" not in client.get(path).headers


# -- the OpenAPI document -------------------------------------------------------------------


def test_openapi_document_is_valid(openapi):
    assert openapi["openapi"].startswith("3.1")
    validate_openapi(openapi)  # raises on any error
    assert {"/api/search", "/api/practices/{id}"} <= set(openapi["paths"])


def _parameters(openapi: dict, path: str) -> list[dict]:
    out = []
    for parameter in openapi["paths"][path]["get"].get("parameters", []):
        if "$ref" in parameter:
            parameter = openapi["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
        out.append(parameter)
    return out


def test_every_parameter_the_app_reads_is_documented(openapi):
    documented = {p["name"] for p in _parameters(openapi, "/api/search")}
    assert documented == READ_PARAMETERS
    for parameter in _parameters(openapi, "/api/search"):
        if parameter["name"] in FACETS:
            assert parameter["schema"]["type"] == "array"
            assert parameter["explode"] is True and parameter["style"] == "form"
    sort = next(p for p in _parameters(openapi, "/api/search") if p["name"] == "sort")
    assert set(sort["schema"]["enum"]) == {"relevance", "newest", "budget", "title"}


def _example(parameter: dict):
    schema = parameter["schema"]
    item = schema.get("items", schema)
    if "enum" in item:
        return item["enum"][-1]
    if "examples" in item:
        return item["examples"][0]
    if item.get("type") == "integer":
        return item.get("maximum", 2)
    return parameter.get("example", "integration")


def test_every_documented_parameter_is_accepted(client, openapi):
    for path in openapi["paths"]:
        for parameter in _parameters(openapi, path):
            if parameter["in"] == "path":
                continue
            value = _example(parameter)
            url = path.replace("{id}", "xx-good-practice")
            response = client.get(url, query_string={parameter["name"]: value})
            assert response.status_code == 200 and response.data, (path, parameter["name"], value)
            if path == "/api/search":
                notes = response.get_json()["notes"]
                assert not notes, (parameter["name"], value, notes)  # a documented value is a known value


def test_every_enum_value_is_known_to_the_search(client, openapi):
    for parameter in _parameters(openapi, "/api/search"):
        enum = parameter["schema"].get("items", parameter["schema"]).get("enum", [])
        if parameter["name"] in FACETS and enum:
            pairs = [(parameter["name"], v) for v in enum]
            notes = client.get("/api/search", query_string=pairs).get_json()["notes"]
            assert not notes, notes


@pytest.mark.parametrize("words,filters", SEARCHES)
def test_search_responses_match_the_documented_schema(client, openapi, words, filters):
    response = client.get("/api/search", query_string=_query_string(words, filters, per_page="100"))
    data = response.get_json()
    errors = list(
        schema_validator(openapi, "SearchResults" if response.status_code == 200 else "Error").iter_errors(data)
    )
    assert not errors, errors[0]


def test_practice_responses_match_the_documented_schema(client, openapi):
    validator = schema_validator(openapi, "Practice")
    ids = [row["id"] for row in client.get("/export.json").get_json()["results"]]
    assert len(ids) == 235
    for pid in ids:
        errors = list(validator.iter_errors(client.get(f"/api/practices/{pid}").get_json()))
        assert not errors, (pid, errors[0])
    error = client.get("/api/practices/nope").get_json()
    assert not list(schema_validator(openapi, "Error").iter_errors(error))


# -- exports --------------------------------------------------------------------------------

EXPORTS = [
    [],
    [("q", "integration")],
    [("q", "Pudasjärvi")],
    [("country", "IT"), ("country", "SE")],
    [("criterion", "innovation:strong"), ("dimension", "health"), ("dimension", "education")],
    [("q", "no-such-word-anywhere")],
    [("sort", "title"), ("lang", "fi"), ("page", "3"), ("per_page", "5")],
]


def _csv(response) -> list[dict[str, str]]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text[1:], newline=""))
    rows = list(reader)
    assert tuple(rows[0]) == COLUMNS
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]


def _all_ids(client, params) -> list[str]:
    """Every result id through /api/search, page after page."""
    base = [(k, v) for k, v in params if k not in ("page", "per_page")]
    ids, page = [], 1
    while True:
        data = client.get("/api/search", query_string=[*base, ("per_page", "100"), ("page", str(page))]).get_json()
        ids += [r["id"] for r in data["results"]]
        if page * 100 >= data["total"]:
            return ids
        page += 1


@pytest.mark.parametrize("params", EXPORTS)
def test_csv_export_has_every_result(client, params):
    total = client.get("/api/search", query_string=params).get_json()["total"]
    response = client.get("/export.csv", query_string=params)
    assert response.status_code == 200 and response.is_streamed
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="labb-practices.csv"'
    rows = _csv(response)
    assert len(rows) == total
    assert [r["id"] for r in rows] == _all_ids(client, params)  # the search's order, every page


@pytest.mark.parametrize("params", EXPORTS)
def test_json_export_has_every_result(client, params, openapi):
    total = client.get("/api/search", query_string=params).get_json()["total"]
    response = client.get("/export.json", query_string=params)
    assert response.status_code == 200 and response.is_streamed
    assert response.content_type == "application/json; charset=utf-8"
    data = json.loads(response.data)
    assert data["total"] == len(data["results"]) == total
    assert [r["id"] for r in data["results"]] == _all_ids(client, params)
    assert all(tuple(r) == COLUMNS for r in data["results"])
    errors = list(schema_validator(openapi, "Export").iter_errors(data))
    assert not errors, errors[0]


def test_export_rows(client):
    rows = {r["id"]: r for r in _csv(client.get("/export.csv"))}
    row = rows["xx-good-practice"]
    assert row["title_en"] == "A good start in Pudasjärvi"
    assert row["title_original"] == "Hyvä alku Pudasjärvellä" and row["original_language"] == "fi"
    assert (row["country"], row["region"], row["scope"]) == ("FI", "FI1D9", "regional")
    assert (row["start"], row["end"], row["status"]) == ("2016-01-01", "2018-12-31", "completed")
    assert row["dimensions"] == "language;reception-orientation"
    assert row["target_groups"] == "women;single-parents"
    assert row["criteria"] == "innovation:strong"
    assert row["funds"] == "esf"
    assert (row["total_eur"], row["eu_eur"]) == ("1090474", "353249")
    assert float(row["co_financing_rate"]) == round(353249 / 1090474, 4)
    assert row["url"] == "http://localhost/practices/xx-good-practice"
    generated = next(r for pid, r in rows.items() if not pid.startswith("xx-"))
    assert generated["criteria"].count(":") >= 3  # several criteria, each with its level
    assert rows["xx-formula-title"]["title_en"].startswith("'=")  # no formula runs in a spreadsheet
    assert rows["xx-greek-reception"]["title_original"] == "Κοινωνική ΕΝΤΑΞΗ μεταναστών στην Αττική"


def test_json_export_rows(client):
    data = client.get("/export.json", query_string={"country": "FI", "q": "Pudasjärvi"}).get_json()
    assert data["query"] == {"q": "Pudasjärvi", "country": ["FI"], "sort": "relevance", "lang": "en", "exact": False}
    [row] = [r for r in data["results"] if r["id"] == "xx-good-practice"]
    assert row["dimensions"] == ["language", "reception-orientation"]
    assert row["criteria"] == {"innovation": "strong"}
    assert row["total_eur"] == 1090474 and row["end"] == "2018-12-31"


# -- the Atom feed ---------------------------------------------------------------------------


def test_atom_feed(client):
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost/feed.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 50
    for entry in entries:
        for tag in ("id", "title", "link", "updated", "summary"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert ids[:3] == [
        "urn:labb:practice:xx-greek-reception",
        "urn:labb:practice:xx-swedish-health",
        "urn:labb:practice:xx-italian-work",
    ]
    assert all(i.startswith("urn:labb:practice:") for i in ids) and len(set(ids)) == 50
    assert entries[0].find(f"{ATOM}link").get("href") == "http://localhost/practices/xx-greek-reception"
    assert entries[0].find(f"{ATOM}title").text == "Social inclusion of migrants in Attica"


def test_atom_feed_is_the_newest_by_added_date(client, site, vocabs):
    from labb.search import Searcher

    s = Searcher(site, vocabs)
    everything = [s.get(r["id"]) for r in client.get("/export.json").get_json()["results"]]
    s.close()
    expected = sorted(everything, key=lambda p: p.id)
    expected = sorted(expected, key=lambda p: p.added, reverse=True)[:50]
    feed = ET.fromstring(client.get("/feed.atom").data)
    got = [e.find(f"{ATOM}id").text.rsplit(":", 1)[-1] for e in feed.findall(f"{ATOM}entry")]
    assert got == [p.id for p in expected]
    published = [e.find(f"{ATOM}published").text for e in feed.findall(f"{ATOM}entry")]
    assert published == sorted(published, reverse=True)


# -- the /api page and the links to it ---------------------------------------------------------


def test_api_page(client, openapi):
    response = client.get("/api")
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    html = response.data.decode()
    assert 'href="/api/openapi.json"' in html
    for name in READ_PARAMETERS:
        assert f"<code>{name}</code>" in html, name
    for column in COLUMNS:
        assert f"<code>{column}</code>" in html, column
    assert "Access-Control-Allow-Origin" in html
    assert "built-in" not in html and "Undefined" not in html
    assert "<code>relevance</code>, <code>newest</code>" in html  # the sort values, from the OpenAPI document
    assert "/api/practices/" in html and "&#34;total&#34;" in html  # live examples, escaped


def test_footer_links_to_the_api_and_head_to_the_feed(client):
    html = client.get("/").data.decode()
    footer = html[html.index("<footer") :]
    assert 'href="/api"' in footer
    head = html[: html.index("</head>")]
    assert 'rel="alternate" type="application/atom+xml"' in head and 'href="/feed.atom"' in head
