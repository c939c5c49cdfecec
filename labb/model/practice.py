"""A practice, as an editor writes it in `practices/`.

The model is strict (unknown keys are errors) and computes what can be derived
(EU co-financing rate, duration) instead of letting anyone type it. Fields whose
values come from a vocabulary carry an ``x-vocabulary`` marker in their JSON
Schema; the validator and ``labb schema`` read those markers, so the mapping from
fields to vocabularies is written once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    computed_field,
    model_validator,
)
from pydantic_core import PydanticCustomError


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
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "." not in parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise PydanticCustomError(
            "invalid-url",
            "`{value}` is not a web address starting with https:// or http://",
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
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 currency code: SEK, CZK, PLN."""
Year = Annotated[int, Field(ge=1950, le=2100)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)]
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
    precision: Annotated[str, vocab("precisions")] = "day"
    """How precisely the sources date the period: `day`, `month` (dates on the 1st and the
    last day of the month) or `year` (January 1 and December 31)."""

    @model_validator(mode="after")
    def _end_after_start(self) -> Period:
        if self.end is not None and self.end < self.start:
            raise PydanticCustomError(
                "date-order",
                "the end ({end}) is before the start ({start})",
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


class OriginalAmount(Strict):
    """Amounts as the sources state them, in `funding.currency`."""

    total: Money | None = None
    eu: Money | None = None


class Conversion(Strict):
    """How amounts in another currency were converted to euros."""

    rate: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    """Units of the currency for one euro (e.g. the ECB reference rate)."""
    date: Day
    """The day of the rate used."""
    source: Url | None = None


class StatedAmount(Strict):
    """An amount a source states that is not the practice's total or EU share: a yearly
    budget, one phase's or one partner's, a grant to a part of the practice."""

    amount: Money
    currency: Currency = "EUR"
    covers: Text
    """What the amount pays for, and for which period: {en: "the 2023 budget"}."""
    year: Year | None = None
    source: Url
    """The address of one of the practice's sources that gives the amount."""


class Funding(Strict):
    funds: list[Annotated[str, vocab("funds")]] = Field(min_length=1)
    programme: Line | None = None
    programming_period: Annotated[str, StringConstraints(pattern=r"^(19|20)\d\d-(19|20)\d\d$")] | None = None
    total_eur: Money | None = None
    eu_eur: Money | None = None
    currency: Currency | None = None
    """The currency the sources state the amounts in, when it is not the euro."""
    original_amount: OriginalAmount | None = None
    conversion: Conversion | None = None
    project_code: Line | None = None
    """The programme's reference for the project (a CCI number or a project code)."""
    other_amounts: list[StatedAmount] = []
    """Amounts the sources state that are not the total or the EU share."""

    @model_validator(mode="after")
    def _eu_within_total(self) -> Funding:
        if self.total_eur is not None and self.eu_eur is not None and self.eu_eur > self.total_eur:
            raise PydanticCustomError(
                "budget-exceeds",
                "the EU contribution ({eu}) is larger than the total budget ({total})",
                {"eu": euros(self.eu_eur), "total": euros(self.total_eur)},
            )
        return self

    @computed_field  # type: ignore[prop-decorator]
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
    """How the practice could do better on this criterion."""
    evidence_gaps: Text | None = None
    """What the sources do not show, which limits the assessment."""


class Assessment(Strict):
    by: Line
    date: Day


class Source(Strict):
    url: Url
    title: Line
    seen: Day | None = None


class Figure(Strict):
    """One measured result: 1,350 people from 72 countries used the centre in 2012."""

    indicator: Line
    """What was counted or measured."""
    value: Annotated[float, Field(allow_inf_nan=False)]
    unit: Line | None = None
    year: Year
    source: Url
    """The address of one of the practice's sources that gives the figure."""


class Outcomes(Strict):
    """What the practice achieved: a text and measured figures."""

    text: Text | None = None
    figures: list[Figure] = []


class Reach(Strict):
    """How many people the practice reached, by a source's count."""

    people: Annotated[int, Field(ge=0)]
    year: Year
    source: Url
    """The address of one of the practice's sources that gives the number."""
    note: Text | None = None
    """What is counted (participants, clients, households...)."""


class Contact(Strict):
    """How to reach the organisation running the practice: never a private person."""

    organisation: Line
    email: Email | None = None
    """A functional address (info@, integration@), not a person's."""
    phone: Line | None = None
    address: Line | None = None
    url: Url | None = None


class Practice(Strict):
    """One integration practice, as an editor writes it in `practices/`."""

    id: Slug
    title: Text
    summary: Text
    description: Text | None = None
    objectives: Text | None = None
    results: Outcomes | None = None
    reach: Reach | None = None
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
    beneficiary_type: Annotated[str, vocab("beneficiary_types")] | None = None
    """The kind of organisation that receives the funds and runs the practice."""
    website: Url | None = None
    contact: Contact | None = None
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
    def _region_for_scope(self) -> Practice:
        if self.region is None and self.scope in ("local", "regional"):
            raise PydanticCustomError(
                "missing-region",
                "a {scope} practice needs a `region` (a NUTS code)",
                {"scope": self.scope},
            )
        return self

    @computed_field  # type: ignore[prop-decorator]
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

    def title_in(self, lang: str) -> tuple[str, str]:
        """The title in `lang`, else English, else the original: (language, title)."""
        return pick_text(self.title, lang, self.language) or (self.language, self.id)

    def summary_in(self, lang: str) -> tuple[str, str]:
        """The summary in `lang`, else English, else the original: (language, summary)."""
        return pick_text(self.summary, lang, self.language) or (self.language, "")

    def as_json(self) -> dict[str, Any]:
        """JSON-ready data, as the API gives it: absent fields left out, derived values in."""
        return self.model_dump(mode="json", exclude_none=True)

    def stored(self) -> dict[str, Any]:
        """What the index keeps of the practice: what the editor wrote, nothing derived."""
        return self.model_dump(mode="json", exclude_none=True, exclude=_DERIVED)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Practice:
        """The practice again from `stored()` data: absent fields are None or empty, never missing."""
        return cls.model_validate(data)

    @classmethod
    def from_stored_json(cls, data: bytes) -> Practice:
        """`from_stored` for the JSON text of `stored()` (parsed by pydantic's own
        parser: a tenth faster than `json.loads` and then `from_stored`)."""
        return cls.model_validate_json(data)


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
