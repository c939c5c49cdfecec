"""Practices like a given one: its key words and the vocabulary terms it shares
(the facets with a `similarity` weight in the registry)."""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from ..engine import query as wq
from ..facets import REGISTRY
from ..model import Practice
from .generations import Generation, load

TEXTS = ("title", "summary", "description")
KEY_TERMS = 12


def similar(gen: Generation, practice_id: str, limit: int) -> list[tuple[float, Practice]]:
    """(score, practice) of the `limit` practices most like `practice_id`, best first (ties
    by document number). The query is Whoosh's, evaluated on the generation's cached
    postings: the same practices in the same order as Whoosh's own search, in a fraction
    of the time (tests/test_search.py compares the two)."""
    with gen.lock:
        docnum = gen.searcher.document_number(id=practice_id)
        if docnum is None:
            return []
        practice = load(gen.searcher.stored_fields(docnum)["doc"])
        text = " ".join(t for name in TEXTS for t in (getattr(practice, name) or {}).values())
        key_terms = gen.searcher.key_terms_from_text("plain", text, numterms=KEY_TERMS)
    query = similarity_query(practice, key_terms)
    if query is None:
        return []
    matched = gen.evaluator.evaluate(query)
    best = matched.top(matched.ids - BitMap([docnum]), limit)
    order = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    return list(zip((score for _, score in order), gen.practices([d for d, _ in order])))


def similarity_query(practice: Practice, key_terms: list[tuple[str, float]]) -> Any:
    """The practice's key words, weighted, and its vocabulary terms, weighted by facet."""
    clauses = [wq.Term("plain", word, boost=weight) for word, weight in key_terms]
    for facet in REGISTRY:
        if facet.similarity:
            clauses += [wq.Term(f"f_{facet.name}", value, boost=facet.similarity) for value in facet.values(practice)]
    return wq.Or(clauses) if clauses else None
