"""The controlled vocabularies, read from YAML data files.

Criteria, dimensions, target groups, indicators, funds, roles, levels, statuses,
scopes, languages, countries and statistics each live in
``labb/vocabularies/<name>.yaml``; regions in ``labb/vocabularies/regions/<CC>.yaml``,
one file per country, generated from NUTS by ``scripts/nuts_regions.py`` (each region has
a ``level`` 0-3 and, below level 0, a ``parent``), and ``regions/recodes.yaml`` maps codes
that NUTS dropped to their successors. Editors extend them by pull request; no Python changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from . import records
from .model import Mark, Problem, Term, Vocabulary, fold

DATA_DIR = Path(__file__).with_name("vocabularies")

NAMES = (
    "criteria",
    "dimensions",
    "target_groups",
    "indicators",
    "funds",
    "roles",
    "levels",
    "statuses",
    "scopes",
    "languages",
    "countries",
    "statistics",
    "precisions",
    "beneficiary_types",
)
_WORD = re.compile(r"\w+")

LABEL_LANGUAGES = ("en", "fr", "it", "es", "pt", "sv", "el", "fi", "de", "ca")
"""Every label is written in these languages."""


class VocabularyError(Exception):
    """The vocabulary files themselves are broken; carries the problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(f"{p.path}:{p.line}:{p.column}: {p.message}" for p in problems))


@dataclass(frozen=True)
class Vocabularies:
    """All vocabularies by name, plus the regions."""

    by_name: Mapping[str, Vocabulary]
    recodes: Mapping[str, str] = field(default_factory=dict)
    """Region codes that NUTS dropped -> the code that replaced each (FI1C3 -> FI1C6)."""
    _children: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _ancestors: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    """`ancestors` as found (a search page's region tree asks for some 150 per page)."""
    _levels: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    """`region_level` as found (as often)."""

    def __getitem__(self, name: str) -> Vocabulary:
        return self.by_name[name]

    def __iter__(self) -> Iterator[Vocabulary]:
        return iter(self.by_name.values())

    @property
    def regions(self) -> Vocabulary:
        return self.by_name["regions"]

    @property
    def countries(self) -> Vocabulary:
        return self.by_name["countries"]

    def region_country(self, code: str) -> str | None:
        term = self.regions.get(code)
        return self.countries.canonical(term.extra["country"]) if term else None

    def parent(self, code: str) -> str | None:
        """The region one NUTS level up (FI1C6 -> FI1C), None at level 0 or if unknown."""
        term = self.regions.get(code)
        return term.extra.get("parent") if term else None

    def ancestors(self, code: str) -> tuple[str, ...]:
        """The regions above `code`, nearest first (FI1D9 -> FI1D, FI1, FI)."""
        found = self._ancestors.get(code)
        if found is None:
            out: list[str] = []
            parent = self.parent(code)
            while parent and parent not in out:
                out.append(parent)
                parent = self.parent(parent)
            found = self._ancestors[code] = tuple(out)
        return found

    def region_level(self, code: str) -> int:
        """A region's NUTS level (0 for a country, or for an unknown code)."""
        found = self._levels.get(code)
        if found is None:
            term = self.regions.get(code)
            found = self._levels[code] = int(term.extra.get("level", 0)) if term else 0
        return found

    def children(self, code: str) -> tuple[str, ...]:
        """The current regions one level down, sorted (codes NUTS dropped are left out)."""
        return self._children.get(code, ())

    def descendants(self, code: str) -> tuple[str, ...]:
        """Every current region below `code`, depth first, sorted at each level."""
        out: list[str] = []
        for child in self.children(code):
            out.append(child)
            out.extend(self.descendants(child))
        return tuple(out)

    def recode(self, code: str) -> str:
        """The current code for `code` (itself when NUTS did not drop it)."""
        return self.recodes.get(code, code)

    @cached_property
    def _region_names(self) -> dict[str, list[tuple[str, ...]]]:
        """Each current region's names (labels, official names), folded into words."""
        out: dict[str, list[tuple[str, ...]]] = {}
        for term in self.regions:
            if "recoded_to" in term.extra:
                continue
            names = {
                *term.label.values(),
                *(str(term.extra[k]) for k in ("official", "official_latn") if term.extra.get(k)),
            }
            for name in names:
                for part in {name, *name.split("/")}:  # "Bruxelles/Brussel": either half
                    words = tuple(_WORD.findall(fold(part)))
                    if words:
                        out.setdefault(term.id, []).append(words)
        return out

    def regions_named(self, text: str, country: str | None = None) -> list[str]:
        """The regions `text` names, in any language, ignoring case and accents (`Antwerpen`:
        BE21, Prov. Antwerpen, then BE211, Arr. Antwerpen): exact names first, then names
        holding every word of `text` with the fewest others; larger regions first. Only
        `country`'s regions when it is given and has any."""
        wanted = tuple(_WORD.findall(fold(text)))
        if not wanted or len(text) > 100:
            return []
        scored: dict[str, tuple[int, int]] = {}
        for code, names in self._region_names.items():
            for words in names:
                if words == wanted:
                    score = 0
                elif set(wanted) <= set(words) and len(words) - len(wanted) <= 3:
                    score = len(words) - len(wanted)
                else:
                    continue
                level = int(self.regions.terms[code].extra.get("level", 0))
                scored[code] = min(scored.get(code, (9, 9)), (score, level))
        found = sorted(scored, key=lambda c: (*scored[c], c))
        if country:
            here = [c for c in found if self.region_country(c) == self.countries.canonical(country)]
            found = here or found
        return found


