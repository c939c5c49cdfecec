"""Filters and facet counts, on the generation's per-value bitmaps.

Facet counts are disjunctive: a value's count is the number of results one would
get by also selecting it. Each is one intersection of roaring bitmaps: the
documents the words match, narrowed by every other selected group, with the
value's own bitmap."""

from __future__ import annotations

from pyroaring import BitMap

from ..facets import REGISTRY, Facet
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
        described = _described(gen, facet, query.lang, vocabs)
        counts = {}
        for v, ids in gen.bitmaps.get(facet.name, {}).items():
            count = base(described[v][2]).intersection_cardinality(ids)
            if count or v in selected:
                counts[v] = count
        counts.update({v: 0 for v in selected if v not in counts})
        values = []
        for v, count in counts.items():
            label, group, _ = described[v] if v in described else _describe(facet, v, query.lang, vocabs)
            values.append(FacetValue(v, label, count, v in selected, group))
        out[facet.name] = tuple(facet.ordered(values, vocabs))
    return out


Described = tuple[str, str | None, str]
"""A value's label in a language, the group it is listed under, and its group key."""


def _describe(facet: Facet, value: str, lang: str, vocabs: Vocabularies) -> Described:
    return facet.label(value, vocabs, lang), facet.group(value, vocabs), facet.group_key(value)


def _described(gen: Generation, facet: Facet, lang: str, vocabs: Vocabularies) -> dict[str, Described]:
    """Every indexed value of `facet` described in `lang`, once per generation: a page
    counts some 2,000 values, and their labels and groups never change."""
    key = (facet.name, lang)
    found = gen.described.get(key)
    if found is None:
        found = {v: _describe(facet, v, lang, vocabs) for v in gen.bitmaps.get(facet.name, {})}
        gen.described[key] = found
    return found
