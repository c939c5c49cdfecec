"""The facets: every way to filter practices, defined once.

A `Facet` says how a practice's values are read, which vocabulary names them,
how several selected values combine, how values are labelled and ordered, and
what the search page and the API call it. The index (one keyword field per
facet), the search (bitmaps, counts, "did you mean"), the pages (titles, chips),
the API (parameters and the OpenAPI document) and the command line
(`--filter NAME=VALUE`) all read this registry: adding a facet is one entry in
`REGISTRY` plus its labels in the translation catalogues.

Selected values combine with OR within a facet and with AND across facets. A
facet may split itself into several such groups (`group_key`): each evaluation
criterion is a group of its own, so `innovation:strong` and
`sustainability:strong` means both, while two levels of one criterion mean either.

A facet may index more values than a practice names (`Facet.indexed`): a region is
indexed with every region above it (FI1D9 also as FI1D, FI1 and FI), so selecting
a NUTS 1 or 2 region, or a country's level-0 code, finds the practices of every
region under it through the same bitmaps, and its count obeys the same rule.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import vocab
from .model import FacetValue, Practice, fold
from .vocab import Vocabularies


def N_(message: str) -> str:
    """Marks a message for translation; translated where it is shown."""
    return message


PROGRAMMING_PERIODS = ((2000, 2006), (2007, 2013), (2014, 2020), (2021, 2027), (2028, 2034))
"""The EU's programming periods, for the `period` facet."""


def period_bucket(start: date) -> str:
    """The EU programming period a practice started in: the `period` facet."""
    for first, last in PROGRAMMING_PERIODS:
        if first <= start.year <= last:
            return f"{first}-{last}"
    return "before-2000" if start.year < 2000 else "after-2034"


def criterion_values(practice: Practice) -> list[str]:
    """`innovation` and `innovation:strong` for each assessed criterion."""
    out = []
    for criterion, assessment in practice.evaluation.items():
        out += [criterion, f"{criterion}:{assessment.level}"]
    return out


