"""The JSON API: /api/search, /api/practices/<id>, /api/openapi.json, and the /api page.

`/api/search` answers exactly what `labb search --json` prints for the same
parameters (both are `Searcher.search` of what `parse_params` read, as_dict()), and
refuses what it refuses (a 400 or 404 for its exit 2). Every response
under /api/ is JSON, errors included: `{"status", "error", "message"}`. The API,
the exports and the feed are open to other origins (CORS, no credentials): the
data is public, and partners build on it from their own pages.
"""

from __future__ import annotations

import copy
import json
from http import HTTPStatus
from typing import Any, Callable

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException, default_exceptions

from ..model import FACET_VOCABULARY, FACETS, PROGRAMMING_PERIODS, SORTS, Practice
from ..schema import inline_vocabularies
from ..search import MAX_PER_PAGE, NoIndex, parse_params, run
from ..vocab import Vocabularies
from .pages import request_params, searcher, vocabs

bp = Blueprint("api", __name__)

CORS_PREFIXES = ("/api/", "/export.", "/feed.atom")
"""Paths other sites may read from their pages (GET only, no credentials)."""
JSON_TYPE = "application/json; charset=utf-8"
MESSAGES = {
    400: "The request could not be understood.",
    404: "There is nothing at this address.",
    405: "This address only answers GET (and OPTIONS).",
    500: "Something went wrong on our side; please try again later.",
    503: "The search index is being prepared; please try again in a minute.",
}


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON as UTF-8 text (accents as they are, not as \\u escapes)."""
    return Response(json.dumps(data, ensure_ascii=False), status=status, headers=headers,
                    content_type=JSON_TYPE)


def error_response(status: int, message: str | None = None, headers: dict[str, str] | None = None) -> Response:
    return json_response({"status": status, "error": HTTPStatus(status).phrase.lower(),
                          "message": message or MESSAGES.get(status) or HTTPStatus(status).description},
                         status, headers)


# -- endpoints -----------------------------------------------------------------------


@bp.route("/api/search")
def search_json():
    query, problems = parse_params(request_params(), vocabs())
    if problems:  # unlike the search page, which notes them and goes on
        return error_response(400, " ".join(p.sentence for p in problems[:10]))
    results = searcher().search(query)
    if results.page_problem:
        return error_response(404, results.page_problem.sentence)
    return json_response(results.as_dict())


@bp.route("/api/practices/<practice_id>")
def practice_json(practice_id: str):
    practice = searcher().get(practice_id) if len(practice_id) <= 100 else None
    if practice is None:
        return error_response(404, f"There is no practice with the id `{practice_id[:100]}`.")
    return json_response({**practice.as_json(), "url": f"/practices/{practice_id}"})


@bp.route("/api/openapi.json")
def openapi_json():
    return json_response(openapi_document(), headers={"Cache-Control": "public, max-age=3600"})


@bp.route("/api")
def page():
    """The API, explained for people: endpoints, examples, parameters."""
    from .exports import COLUMNS, FEED_SIZE

    doc = openapi_document()
    parameters = [_parameter_row(doc["components"]["parameters"][name]) for name in _PARAMETER_NAMES]
    return render_template("api.html", parameters=parameters, examples=_examples(), columns=COLUMNS,
                           feed_size=FEED_SIZE, max_per_page=MAX_PER_PAGE, host=request.host_url.rstrip("/"))


def _code(text: str) -> Markup:
    """`x` -> <code>x</code>, everything escaped."""
    parts = text.split("`")
    return Markup("").join(Markup("<code>%s</code>") % part if i % 2 else escape(part)
                           for i, part in enumerate(parts))


def _parameter_row(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = parameter["schema"]
    repeatable = schema.get("type") == "array"
    item = schema.get("items", schema) if repeatable else schema
    kind = {"string": "text", "integer": "whole number"}.get(item.get("type"), item.get("type"))
    enum = item.get("enum")
    if enum and len(enum) > 12:
        values = _code(f"one of {len(enum)} ids, e.g. " + ", ".join(f"`{v}`" for v in enum[:4]))
    elif enum:
        values = _code(", ".join(f"`{v}`" for v in enum))
    elif item.get("examples"):
        values = _code("e.g. " + ", ".join(f"`{v}`" for v in item["examples"][:3]))
    else:
        bounds = [f"from {item['minimum']}" if "minimum" in item else "",
                  f"to {item['maximum']}" if "maximum" in item else ""]
        values = " ".join(b for b in bounds if b)
    if "default" in item:
        values = values + _code(f"; default `{item['default']}`") if values else _code(f"default `{item['default']}`")
    return {"name": parameter["name"], "type": kind + (", repeatable" if repeatable else ""),
            "allowed": values,
            # The page says once, above the table, how repeated values and unknown values work.
            "description": _code(parameter.get("description", "").split(" Repeat the parameter")[0])}


def _short(value: Any, length: int = 90) -> Any:
    """A long text cut for an example, recursively."""
    if isinstance(value, str):
        return value if len(value) <= length else value[:length].rstrip() + "…"
    if isinstance(value, list):
        return [_short(v, length) for v in value]
    if isinstance(value, dict):
        return {k: _short(v, length) for k, v in value.items()}
    return value


def _examples() -> dict[str, Any] | None:
    """Live examples from the index (so they never drift from the truth), or None."""
    try:
        results = run({"per_page": ["1"], "sort": ["newest"]}, searcher()).as_dict()
        if not results["results"]:
            return None
        first = results["results"][0]["id"]
        practice = searcher().get(first)
    except NoIndex:
        return None
    results["facets"] = {name: values[:2] for name, values in results["facets"].items()}
    dump = lambda data: json.dumps(_short(data), ensure_ascii=False, indent=2)  # noqa: E731
    return {"id": first, "search": dump(results),
            "practice": dump({**(practice.as_json() if practice else {}), "url": f"/practices/{first}"})}


# -- errors as JSON under /api/ ------------------------------------------------------


@bp.errorhandler(NoIndex)
def _no_index(error):
    return error_response(503)


def _json_or(previous: Callable | None) -> Callable:
    """A handler that answers JSON under /api/ and leaves every other path to `previous`
    (the HTML error page), or to Flask's default when there is none."""

    def handler(error):
        if is_api(request.path):
            status = getattr(error, "code", None) or 500
            headers = {}
            if isinstance(error, HTTPException):
                allow = dict(error.get_headers()).get("Allow")
                if allow:
                    headers["Allow"] = allow
            message = MESSAGES.get(status) if status in MESSAGES else getattr(error, "description", None)
            return error_response(status, message, headers)
        if previous is not None:
            return previous(error)
        return error

    return handler


