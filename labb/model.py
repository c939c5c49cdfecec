"""labb's domain, in one place: a practice, a vocabulary, a problem found by the
validator, a search query and its results.

The practice model is strict (unknown keys are errors) and computes what can be
derived (EU co-financing rate, duration) instead of letting anyone type it.
Fields whose values come from a vocabulary carry an ``x-vocabulary`` marker in
their JSON Schema; the validator and ``labb schema`` read those markers, so the
mapping from fields to vocabularies is written once, here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, Mapping
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    PlainSerializer,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --------------------------------------------------------------------------
# Positions and problems

Loc = tuple[str | int, ...]
"""Where a value sits in a document: ("funding", "eu_eur"), ("dimensions", 2)."""


@dataclass(frozen=True, order=True)
class Mark:
    """A 1-based line and column in a file."""

    line: int
    column: int


Severity = Literal["error", "warning"]


def dotted(loc: Loc) -> str:
    """("sources", 0, "url") -> "sources[0].url"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or weak) in one file, with where and how to fix it."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    field: str
    message: str
    hint: str | None = None

    @classmethod
    def make(cls, severity: Severity, path: str, mark: Mark, code: str, loc: Loc,
             message: str, hint: str | None = None) -> "Problem":
        return cls(path, mark.line, mark.column, severity, code, dotted(loc), message, hint)

    @classmethod
    def error(cls, path: str, mark: Mark, code: str, loc: Loc, message: str,
              hint: str | None = None) -> "Problem":
        return cls.make("error", path, mark, code, loc, message, hint)

    @classmethod
    def warning(cls, path: str, mark: Mark, code: str, loc: Loc, message: str,
                hint: str | None = None) -> "Problem":
        return cls.make("warning", path, mark, code, loc, message, hint)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "line": self.line, "column": self.column,
            "severity": self.severity, "code": self.code, "field": self.field,
            "message": self.message, "hint": self.hint,
        }


# --------------------------------------------------------------------------
# Vocabularies


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: an id, its labels per language, and extras
    (a region's country and map point, a language's stemmer...)."""

    id: str
    label: Mapping[str, str]
    description: Mapping[str, str] = field(default_factory=dict)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def label_in(self, lang: str, fallback: str = "en") -> str:
        return self.label.get(lang) or self.label.get(fallback) or next(iter(self.label.values()), self.id)

    def description_in(self, lang: str, fallback: str = "en") -> str:
        return self.description.get(lang) or self.description.get(fallback) or ""


@dataclass(frozen=True)
class Vocabulary:
    """A named, ordered set of terms. Aliases map other spellings to an id
    (`EL` -> `GR`)."""

    name: str
    title: Mapping[str, str]
    terms: Mapping[str, Term]
    aliases: Mapping[str, str] = field(default_factory=dict)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and (value in self.terms or value in self.aliases)

    def __iter__(self):
        return iter(self.terms.values())

    def __len__(self) -> int:
        return len(self.terms)

    def canonical(self, value: str) -> str:
        return self.aliases.get(value, value)

    def get(self, value: str) -> Term | None:
        return self.terms.get(self.canonical(value))

    def label(self, value: str, lang: str = "en") -> str:
        term = self.get(value)
        return term.label_in(lang) if term else value

    def suggest(self, value: object) -> str | None:
        """The closest id, for "did you mean"."""
        if not isinstance(value, str):
            return None
        candidates = list(self.terms) + list(self.aliases)
        lowered = {c.lower(): c for c in candidates}
        if value.lower() in lowered:
            return lowered[value.lower()]
        match = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
        return lowered[match[0]] if match else None


# --------------------------------------------------------------------------
# A practice


def vocab(name: str) -> Any:
    """Field metadata: this value is an id from the vocabulary `name`."""
    return Field(json_schema_extra={"x-vocabulary": name})


def euros(amount: float) -> str:
    """1090474.0 -> "EUR 1,090,474"; 12.5 -> "EUR 12.50"."""
    return f"EUR {amount:,.0f}" if float(amount).is_integer() else f"EUR {amount:,.2f}"


def _to_date(value: Any) -> Any:
    if isinstance(value, datetime):
        raise PydanticCustomError("invalid-date", "must be a date without a time, written YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("invalid-date", "`{value}` is not a date written YYYY-MM-DD", {"value": value})


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname \
            or any(c.isspace() for c in value):
        raise PydanticCustomError(
            "invalid-url", "`{value}` is not a web address starting with https:// or http://",
            {"value": value},
        )
    return value


Day = Annotated[date, BeforeValidator(_to_date), Field(json_schema_extra={"format": "date"})]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
Slug = Annotated[str, StringConstraints(pattern=f"^{SLUG}$", min_length=3, max_length=80)]
Url = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_check_url)]
Money = Annotated[
    float,
    Field(ge=0, allow_inf_nan=False),
    PlainSerializer(lambda v: int(v) if float(v).is_integer() else v, return_type=int | float),
]
"""An amount in euros; written as a plain number (1090474 or 1090474.50)."""
Text = Annotated[
    dict[str, Annotated[str, StringConstraints(min_length=1, max_length=20_000)]],
    Field(min_length=1, json_schema_extra={"x-vocabulary-keys": "languages", "x-text": True}),
]
"""A text in one or more languages: {fi: "...", en: "..."}."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Period(Strict):
    start: Day
    end: Day | None = None
    status: Annotated[str, vocab("statuses")]

    @model_validator(mode="after")
    def _end_after_start(self) -> "Period":
        if self.end is not None and self.end < self.start:
            raise PydanticCustomError(
                "date-order", "the end ({end}) is before the start ({start})",
                {"end": self.end.isoformat(), "start": self.start.isoformat()},
            )
        return self