def closest(value: str, options: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The option closest to `value`, for "did you mean" (None when nothing is close)."""
    if len(value) > 100:  # nothing that long is close to an option; spare difflib the work
        return None
    found = difflib.get_close_matches(value.lower(), list(options), n=1, cutoff=cutoff)
    return found[0] if found else None


@dataclass(frozen=True)
class Facet:
    """One facet: a URL parameter, an index field `f_<name>`, a filter on every page."""

    name: str
    """The URL parameter and the facet's id (`dimension`)."""
    title: str
    """Its heading on the search page ("Area of integration"), to be translated."""
    in_text: str
    """Its name inside a sentence ("practices where area of integration is ..."), to be translated."""
    description: str
    """What a value is, for the API's documentation (English)."""
    read: Callable[[Practice], list[str]]
    """The practice's values."""
    vocabulary: str | None = None
    """The vocabulary whose ids are the values, if any."""
    bridged: bool = False
    """Whether words of the vocabulary's labels, in any language, find practices tagged with the term."""
    similarity: float = 0.0
    """How much a shared value makes two practices similar (0: not at all)."""
    open: bool = False
    """Whether the search page shows the facet open before anything is selected."""

    def values(self, practice: Practice, vocabs: Vocabularies | None = None) -> list[str]:
        """The practice's own values, canonical (the ids URLs use)."""
        return self.read(practice)

    def indexed(self, practice: Practice, vocabs: Vocabularies) -> list[str]:
        """The values the index stores for the practice: its own, and any a filter should also find it by."""
        return self.values(practice, vocabs)

    def canonical(self, value: str, vocabs: Vocabularies) -> str:
        """The value a known `value` stands for (a region's NUTS 2024 code for an older one)."""
        return value

    def group_key(self, value: str) -> str:
        """Selected values with the same key combine with OR; different keys with AND."""
        return self.name

    def known(self, value: str, vocabs: Vocabularies) -> bool:
        return self.vocabulary is not None and value in vocabs[self.vocabulary]

    def suggest(self, value: str, vocabs: Vocabularies) -> str | None:
        """The known value closest to `value`, for "did you mean"."""
        if len(value) > 100 or self.vocabulary is None:
            return None
        return vocabs[self.vocabulary].suggest(value)

    def label(self, value: str, vocabs: Vocabularies, lang: str) -> str:
        return vocabs[self.vocabulary].label(value, lang) if self.vocabulary else value

    def group(self, value: str, vocabs: Vocabularies) -> str | None:
        """What a value is listed under on the search page (a region's country), if anything."""
        return None

    def level(self, value: str, vocabs: Vocabularies) -> int:
        """How deep the value is in its hierarchy (a region's NUTS level; 0 in a flat facet)."""
        return 0

    def ordered(self, values: list[FacetValue], vocabs: Vocabularies) -> list[FacetValue]:
        """Most frequent first, then by label."""
        return sorted(values, key=lambda v: (-v.count, fold(v.label)))

    def item_schema(self, vocabs: Vocabularies) -> dict[str, Any]:
        """JSON Schema of one value, for the OpenAPI document."""
        vocabulary = vocabs[self.vocabulary] if self.vocabulary else None
        if vocabulary is None:
            return {"type": "string"}
        return {"type": "string", "enum": [*vocabulary.terms, *vocabulary.aliases]}


@dataclass(frozen=True)
class RegionFacet(Facet):
    """NUTS regions, listed under their countries. A practice is indexed with its region's
    ancestors (FI1D9: FI1D, FI1, FI), so that a region's filter finds its descendants; an
    older code that NUTS 2024 recoded stands for its new one."""

    def values(self, practice: Practice, vocabs: Vocabularies | None = None) -> list[str]:
        v = vocabs or vocab.default()
        return [v.recode(code) for code in self.read(practice)]

    def indexed(self, practice: Practice, vocabs: Vocabularies) -> list[str]:
        out: list[str] = []
        for code in self.values(practice, vocabs):
            here: str | None = code
            while here and here not in out:
                out.append(here)
                here = vocabs.parent(here)
        return out

    def known(self, value: str, vocabs: Vocabularies) -> bool:
        return value in vocabs.regions or value in vocabs.recodes

    def canonical(self, value: str, vocabs: Vocabularies) -> str:
        return vocabs.recode(value)

    def suggest(self, value: str, vocabs: Vocabularies) -> str | None:
        """The region `value` names (`Antwerpen`: BE21), else the closest code."""
        named = vocabs.regions_named(value)
        return named[0] if named else super().suggest(value, vocabs)

    def group(self, value: str, vocabs: Vocabularies) -> str | None:
        return vocabs.region_country(value)

    def level(self, value: str, vocabs: Vocabularies) -> int:
        return vocabs.region_level(value)

    def item_schema(self, vocabs: Vocabularies) -> dict[str, Any]:
        return {
            "type": "string",
            "enum": [*vocabs.regions.terms, *(c for c in vocabs.recodes if c not in vocabs.regions)],
        }


@dataclass(frozen=True)
class CriterionFacet(Facet):
    """An evaluation criterion, with or without a level: `innovation`, `innovation:strong`."""

    def group_key(self, value: str) -> str:
        return f"{self.name}:{value.partition(':')[0]}"

    def known(self, value: str, vocabs: Vocabularies) -> bool:
        criterion, _, level = value.partition(":")
        return criterion in vocabs["criteria"] and (not level or level in vocabs["levels"])

    def suggest(self, value: str, vocabs: Vocabularies) -> str | None:
        if len(value) > 100:
            return None
        criterion, sep, level = value.partition(":")
        criteria, levels = vocabs["criteria"], vocabs["levels"]
        found = criterion if criterion in criteria else criteria.suggest(criterion)
        if not sep or not found:
            return found
        level_found = level if level in levels else levels.suggest(level)
        return f"{found}:{level_found}" if level_found else found

    def label(self, value: str, vocabs: Vocabularies, lang: str) -> str:
        criterion, _, level = value.partition(":")
        text = vocabs["criteria"].label(criterion, lang)
        return f"{text}: {vocabs['levels'].label(level, lang)}" if level else text

    def ordered(self, values: list[FacetValue], vocabs: Vocabularies) -> list[FacetValue]:
        """In the vocabulary's order of criteria, each followed by its levels."""
        criteria = list(vocabs["criteria"].terms)
        levels = ["", *vocabs["levels"].terms]

        def key(v: FacetValue) -> tuple[int, int]:
            criterion, _, level = v.value.partition(":")
            return (
                criteria.index(criterion) if criterion in criteria else 99,
                levels.index(level) if level in levels else 99,
            )

        return sorted(values, key=key)

    def item_schema(self, vocabs: Vocabularies) -> dict[str, Any]:
        criteria, levels = list(vocabs["criteria"].terms), list(vocabs["levels"].terms)
        return {"type": "string", "enum": [*criteria, *(f"{c}:{lv}" for c in criteria for lv in levels)]}


_PERIOD = re.compile(r"\d{4}-\d{4}|before-2000|after-2034")


@dataclass(frozen=True)
class PeriodFacet(Facet):
    """The programming period a practice started in: `2014-2020`, `before-2000`, `after-2034`."""

    def known(self, value: str, vocabs: Vocabularies) -> bool:
        return _PERIOD.fullmatch(value) is not None

    def suggest(self, value: str, vocabs: Vocabularies) -> str | None:
        return closest(value, [*(f"{a}-{b}" for a, b in PROGRAMMING_PERIODS), "before-2000", "after-2034"])

    def ordered(self, values: list[FacetValue], vocabs: Vocabularies) -> list[FacetValue]:
        """Latest first."""
        return sorted(values, key=lambda v: v.value, reverse=True)

    def item_schema(self, vocabs: Vocabularies) -> dict[str, Any]:
        periods = [f"{a}-{b}" for a, b in PROGRAMMING_PERIODS]
        return {"type": "string", "pattern": f"^({_PERIOD.pattern})$", "examples": [*reversed(periods), "before-2000"]}


REGISTRY: tuple[Facet, ...] = (
    Facet(
        "dimension",
        N_("Area of integration"),
        N_("area of integration"),
        "Area of integration (MIPEX dimensions).",
        lambda p: list(p.dimensions),
        vocabulary="dimensions",
        bridged=True,
        similarity=2.0,
        open=True,
    ),
    CriterionFacet(
        "criterion",
        N_("Evaluation criterion"),
        N_("evaluation criterion"),
        "REGIN evaluation criterion, optionally with a level: `innovation` or `innovation:strong`. "
        "Two levels of one criterion combine with OR, two criteria with AND.",
        criterion_values,
        vocabulary="criteria",
        bridged=True,
        open=True,
    ),
    Facet(
        "target_group",
        N_("Target group"),
        N_("target group"),
        "Target group.",
        lambda p: list(p.target_groups),
        vocabulary="target_groups",
        bridged=True,
        similarity=1.5,
        open=True,
    ),
    RegionFacet(
        "region",
        N_("Region"),
        N_("region"),
        "NUTS 2024 region code at any level (e.g. `FI1D9`, `ITF3`, `FI1`, `FI`); a region also finds "
        "the practices of the regions under it, and an older code that NUTS 2024 recoded stands for its new one.",
        lambda p: [p.region] if p.region else [],
        vocabulary="regions",
        bridged=True,
        similarity=1.0,
    ),
    Facet(
        "country",
        N_("Country"),
        N_("country"),
        "ISO 3166-1 alpha-2 country code; `EL` is accepted for Greece (`GR`), `UK` for `GB`.",
        lambda p: [p.country],
        vocabulary="countries",
        bridged=True,
    ),
    Facet(
        "indicator",
        N_("Indicator"),
        N_("indicator"),
        "Integration indicator the practice aims to move.",
        lambda p: list(p.indicators),
        vocabulary="indicators",
        bridged=True,
        similarity=1.0,
    ),
    Facet(
        "fund",
        N_("Fund"),
        N_("fund"),
        "Fund that finances the practice.",
        lambda p: list(p.funding.funds) if p.funding else [],
        vocabulary="funds",
        bridged=True,
    ),
    Facet(
        "language",
        N_("Available in"),
        N_("available in"),
        "A language the practice's title or summary is written in.",
        lambda p: sorted(set(p.title) | set(p.summary) | {p.language}),
        vocabulary="languages",
    ),
    Facet(
        "role",
        N_("Regional authority's role"),
        N_("regional authority's role"),
        "The regional authority's role: `direct` or `indirect`.",
        lambda p: [p.regional_role.type],
        vocabulary="roles",
    ),
    PeriodFacet(
        "period",
        N_("Started in"),
        N_("started in"),
        "EU programming period the practice started in (`2014-2020`), or `before-2000`, `after-2034`.",
        lambda p: [period_bucket(p.period.start)],
    ),
)
"""Every facet, in the order the pages and the API list them: what officers ask first (area of
integration, evaluation criteria, target group), then where (region, country), then the rest."""

FACETS: tuple[str, ...] = tuple(f.name for f in REGISTRY)
"""The facets' names, which are their URL parameters."""
BY_NAME: dict[str, Facet] = {f.name: f for f in REGISTRY}


def facet(name: str) -> Facet:
    """The facet called `name` (KeyError for an unknown one; see `facet_problem` in search)."""
    return BY_NAME[name]


def values(practice: Practice, vocabs: Vocabularies | None = None) -> dict[str, list[str]]:
    """The values the index stores for a practice, per facet (ids as URLs use them)."""
    v = vocabs or vocab.default()
    return {f.name: f.indexed(practice, v) for f in REGISTRY}


def closest_name(name: str) -> str | None:
    """The facet name closest to `name`, for "did you mean" (not `country` for `colour`)."""
    return closest(name, FACETS, cutoff=0.65)
