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
folder (`similar.json`, id -> [[id, score], ...]), so a practice page does no search.

An update recomputes the lists of the practices it adds or changes, and of those whose
list named a changed or removed practice; every other list keeps its practices and
gains a changed one that now scores above its last (scored with the new statistics).
tests/test_similarity.py checks a full build against Whoosh's own search.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import threading
from collections.abc import Iterator
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
BLOCK = 512
"""Practices scored together (a block's scores are BLOCK x practices floats)."""

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


def compute(generation: Path, previous: Lists | None = None, changed: set[str] | None = None) -> Lists:
    """The similar practices of every practice of the generation at `generation`.

    With `previous` (the lists of the generation it was updated from) and `changed`
    (the ids the update added or rewrote), only the lists that can have changed are
    computed in full (see the module's docstring)."""
    ix = engine.open_dir(generation)
    try:
        with ix.searcher() as searcher:
            return _Scorer(searcher).lists(previous, changed or set())
    finally:
        ix.close()


class _Scorer:
    def __init__(self, searcher: Any):
        reader = searcher.reader()
        self.reader = reader
        self.size = reader.doc_count_all()
        self.live = BitMap(reader.all_doc_ids())
        self.evaluator = engine.Evaluator(searcher, self.live, self.size, threading.Lock())
        self.ids: dict[int, str] = _ids(searcher, self.live)
        self.docnum = {pid: d for d, pid in self.ids.items()}
        terms: list[tuple[str, str]] = []
        rows: list[np.ndarray] = []
        boosts: list[np.ndarray] = []
        for term, docs, boost in self._queries():
            terms.append(term)
            rows.append(docs)
            boosts.append(boost)
        self.terms = terms
        # Each practice's query, as (term number, boost) pairs grouped by practice.
        none = np.zeros(0, dtype=np.int64)
        which = np.concatenate([np.full(len(r), t, dtype=np.int64) for t, r in enumerate(rows)] or [none])
        docs = np.concatenate(rows or [none])
        weights = np.concatenate(boosts or [np.zeros(0)])
        order = np.argsort(docs, kind="stable")
        self.q_docs, self.q_terms, self.q_boosts = docs[order], which[order], weights[order]

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
                docs = docs[np.isin(docs, self._live_array())]
                yield (name, text), docs, np.full(len(docs), facet.similarity)

    def _live_array(self) -> np.ndarray:
        if not hasattr(self, "_live"):
            self._live = np.fromiter(self.live, dtype=np.int64, count=len(self.live))
        return self._live

    def _key_terms(self) -> Iterator[tuple[tuple[str, str], np.ndarray, np.ndarray]]:
        """Each practice's key words, as `Searcher.key_terms_from_text` finds them in the
        practice's indexed text (Bo1, normalised by the practice's best word)."""
        n = self.size
        live = self._live_array()
        texts: list[str] = []
        docs_: list[np.ndarray] = []
        scores_: list[np.ndarray] = []
        term_: list[np.ndarray] = []
        for text in self.reader.lexicon("plain"):
            docs, weights = self.evaluator.weights("plain", text.decode("utf-8"))
            keep = np.isin(docs, live)
            if not keep.any():
                continue
            f = self.reader.frequency("plain", text) / n
            docs_.append(docs[keep])
            scores_.append(weights[keep] * math.log((1.0 + f) / f, 2) + math.log(1.0 + f, 2))
            term_.append(np.full(int(keep.sum()), len(texts), dtype=np.int64))
            texts.append(text.decode("utf-8"))
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

    def _scores(self, rows: np.ndarray, among: np.ndarray | None = None) -> np.ndarray:
        """rows x documents: each row's query scored on every document (or rows x
        `among`: only on those documents, in that order). The block's queries are a rows x terms
        matrix of boosts and its terms' postings a terms x documents matrix of scores:
        their product is every score at once."""
        start = np.searchsorted(self.q_docs, rows, side="left")
        stop = np.searchsorted(self.q_docs, rows, side="right")
        picked = np.concatenate([np.arange(a, b) for a, b in zip(start, stop)] or [np.zeros(0, dtype=np.int64)])
        local = np.repeat(np.arange(len(rows)), stop - start)
        used, column = np.unique(self.q_terms[picked], return_inverse=True)
        queries = np.zeros((len(rows), len(used)))
        queries[local, column] = self.q_boosts[picked]
        columns = np.full(self.size, -1, dtype=np.int64)
        columns[among if among is not None else slice(None)] = np.arange(self.size if among is None else len(among))
        postings = np.zeros((len(used), self.size if among is None else len(among)))
        for i, t in enumerate(used.tolist()):
            docs, scores = self.evaluator.postings(*self.terms[t])
            at = columns[docs]
            postings[i, at[at >= 0]] = scores[at >= 0]
        return queries @ postings

    def _best(self, docs: np.ndarray, scores: np.ndarray) -> list[list[tuple[str, float]]]:
        """Per row of `scores` (the row of document `docs[i]`), its LIMIT best documents,
        ties to the lower document number; the document itself and those that score
        nothing are left out."""
        scores[np.arange(len(docs)), docs] = 0.0
        width = min(LIMIT, scores.shape[1])
        threshold = np.partition(scores, -width, axis=1)[:, -width]
        out = []
        for row, least in zip(scores, threshold.tolist()):
            candidates = np.flatnonzero(row >= max(least, np.nextafter(0.0, 1.0)))
            order = np.lexsort((candidates, -row[candidates]))[:LIMIT]
            out.append([(self.ids[d], float(row[d])) for d in candidates[order].tolist()])
        return out

    def lists(self, previous: Lists | None, changed: set[str]) -> Lists:
        dead = np.ones(self.size, dtype=bool)
        dead[self._live_array()] = False
        full: list[int] = []
        merge: list[int] = []
        for d, pid in sorted(self.ids.items()):
            kept = None if previous is None else previous.get(pid)
            if kept is None or pid in changed or any(o in changed or o not in self.docnum for o, _ in kept):
                full.append(d)
            else:
                merge.append(d)
        out: Lists = {}
        for block in _blocks(full):
            scores = self._scores(block)
            scores[:, dead] = 0.0
            for d, best in zip(block.tolist(), self._best(block, scores)):
                out[self.ids[d]] = best
        among = np.asarray(sorted(self.docnum[pid] for pid in changed if pid in self.docnum), dtype=np.int64)
        for block in _blocks(merge):
            assert previous is not None
            scores = self._scores(block, among) if len(among) else np.zeros((len(block), 0))
            for d, row in zip(block.tolist(), scores):
                had = [(self.docnum[other], score) for other, score in previous[self.ids[d]]]
                gained = [(int(c), float(v)) for c, v in zip(among.tolist(), row.tolist()) if v > 0 and c != d]
                ranked = sorted(had + gained, key=lambda pair: (-pair[1], pair[0]))[:LIMIT]
                out[self.ids[d]] = [(self.ids[c], score) for c, score in ranked]
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