class RegionalRole(Strict):
    type: Annotated[str, vocab("roles")]
    detail: Text | None = None


class Organisations(Strict):
    lead: Line
    partners: list[Line] = []
    managing_authority: Line | None = None


class Funding(Strict):
    funds: list[Annotated[str, vocab("funds")]] = Field(min_length=1)
    programme: Line | None = None
    programming_period: Annotated[str, StringConstraints(pattern=r"^(19|20)\d\d-(19|20)\d\d$")] | None = None
    total_eur: Money | None = None
    eu_eur: Money | None = None

    @model_validator(mode="after")
    def _eu_within_total(self) -> "Funding":
        if self.total_eur is not None and self.eu_eur is not None and self.eu_eur > self.total_eur:
            raise PydanticCustomError(
                "budget-exceeds", "the EU contribution ({eu}) is larger than the total budget ({total})",
                {"eu": euros(self.eu_eur), "total": euros(self.total_eur)},
            )
        return self

    @computed_field
    @property
    def co_financing_rate(self) -> float | None:
        """EU contribution / total budget, 0-1, derived."""
        if self.total_eur and self.eu_eur is not None:
            return round(self.eu_eur / self.total_eur, 4)
        return None


class CriterionAssessment(Strict):
    level: Annotated[str, vocab("levels")]
    inspiring: Text | None = None
    improvement: Text | None = None


class Assessment(Strict):
    by: Line
    date: Day


class Source(Strict):
    url: Url
    title: Line
    seen: Day | None = None


class Practice(Strict):
    """One integration practice, as an editor writes it in `practices/`."""

    id: Slug
    title: Text
    summary: Text
    description: Text | None = None
    language: Annotated[str, vocab("languages")]
    country: Annotated[str, vocab("countries")]
    region: Annotated[str, vocab("regions")] | None = None
    scope: Annotated[str, vocab("scopes")]
    places: list[Line] = []
    period: Period
    dimensions: list[Annotated[str, vocab("dimensions")]] = Field(min_length=1)
    target_groups: list[Annotated[str, vocab("target_groups")]] = Field(min_length=1)
    indicators: list[Annotated[str, vocab("indicators")]] = []
    regional_role: RegionalRole
    organisations: Organisations
    funding: Funding | None = None
    evaluation: Annotated[
        dict[str, CriterionAssessment], Field(json_schema_extra={"x-vocabulary-keys": "criteria"})
    ] = {}
    assessment: Assessment | None = None
    lessons_learnt: Text | None = None
    transferability: Text | None = None
    challenges: Text | None = None
    sources: list[Source] = Field(min_length=1)
    added: Day
    reviewed: Day | None = None

    @model_validator(mode="after")
    def _region_for_scope(self) -> "Practice":
        if self.region is None and self.scope in ("local", "regional"):
            raise PydanticCustomError(
                "missing-region", "a {scope} practice needs a `region` (a NUTS code)",
                {"scope": self.scope},
            )
        return self

    @computed_field
    @property
    def duration_months(self) -> int | None:
        """Whole months from start to end, derived."""
        if self.period.end is None:
            return None
        start, after = self.period.start, self.period.end + timedelta(days=1)
        months = (after.year - start.year) * 12 + after.month - start.month
        return months - (1 if after.day < start.day else 0)

    def text(self, name: str, lang: str) -> tuple[str, str] | None:
        """A text field in `lang`, else English, else the original: (language, text)."""
        return pick_text(getattr(self, name), lang, self.language)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready data, as the API gives it: absent fields left out, derived values in."""
        return self.model_dump(mode="json", exclude_none=True)

    def stored(self) -> dict[str, Any]:
        """What the index keeps of the practice: what the editor wrote, nothing derived."""
        return self.model_dump(mode="json", exclude_none=True, exclude=_DERIVED)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> "Practice":
        """The practice again from `stored()` data: absent fields are None or empty, never missing."""
        return cls.model_validate(data)


_DERIVED: Any = {"duration_months": True, "funding": {"co_financing_rate"}}
"""The computed fields, which `stored()` leaves out and the model computes again."""


def pick_text(texts: Mapping[str, str] | None, lang: str, original: str) -> tuple[str, str] | None:
    """The reader's language, else English, else the original, else any: (language, text)."""
    if not texts:
        return None
    for candidate in (lang, "en", original):
        if candidate in texts:
            return candidate, texts[candidate]
    first = next(iter(texts))
    return first, texts[first]