def _term(term_id: str, body: Mapping[str, Any]) -> Term:
    keywords = body.get("keywords") or {}
    return Term(
        id=term_id,
        label=dict(body.get("label") or {}),
        description=dict(body.get("description") or {}),
        keywords={lang: tuple(words or ()) for lang, words in keywords.items()},
        extra={k: v for k, v in body.items() if k not in ("label", "description", "keywords")},
    )


def _region(term: Term, country: Term) -> Term:
    """A region as the pages show it. A level-0 region is labelled as its country; a region of
    a one-language country has its official name as its label in that language; in any
    other language without a hand-written label its official name is shown (in Latin
    script where its own is not), never a blank nor the English of a local name."""
    official = term.extra.get("official")
    languages = list(country.extra.get("languages") or ())
    label = dict(term.label)
    if term.extra.get("level") == 0:
        label = {**country.label, **label}
    elif official and len(languages) == 1:
        label.setdefault(languages[0], str(official))
    names = [str(n) for n in (official, term.extra.get("official_latn")) if n]
    keywords = dict(term.keywords)
    if names and languages:  # the official names find the region's practices too
        keywords[languages[0]] = (*keywords.get(languages[0], ()), *names)
    default = str(term.extra.get("official_latn") or official) if official else None
    return Term(term.id, label, term.description, keywords, term.extra, default)


def _read(path: Path, problems: list[Problem], region: bool = False) -> tuple[dict, dict[str, Term]]:
    doc, found = records.load(path)
    problems.extend(found)
    if doc is None:
        return {}, {}
    data = doc.data
    terms_node = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms_node, dict):
        problems.append(Problem.of("vocabulary", str(path), doc.where(("terms",)), ("terms",)))
        return {}, {}
    terms: dict[str, Term] = {}
    for term_id, body in terms_node.items():
        loc = ("terms", term_id)
        labelled = isinstance(body, dict) and isinstance(body.get("label"), dict) and "en" in body["label"]
        # a region may have no hand-written label: its official name is shown (see `_region`)
        named = region and isinstance(body, dict) and body.get("official") and isinstance(body.get("label") or {}, dict)
        if not (labelled or named):
            problems.append(
                Problem.of("vocabulary", str(path), doc.where(loc, key=True), loc, form="no-label", id=term_id)
            )
            continue
        bad = _not_text(body)
        if bad is not None:
            where = loc + bad
            problems.append(
                Problem.of("vocabulary", str(path), doc.where(where, key=True), where, form="not-text", id=term_id)
            )
            continue
        terms[str(term_id)] = _term(str(term_id), body)
    return data, terms


def _not_text(body: Mapping[str, Any]) -> tuple[str | int, ...] | None:
    """Where a label, description or keyword is not a non-empty text (an unquoted comma in a
    flow mapping, `{en: Köln, Stadt}`, makes a key with an empty value), or None."""
    for name in ("label", "description"):
        for lang, text in (body.get(name) or {}).items():
            if not isinstance(text, str) or not text.strip():
                return (name, lang)
    for lang, words in (body.get("keywords") or {}).items():
        for i, word in enumerate(words or ()):
            if not isinstance(word, str) or not word.strip():
                return ("keywords", lang, i)
    return None


def _vocabulary(name: str, data: dict, terms: dict[str, Term]) -> Vocabulary:
    aliases = {alias: t.id for t in terms.values() for alias in t.extra.get("aliases", ())}
    return Vocabulary(name=name, title=dict(data.get("title") or {}), terms=terms, aliases=aliases)


def load(data_dir: Path = DATA_DIR) -> Vocabularies:
    """Read every vocabulary file; raise VocabularyError listing every problem."""
    problems: list[Problem] = []
    by_name: dict[str, Vocabulary] = {}
    for name in NAMES:
        data, terms = _read(data_dir / f"{name}.yaml", problems)
        by_name[name] = _vocabulary(name, data, terms)
    region_terms: dict[str, Term] = {}
    for path in sorted((data_dir / "regions").glob("[A-Z][A-Z].yaml")):
        _, terms = _read(path, problems, region=True)
        for code, term in terms.items():
            country = term.extra.get("country")
            country_term = by_name["countries"].get(country) if isinstance(country, str) else None
            if country_term is None:
                problems.append(
                    Problem.of(
                        "vocabulary",
                        str(path),
                        Mark(1, 1),
                        ("terms", code, "country"),
                        form="unknown-country",
                        region=code,
                        country=country,
                    )
                )
                continue
            region_terms[code] = _region(term, country_term)
    by_name["regions"] = Vocabulary("regions", {"en": "Regions"}, region_terms)
    recodes = _recodes(data_dir / "regions" / "recodes.yaml", problems)
    if problems:
        raise VocabularyError(problems)
    return Vocabularies(by_name, recodes, _children_of(region_terms))


def _recodes(path: Path, problems: list[Problem]) -> dict[str, str]:
    if not path.exists():
        return {}
    doc, found = records.load(path)
    problems.extend(found)
    table = doc.data.get("recodes") if doc is not None and isinstance(doc.data, dict) else None
    if not isinstance(table, dict):
        problems.append(Problem.of("vocabulary", str(path), Mark(1, 1), ("recodes",), form="no-recodes"))
        return {}
    return {str(old): str(entry["to"]) for old, entry in table.items() if isinstance(entry, dict) and "to" in entry}


def _children_of(terms: Mapping[str, Term]) -> dict[str, tuple[str, ...]]:
    children: dict[str, list[str]] = {}
    for code, term in terms.items():
        parent = term.extra.get("parent")
        if parent and "recoded_to" not in term.extra:
            children.setdefault(str(parent), []).append(code)
    return {parent: tuple(sorted(codes)) for parent, codes in children.items()}


@cache
def default() -> Vocabularies:
    """The vocabularies shipped with labb (read once per process)."""
    return load()
