"""Filters and facet counts, on the generation's per-value bitmaps.

Facet counts are disjunctive: a value's count is the number of results one would
get by also selecting it. Each is one intersection of roaring bitmaps: the
documents the words match, narrowed by every other selected group, with the
value's own bitmap."""

from __future__ import annotations

from pyroaring import BitMap

from ..facets import REGISTRY
from ..model import FacetValue, Query
from ..vocab import Vocabularies
from .generations import Generation

Groups = list[tuple[str, BitMap]]
"""(group key, the documents any of its selected values has), per selected group."""


def filter_groups(gen: Generation, query: Query) -> Groups:
    """The selected values' documents, united within each group (see `Facet.group_key`)."""
    groups: dict[str, BitMap] = {}
    for facet in REGISTRY:
        for value in query.filters.get(facet.name, ()):
            key = facet.group_key(value)
            ids = gen.bitmaps.get(facet.name, {}).get(value, BitMap())
            groups[key] = groups[key] | ids if key in groups else ids.copy()
    return list(groups.items())


def facet_counts(
    gen: Generation, query: Query, matched: BitMap, groups: Groups, vocabs: Vocabularies
) -> dict[str, tuple[FacetValue, ...]]:
    """Every facet's values with their counts, labelled in the query's language and
    ordered as the facet orders them; selected values always, others when they count."""
    bases: dict[str, BitMap] = {}

    def base(key: str) -> BitMap:
        if key not in bases:
            ids = matched
            for other, selected in groups:
                if other != key:
                    ids = ids & selected
            bases[key] = ids
        return bases[key]

    out: dict[str, tuple[FacetValue, ...]] = {}
    for facet in REGISTRY:
        selected = query.filters.get(facet.name, frozenset())
        counts = {}
        for v, ids in gen.bitmaps.get(facet.name, {}).items():
            count = base(facet.group_key(v)).intersection_cardinality(ids)
            if count or v in selected:
                counts[v] = count
        counts.update({v: 0 for v in selected if v not in counts})
        values = [
            FacetValue(v, facet.label(v, vocabs, query.lang), count, v in selected, facet.group(v, vocabs))
            for v, count in counts.items()
        ]
        out[facet.name] = tuple(facet.ordered(values, vocabs))
    return out
