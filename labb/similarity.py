"""Similar practices, computed once per index generation, when it is built.

A practice's similar practices are those that best match a query made of

- its key words: the `KEY_TERMS` words of its indexed text that Whoosh's Bo1 model
  (`key_terms_from_text`) finds most telling, each weighted as that model weighs it;
- its vocabulary terms: the values it is indexed under for each facet with a
  `similarity` weight in the registry (area of integration, target group, region and
  the regions above it, indicator), each with that weight;

scored as search scores them (BM25F with the generation's statistics), itself left
out, ties to the lower document number. The query is evaluated for every practice
at once: each term's postings are read once (`engine.Evaluator`), and the scores of a
block of practices are summed with numpy. The lists are written into the generation
folder (`similar.json`, id -> [[id, score], ...]), so a practice page does no search,
with every practice's query (`similar-queries.npz`).

An update reuses the stored queries and finds the key words of the practices it adds
or changes only; it recomputes the lists of those practices, and of those whose list
named a changed or removed practice; every other list keeps its practices (with the
scores of the build that found them) and gains a changed one that now scores above
its last, scored on the changed practices' own terms.
tests/test_similarity.py checks a full build against Whoosh's own search.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pyroaring import BitMap

from . import engine
from .facets import REGISTRY

LIMIT = 5
"""Similar practices kept per practice (the practice page shows them all)."""
KEY_TERMS = 12
FILE = "similar.json"
QUERIES = "similar-queries.npz"
"""Each practice's similarity query, kept so that an update need not find them all again."""
BLOCK = 512
"""Practices whose lists are found together."""
COLUMNS = 8192
"""Documents they are scored on at a time: a block's matrices stay near 100 MB whatever
the number of practices."""

Lists = dict[str, list[tuple[str, float]]]