@bp.record_once
def _install_error_handlers(state) -> None:
    """Wrap the app's error handlers (the HTML pages register theirs first) so that /api/
    paths get JSON for routing errors too (an unknown /api/ path, a POST), which no
    blueprint handler sees."""
    app = state.app
    spec = app.error_handler_spec[None]
    for code in (400, 404, 405, 413, 414, 429, 500):
        exc_class = default_exceptions[code]
        previous = spec.get(code, {}).get(exc_class)
        app.register_error_handler(code, _json_or(previous))
    previous = spec.get(None, {}).get(HTTPException)
    app.register_error_handler(HTTPException, _json_or(previous))


# -- CORS --------------------------------------------------------------------------------


@bp.after_app_request
def _cors(response: Response) -> Response:
    if not request.path.startswith(CORS_PREFIXES):
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "Content-Disposition, Content-Language"
    # The data is public: other sites may read it (the default, same-origin, would stop
    # embedding it even where CORS allows).
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        asked = request.headers.get("Access-Control-Request-Headers", "")
        response.headers["Access-Control-Allow-Headers"] = asked[:500] or "Accept, Accept-Language"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


# -- the OpenAPI document ------------------------------------------------------------------

_PARAMETER_NAMES = ("q", *FACETS, "sort", "page", "per_page", "lang")
FACET_DESCRIPTIONS = {
    "region": "NUTS region code (e.g. `FI1D9`, `ITF3`).",
    "country": "ISO 3166-1 alpha-2 country code; `EL` is accepted for Greece (`GR`), `UK` for `GB`.",
    "dimension": "Area of integration (MIPEX dimensions).",
    "criterion": "REGIN evaluation criterion, optionally with a level: `innovation` or `innovation:strong`. "
                 "Two levels of one criterion combine with OR, two criteria with AND.",
    "target_group": "Target group.",
    "indicator": "Integration indicator the practice aims to move.",
    "fund": "Fund that finances the practice.",
    "language": "A language the practice's title or summary is written in.",
    "role": "The regional authority's role: `direct` or `indirect`.",
    "period": "EU programming period the practice started in (`2014-2020`), or `before-2000`, `after-2034`.",
}


