"""The API's OpenAPI 3.1 document, built from the model, the facet registry and
the vocabularies (so it never drifts from what the API does), once per app."""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app

from .. import API_VERSION
from ..facets import FACETS, REGISTRY
from ..model import SORTS, Practice
from ..schema import inline_vocabularies
from ..search import MAX_PER_PAGE
from ..vocab import Vocabularies
from .views import vocabs

PARAMETER_NAMES = ("q", *FACETS, "sort", "page", "per_page", "lang", "exact")


def _parameters(vocabularies: Vocabularies) -> dict[str, Any]:
    out: dict[str, Any] = {
        "q": {
            "name": "q",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "maxLength": 1000},
            "description": "Words to search, in any language: accent-insensitive and stemmed; "
            '`"a phrase"`, `AND`, `OR`, `NOT`, `-word` and `word*` work. '
            "Empty: every practice.",
            "example": "language courses",
        },
    }
    for facet in REGISTRY:
        out[facet.name] = {
            "name": facet.name,
            "in": "query",
            "required": False,
            "style": "form",
            "explode": True,
            "description": facet.description + " Repeat the parameter for OR; different facets "
            "combine with AND. An unknown value is a 400 error whose message suggests the "
            "closest known value.",
            "schema": {"type": "array", "items": facet.item_schema(vocabularies), "maxItems": 50},
        }
    out["sort"] = {
        "name": "sort",
        "in": "query",
        "required": False,
        "description": "Order of the results. `relevance` without words means newest first.",
        "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
    }
    out["page"] = {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "Page number, from 1.",
        "schema": {"type": "integer", "minimum": 1, "default": 1},
    }
    out["per_page"] = {
        "name": "per_page",
        "in": "query",
        "required": False,
        "description": f"Results per page, at most {MAX_PER_PAGE}; for everything use the exports.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
    }
    out["lang"] = {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": "The reader's language: titles, summaries and facet labels in this language "
        "when a translation exists (else English, else the original).",
        "schema": {"type": "string", "enum": list(vocabularies["languages"].terms), "default": "en"},
    }
    out["exact"] = {
        "name": "exact",
        "in": "query",
        "required": False,
        "description": "`1`: search the words only as typed. Otherwise a word the index does not know "
        "is also searched as its closest words in the index (see `corrected`).",
        "schema": {"type": "string", "enum": ["", "0", "1"], "default": ""},
    }
    return out


def _practice_schemas(vocabularies: Vocabularies) -> dict[str, Any]:
    """The practice as the API returns it (model's serialization schema, vocabularies
    inlined as enums, null-valued fields left out, plus `url`), and its parts."""
    schema = copy.deepcopy(
        Practice.model_json_schema(mode="serialization", ref_template="#/components/schemas/{model}")
    )
    defs = schema.pop("$defs", {})

    def optional_derived(node: Any) -> None:
        # Derived values that cannot be computed are None, and None values are left out.
        if isinstance(node, dict):
            if isinstance(node.get("required"), list) and isinstance(node.get("properties"), dict):
                node["required"] = [r for r in node["required"] if not node["properties"].get(r, {}).get("readOnly")]
            for value in node.values():
                optional_derived(value)

    for part in (schema, defs):
        inline_vocabularies(part, vocabularies)
        optional_derived(part)
    schema["properties"]["url"] = {
        "type": "string",
        "description": "The practice's page, relative to the site.",
        "readOnly": True,
    }
    schema["required"] = [*schema.get("required", []), "url"]
    schema["description"] = (
        "One integration practice, as stored: the top-level keys of the practice file "
        "plus the derived `duration_months`, `funding.co_financing_rate` and `url`."
    )
    return {**defs, "Practice": schema}


