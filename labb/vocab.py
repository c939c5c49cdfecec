"""The controlled vocabularies, read from YAML data files.

Criteria, dimensions, target groups, indicators, funds, roles, levels, statuses,
scopes, languages, countries and statistics each live in
``labb/vocabularies/<name>.yaml``; regions in ``labb/vocabularies/regions/<CC>.yaml``,
one file per country. Editors extend them by pull request; no Python changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Iterator, Mapping

from . import records
from .model import Mark, Problem, Term, Vocabulary

DATA_DIR = Path(__file__).with_name("vocabularies")

NAMES = (
    "criteria", "dimensions", "target_groups", "indicators", "funds", "roles",
    "levels", "statuses", "scopes", "languages", "countries", "statistics",
)
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


def _term(term_id: str, body: Mapping[str, Any]) -> Term:
    keywords = body.get("keywords") or {}
    return Term(
        id=term_id,
        label=dict(body.get("label") or {}),
        description=dict(body.get("description") or {}),
        keywords={lang: tuple(words or ()) for lang, words in keywords.items()},
        extra={k: v for k, v in body.items() if k not in ("label", "description", "keywords")},
    )


def _read(path: Path, problems: list[Problem]) -> tuple[dict, dict[str, Term]]:
    doc, found = records.load(path)
    problems.extend(found)
    if doc is None:
        return {}, {}
    data = doc.data
    terms_node = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms_node, dict):
        problems.append(Problem.error(str(path), doc.where(("terms",)), "vocabulary", ("terms",),
                                      "a vocabulary file needs a `terms:` mapping of id -> entry"))
        return {}, {}
    terms: dict[str, Term] = {}
    for term_id, body in terms_node.items():
        loc = ("terms", term_id)
        if not isinstance(body, dict) or not isinstance(body.get("label"), dict) or "en" not in body["label"]:
            problems.append(Problem.error(str(path), doc.where(loc, key=True), "vocabulary", loc,
                                          f"`{term_id}` needs a `label` with at least an English (`en`) text"))
            continue
        terms[str(term_id)] = _term(str(term_id), body)
    return data, terms


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
    for path in sorted((data_dir / "regions").glob("*.yaml")):
        _, terms = _read(path, problems)
        for code, term in terms.items():
            country = term.extra.get("country")
            if country not in by_name["countries"]:
                problems.append(Problem.error(str(path), Mark(1, 1), "vocabulary", ("terms", code, "country"),
                                              f"region `{code}` names an unknown country `{country}`"))
                continue
            region_terms[code] = term
    by_name["regions"] = Vocabulary("regions", {"en": "Regions"}, region_terms)
    if problems:
        raise VocabularyError(problems)
    return Vocabularies(by_name)


@cache
def default() -> Vocabularies:
    """The vocabularies shipped with labb (read once per process)."""
    return load()
