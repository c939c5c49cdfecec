"""The multilingual integration glossary: concepts of the field, each with its labels in
the EU's languages (and Norwegian and Icelandic), read from YAML data files.

Each theme is one file, ``labb/vocabularies/glossary/<theme>.yaml``::

    concepts:
      intercultural-mediation:
        note: Bridging language and cultural gaps between newcomers and services.
        source:
          name: EMN Asylum and Migration Glossary
          url: "https://..."        # the entry's own page where it has one
          checked: [en, fr, it]     # languages whose labels hold the entry's term there
        labels:
          en: [intercultural mediation, cultural mediation]
          it: [mediazione interculturale, mediazione culturale]
          ...

The first label of a language is the preferred one. `Glossary.match` finds the concepts
a query names, in any language, comparing words as search does (`labb.analysis`: case
and accents folded, stop words dropped, stemmed in the label's language). Search uses it
to look for a concept's labels in every language (`labb.search.glossary`).

Editors add concepts by pull request; `check` reports every problem with its file,
line and column, as the other vocabularies do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import analysis, records
from .model import Problem
from .vocab import Vocabularies
from .vocab import default as default_vocabularies

DATA_DIR = Path(__file__).with_name("vocabularies") / "glossary"

EU_LANGUAGES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip
"""The 24 official languages of the EU: every concept has labels in each."""
EXTRA_LANGUAGES = ("nb", "is")
"""Written where known: Norwegian (Bokmål) and Icelandic."""
SHOWN_FIRST = ("en", "fr", "de", "it", "es", "pt", "sv", "fi", "el", "nl", "pl")
"""The order in which `Concept.preferred` lists labels: the corpus's main languages, then the rest."""

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FIELDS = ("labels", "source", "note")


@dataclass(frozen=True)
class Source:
    """The glossary entry a concept was checked against."""

    name: str
    url: str
    entry: str = ""
    """The entry's term in that glossary, when it is not the concept's English label."""
    checked: tuple[str, ...] = ()
    """The languages whose labels were compared with this entry and hold its term there."""


@dataclass(frozen=True, eq=False, repr=False)
class Concept:
    """One concept: its labels per language, the preferred label first."""

    id: str
    labels: Mapping[str, tuple[str, ...]]
    source: Source
    note: str = ""
    theme: str = ""
    """The file it is defined in, without `.yaml`."""

    def __repr__(self) -> str:
        return f"Concept({self.id!r})"

    def preferred(self) -> list[tuple[str, str]]:
        """(language, preferred label) for each language, the main languages first."""
        order = {lang: i for i, lang in enumerate(SHOWN_FIRST)}
        langs = sorted(self.labels, key=lambda lang: (order.get(lang, len(order)), lang))
        return [(lang, self.labels[lang][0]) for lang in langs if self.labels[lang]]


@dataclass(frozen=True)
class Match:
    """A concept named in a query: where (`start`:`end`, characters of the query), in
    which language and by which of its labels."""

    concept: Concept
    start: int
    end: int
    lang: str
    label: str

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


