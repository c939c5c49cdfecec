"""Evaluate a parsed Whoosh query over one index generation, fast.

Whoosh walks and scores every matching posting in Python on every query. Here
each term's postings are read once per generation, with the scores Whoosh's own
weighting gives them (BM25F), and kept as arrays; a query is then a few set
operations on roaring bitmaps and additions of numpy score vectors. The scores are
Whoosh's: a union or an intersection scores the sum of its parts, as Whoosh's
matchers do. Query kinds with their own matching rules (phrases, prefixes,
wildcards, fuzzy terms) are handed to Whoosh itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyroaring import BitMap
from whoosh import query as wq

TERM_CACHE = 50_000
"""Terms whose postings stay in memory per generation (least recently used go first)."""


@dataclass
class Matched:
    """The documents a query matches and a score for every document number."""

    ids: BitMap
    scores: np.ndarray

    def top(self, within: BitMap, limit: int | None = None) -> dict[int, float]:
        """Scores of the best `limit` documents among `within` (all when None)."""
        docs = np.fromiter(within, dtype=np.int64, count=len(within))
        if not len(docs):
            return {}
        scores = self.scores[docs]
        if limit is not None and limit < len(docs):
            best = np.lexsort((docs, -scores))[:limit]  # highest score first, ties by document number
            docs, scores = docs[best], scores[best]
        return dict(zip(docs.tolist(), scores.tolist()))


class Evaluator:
    """Per generation: cached term postings, and query evaluation over them."""

    def __init__(self, searcher: Any, live: BitMap, size: int, lock: threading.Lock):
        self.searcher = searcher
        self.live = live
        self.size = size
        self.lock = lock
        self._terms: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cache_lock = threading.Lock()

    def evaluate(self, node: Any) -> Matched:
        ids, scores = self._node(node)
        return Matched(ids & self.live, scores)

    def _zeros(self) -> np.ndarray:
        return np.zeros(self.size, dtype=np.float64)

    def _node(self, node: Any) -> tuple[BitMap, np.ndarray]:
        if isinstance(node, wq.Term):
            docs, values = self._postings(node)
            scores = self._zeros()
            scores[docs] = values
            return BitMap(docs.tolist()), scores
        if isinstance(node, wq.ConstantScoreQuery):
            ids, _ = self._node(node.child)
            scores = self._zeros()
            scores[np.fromiter(ids, dtype=np.int64, count=len(ids))] = node.score
            return ids, scores
        if isinstance(node, (wq.Or, wq.And)) and type(node) in (wq.Or, wq.And):
            parts = [self._node(q) for q in node.subqueries]
            if not parts:
                return BitMap(), self._zeros()
            ids = parts[0][0].copy()
            for other, _ in parts[1:]:
                ids = ids | other if isinstance(node, wq.Or) else ids & other
            return ids, sum((scores for _, scores in parts), self._zeros()) * node.boost
        if type(node) is wq.AndNot:
            ids, scores = self._node(node.a)
            excluded, _ = self._node(node.b)
            return ids - excluded, scores
        if type(node) is wq.Not:
            ids, _ = self._node(node.query)
            return self.live - ids, self._zeros()
        if node is wq.NullQuery:
            return BitMap(), self._zeros()
        return self._by_whoosh(node)

    def _postings(self, term: Any) -> tuple[np.ndarray, np.ndarray]:
        key = (term.fieldname, term.text, term.boost)
        with self._cache_lock:
            cached = self._terms.get(key)
            if cached is not None:
                self._terms.move_to_end(key)
                return cached
        docs: list[int] = []
        values: list[float] = []
        with self.lock:
            matcher = term.matcher(self.searcher)
            while matcher.is_active():
                docs.append(matcher.id())
                values.append(matcher.score())
                matcher.next()
        found = (np.asarray(docs, dtype=np.int64), np.asarray(values, dtype=np.float64))
        with self._cache_lock:
            self._terms[key] = found
            if len(self._terms) > TERM_CACHE:
                self._terms.popitem(last=False)
        return found

    def _by_whoosh(self, node: Any) -> tuple[BitMap, np.ndarray]:
        with self.lock:
            found = self.searcher.search(node, limit=None, terms=False)
            pairs = [(docnum, score) for score, docnum in found.top_n]
        scores = self._zeros()
        if pairs:
            docs = np.asarray([d for d, _ in pairs], dtype=np.int64)
            scores[docs] = [s for _, s in pairs]
        return BitMap(d for d, _ in pairs), scores
