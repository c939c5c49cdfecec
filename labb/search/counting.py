"""Filters and facet counts, on the generation's per-value bitmaps.

Facet counts are disjunctive: a value's count is the number of results one would
get by also selecting it. Each is one intersection of roaring bitmaps: the
documents the words match, narrowed by every other selected group, with the
value's own bitmap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyroaring import BitMap

from ..facets import REGISTRY, Facet
from ..model import FacetValue, Query, fold
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
    masks: dict[int, np.ndarray] = {}

    def base(key: str) -> np.ndarray:
        """The documents a value with this group key is counted among, as a mask."""
        if key not in bases:
            ids = matched
            for other, selected in groups:
                if other != key:
                    ids = ids & selected
            bases[key] = ids
        ids = bases[key]
        if id(ids) not in masks:
            mask = np.zeros(gen.evaluator.size, dtype=bool)
            mask[_array(ids)] = True
            masks[id(ids)] = mask
        return masks[id(ids)]

    out: dict[str, tuple[FacetValue, ...]] = {}
    for facet in REGISTRY:
        selected = query.filters.get(facet.name, frozenset())
        described = _described(gen, facet, query.lang, vocabs)
        table = _table(gen, facet)
        counts = np.zeros(len(table.values), dtype=np.int64)
        for key, (docs, which) in table.keys.items():
            counts += np.bincount(which[base(key)[docs]], minlength=len(table.values))
        by_label = type(facet).ordered is Facet.ordered
        order = _order(gen, facet, table, described, query.lang)  # value numbers by label
        kept = order[counts[order] > 0]
        if query.depth is not None:
            shallow = _levels(gen, facet, table, vocabs)[kept] <= query.depth
            if selected:
                shallow |= np.isin(kept, [table.number[v] for v in selected if v in table.number])
            kept = kept[shallow]
        if by_label:  # in label order already: a stable sort by count gives the facet's order
            kept = kept[np.argsort(-counts[kept], kind="stable")]
        rows = _rows(gen, facet, table, described, query.lang)
        counted = counts.tolist()
        values = [
            FacetValue(v, label, counted[n], v in selected, group)
            for n in kept.tolist()
            for v, label, group in (rows[n],)
        ]
        zeros = []  # selected values that count nothing are listed all the same
        for v in selected:
            if v not in table.number or not counts[table.number[v]]:
                label, group, _ = described[v] if v in described else _describe(facet, v, query.lang, vocabs)
                zeros.append(FacetValue(v, label, 0, True, group))
        if by_label:
            out[facet.name] = (*values, *sorted(zeros, key=lambda fv: fold(fv.label)))
        else:
            out[facet.name] = tuple(facet.ordered([*values, *zeros], vocabs))
    return out


def _order(gen: Generation, facet: Facet, table: _Table, described: dict[str, Described], lang: str) -> np.ndarray:
    """The facet's value numbers in the order of their labels in `lang` (once per generation)."""
    key = ("order", facet.name, lang)
    found = gen.described.get(key)
    if found is None:
        found = np.asarray([table.number[v] for v in described if v in table.number], dtype=np.int64)
        gen.described[key] = found
    return found


def _rows(
    gen: Generation, facet: Facet, table: _Table, described: dict[str, Described], lang: str
) -> list[tuple[str, str, str | None]]:
    """Each value number's (value, label in `lang`, group), once per generation."""
    key = ("rows", facet.name, lang)
    found = gen.described.get(key)
    if found is None:
        found = [(v, *described[v][:2]) for v in table.values]
        gen.described[key] = found
    return found


def _levels(gen: Generation, facet: Facet, table: _Table, vocabs: Vocabularies) -> np.ndarray:
    """Each value number's level (`Facet.level`), once per generation."""
    key = ("levels", facet.name)
    found = gen.described.get(key)
    if found is None:
        found = np.asarray([facet.level(v, vocabs) for v in table.values], dtype=np.int64)
        gen.described[key] = found
    return found


@dataclass(frozen=True)
class _Table:
    """A facet's values and every (document, value) pair, as arrays: a value's count
    among some documents is one `bincount` over the pairs those documents have."""

    values: list[str]
    number: dict[str, int]
    keys: dict[str, tuple[np.ndarray, np.ndarray]]
    """Group key -> the (document, value number) pairs of the values that have it."""


def _table(gen: Generation, facet: Facet) -> _Table:
    key = ("table", facet.name)
    found = gen.described.get(key)
    if found is None:
        bitmaps = gen.bitmaps.get(facet.name, {})
        values = list(bitmaps)
        pairs: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        for n, v in enumerate(values):
            docs, which = pairs.setdefault(facet.group_key(v), ([], []))
            docs.append(_array(bitmaps[v]))
            which.append(np.full(len(bitmaps[v]), n, dtype=np.int64))
        keys = {k: (np.concatenate(docs), np.concatenate(which)) for k, (docs, which) in pairs.items()}
        found = _Table(values, {v: n for n, v in enumerate(values)}, keys)
        gen.described[key] = found
    return found


def _array(ids: BitMap) -> np.ndarray:
    return np.asarray(ids.to_array(), dtype=np.int64) if hasattr(ids, "to_array") else np.fromiter(ids, np.int64)


Described = tuple[str, str | None, str]
"""A value's label in a language, the group it is listed under, and its group key."""


def _describe(facet: Facet, value: str, lang: str, vocabs: Vocabularies) -> Described:
    return facet.label(value, vocabs, lang), facet.group(value, vocabs), facet.group_key(value)


def _described(gen: Generation, facet: Facet, lang: str, vocabs: Vocabularies) -> dict[str, Described]:
    """Every indexed value of `facet` described in `lang`, in the order of their labels
    (as `Facet.ordered` compares them), once per generation: a page counts some 2,000
    values, and their labels and groups never change."""
    key = (facet.name, lang)
    found = gen.described.get(key)
    if found is None:
        described = {v: _describe(facet, v, lang, vocabs) for v in gen.bitmaps.get(facet.name, {})}
        found = dict(sorted(described.items(), key=lambda item: fold(item[1][0])))
        gen.described[key] = found
    return found
