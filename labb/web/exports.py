"""Exports of any search: /export.csv, /export.json, and the Atom feed of new practices.

An export takes the same parameters as the search page and returns every result
(no page limit), in the search's order, streamed: the order is computed once,
on one generation of the index, and the practices are read and written in
batches, so memory stays flat however many practices match.

The CSV is UTF-8 with a byte order mark: without it, spreadsheet programs guess
a legacy code page and garble accents (Pudasjärvi, Κοινωνική). Text cells that
start with `=`, `+`, `-` or `@` get a leading `'` so no spreadsheet runs them
as formulas.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, request, stream_with_context, url_for

from ..facets import FACETS
from ..model import Practice, Query
from ..search import parse_params
from .i18n import current
from .i18n import gettext as _
from .pages import EDITORS, describe, feed_url
from .views import error_response, request_params, searcher, vocabs

bp = Blueprint("exports", __name__)

COLUMNS = (
    "id",
    "title_en",
    "title_original",
    "original_language",
    "country",
    "region",
    "scope",
    "start",
    "end",
    "status",
    "date_precision",
    "dimensions",
    "target_groups",
    "criteria",
    "funds",
    "total_eur",
    "eu_eur",
    "co_financing_rate",
    "currency",
    "project_code",
    "beneficiary_type",
    "people_reached",
    "people_reached_year",
    "website",
    "url",
)
"""One row per practice, in this order (the CSV header; the JSON export's keys)."""
BATCH = 100
FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# -- every result of a search ------------------------------------------------------


def row(p: Practice, base_url: str) -> dict[str, Any]:
    """One practice as an export row (lists and numbers as they are; the CSV joins them)."""
    funding = p.funding.model_dump(mode="json") if p.funding else {}
    order = list(vocabs()["criteria"].terms)
    criteria = sorted(p.evaluation, key=lambda c: order.index(c) if c in order else len(order))
    return {
        "id": p.id,
        "title_en": p.title.get("en"),
        "title_original": p.title_in(p.language)[1],
        "original_language": p.language,
        "country": p.country,
        "region": p.region,
        "scope": p.scope,
        "start": p.period.start.isoformat(),
        "end": p.period.end.isoformat() if p.period.end else None,
        "status": p.period.status,
        "date_precision": p.period.precision,
        "dimensions": list(p.dimensions),
        "target_groups": list(p.target_groups),
        "criteria": {c: p.evaluation[c].level for c in criteria},
        "funds": funding.get("funds", []),
        "total_eur": funding.get("total_eur"),
        "eu_eur": funding.get("eu_eur"),
        "co_financing_rate": funding.get("co_financing_rate"),
        "currency": funding.get("currency"),
        "project_code": funding.get("project_code"),
        "beneficiary_type": p.beneficiary_type,
        "people_reached": p.reach.people if p.reach else None,
        "people_reached_year": p.reach.year if p.reach else None,
        "website": p.website,
        "url": f"{base_url}/practices/{p.id}",
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ";".join(f"{k}:{v}" for k, v in value.items())
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA) else value
    return str(value)


def _export_query(query: Query) -> dict[str, Any]:
    described = query.as_dict()
    described.pop("page", None)
    described.pop("per_page", None)
    return described


def _search() -> tuple[Query, int, Iterator[Practice], str]:
    query, problems = parse_params(request_params(), vocabs())
    problems = [p for p in problems if p.parameter not in ("page", "per_page")]  # an export has no pages
    if problems:  # as /api/search: a 400 with the JSON error object the API description gives
        from flask import abort

        abort(error_response(400, " ".join(p.sentence for p in problems[:10])))
    total, practices = searcher().ordered(query)  # before streaming: a missing index is a clean 503
    return query, total, practices, request.host_url.rstrip("/")


def _download(body: Iterator[str], content_type: str, filename: str) -> Response:
    response = Response(stream_with_context(body), content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/export.csv")
def export_csv():
    _, _, practices, base = _search()

    def body() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(COLUMNS)
        for n, p in enumerate(practices, 1):
            values = row(p, base)
            writer.writerow([_cell(values[c]) for c in COLUMNS])
            if n % BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return _download(body(), "text/csv; charset=utf-8", "labb-practices.csv")


@bp.route("/export.json")
def export_json():
    query, total, practices, base = _search()

    def body() -> Iterator[str]:
        head = json.dumps({"query": _export_query(query), "total": total}, ensure_ascii=False)
        yield head[:-1] + ', "results": ['
        for n, p in enumerate(practices):
            yield ("," if n else "") + "\n" + json.dumps(row(p, base), ensure_ascii=False)
        yield "\n]}\n"

    return _download(body(), "application/json; charset=utf-8", "labb-practices.json")


# -- the Atom feed of new practices ------------------------------------------------------


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


@bp.route("/feed.atom")
def feed():
    """The newest practices of a search: the search page's words and filters, in the
    reader's language (`?lang=`); without them, of every practice."""
    params = request_params()
    query, problems = parse_params(params, vocabs())
    problems = [p for p in problems if p.parameter not in ("page", "per_page", "sort")]
    if problems:
        return error_response(400, " ".join(p.sentence for p in problems[:10]))
    lang = current()
    base = request.host_url.rstrip("/")
    filtered = bool(query.text.strip() or any(query.filters.values()))
    entries = searcher().recently_added(FEED_SIZE, query if filtered else None)
    state = {k: v for k, v in params.items() if k == "q" or k in FACETS}
    self_url = base + feed_url(state)
    language: dict[str, Any] = {"lang": lang} if lang != "en" else {}
    search_url = base + url_for("pages.search", **{**state, "sort": "newest", **language})
    # Unqualified names under a default namespace declared on the root: plain Atom markup.
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: lang})

    def add(parent, tag: str, text: str | None = None, **attrs: str):
        element = ET.SubElement(parent, tag, attrs)
        if text is not None:
            element.text = _text(text)
        return element

    add(root, "id", f"urn:labb:feed:{self_url.removeprefix(base)}" if filtered else "urn:labb:feed:new-practices")
    title = _("labb, the Integration Lab: new practices")
    add(root, "title", f"{title}: {describe(searcher().search(replace(query, per_page=1)))}" if filtered else title)
    add(root, "subtitle", _("The most recently added integration practices of Europe's regions."))
    updated = max((p.reviewed or p.added for p in entries), default=None)
    add(root, "updated", _stamp(updated) if updated else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    add(root, "link", rel="self", type="application/atom+xml", href=self_url)
    add(root, "link", rel="alternate", type="text/html", href=search_url)
    author = add(root, "author")
    add(author, "name", _(EDITORS))
    add(root, "generator", "labb")
    for p in entries:
        entry = add(root, "entry")
        title_lang, title = p.title_in(lang)
        summary_lang, summary = p.summary_in(lang)
        add(entry, "id", f"urn:labb:practice:{p.id}")
        add(entry, "title", title, type="text", **{XML_LANG: title_lang})
        add(entry, "link", rel="alternate", type="text/html", href=f"{base}/practices/{p.id}")
        add(entry, "published", _stamp(p.added))
        add(entry, "updated", _stamp(p.reviewed or p.added))
        add(entry, "summary", summary, type="text", **{XML_LANG: summary_lang})
        for dimension in p.dimensions:
            add(
                entry,
                "category",
                term=dimension,
                scheme=f"{base}/?dimension=",
                label=vocabs()["dimensions"].label(dimension, lang),
            )
    xml = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
    return Response(xml, mimetype="application/atom+xml", headers={"Cache-Control": "public, max-age=600"})