def _ids(vocabularies: Vocabularies, name: str) -> list[str]:
    vocabulary = vocabularies[name]
    return [*vocabulary.terms, *vocabulary.aliases]


def _facet_enum(vocabularies: Vocabularies, facet: str) -> dict[str, Any]:
    if facet == "period":
        periods = [f"{a}-{b}" for a, b in PROGRAMMING_PERIODS]
        return {"type": "string", "pattern": r"^(\d{4}-\d{4}|before-2000|after-2034)$",
                "examples": [*reversed(periods), "before-2000"]}
    if facet == "criterion":
        criteria = list(vocabularies["criteria"].terms)
        levels = list(vocabularies["levels"].terms)
        return {"type": "string", "enum": [*criteria, *(f"{c}:{l}" for c in criteria for l in levels)]}
    return {"type": "string", "enum": _ids(vocabularies, FACET_VOCABULARY[facet])}


def _parameters(vocabularies: Vocabularies) -> dict[str, Any]:
    out: dict[str, Any] = {
        "q": {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 1000},
              "description": "Words to search, in any language: accent-insensitive and stemmed; "
                             "`\"a phrase\"`, `AND`, `OR`, `NOT`, `-word` and `word*` work. "
                             "Empty: every practice.", "example": "language courses"},
    }
    for facet in FACETS:
        out[facet] = {
            "name": facet, "in": "query", "required": False, "style": "form", "explode": True,
            "description": FACET_DESCRIPTIONS[facet] + " Repeat the parameter for OR; different facets "
                           "combine with AND. An unknown value is a 400 error whose message suggests the "
                           "closest known value.",
            "schema": {"type": "array", "items": _facet_enum(vocabularies, facet), "maxItems": 50},
        }
    out["sort"] = {"name": "sort", "in": "query", "required": False,
                   "description": "Order of the results. `relevance` without words means newest first.",
                   "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"}}
    out["page"] = {"name": "page", "in": "query", "required": False, "description": "Page number, from 1.",
                   "schema": {"type": "integer", "minimum": 1, "default": 1}}
    out["per_page"] = {"name": "per_page", "in": "query", "required": False,
                       "description": f"Results per page, at most {MAX_PER_PAGE}; for everything use the exports.",
                       "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}}
    out["lang"] = {"name": "lang", "in": "query", "required": False,
                   "description": "The reader's language: titles, summaries and facet labels in this language "
                                  "when a translation exists (else English, else the original).",
                   "schema": {"type": "string", "enum": list(vocabularies["languages"].terms), "default": "en"}}
    return out


def _practice_schemas(vocabularies: Vocabularies) -> dict[str, Any]:
    """The practice as the API returns it (model's serialization schema, vocabularies
    inlined as enums, null-valued fields left out, plus `url`), and its parts."""
    schema = copy.deepcopy(Practice.model_json_schema(mode="serialization",
                                                      ref_template="#/components/schemas/{model}"))
    defs = schema.pop("$defs", {})

    def optional_derived(node: Any) -> None:
        # Derived values that cannot be computed are None, and None values are left out.
        if isinstance(node, dict):
            if isinstance(node.get("required"), list) and isinstance(node.get("properties"), dict):
                node["required"] = [r for r in node["required"]
                                    if not node["properties"].get(r, {}).get("readOnly")]
            for value in node.values():
                optional_derived(value)

    for part in (schema, defs):
        inline_vocabularies(part, vocabularies)
        optional_derived(part)
    schema["properties"]["url"] = {"type": "string", "description": "The practice's page, relative to the site.",
                                   "readOnly": True}
    schema["required"] = [*schema.get("required", []), "url"]
    schema["description"] = ("One integration practice, as stored: the top-level keys of the practice file "
                             "plus the derived `duration_months`, `funding.co_financing_rate` and `url`.")
    return {**defs, "Practice": schema}


def _search_schemas(vocabularies: Vocabularies) -> dict[str, Any]:
    string_list = {"type": "array", "items": {"type": "string"}}
    nullable = lambda kind: {"type": [kind, "null"]}  # noqa: E731
    query = {
        "type": "object", "description": "The query as understood (unknown values removed).",
        "properties": {"q": {"type": "string"}, **{f: string_list for f in FACETS},
                       "sort": {"type": "string", "enum": list(SORTS)}, "page": {"type": "integer"},
                       "per_page": {"type": "integer"}, "lang": {"type": "string"}},
        "required": ["q", "sort", "page", "per_page", "lang"], "additionalProperties": False,
    }
    hit = {
        "type": "object",
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "title_lang": {"type": "string"},
            "summary": {"type": "string"}, "summary_lang": {"type": "string"},
            "snippet": {"type": "string", "description": "HTML: escaped text, matched words in `<mark>`."},
            "score": {"type": "number"}, "url": {"type": "string"},
            "country": {"type": "string"}, "region": nullable("string"), "language": {"type": "string"},
            "period": {"$ref": "#/components/schemas/Period"},
            "dimensions": string_list, "target_groups": string_list, "funds": string_list,
            "criteria": {"type": "object", "description": "Criterion id -> level.",
                         "additionalProperties": {"type": "string", "enum": list(vocabularies["levels"].terms)}},
            "total_eur": nullable("number"), "eu_eur": nullable("number"), "co_financing_rate": nullable("number"),
        },
        "required": ["id", "title", "summary", "snippet", "score", "url", "country", "language"],
    }
    facet_value = {
        "type": "object",
        "properties": {"value": {"type": "string"}, "label": {"type": "string"},
                       "count": {"type": "integer", "minimum": 0,
                                 "description": "How many results there would be with this value also selected."},
                       "selected": {"type": "boolean"},
                       "group": {"type": "string", "description": "For regions: the country."}},
        "required": ["value", "label", "count", "selected"], "additionalProperties": False,
    }
    values = {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}}
    results = {
        "type": "object",
        "properties": {
            "query": {"$ref": "#/components/schemas/Query"}, "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "suggestion": {**nullable("string"), "description": "A corrected query that finds more."},
            "notes": {**string_list, "description": "What was ignored or changed in the query, in words."},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {"type": "object", "properties": {f: values for f in FACETS}, "required": list(FACETS),
                       "additionalProperties": False},
        },
        "required": ["query", "total", "page", "per_page", "suggestion", "notes", "results", "facets"],
        "additionalProperties": False,
    }
    error = {
        "type": "object",
        "properties": {"status": {"type": "integer"}, "error": {"type": "string", "examples": ["not found"]},
                       "message": {"type": "string"}},
        "required": ["status", "error", "message"], "additionalProperties": False,
    }
    return {"SearchResults": results, "Query": query, "Hit": hit, "FacetValue": facet_value, "Error": error}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def build_openapi(vocabularies: Vocabularies) -> dict[str, Any]:
    """The API's OpenAPI 3.1 document."""
    ref = lambda name: {"$ref": f"#/components/parameters/{name}"}  # noqa: E731
    search_parameters = [ref(n) for n in _PARAMETER_NAMES]
    export_parameters = [ref(n) for n in _PARAMETER_NAMES if n not in ("page", "per_page")]
    errors = {"400": _error("Bad request."), "503": _error("The search index is being prepared.")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "labb, the Integration Lab: API",
            "version": "1",
            "summary": "Search Europe's regional integration practices: results, facets, one practice, exports.",
            "description": "Read-only and open: no key, CORS allowed from any origin (without credentials). "
                           "The same search as the web site. See /api for examples.",
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/search": {"get": {
                "operationId": "search", "summary": "Search practices: a page of results and every facet's counts.",
                "description": "Several values of one facet combine with OR, facets with AND. A facet value's "
                               "count is the number of results one would get by also selecting it. The same "
                               "object as `labb search --json`.",
                "parameters": search_parameters,
                "responses": {"200": {"description": "Results and facets.", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/SearchResults"}}}}, **errors,
                    "400": _error("A parameter cannot be used: an unknown facet value or sort, or a page or "
                                  "per_page that is not a whole number from 1. The message says which, with "
                                  "the closest known value when there is one."),
                    "404": _error("There is no such page of results: the message names the last page.")},
            }},
            "/api/practices/{id}": {"get": {
                "operationId": "getPractice", "summary": "One practice, with its derived values.",
                "parameters": [{"name": "id", "in": "path", "required": True, "description": "The practice's id.",
                                "schema": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                           "maxLength": 100}}],
                "responses": {"200": {"description": "The practice.", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Practice"}}}},
                    "404": _error("There is no practice with this id."), **errors},
            }},
            "/export.csv": {"get": {
                "operationId": "exportCsv", "summary": "Every result of a search as CSV (all pages).",
                "description": "UTF-8 with a byte order mark (so spreadsheet programs read accents), a header "
                               "row, one row per practice; lists joined with `;`, criteria as "
                               "`criterion:level`. Text cells starting with `=`, `+`, `-` or `@` get a "
                               "leading `'` (spreadsheet formula injection).",
                "parameters": export_parameters,
                "responses": {"200": {"description": "The practices.", "content": {
                    "text/csv": {"schema": {"type": "string"}}}}, **errors},
            }},
            "/export.json": {"get": {
                "operationId": "exportJson", "summary": "Every result of a search as JSON (all pages).",
                "parameters": export_parameters,
                "responses": {"200": {"description": "The practices: the same rows as the CSV export.", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Export"}}}}, **errors},
            }},
            "/feed.atom": {"get": {
                "operationId": "feed", "summary": "Atom feed of the 50 most recently added practices.",
                "responses": {"200": {"description": "An Atom feed.", "content": {
                    "application/atom+xml": {"schema": {"type": "string"}}}}, **errors},
            }},
        },
        "components": {
            "parameters": _parameters(vocabularies),
            "schemas": {**_search_schemas(vocabularies), **_practice_schemas(vocabularies),
                        **_export_schemas()},
        },
    }


def _export_schemas() -> dict[str, Any]:
    from .exports import COLUMNS

    strings = {"type": "array", "items": {"type": "string"}}
    types = {"dimensions": strings, "target_groups": strings, "funds": strings,
             "criteria": {"type": "object", "additionalProperties": {"type": "string"}},
             "total_eur": {"type": ["number", "null"]}, "eu_eur": {"type": ["number", "null"]},
             "co_financing_rate": {"type": ["number", "null"]}}
    row = {"type": "object", "properties": {c: types.get(c, {"type": ["string", "null"]}) for c in COLUMNS},
           "required": list(COLUMNS), "additionalProperties": False}
    return {"ExportRow": row, "Export": {
        "type": "object",
        "properties": {"query": {"type": "object"}, "total": {"type": "integer", "minimum": 0},
                       "results": {"type": "array", "items": {"$ref": "#/components/schemas/ExportRow"}}},
        "required": ["query", "total", "results"]}}


def openapi_document() -> dict[str, Any]:
    app = current_app
    if "labb.openapi" not in app.extensions:
        app.extensions["labb.openapi"] = build_openapi(vocabs())
    return app.extensions["labb.openapi"]
