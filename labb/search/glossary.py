"""Query expansion through the integration glossary (`labb.glossary`).

A query phrase that names a glossary concept in one language (`intercultural mediation`)
also searches the concept's labels in every language (`mediazione interculturale`,
`interkulturell medling`, ...), each as a phrase, in the texts of its own language
(stemmed there) and in every text (folded). The expansion is scored below the words
as typed (`BOOST` against 1), so a practice that has the literal words comes first, and
the labels searched are reported ("also searched: ...").

Only plain words are expanded: a query with operators (quotes, OR, NOT, -word) is
searched exactly as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import engine
from ..glossary import Glossary, Match
from ..model import fold
from .generations import Generation

wq = engine.query

BOOST = 0.4
"""A label of the concept in another language weighs this much against a word as typed (1)."""
MAX_SPANS = 4
"""At most this many concepts per query are expanded (the first ones)."""


@dataclass(frozen=True)
class Expanded:
    """A query widened by the glossary: the new query, and the labels it also searched."""

    parsed: Any
    also: tuple[str, ...]


class Expansion:
    """Widens parsed queries with the labels of the glossary concepts they name."""

    def __init__(self, glossary: Glossary, stemmed: Mapping[str, str]):
        self.glossary = glossary
        self.stemmed = dict(stemmed)
        self._terms: dict[tuple[str, str], tuple[str, ...]] = {}

    def _field_terms(self, gen: Generation, field: str, label: str) -> tuple[str, ...]:
        """`label`'s words as `field` indexes them (schema-wide, so cached per field and label)."""
        key = (field, label)
        terms = self._terms.get(key)
        if terms is None:
            analyser = gen.searcher.schema[field].analyzer
            terms = tuple(t.text for t in analyser(label, mode="query"))
            if len(self._terms) > 100_000:
                self._terms.clear()
            self._terms[key] = terms
        return terms

    def _label_query(self, gen: Generation, lang: str, label: str, present: Any) -> list[Any]:
        """`label` as a phrase in every text (folded) and in its language's texts (stemmed)."""
        fields = ["plain"]
        if lang in self.stemmed and lang in present:
            fields.append(f"text_{lang}")
        queries = []
        for name in fields:
            terms = self._field_terms(gen, name, label)
            if len(terms) == 1:
                queries.append(wq.Term(name, terms[0]))
            elif terms:
                queries.append(wq.Phrase(name, list(terms)))
        return queries

    def _alternatives(self, gen: Generation, matches: list[Match]) -> tuple[Any, list[str]]:
        """One span's concepts: every label in every language, and the preferred labels
        that differ from the words as typed (what the page says was also searched)."""
        present = gen.bitmaps.get("language", {})
        typed = {fold(m.label) for m in matches}
        queries: list[Any] = []
        shown: list[str] = []
        for match in matches:
            concept = match.concept
            for lang, labels in concept.labels.items():
                for label in labels:
                    queries.extend(self._label_query(gen, lang, label, present))
            shown.extend(label for _, label in concept.preferred() if fold(label) not in typed)
        # the labels' mean, not their sum: a text that matches many of a concept's labels
        # (a translation, synonyms, the same label folded and stemmed) counts about as
        # much as one that matches one, and never as much as many literal words
        unique = list(dict.fromkeys(queries))  # a label folded alike in several languages counts once
        return wq.Or([engine.scaled(q, 1.0 / max(len(unique), 1)) for q in unique]), shown

    def expand(self, gen: Generation, parsed: Any, text: str, parse: Callable[[str], Any]) -> Expanded:
        """`parsed` (the query `text` as typed) or-ed with the same query where each phrase
        naming a concept is replaced by the concept's labels in every language, scored
        `BOOST`. `parse` parses the words left outside the concepts."""
        found = self.glossary.match(text)
        if not found or parsed is None:
            return Expanded(parsed, ())
        spans: dict[tuple[int, int], list[Match]] = {}
        for match in found:
            if match.span in spans or len(spans) < MAX_SPANS:
                spans.setdefault(match.span, []).append(match)
        parts: list[Any] = []
        also: list[str] = []
        rest = text
        for (start, end), matches in spans.items():
            alternatives, shown = self._alternatives(gen, matches)
            parts.append(alternatives)
            also.extend(shown)
            rest = rest[:start] + " " * (end - start) + rest[end:]
        if rest.strip():
            try:
                remaining = parse(rest)
            except Exception:  # whoosh's parser can fail on odd input: then no expansion
                return Expanded(parsed, ())
            if remaining is not None and remaining is not wq.NullQuery:
                parts.append(remaining)
        widened = wq.And(parts) if len(parts) > 1 else parts[0]
        expansion = engine.scaled(widened, BOOST)
        return Expanded(wq.Or([parsed, expansion]), tuple(dict.fromkeys(also)))
