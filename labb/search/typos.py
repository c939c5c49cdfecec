"""Typo tolerance per word: a query word that the index does not know, or knows in
only one practice, is also searched as its close neighbours in the index's own term
dictionary (the accent-folded words of every text), as Elasticsearch's
`fuzziness: AUTO` does: one edit (a letter added, removed, changed, or two swapped)
for words of three to five letters, two for longer ones. The neighours are scored
below the word as typed, and each correction is reported, so the page can say
"showing results for …" and offer the search exactly as typed."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .. import engine
from .generations import Generation

wq = engine.query

FUZZY_BOOST = 0.4
"""A neighbour's match weighs this much of an exact match."""
NEIGHBOURS = 3
"""At most this many neighbours per word (the closest, then the most frequent)."""
RARE = 1
"""A word found in at most this many practices is also corrected, toward neighbours
found in at least `COMMON` practices."""
COMMON = 5
FIELD = "plain"


def max_edits(word: str) -> int:
    """Elasticsearch's AUTO fuzziness: 0 below three letters, 1 up to five, 2 beyond."""
    return 0 if len(word) < 3 else 1 if len(word) <= 5 else 2


class Lexicon:
    """The index's words (one generation's `plain` field) by length, with the number
    of practices each is in. Read once per generation, on the first correction."""

    def __init__(self, gen: Generation):
        self.by_length: dict[int, list[str]] = defaultdict(list)
        self.frequency: dict[str, int] = {}
        with gen.lock:
            reader = gen.searcher.reader()
            for raw, info in reader.iter_field(FIELD):
                word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                self.by_length[len(word)].append(word)
                self.frequency[word] = info.doc_frequency()

    def neighbours(self, word: str) -> list[tuple[str, int]]:
        """(neighbour, edits) for the closest words within `max_edits(word)`, most frequent first."""
        edits = max_edits(word)
        if not edits:
            return []
        pool = [w for n in range(len(word) - edits, len(word) + edits + 1) for w in self.by_length.get(n, ())]
        matched = process.extract(word, pool, scorer=OSA.distance, score_cutoff=edits, limit=None)
        found = [(str(w), int(d)) for w, d, _ in matched if w != word]
        found.sort(key=lambda item: (item[1], -self.frequency.get(item[0], 0), item[0]))
        return found[:NEIGHBOURS]


_lexicons: dict[str, Lexicon] = {}
_lock = threading.Lock()


def lexicon(gen: Generation) -> Lexicon:
    with _lock:
        found = _lexicons.get(gen.name)
        if found is None:
            _lexicons.clear()  # one generation is live at a time
            found = _lexicons[gen.name] = Lexicon(gen)
        return found


def tolerate(gen: Generation, parsed: Any, alternatives: Callable[[str], Any]) -> tuple[Any, list[tuple[str, str]]]:
    """`parsed` with each unknown or rare word widened to its neighbours (`alternatives`
    parses one neighbour into a query over every field), and the corrections made as
    (word as typed, the neighour most likely meant)."""
    corrections: list[tuple[str, str]] = []

    def visit(node: Any) -> Any:
        if not isinstance(node, wq.Or) or getattr(node, "corrected", None):
            return node
        words = [q.text for q in node.subqueries if isinstance(q, wq.Term) and q.fieldname == FIELD]
        if len(words) != 1:
            return node
        word = words[0]
        terms = [q for q in node.subqueries if isinstance(q, wq.Term)]
        if max(map(gen.evaluator.frequency, terms)) > RARE:
            return node  # a common word (the usual case), known without adding up scores
        found = len(gen.evaluator.evaluate(node).ids)
        if found > RARE or not max_edits(word):
            return node
        known = lexicon(gen)
        close = [(w, d) for w, d in known.neighbours(word) if not found or known.frequency[w] >= COMMON]
        if not close:
            return node
        extra = []
        for neighbour, _ in close:
            query = alternatives(neighbour)
            if query is None or query is wq.NullQuery:
                continue
            query = engine.scaled(query, FUZZY_BOOST)
            query.corrected = word  # read by `explain`
            extra.append(query)
        if not extra:
            return node
        corrections.append((word, close[0][0]))
        return wq.Or([*node.subqueries, *extra])

    return parsed.accept(visit), corrections
