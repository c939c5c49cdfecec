"""Filters and facet counts, on the generation's per-value bitmaps.

Facet counts are disjunctive: a value's count is the number of results one would
get by also selecting it, that is among the documents the words match, narrowed by
every selected group but its own. Every live document's values are kept in one
array per generation, so counting all values among some documents is one
`bincount` of their values (or of the other documents', when those are fewer)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyroaring import BitMap

from ..facets import REGISTRY, Facet
from ..model import FacetValue, Query, fold
from ..vocab import Vocabularies
from .generations import Generation

_new = tuple.__new__
"""Makes a FacetValue from its five fields without the named tuple's own `__new__`, a
Python function: a page makes some 500 values (about 0.3 microseconds each instead of 0.9)."""

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
    pairs = _pairs(gen)
    # Every value among the documents all selected groups leave; then a selected group's
    # own values again, among the documents the other groups leave.
    narrowed = matched
    for _key, ids in groups:
        narrowed = narrowed & ids
    counts_all = pairs.count(narrowed)
    for key in (key for key, _ids in groups if key in pairs.values_of):
        ids = matched
        for other, other_ids in groups:
            if other != key:
                ids = ids & other_ids
        own = pairs.values_of[key]
        counts_all[own] = pairs.count(ids)[own]

    out: dict[str, tuple[FacetValue, ...]] = {}
    for facet in REGISTRY:
        selected = query.filters.get(facet.name, frozenset())
        described = _described(gen, facet, query.lang, vocabs)
        table = _table(gen, facet)
        offset = pairs.offsets[facet.name]
        counts = counts_all[offset : offset + len(table.values)]
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
            _new(FacetValue, (v, label, counted[n], v in selected, group))
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


@dataclass(frozen=True)
class _Pairs:
    """Every live document's facet values, numbered across facets (a facet's from its
    offset), as one array ordered by document: the values of some documents are found
    by slicing, and counted with one `bincount`."""

    starts: np.ndarray
    """Document number -> where its values begin in `values` (and end, at the next one)."""
    values: np.ndarray
    size: int
    """How many values all facets have."""
    total: np.ndarray
    """Each value's count among all live documents."""
    live: BitMap
    offsets: dict[str, int]
    """Facet name -> the number of its first value."""
    values_of: dict[str, np.ndarray]
    """Group key -> the numbers of the values that have it."""

    def count(self, ids: BitMap) -> np.ndarray:
        """How many of `ids` have each value: from their own values, or, when they are
        more than half of the live documents, from the total less the others' values."""
        if 2 * len(ids) > len(self.live):
            return self.total - self._count(self.live - ids)
        return self._count(ids)

    def _count(self, ids: BitMap) -> np.ndarray:
        docs = _array(ids)
        first = self.starts[docs]
        lengths = self.starts[docs + 1] - first
        # each document's values are at first, first + 1, ... first + length - 1
        at = np.arange(int(lengths.sum())) + np.repeat(first - (np.cumsum(lengths) - lengths), lengths)
        return np.bincount(self.values[at], minlength=self.size)


def _pairs(gen: Generation) -> _Pairs:
    found = gen.described.get("pairs")
    if found is None:
        docs, which, offsets, values_of = [], [], {}, {}
        size = 0
        for facet in REGISTRY:
            table = _table(gen, facet)
            offsets[facet.name] = size
            for key, (key_docs, key_which) in table.keys.items():
                docs.append(key_docs)
                which.append(key_which + size)
                values_of[key] = np.unique(key_which) + size
            size += len(table.values)
        all_docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
        all_values = np.concatenate(which) if which else np.zeros(0, dtype=np.int64)
        order = np.argsort(all_docs, kind="stable")
        starts = np.searchsorted(all_docs[order], np.arange(gen.evaluator.size + 1))
        values = all_values[order]
        found = _Pairs(starts, values, size, np.bincount(values, minlength=size), gen.live, offsets, values_of)
        gen.described["pairs"] = found
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