def _search_schemas(vocabularies: Vocabularies) -> dict[str, Any]:
    string_list = {"type": "array", "items": {"type": "string"}}
    nullable = lambda kind: {"type": [kind, "null"]}
    query = {
        "type": "object",
        "description": "The query as understood (unknown values removed).",
        "properties": {
            "q": {"type": "string"},
            **{f: string_list for f in FACETS},
            "sort": {"type": "string", "enum": list(SORTS)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "lang": {"type": "string"},
            "exact": {"type": "boolean"},
        },
        "required": ["q", "sort", "page", "per_page", "lang", "exact"],
        "additionalProperties": False,
    }
    hit = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "title_lang": {"type": "string"},
            "summary": {"type": "string"},
            "summary_lang": {"type": "string"},
            "snippet": {"type": "string", "description": "HTML: escaped text, matched words in `<mark>`."},
            "score": {"type": "number"},
            "url": {"type": "string"},
            "country": {"type": "string"},
            "region": nullable("string"),
            "language": {"type": "string"},
            "period": {"$ref": "#/components/schemas/Period"},
            "dimensions": string_list,
            "target_groups": string_list,
            "funds": string_list,
            "criteria": {
                "type": "object",
                "description": "Criterion id -> level.",
                "additionalProperties": {"type": "string", "enum": list(vocabularies["levels"].terms)},
            },
            "total_eur": nullable("number"),
            "eu_eur": nullable("number"),
            "co_financing_rate": nullable("number"),
        },
        "required": ["id", "title", "summary", "snippet", "score", "url", "country", "language"],
    }
    facet_value = {
        "type": "object",
        "properties": {
            "value": {"type": "string"},
            "label": {"type": "string"},
            "count": {
                "type": "integer",
                "minimum": 0,
                "description": "How many results there would be with this value also selected.",
            },
            "selected": {"type": "boolean"},
            "group": {"type": "string", "description": "For regions: the country."},
        },
        "required": ["value", "label", "count", "selected"],
        "additionalProperties": False,
    }
    values = {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}}
    results = {
        "type": "object",
        "properties": {
            "query": {"$ref": "#/components/schemas/Query"},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "suggestion": {**nullable("string"), "description": "A corrected query that finds more."},
            "notes": {**string_list, "description": "What was ignored or changed in the query, in words."},
            "corrected": {
                "type": "array",
                "description": "Each word the index did not know, and the word of the index also searched for.",
                "items": {
                    "type": "object",
                    "properties": {"word": {"type": "string"}, "as": {"type": "string"}},
                    "required": ["word", "as"],
                    "additionalProperties": False,
                },
            },
            "also_searched": {
                **string_list,
                "description": "Glossary labels searched besides the words: the concepts the query names, in other "
                "languages (scored below the words as typed).",
            },
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object",
                "properties": {f: values for f in FACETS},
                "required": list(FACETS),
                "additionalProperties": False,
            },
        },
        "required": [
            "query",
            "total",
            "page",
            "per_page",
            "suggestion",
            "notes",
            "corrected",
            "also_searched",
            "results",
            "facets",
        ],
        "additionalProperties": False,
    }
    error = {
        "type": "object",
        "properties": {
            "status": {"type": "integer"},
            "error": {"type": "string", "examples": ["not found"]},
            "message": {"type": "string"},
        },
        "required": ["status", "error", "message"],
        "additionalProperties": False,
    }
    return {"SearchResults": results, "Query": query, "Hit": hit, "FacetValue": facet_value, "Error": error}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def build_openapi(vocabularies: Vocabularies) -> dict[str, Any]:
    """The API's OpenAPI 3.1 document."""
    ref = lambda name: {"$ref": f"#/components/parameters/{name}"}
    search_parameters = [ref(n) for n in PARAMETER_NAMES]
    export_parameters = [ref(n) for n in PARAMETER_NAMES if n not in ("page", "per_page")]
    errors = {"400": _error("Bad request."), "503": _error("The search index is being prepared.")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "labb, the Integration Lab: API",
            "version": API_VERSION,
            "summary": "Search Europe's regional integration practices: results, facets, one practice, exports.",
            "description": "Read-only and open: no key, CORS allowed from any origin (without credentials). "
            "The same search as the web site. See /api for examples.",
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search practices: a page of results and every facet's counts.",
                    "description": "Several values of one facet combine with OR, facets with AND. A facet value's "
                    "count is the number of results one would get by also selecting it. The same "
                    "object as `labb search --json`.",
                    "parameters": search_parameters,
                    "responses": {
                        "200": {
                            "description": "Results and facets.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResults"}}},
                        },
                        **errors,
                        "400": _error(
                            "A parameter cannot be used: an unknown facet value or sort, or a page or "
                            "per_page that is not a whole number from 1. The message says which, with "
                            "the closest known value when there is one."
                        ),
                        "404": _error("There is no such page of results: the message names the last page."),
                    },
                }
            },
            "/api/practices/{id}": {
                "get": {
                    "operationId": "getPractice",
                    "summary": "One practice, with its derived values.",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "description": "The practice's id.",
                            "schema": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 100},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The practice.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Practice"}}},
                        },
                        "404": _error("There is no practice with this id."),
                        **errors,
                    },
                }
            },
            "/export.csv": {
                "get": {
                    "operationId": "exportCsv",
                    "summary": "Every result of a search as CSV (all pages).",
                    "description": "UTF-8 with a byte order mark (so spreadsheet programs read accents), a header "
                    "row, one row per practice; lists joined with `;`, criteria as "
                    "`criterion:level`. Text cells starting with `=`, `+`, `-` or `@` get a "
                    "leading `'` (spreadsheet formula injection).",
                    "parameters": export_parameters,
                    "responses": {
                        "200": {
                            "description": "The practices.",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        **errors,
                    },
                }
            },
            "/export.json": {
                "get": {
                    "operationId": "exportJson",
                    "summary": "Every result of a search as JSON (all pages).",
                    "parameters": export_parameters,
                    "responses": {
                        "200": {
                            "description": "The practices: the same rows as the CSV export.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Export"}}},
                        },
                        **errors,
                    },
                }
            },
            "/feed.atom": {
                "get": {
                    "operationId": "feed",
                    "summary": "Atom feed of the 50 most recently added practices.",
                    "responses": {
                        "200": {
                            "description": "An Atom feed.",
                            "content": {"application/atom+xml": {"schema": {"type": "string"}}},
                        },
                        **errors,
                    },
                }
            },
        },
        "components": {
            "parameters": _parameters(vocabularies),
            "schemas": {**_search_schemas(vocabularies), **_practice_schemas(vocabularies), **_export_schemas()},
        },
    }


def _export_schemas() -> dict[str, Any]:
    from .exports import COLUMNS

    strings = {"type": "array", "items": {"type": "string"}}
    types = {
        "dimensions": strings,
        "target_groups": strings,
        "funds": strings,
        "criteria": {"type": "object", "additionalProperties": {"type": "string"}},
        "total_eur": {"type": ["number", "null"]},
        "eu_eur": {"type": ["number", "null"]},
        "co_financing_rate": {"type": ["number", "null"]},
        "people_reached": {"type": ["integer", "null"]},
        "people_reached_year": {"type": ["integer", "null"]},
    }
    row = {
        "type": "object",
        "properties": {c: types.get(c, {"type": ["string", "null"]}) for c in COLUMNS},
        "required": list(COLUMNS),
        "additionalProperties": False,
    }
    return {
        "ExportRow": row,
        "Export": {
            "type": "object",
            "properties": {
                "query": {"type": "object"},
                "total": {"type": "integer", "minimum": 0},
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/ExportRow"}},
            },
            "required": ["query", "total", "results"],
        },
    }


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document, built once per app."""
    app = current_app
    if "labb.openapi" not in app.extensions:
        app.extensions["labb.openapi"] = build_openapi(vocabs())
    return app.extensions["labb.openapi"]