class GlossaryError(Exception):
    """The glossary files are broken; carries the problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(f"{p.path}:{p.line}:{p.column}: {p.message}" for p in problems))


class Glossary:
    """Every concept, and the lookup `match` runs on. `stemmers` maps a language code to
    its Snowball algorithm (languages without one are compared folded, not stemmed)."""

    def __init__(self, concepts: Iterable[Concept], stemmers: Mapping[str, str]):
        self.concepts: dict[str, Concept] = {c.id: c for c in concepts}
        self.stemmers = dict(stemmers)
        self._keys: dict[str, dict[tuple[str, ...], list[tuple[Concept, str]]]] = {}
        self.longest = 1
        for concept in self.concepts.values():
            for lang, labels in concept.labels.items():
                for label in labels:
                    key = self.key(label, lang)
                    if key:
                        self._keys.setdefault(lang, {}).setdefault(key, []).append((concept, label))
                        self.longest = max(self.longest, len(key))

    def __len__(self) -> int:
        return len(self.concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts.values())

    def __getitem__(self, concept_id: str) -> Concept:
        return self.concepts[concept_id]

    def _words(self, text: str, lang: str) -> list[tuple[str, int, int]]:
        """(term, start, end) of each word of `text` that search keeps, analysed as `lang`
        is: one term per word (the first, should the analysis give a word several)."""
        algorithm = self.stemmers.get(lang)
        analyser = analysis.stemming(algorithm) if algorithm else analysis.folding()
        found: dict[int, tuple[str, int, int]] = {}
        for token in analyser(text, chars=True):
            found.setdefault(token.startchar, (token.text, token.startchar, token.endchar))
        return list(found.values())

    def key(self, label: str, lang: str) -> tuple[str, ...]:
        """`label`'s words as search compares them in `lang` (empty: only stop words)."""
        return tuple(term for term, _, _ in self._words(label, lang))

    def match(self, phrase_or_words: str | Sequence[str], languages: Iterable[str] | None = None) -> list[Match]:
        """The concepts whose label, in any language (or only in `languages`), occurs as a
        phrase in the query, ordered by where they start. Where labels overlap, the longest
        wins; concepts sharing one span are all returned. A list of words is read as
        the words joined by spaces (the spans then count in that text)."""
        text = phrase_or_words if isinstance(phrase_or_words, str) else " ".join(phrase_or_words)
        candidates: list[Match] = []
        for lang in self._keys if languages is None else [lang for lang in languages if lang in self._keys]:
            table = self._keys[lang]
            words = self._words(text, lang)
            terms = [term for term, _, _ in words]
            for i in range(len(words)):
                for n in range(min(self.longest, len(words) - i), 0, -1):
                    for concept, label in table.get(tuple(terms[i : i + n]), ()):
                        candidates.append(Match(concept, words[i][1], words[i + n - 1][2], lang, label))
        candidates.sort(key=lambda m: (-(m.end - m.start), m.start, m.concept.id, m.lang))
        chosen: list[Match] = []
        taken: dict[tuple[int, int], set[str]] = {}
        for m in candidates:
            if m.span in taken:
                if m.concept.id not in taken[m.span]:
                    taken[m.span].add(m.concept.id)
                    chosen.append(m)
                continue
            if any(m.start < end and start < m.end for start, end in taken):
                continue
            taken[m.span] = {m.concept.id}
            chosen.append(m)
        return sorted(chosen, key=lambda m: (m.start, m.concept.id))


# -- reading and checking ---------------------------------------------------------


def _stemmers(vocabs: Vocabularies) -> dict[str, str]:
    return {t.id: t.extra["stemmer"] for t in vocabs["languages"] if t.extra.get("stemmer")}


def check(data_dir: Path = DATA_DIR, vocabs: Vocabularies | None = None) -> tuple[Glossary, list[Problem]]:
    """Read every glossary file; the glossary of the concepts that could be read, and
    every problem found, sorted by file, line and column."""
    vocabs = vocabs or default_vocabularies()
    languages = vocabs["languages"]
    stemmers = _stemmers(vocabs)
    probe = Glossary((), stemmers)  # for comparing labels as search does
    problems: list[Problem] = []
    concepts: list[Concept] = []
    where: dict[str, str] = {}  # concept id -> the file that first defines it
    owners: dict[tuple[str, tuple[str, ...]], str] = {}  # (lang, label key) -> concept id
    for path in sorted(Path(data_dir).glob("*.yaml")):
        doc, found = records.load(path)
        problems.extend(found)
        if doc is None:
            continue
        data = doc.data
        node = data.get("concepts") if isinstance(data, dict) else None
        if not isinstance(node, dict):
            problems.append(Problem.of("glossary", str(path), doc.where(("concepts",), key=True), ("concepts",)))
            continue
        for cid, body in node.items():
            concept = _concept(path, doc, str(cid), body, languages, probe, problems)
            if concept is None:
                continue
            loc = ("concepts", cid)
            if concept.id in where:
                problems.append(
                    Problem.of(
                        "glossary-duplicate-id", str(path), doc.where(loc, key=True), loc, id=cid, other=where[cid]
                    )
                )
                continue
            where[concept.id] = f"{path.name}"
            for lang, labels in concept.labels.items():
                for i, label in enumerate(labels):
                    key = probe.key(label, lang)
                    other = owners.setdefault((lang, key), concept.id)
                    if other != concept.id:
                        at = ("concepts", cid, "labels", lang, i)
                        problems.append(
                            Problem.of(
                                "glossary-shared-label",
                                str(path),
                                doc.where(at),
                                at,
                                label=label,
                                lang=lang,
                                id=cid,
                                other=other,
                            )
                        )
            concepts.append(concept)
    return Glossary(concepts, stemmers), sorted(problems)


