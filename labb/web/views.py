"""What every page, API endpoint and export shares: the app's searcher and
vocabularies, the request's parameters read safely, JSON responses, and the
small pieces of data templates lay out (links, texts in the reader's language)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, NamedTuple

from flask import Response, current_app, request
from markupsafe import Markup, escape

from .. import markup
from ..model import pick_text
from ..search import Searcher
from ..vocab import Vocabularies
from .i18n import current

JSON_TYPE = "application/json; charset=utf-8"
MESSAGES = {
    400: "The request could not be understood.",
    404: "There is nothing at this address.",
    405: "This address only answers GET (and OPTIONS).",
    500: "Something went wrong on our side; please try again later.",
    503: "The search index is being prepared; please try again in a minute.",
}
"""What a JSON error says, per status, unless the endpoint says more."""


def searcher() -> Searcher:
    return current_app.extensions["labb.searcher"]


def vocabs() -> Vocabularies:
    return current_app.extensions["labb.vocabs"]


def request_params() -> dict[str, list[str]]:
    """The query string as lists, with every value bounded and free of control characters."""
    params: dict[str, list[str]] = {}
    for key in request.args:
        values = [v.replace("\x00", "")[:1000] for v in request.args.getlist(key)[:50]]
        params[key[:50]] = values
    return params


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """JSON as UTF-8 text (accents as they are, not as \\u escapes)."""
    return Response(
        json.dumps(data, ensure_ascii=False), status=status, headers=dict(headers or {}), content_type=JSON_TYPE
    )


def error_response(status: int, message: str | None = None, headers: Mapping[str, str] | None = None) -> Response:
    """`{"status", "error", "message"}`, the shape of every error under /api/."""
    return json_response(
        {
            "status": status,
            "error": HTTPStatus(status).phrase.lower(),
            "message": message or MESSAGES.get(status) or HTTPStatus(status).description,
        },
        status,
        headers,
    )


class Link(NamedTuple):
    """A link with its text, and for a facet value its count and whether it is selected
    (a named tuple: a search page makes hundreds)."""

    label: str
    url: str
    count: int | None = None  # type: ignore[assignment]  # the field, not tuple.count
    selected: bool = False
    value: str = ""


def label(kind: str, value: str) -> str:
    """A vocabulary term's label in the reader's language."""
    return vocabs()[kind].label(value, current())


_ESCAPED: dict[tuple[str, str, str], str] = {}


def escaped_label(kind: str, value: str, lang: str) -> str:
    """A vocabulary term's label in `lang`, escaped for HTML (kept: the vocabularies
    never change while the site runs; a search page writes hundreds)."""
    key = (kind, value, lang)
    found = _ESCAPED.get(key)
    if found is None:
        found = _ESCAPED[key] = str(escape(vocabs()[kind].label(value, lang)))
    return found


def rich(texts: Mapping[str, str] | None, lang: str, original: str) -> dict[str, Any] | None:
    """A Markdown text in `lang` (else English, else the original), as safe HTML."""
    picked = pick_text(texts, lang, original)
    if picked is None:
        return None
    text_lang, text = picked
    return {"lang": text_lang, "html": Markup(markup.to_html(text))}


def plain(texts: Mapping[str, str] | None, lang: str, original: str) -> dict[str, str] | None:
    """A plain text in `lang` (else English, else the original)."""
    picked = pick_text(texts, lang, original)
    return {"lang": picked[0], "text": picked[1]} if picked else None
