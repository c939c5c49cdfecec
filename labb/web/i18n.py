"""The interface in the readers' languages.

The language comes from `?lang=` when given (and then stays in every link, so a
shared URL keeps it), else from the browser's Accept-Language, else English.
Catalogs are gettext `.po` files in `labb/web/translations/<lang>/LC_MESSAGES/`,
compiled in memory when first needed; dates and amounts are formatted with
Babel for the chosen locale.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations
from flask import Flask, g, request, url_for

from ..model import Note
from ..vocab import LABEL_LANGUAGES

LANGUAGES = LABEL_LANGUAGES
"""The interface languages: the ten the vocabularies carry labels in."""
TRANSLATIONS = Path(__file__).with_name("translations")


@cache
def translations(lang: str) -> NullTranslations:
    po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not po.is_file():
        return NullTranslations()
    with open(po, "rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


_LANG: ContextVar[str] = ContextVar("labb_lang", default="en")
"""The reader's language, set when a request starts (read hundreds of times a page:
a context variable costs a tenth of Flask's `g`)."""


def current() -> str:
    return _LANG.get()


def gettext(message: str, **values) -> str:
    text = translations(current()).gettext(message)
    return text % values if values else text


def say(note: str) -> str:
    """A search's note in the reader's language (a plain string as it is)."""
    if not isinstance(note, Note):
        return note
    return note.say(gettext, lambda words: format_list(list(words), locale=current()))


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    text = translations(current()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def choose() -> str:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        g.lang_in_url = True
        return asked
    g.lang_in_url = False
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def long_date(value: str | date | None, precision: str = "day") -> str | None:
    """A date as the reader's language writes it, only as precise as `precision`
    (`day`: 3 March 2020, `month`: March 2020, `year`: 2020)."""
    if not value:
        return None
    day = date.fromisoformat(value) if isinstance(value, str) else value
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return format_date(day, format="LLLL y", locale=current())
    return format_date(day, format="long", locale=current())


def money(amount: float | None, currency: str = "EUR") -> str | None:
    """EUR 1090474 -> "€1,090,474" (en), "1 090 474 €" (fr): whole amounts without cents."""
    if amount is None:
        return None
    if not float(amount).is_integer():
        return format_currency(amount, currency, locale=current())
    pattern = Locale.parse(current()).currency_formats["standard"].pattern.split(";")[0]
    return format_currency(amount, currency, format=pattern.replace(".00", ""), locale=current(), currency_digits=False)


def number(value: float) -> str:
    return format_decimal(value, locale=current())


def percent(value: float) -> str:
    return format_percent(value, format="#,##0.0 %", locale=current())


@cache
def language_name(lang: str) -> str:
    return (Locale.parse(lang).get_display_name(lang) or lang).capitalize()


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]

    @app.before_request
    def _language() -> None:
        g.lang = choose()
        _LANG.set(g.lang)

    @app.url_defaults
    def _keep_language(endpoint: str, values: dict) -> None:
        # A language chosen in the URL stays in every link the app builds.
        if endpoint != "static" and g.get("lang_in_url") and "lang" not in values:
            values["lang"] = g.lang

    @app.after_request
    def _vary(response):
        response.headers.add("Vary", "Accept-Language")
        response.headers["Content-Language"] = current()
        return response

    @app.context_processor
    def _helpers() -> dict:
        return {
            "lang": current(),
            "languages_menu": _menu(),
            "long_date": long_date,
            "money": money,
            "number": number,
            "percent": percent,
        }


def _menu() -> list[dict]:
    """The same page in each language: built with url_for, from bounded parameters,
    so it never echoes a hostile path or an unbounded query string."""
    endpoint = request.endpoint if request.url_rule is not None else None
    view_args: dict[str, Any] = {}
    args: dict[str, Any] = {}
    if endpoint is None or endpoint == "static":
        endpoint = "pages.search"
    else:
        view_args = dict(request.view_args or {})
        args = {
            k[:50]: [v[:1000] for v in request.args.getlist(k)[:50]] for k in list(request.args)[:50] if k != "lang"
        }
    # Routed once: `lang` is the last parameter, so each language's address is that one
    # with the language's code in place of the marker.
    before, marker, after = url_for(endpoint, **view_args, **args, lang=_MARKER).rpartition(_MARKER)

    def address(code: str) -> str:
        return f"{before}{code}{after}" if marker else url_for(endpoint, **view_args, **args, lang=code)

    return [
        {"code": code, "name": language_name(code), "current": code == current(), "url": address(code)}
        for code in LANGUAGES
    ]


_MARKER = "xxlangxx"