# --------------------------------------------------------------------------
# Search: a query in, results out

FACETS = ("region", "country", "dimension", "criterion", "target_group", "indicator", "fund",
          "language", "role", "period")
"""The facets, named as their URL parameters."""
FACET_VOCABULARY = {
    "region": "regions", "country": "countries", "dimension": "dimensions", "criterion": "criteria",
    "target_group": "target_groups", "indicator": "indicators", "fund": "funds",
    "language": "languages", "role": "roles",
}
SORTS = ("relevance", "newest", "budget", "title")
PROGRAMMING_PERIODS = ((2000, 2006), (2007, 2013), (2014, 2020), (2021, 2027), (2028, 2034))


def period_bucket(start: date) -> str:
    """The EU programming period a practice started in: the `period` facet."""
    for first, last in PROGRAMMING_PERIODS:
        if first <= start.year <= last:
            return f"{first}-{last}"
    return "before-2000" if start.year < 2000 else "after-2034"


def criterion_values(practice: "Practice") -> list[str]:
    """`innovation` and `innovation:strong` for each assessed criterion."""
    out = []
    for criterion, assessment in practice.evaluation.items():
        out += [criterion, f"{criterion}:{assessment.level}"]
    return out


def sort_key(text: str) -> str:
    """A title's sort key: case and accents ignored, leading punctuation skipped."""
    import unicodedata

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

    def as_dict(self) -> dict[str, Any]:
        return {"q": self.text, **{k: sorted(v) for k, v in self.filters.items() if v},
                "sort": self.sort, "page": self.page, "per_page": self.per_page, "lang": self.lang}


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

    def note(self, outcome: str) -> str:
        """The problem as a note on a page that went on without the value: `outcome`
        says how ("it was ignored")."""
        hint = f" (did you mean `{self.suggestion}`?)" if self.suggestion else ""
        return f"{self.message[:1].upper()}{self.message[1:]}{hint}; {outcome}."


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
        from html import escape

        p = self.practice
        funding = p.funding
        amounts = funding.model_dump(include={"total_eur", "eu_eur"}) if funding else {}
        return {
            "id": self.id, "title": self.title, "title_lang": self.title_lang,
            "summary": self.summary, "summary_lang": self.summary_lang,
            "snippet": "".join(f"<mark>{escape(s.text)}</mark>" if s.hit else escape(s.text) for s in self.snippet),
            "score": round(self.score, 4), "url": f"/practices/{self.id}",
            "country": p.country, "region": p.region, "language": p.language,
            "period": p.period.model_dump(mode="json", exclude_none=True), "dimensions": list(p.dimensions),
            "target_groups": list(p.target_groups),
            "funds": list(funding.funds) if funding else [],
            "criteria": {k: v.level for k, v in p.evaluation.items()},
            "total_eur": amounts.get("total_eur"), "eu_eur": amounts.get("eu_eur"),
            "co_financing_rate": funding.co_financing_rate if funding else None,
        }


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def page_problem(self) -> QueryProblem | None:
        """The problem when the query asks for a page past the last (page 1 always exists)."""
        if self.query.page <= self.pages:
            return None
        return QueryProblem("page", str(self.query.page),
                            f"there is no page {self.query.page}; the last page is {self.pages}")

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract shared by `labb search --json` and /api/search."""
        return {
            "query": self.query.as_dict(), "total": self.total, "page": self.query.page,
            "per_page": self.query.per_page, "suggestion": self.suggestion, "notes": list(self.notes),
            "results": [h.as_dict() for h in self.hits],
            "facets": {name: [v.as_dict() for v in values] for name, values in self.facets.items()},
        }