def read(generation: Path) -> Lists:
    """The similar practices stored in a generation folder (empty when it has none)."""
    try:
        stored = json.loads((generation / FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {pid: [(other, float(score)) for other, score in entries] for pid, entries in stored.items()}


def write(generation: Path, lists: Lists) -> None:
    """Store `lists` in the generation folder (a new file: never a write into a file
    an update shares with the live generation through a hard link)."""
    tmp = generation / f".{FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(lists, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, generation / FILE)


Query = list[tuple[str, str, float]]
"""A practice's similarity query: (field, term, boost) for each of its terms."""
Described = tuple[str, dict[str, list[str]]]
"""What a practice is indexed with: its `plain` text, and its values per facet field."""


@dataclass
class Queries:
    """Every practice's similarity query, as arrays: entry i is term `terms[i]` (of the
    table `table`) with boost `boosts[i]` in the query of practice `ids[rows[i]]`."""

    ids: list[str]
    table: list[tuple[str, str]]
    rows: np.ndarray
    terms: np.ndarray
    boosts: np.ndarray

    def of(self, practice_id: str) -> Query:
        row = self.ids.index(practice_id)
        return [(*self.table[t], b) for t, b in zip(self.terms[self.rows == row], self.boosts[self.rows == row])]


def read_queries(generation: Path) -> Queries | None:
    """The similarity queries the build of `generation` stored (None when it has none)."""
    try:
        with np.load(generation / QUERIES, allow_pickle=False) as stored:
            return Queries(
                stored["ids"].tolist(),
                list(zip(stored["fields"].tolist(), stored["texts"].tolist())),
                stored["rows"],
                stored["terms"],
                stored["boosts"],
            )
    except (OSError, KeyError, ValueError):
        return None


def _write_queries(generation: Path, queries: Queries) -> None:
    tmp = generation / f".{QUERIES}.{os.getpid()}.npz"
    np.savez(
        tmp,
        ids=np.asarray(queries.ids, dtype=str),
        fields=np.asarray([f for f, _ in queries.table], dtype=str),
        texts=np.asarray([t for _, t in queries.table], dtype=str),
        rows=queries.rows,
        terms=queries.terms,
        boosts=queries.boosts,
    )
    os.replace(tmp, generation / QUERIES)


def update(
    generation: Path,
    previous: Path | None = None,
    changed: Mapping[str, Described] | None = None,
) -> None:
    """Find the similar practices of the generation at `generation` and store them there.

    With `previous` (the generation it was updated from) and `changed` (what the update
    added or rewrote, each practice described as it was indexed), the stored queries of
    the other practices are reused and only the lists that can have changed are found
    in full (see the module's docstring); otherwise everything is found anew."""
    lists = read(previous) if previous is not None else None
    queries = read_queries(previous) if previous is not None else None
    ix = engine.open_dir(generation)
    try:
        with ix.searcher() as searcher:
            if lists is None or queries is None or changed is None:
                scorer = _Scorer(searcher)
                found = scorer.lists(None, set())
            else:
                scorer = _Scorer(searcher, queries, changed)
                found = scorer.lists(lists, set(changed))
    finally:
        ix.close()
    write(generation, found)
    _write_queries(generation, scorer.queries())


class _Scorer:
    def __init__(self, searcher: Any, stored: Queries | None = None, changed: Mapping[str, Described] | None = None):
        reader = searcher.reader()
        self.searcher = searcher
        self.reader = reader
        self.size = reader.doc_count_all()
        self.live = BitMap(reader.all_doc_ids())
        self._live = np.fromiter(self.live, dtype=np.int64, count=len(self.live))  # sorted
        self.alive = np.zeros(self.size, dtype=bool)
        self.alive[self._live] = True
        self.evaluator = engine.Evaluator(searcher, self.live, self.size, threading.Lock())
        self.ids: dict[int, str] = _ids(searcher, self.live)
        self.docnum = {pid: d for d, pid in self.ids.items()}
        self.allowed: np.ndarray | None = None
        if stored is None or changed is None:
            self._found()
        else:
            self._reused(stored, changed)

    def _found(self) -> None:
        """Every practice's query, found in the index."""
        terms: list[tuple[str, str]] = []
        rows: list[np.ndarray] = []
        boosts: list[np.ndarray] = []
        for term, docs, boost in self._queries():
            terms.append(term)
            rows.append(docs)
            boosts.append(boost)
        none = np.zeros(0, dtype=np.int64)
        which = np.concatenate([np.full(len(r), t, dtype=np.int64) for t, r in enumerate(rows)] or [none])
        self._set(terms, np.concatenate(rows or [none]), which, np.concatenate(boosts or [np.zeros(0)]))

    def _set(self, terms: list[tuple[str, str]], docs: np.ndarray, which: np.ndarray, boosts: np.ndarray) -> None:
        """Each practice's query, as (term number, boost) pairs grouped by practice."""
        self.terms = terms
        order = np.argsort(docs, kind="stable")
        self.q_docs, self.q_terms, self.q_boosts = docs[order], which[order], boosts[order]

    # -- the queries -----------------------------------------------------------------

    def _queries(self) -> Iterator[tuple[tuple[str, str], np.ndarray, np.ndarray]]:
        """(term, the documents whose query has it, its boost in each)."""
        yield from self._key_terms()
        for facet in REGISTRY:
            if not facet.similarity:
                continue
            name = f"f_{facet.name}"
            for value in self.reader.lexicon(name):
                text = value.decode("utf-8")
                docs, _ = self.evaluator.weights(name, text)
                docs = docs[self.alive[docs]]
                yield (name, text), docs, np.full(len(docs), facet.similarity)

    def _reused(self, stored: Queries, changed: Mapping[str, Described]) -> None:
        """The stored queries of the practices an update kept, and the queries of those
        it changed, from their indexed text (Whoosh's `key_terms_from_text`, the same
        key words as `_key_terms` finds in the index) and facet values. Only the terms
        of the changed practices can score on them: `allowed`."""
        table = list(stored.table)
        number = {term: i for i, term in enumerate(table)}
        now = np.asarray([-1 if pid in changed else self.docnum.get(pid, -1) for pid in stored.ids], dtype=np.int64)
        docs = now[stored.rows] if len(stored.rows) else np.zeros(0, dtype=np.int64)
        kept = docs >= 0
        new_docs: list[int] = []
        new_terms: list[int] = []
        new_boosts: list[float] = []
        present: set[int] = set()
        for pid, (plain, values) in changed.items():
            if pid not in self.docnum:
                continue
            query: Query = [
                ("plain", word, weight)
                for word, weight in self.searcher.key_terms_from_text("plain", plain, numterms=KEY_TERMS)
            ]
            words = {
                w.decode("utf-8") if isinstance(w, bytes) else w for w, *_ in self.searcher.schema["plain"].index(plain)
            }
            inside = [("plain", w) for w in words]
            for facet in REGISTRY:
                if facet.similarity:
                    field = f"f_{facet.name}"
                    query += [(field, v, facet.similarity) for v in values.get(field, [])]
                    inside += [(field, v) for v in values.get(field, [])]
            for field, text, boost in query:
                new_docs.append(self.docnum[pid])
                new_terms.append(number.setdefault((field, text), len(number)))
                new_boosts.append(boost)
            present |= {number[term] for term in inside if term in number}
        table = list(number)
        self.allowed = np.asarray(sorted(present), dtype=np.int64)
        self._set(
            table,
            np.concatenate([docs[kept], np.asarray(new_docs, dtype=np.int64)]),
            np.concatenate([stored.terms[kept], np.asarray(new_terms, dtype=np.int64)]),
            np.concatenate([stored.boosts[kept], np.asarray(new_boosts, dtype=np.float64)]),
        )

    def queries(self) -> Queries:
        """Each practice's similarity query, to be stored with the generation."""
        live = self._live
        return Queries(
            [self.ids[d] for d in live.tolist()],
            self.terms,
            np.searchsorted(live, self.q_docs),
            self.q_terms,
            self.q_boosts,
        )

    def _key_terms(self) -> Iterator[tuple[tuple[str, str], np.ndarray, np.ndarray]]:
        """Each practice's key words, as `Searcher.key_terms_from_text` finds them in the
        practice's indexed text (Bo1, normalised by the practice's best word)."""
        n = self.size
        texts: list[str] = []
        docs_: list[np.ndarray] = []
        scores_: list[np.ndarray] = []
        term_: list[np.ndarray] = []
        for text, total, docs, weights in self.evaluator.field("plain"):
            keep = self.alive[docs]
            if not keep.any():
                continue
            f = total / n
            docs_.append(docs[keep])
            scores_.append(weights[keep] * math.log((1.0 + f) / f, 2) + math.log(1.0 + f, 2))
            term_.append(np.full(int(keep.sum()), len(texts), dtype=np.int64))
            texts.append(text)
        if not texts:
            return
        docs, scores, terms = np.concatenate(docs_), np.concatenate(scores_), np.concatenate(term_)
        # By practice, best score first, ties to the first word in code point order
        # (the lexicon's order), as Whoosh's expander sorts them.
        order = np.lexsort((terms, -scores, docs))
        docs, scores, terms = docs[order], scores[order], terms[order]
        starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
        first = np.repeat(starts, np.diff(np.r_[starts, len(docs)]))
        kept = (np.arange(len(docs)) - first) < KEY_TERMS
        best = scores[first]
        g = best / n
        norm = np.where(best > 0, (best * np.log((1.0 + g) / g) + np.log(1.0 + g)) / math.log(2.0), best)
        docs, boosts, terms = docs[kept], (scores / norm)[kept], terms[kept]
        by_term = np.argsort(terms, kind="stable")
        docs, boosts, terms = docs[by_term], boosts[by_term], terms[by_term]
        bounds = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1], True])
        for a, b in itertools.pairwise(bounds):
            yield ("plain", texts[int(terms[a])]), docs[a:b], boosts[a:b]

    # -- scoring ---------------------------------------------------------------------

    def _scores(self, rows: np.ndarray, columns: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """rows x columns: each row's query scored on the documents `columns` (sorted).
        The block's queries are a rows x terms matrix of boosts and its terms' postings a
        terms x columns matrix of scores: their product is every score at once."""
        start = np.searchsorted(self.q_docs, rows, side="left")
        stop = np.searchsorted(self.q_docs, rows, side="right")
        picked = np.concatenate([np.arange(a, b) for a, b in zip(start, stop)] or [np.zeros(0, dtype=np.int64)])
        local = np.repeat(np.arange(len(rows)), stop - start)
        if allowed is not None:  # the other terms score nothing on these columns: not read
            keep = np.isin(self.q_terms[picked], allowed)
            picked, local = picked[keep], local[keep]
        used, column = np.unique(self.q_terms[picked], return_inverse=True)
        queries = np.zeros((len(rows), len(used)))
        queries[local, column] = self.q_boosts[picked]
        postings = np.zeros((len(used), len(columns)))
        if len(columns):
            first, last = int(columns[0]), int(columns[-1])
            contiguous = last - first + 1 == len(columns)
            for i, t in enumerate(used.tolist()):
                docs, scores = self.evaluator.postings(*self.terms[t])
                lo, hi = np.searchsorted(docs, [first, last + 1])
                docs, scores = docs[lo:hi], scores[lo:hi]
                if contiguous:  # a block of document numbers: no search needed
                    postings[i, docs - first] = scores
                    continue
                at = np.searchsorted(columns, docs)
                kept = columns[at] == docs
                postings[i, at[kept]] = scores[kept]
        return queries @ postings

    def _candidates(
        self, rows: np.ndarray, columns: np.ndarray, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, ...]:
        """(row number, document, score) of the documents among `columns` that can be
        among a row's LIMIT best: those at or above its LIMIT-th best score there (ties
        kept), never the row's own document, a deleted one or one that scores nothing."""
        scores = self._scores(rows, columns, allowed)
        scores[:, ~self.alive[columns]] = 0.0
        own = np.searchsorted(columns, rows)
        inside = own < len(columns)
        inside[inside] = columns[own[inside]] == rows[inside]
        scores[np.flatnonzero(inside), own[inside]] = 0.0
        width = min(LIMIT, len(columns))
        if not width:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
        threshold = np.maximum(np.partition(scores, -width, axis=1)[:, -width], np.nextafter(0.0, 1.0))
        r, c = np.nonzero(scores >= threshold[:, None])
        return r, columns[c], scores[r, c]

    def _best(self, rows: np.ndarray, found: list[tuple[np.ndarray, ...]]) -> Iterator[tuple[str, list]]:
        """Each row's id and its LIMIT best candidates, best first, ties to the lower document."""
        r, docs, scores = (np.concatenate(part) for part in zip(*found))
        order = np.lexsort((docs, -scores, r))
        r, docs, scores = r[order], docs[order], scores[order]
        starts = np.searchsorted(r, np.arange(len(rows)))
        stops = np.searchsorted(r, np.arange(len(rows)), side="right")
        for i, d in enumerate(rows.tolist()):
            a, b = starts[i], min(stops[i], starts[i] + LIMIT)
            yield self.ids[d], [(self.ids[o], s) for o, s in zip(docs[a:b].tolist(), scores[a:b].tolist())]

    def lists(self, previous: Lists | None, changed: set[str]) -> Lists:
        full: list[int] = []
        merge: list[int] = []
        for d, pid in sorted(self.ids.items()):
            kept = None if previous is None else previous.get(pid)
            if kept is None or pid in changed or any(o in changed or o not in self.docnum for o, _ in kept):
                full.append(d)
            else:
                merge.append(d)
        out: Lists = {}
        chunks = [np.arange(a, min(a + COLUMNS, self.size)) for a in range(0, self.size, COLUMNS)]
        for block in _blocks(full):
            out.update(self._best(block, [self._candidates(block, columns) for columns in chunks]))
        among = np.asarray(sorted(self.docnum[pid] for pid in changed if pid in self.docnum), dtype=np.int64)
        for block in _blocks(merge):
            assert previous is not None
            had = [(i, self.docnum[o], s) for i, d in enumerate(block.tolist()) for o, s in previous[self.ids[d]]]
            before = (
                np.asarray([i for i, _, _ in had], dtype=np.int64),
                np.asarray([o for _, o, _ in had], dtype=np.int64),
                np.asarray([s for _, _, s in had], dtype=np.float64),
            )
            out.update(self._best(block, [before, self._candidates(block, among, self.allowed)]))
        return out


def _ids(searcher: Any, live: BitMap) -> dict[int, str]:
    """Document number -> practice id, from each segment's `id` terms (a unique field:
    each term's first document is its document), not from the stored practices."""
    ids: dict[int, str] = {}
    for leaf, offset in searcher.leaf_searchers():
        for text, info in leaf.reader().iter_field("id"):
            doc = info.min_id() + offset
            if doc in live:
                ids[doc] = text.decode("utf-8") if isinstance(text, bytes) else text
    return ids


def _blocks(docs: list[int]) -> Iterator[np.ndarray]:
    for at in range(0, len(docs), BLOCK):
        yield np.asarray(docs[at : at + BLOCK], dtype=np.int64)
