"""A search: the query in, the results out."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from typing import Any, NamedTuple

from .practice import Practice

SORTS = ("relevance", "newest", "budget", "title")
_SPECIAL = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"})


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Pudasjärvi' -> 'pudasjarvi', 'ΈΝΤΑΞΗ' -> 'ενταξη'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SPECIAL)


def sort_key(text: str) -> str:
    """A title's sort key: case and accents ignored, leading punctuation skipped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return letters.lstrip(" \"'«»“”„‘’([¿¡-–—.")


@dataclass(frozen=True)
class Query:
    """One search: text, filters per facet (a set of values each), sort, page."""

    text: str = ""
    filters: Mapping[str, frozenset[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    lang: str = "en"
    exact: bool = False
    """Search the words only as typed: no neighbours for the ones the index does not know."""
    depth: int | None = None
    """Count a hierarchical facet's values down to this level only (selected values
    always): the search page's region tree stops at NUTS 2, a map colours every level.
    None: every level."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "q": self.text,
            **{k: sorted(v) for k, v in self.filters.items() if v},
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            "lang": self.lang,
            "exact": self.exact,
        }


@dataclass(frozen=True)
class QueryProblem:
    """A search parameter that cannot be used as given: an unknown facet or facet
    value, sort or page number. The command line turns it into exit 2, the API into
    a 400 (a page past the last into a 404), the search page into a note."""

    parameter: str
    """The URL parameter (`dimension`, `sort`, `page`...), or `facet` for an unknown facet name."""
    value: str
    message: str
    """What is wrong, as a clause: "`labour-markt` is not a known dimension"."""
    suggestion: str | None = None
    """The closest value that would work, for "did you mean"."""

    def __str__(self) -> str:
        """`labour-markt` is not a known dimension; did you mean `labour-market`?"""
        return self.message + (f"; did you mean `{self.suggestion}`?" if self.suggestion else "")

    @property
    def sentence(self) -> str:
        """The problem as a sentence of its own (an API error's `message`)."""
        text = str(self)
        return text[:1].upper() + text[1:] + ("" if text.endswith(("?", ".")) else ".")


def _english_list(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


class Note(str):
    """A remark on a search for its reader: what was ignored or changed, and why.

    A note is its English text, so the API and the command line use it as any
    string; the site says it in the reader's language from its parts, each an
    English message (the catalogues' msgid) with named values. A value that is a
    tuple is a list of words (`a`, `b` and `c` in English); a value that is a note
    is said in the reader's language too (the name of a filter)."""

    parts: tuple[tuple[str, dict[str, Any]], ...]

    def __new__(cls, message: str, **values: Any) -> Note:
        return cls.of((message, values))

    @classmethod
    def of(cls, *parts: tuple[str, dict[str, Any]]) -> Note:
        english = " ".join(message % _listed(values, _english_list) if values else message for message, values in parts)
        note = super().__new__(cls, english)
        note.parts = parts
        return note

    def __add__(self, other: object) -> Note:
        """Two notes as one: their sentences one after the other."""
        if not isinstance(other, Note):
            return NotImplemented
        return Note.of(*self.parts, *other.parts)

    def say(self, gettext: Any, join: Any = ", ".join) -> str:
        """The note in another language: `gettext` translates each message, `join` lists words."""
        return " ".join(
            gettext(message) % _listed(values, join, gettext) if values else gettext(message)
            for message, values in self.parts
        )


def _listed(values: dict[str, Any], join: Any, gettext: Any = None) -> dict[str, Any]:
    """The values as a message shows them: lists joined, and notes (a facet's name) translated."""
    return {
        k: join(v) if isinstance(v, tuple) else v.say(gettext, join) if gettext and isinstance(v, Note) else v
        for k, v in values.items()
    }


@dataclass(frozen=True)
class Segment:
    """A piece of a snippet; `hit` when it matched the query."""

    text: str
    hit: bool = False


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    title_lang: str
    summary: str
    summary_lang: str
    snippet: tuple[Segment, ...]
    score: float
    practice: Practice

    def as_dict(self) -> dict[str, Any]:
        p = self.practice
        funding = p.funding
        amounts = funding.model_dump(include={"total_eur", "eu_eur"}) if funding else {}
        return {
            "id": self.id,
            "title": self.title,
            "title_lang": self.title_lang,
            "summary": self.summary,
            "summary_lang": self.summary_lang,
            "snippet": "".join(f"<mark>{escape(s.text)}</mark>" if s.hit else escape(s.text) for s in self.snippet),
            "score": round(self.score, 4),
            "url": f"/practices/{self.id}",
            "country": p.country,
            "region": p.region,
            "language": p.language,
            "period": p.period.model_dump(mode="json", exclude_none=True),
            "dimensions": list(p.dimensions),
            "target_groups": list(p.target_groups),
            "funds": list(funding.funds) if funding else [],
            "criteria": {k: v.level for k, v in p.evaluation.items()},
            "total_eur": amounts.get("total_eur"),
            "eu_eur": amounts.get("eu_eur"),
            "co_financing_rate": funding.co_financing_rate if funding else None,
        }


class FacetValue(NamedTuple):
    """One value of a facet with its count among the results. A named tuple: a
    search page makes some 2,000 of them, and a tuple is made several times faster
    than a frozen dataclass."""

    value: str
    label: str
    count: int  # type: ignore[assignment]  # the field, not tuple.count
    selected: bool
    group: str | None = None
    """For regions: the country, so a page can group them."""

    def as_dict(self) -> dict[str, Any]:
        out = {"value": self.value, "label": self.label, "count": self.count, "selected": self.selected}
        if self.group:
            out["group"] = self.group
        return out


@dataclass(frozen=True)
class Results:
    query: Query
    total: int
    hits: tuple[Hit, ...]
    facets: Mapping[str, tuple[FacetValue, ...]]
    suggestion: str | None = None
    notes: tuple[str, ...] = ()
    """What was ignored or changed, as `Note`s (plain strings are said as they are)."""
    corrected: tuple[tuple[str, str], ...] = ()
    """(word as typed, the word also searched for) for each word the index did not know."""
    also_searched: tuple[str, ...] = ()
    """Glossary labels searched besides the words: the concepts the query names, in other languages."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def page_problem(self) -> QueryProblem | None:
        """The problem when the query asks for a page past the last (page 1 always exists)."""
        if self.query.page <= self.pages:
            return None
        return QueryProblem(
            "page", str(self.query.page), f"there is no page {self.query.page}; the last page is {self.pages}"
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract shared by `labb search --json` and /api/search."""
        return {
            "query": self.query.as_dict(),
            "total": self.total,
            "page": self.query.page,
            "per_page": self.query.per_page,
            "suggestion": self.suggestion,
            "notes": list(self.notes),
            "corrected": [{"word": word, "as": neighbour} for word, neighbour in self.corrected],
            "also_searched": list(self.also_searched),
            "results": [h.as_dict() for h in self.hits],
            "facets": {name: [v.as_dict() for v in values] for name, values in self.facets.items()},
        }