def _concept(
    path: Path, doc: records.Document, cid: str, body: Any, languages: Any, probe: Glossary, problems: list[Problem]
) -> Concept | None:
    """The concept `cid` of one file, or None when it cannot be used (its problems added)."""
    where = str(path)
    loc: tuple[str | int, ...] = ("concepts", cid)
    before = len(problems)
    if not _SLUG.match(cid):
        problems.append(Problem.of("glossary", where, doc.where(loc, key=True), loc, form="slug", id=cid))
    if not isinstance(body, dict):
        problems.append(Problem.of("glossary", where, doc.where(loc, key=True), loc, form="not-a-mapping", id=cid))
        return None
    for name in body:
        if name not in _FIELDS:
            at = (*loc, name)
            problems.append(Problem.of("glossary", where, doc.where(at, key=True), at, form="field", field=name))
    source = _source(where, doc, cid, body.get("source"), problems)
    labels_node = body.get("labels")
    if not isinstance(labels_node, dict) or not labels_node:
        at = (*loc, "labels")
        problems.append(Problem.of("glossary", where, doc.where(at, key=True), at, form="labels", id=cid))
        return None
    labels: dict[str, tuple[str, ...]] = {}
    for lang, values in labels_node.items():
        at = (*loc, "labels", lang)
        lang = str(lang)
        if lang not in languages:
            suggestion = languages.suggest(lang)
            hint = f"did you mean `{suggestion}`?" if suggestion else "use a two-letter ISO 639-1 code (`sv`, `nb`)"
            problems.append(Problem.of("glossary-language", where, doc.where(at, key=True), at, hint=hint, value=lang))
            continue
        if isinstance(values, str):  # `it: mediazione interculturale` is one label
            values = [values]
        if not isinstance(values, list) or not values:
            problems.append(
                Problem.of(
                    "glossary-empty-label", where, doc.where(at, key=True), at, form="no-label", id=cid, lang=lang
                )
            )
            continue
        kept: list[str] = []
        for i, value in enumerate(values):
            item = (*at, i)
            if not isinstance(value, str):
                form = "" if value is None else "not-text"
                problems.append(
                    Problem.of("glossary-empty-label", where, doc.where(item), item, form=form, id=cid, lang=lang)
                )
            elif not value.strip():
                problems.append(Problem.of("glossary-empty-label", where, doc.where(item), item, id=cid, lang=lang))
            elif not probe.key(value, lang):
                problems.append(
                    Problem.of(
                        "glossary-empty-label",
                        where,
                        doc.where(item),
                        item,
                        form="stop-words",
                        id=cid,
                        label=value,
                    )
                )
            else:
                kept.append(value.strip())
        labels[lang] = tuple(dict.fromkeys(kept))
    if source is not None:
        for i, lang in enumerate(source.checked):
            if lang not in labels:
                at = (*loc, "source", "checked", i)
                problems.append(Problem.of("glossary-checked", where, doc.where(at), at, id=cid, lang=lang))
    if len(problems) > before or source is None:
        return None
    note = body.get("note")
    return Concept(cid, labels, source, note if isinstance(note, str) else "", path.stem)


def _source(where: str, doc: records.Document, cid: str, node: Any, problems: list[Problem]) -> Source | None:
    loc: tuple[str | int, ...] = ("concepts", cid, "source")
    if not isinstance(node, dict):
        mark = doc.where(loc, key=True) if node is not None else doc.where(loc[:-1], key=True)
        problems.append(Problem.of("glossary-no-source", where, mark, loc, id=cid))
        return None
    url, name = node.get("url"), node.get("name")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        at = (*loc, "url")
        problems.append(Problem.of("glossary-no-source", where, doc.where(at), at, form="url", id=cid))
        return None
    if not isinstance(name, str) or not name.strip():
        at = (*loc, "name")
        problems.append(Problem.of("glossary-no-source", where, doc.where(at), at, form="name", id=cid))
        return None
    entry = node.get("entry")
    checked = node.get("checked") or []
    if not isinstance(checked, list):
        checked = [checked]
    return Source(name.strip(), url, entry.strip() if isinstance(entry, str) else "", tuple(map(str, checked)))


def load(data_dir: Path = DATA_DIR, vocabs: Vocabularies | None = None) -> Glossary:
    """Read the glossary; raise GlossaryError listing every problem."""
    glossary, problems = check(data_dir, vocabs)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise GlossaryError(errors)
    return glossary


@cache
def shipped() -> tuple[Glossary, tuple[Problem, ...]]:
    """The glossary shipped with labb and its problems (checked once per process)."""
    glossary, problems = check()
    return glossary, tuple(problems)


def default() -> Glossary:
    """The glossary shipped with labb; raise GlossaryError when it has errors."""
    glossary, problems = shipped()
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise GlossaryError(errors)
    return glossary
