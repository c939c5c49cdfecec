"""The JSON API: /api/search, /api/practices/<id>, /api/openapi.json, and the /api page.

`/api/search` answers exactly what `labb search --json` prints for the same
parameters (both are `Searcher.search` of what `parse_params` read, as_dict()), and
refuses what it refuses (a 400 or 404 for its exit 2). Every response
under /api/ is JSON, errors included: `{"status", "error", "message"}`. The API,
the exports and the feed are open to other origins (CORS, no credentials): the
data is public, and partners build on it from their own pages.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup, escape

from ..search import MAX_PER_PAGE, NoIndex, parse_params, run
from .openapi import PARAMETER_NAMES, openapi_document
from .views import error_response, json_response, request_params, searcher, vocabs

bp = Blueprint("api", __name__)

CORS_PREFIXES = ("/api/", "/export.", "/feed.atom")
"""Paths other sites may read from their pages (GET only, no credentials)."""


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
    parameters = [_parameter_row(doc["components"]["parameters"][name]) for name in PARAMETER_NAMES]
    return render_template(
        "api.html",
        parameters=parameters,
        examples=_examples(),
        columns=COLUMNS,
        feed_size=FEED_SIZE,
        max_per_page=MAX_PER_PAGE,
        host=request.host_url.rstrip("/"),
    )


def _code(text: str) -> Markup:
    """`x` -> <code>x</code>, everything escaped."""
    parts = text.split("`")
    return Markup("").join(Markup("<code>%s</code>") % part if i % 2 else escape(part) for i, part in enumerate(parts))


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
        bounds = [
            f"from {item['minimum']}" if "minimum" in item else "",
            f"to {item['maximum']}" if "maximum" in item else "",
        ]
        values = Markup(" ".join(b for b in bounds if b))
    if "default" in item:
        values = values + _code(f"; default `{item['default']}`") if values else _code(f"default `{item['default']}`")
    return {
        "name": parameter["name"],
        "type": kind + (", repeatable" if repeatable else ""),
        "allowed": values,
        # The page says once, above the table, how repeated values and unknown values work.
        "description": _code(parameter.get("description", "").split(" Repeat the parameter")[0]),
    }


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
    dump = lambda data: json.dumps(_short(data), ensure_ascii=False, indent=2)
    return {
        "id": first,
        "search": dump(results),
        "practice": dump({**(practice.as_json() if practice else {}), "url": f"/practices/{first}"}),
    }


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
