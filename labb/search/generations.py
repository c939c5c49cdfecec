"""Opening the live generation of an index folder, once, and again only when it changes.

A `Generation` is one opened generation: Whoosh's searcher, the live documents,
one roaring bitmap per facet value (precomputed here, so facet counts are
intersections, never searches), the sorting columns and the query evaluator.
`Generations` hands out the live one, and opens the next when `labb index` has
switched `CURRENT` to it.
"""

from __future__ import annotations

import os
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyroaring import BitMap

from .. import engine, similarity
from ..facets import FACETS
from ..index import CURRENT, current_generation, read_manifest, stamp
from ..model import Practice
from ..vocab import LABEL_LANGUAGES, Vocabularies

WARM_TERMS = 1000
"""Terms per text field whose postings a new generation reads before it is used (at
10,000 practices, 13 fields: 3-5 s)."""
PRACTICE_CACHE = 16384
"""Practices kept read per generation (some 12 KB each in memory: 200 MB at most;
reading one again costs 0.3 ms, and a result page shows 20)."""


class NoIndex(Exception):
    """There is no index yet: run `labb index`."""


@dataclass
class Generation:
    """One opened generation: the Whoosh searcher and the per-value bitmaps."""

    name: str
    index: Any
    searcher: Any
    live: BitMap
    bitmaps: dict[str, dict[str, BitMap]]
    """facet -> value -> the documents that have it."""
    start: list[int]
    added: list[int]
    budget: list[int]
    titles: dict[str, list[str]]
    """Per interface language, each document's title sort key."""
    rank: np.ndarray
    """Each document's place among all by completeness (most first), then start (newest
    first), then document number: how equal scores are ordered."""
    lock: threading.Lock
    """Held while Whoosh's searcher is used (it is not safe across threads)."""
    evaluator: engine.Evaluator
    path: Path | None = None
    _similar: similarity.Lists | None = None
    _loaded: OrderedDict[int, Practice] = field(default_factory=OrderedDict)
    _numbers: dict[str, int] = field(default_factory=dict)
    _paths: dict[int, str] = field(default_factory=dict)
    """Document numbers by id and file paths by document number, as found (at most one
    entry per practice of the generation)."""
    described: dict[Any, Any] = field(default_factory=dict)
    """Facet values' labels and groups per language, described once (see `counting`)."""

    @classmethod
    def open(cls, path: Path) -> Generation:
        ix = engine.open_dir(path)
        searcher = ix.searcher()
        reader = searcher.reader()
        live = BitMap(reader.all_doc_ids())
        bitmaps: dict[str, dict[str, BitMap]] = {}
        for facet in FACETS:
            name = f"f_{facet}"
            values: dict[str, BitMap] = {}
            for term in reader.lexicon(name):
                ids = BitMap(reader.postings(name, term).all_ids()) & live
                if ids:
                    values[term.decode("utf-8")] = ids
            bitmaps[facet] = values
        size = reader.doc_count_all()
        start = _column(reader, "start", size, 0)
        added = _column(reader, "added", size, 0)
        budget = _column(reader, "budget", size, 0)
        complete = _column(reader, "complete", size, 0)
        rank = np.empty(size, dtype=np.int64)
        rank[sorted(range(size), key=lambda d: (-complete[d], -start[d], d))] = np.arange(size)
        titles = {lang: _column(reader, f"sort_{lang}", size, "") for lang in LABEL_LANGUAGES}
        lock = threading.Lock()
        evaluator = engine.Evaluator(searcher, live, size, lock)
        return cls(
            path.name, ix, searcher, live, bitmaps, start, added, budget, titles, rank, lock, evaluator, path=path
        )

    def warm(self, terms: int = WARM_TERMS) -> None:
        """Read what the first searches would read: the postings of each text field's
        most frequent terms (those a search meets most and whose postings are long; not
        those in fewer than 2 practices or 0.5% of them), once, before the generation
        is used, the similar practices' lists and the practices themselves. A less
        frequent term is read on first use, a few milliseconds."""
        reader = self.searcher.reader()
        present = self.bitmaps.get("language", {})
        names = self.searcher.schema.names()
        fields = ["title", "plain", *(n for n in names if n.startswith("text_") and n[5:] in present)]
        floor = max(2, len(self.live) // 200)  # a rarer term's postings are read on demand in well under 1 ms
        for name in fields:
            with self.lock:
                frequent = [
                    text
                    for _, text in reader.most_frequent_terms(name, number=terms)
                    if reader.doc_frequency(name, text) >= floor
                ]
            for text in frequent:
                self.evaluator.postings(name, text.decode("utf-8") if isinstance(text, bytes) else text)
        self._lists()
        # The practices, as many as are kept, the most complete and newest first (the
        # first pages of a browse show those): reading one costs 0.3 ms, 3 s for 10,000.
        order = [d for d in np.argsort(self.rank, kind="stable").tolist() if d in self.live][:PRACTICE_CACHE]
        for start in range(0, len(order), 256):
            self.practices(order[start : start + 256])

    def similar(self, practice_id: str) -> list[tuple[str, float]]:
        """(id, score) of the practices most like `practice_id`, best first, as the
        build found them."""
        return self._lists().get(practice_id, [])

    def _lists(self) -> similarity.Lists:
        """The similar practices' lists, read from the generation once."""
        lists = self._similar
        if lists is None:
            lists = self._similar = similarity.read(self.path) if self.path else {}
        return lists

    def close(self) -> None:
        self.searcher.close()
        self.index.close()

    def practices(self, docnums: list[int]) -> list[Practice]:
        """The stored practices of these documents, in this order. The most recently
        read `PRACTICE_CACHE` stay in memory (a practice is immutable, and so is its
        generation): a result page reads 20, most of them read before."""
        cache = self._loaded
        found: dict[int, Practice] = {}
        with self.lock:
            for d in docnums:
                practice = cache.get(d)
                if practice is None:
                    fields = self.searcher.stored_fields(d)
                    practice = cache[d] = load(fields["doc"])
                    self._paths[d] = fields.get("path") or ""
                    if len(cache) > PRACTICE_CACHE:
                        cache.popitem(last=False)
                else:
                    cache.move_to_end(d)
                found[d] = practice
        return [found[d] for d in docnums]

    def number(self, practice_id: str) -> int | None:
        """The document number of the practice with this id, or None (found numbers are
        kept: at most one per practice, and they never change within a generation)."""
        found = self._numbers.get(practice_id)
        if found is None:
            with self.lock:
                found = self.searcher.document_number(id=practice_id)
            if found is not None:
                self._numbers[practice_id] = found
        return found

    def file_of(self, docnum: int) -> str:
        """The practice file's path within the practices folder ("" when not stored)."""
        found = self._paths.get(docnum)
        if found is None:
            self.practices([docnum])
            found = self._paths[docnum]
        return found


def _column(reader: Any, name: str, size: int, default: Any) -> list[Any]:
    if not reader.has_column(name):
        return [default] * size
    column = reader.column_reader(name)
    values = [column[i] for i in range(size)]
    return [v.decode("utf-8") for v in values] if isinstance(default, str) else values


def load(blob: bytes) -> Practice:
    """A practice from the index's stored `doc` field."""
    return Practice.from_stored_json(zlib.decompress(blob))


class Generations:
    """The live generation of an index folder, opened once and reopened when it changes."""

    def __init__(self, index_dir: Path, vocabs: Vocabularies):
        self.index_dir = Path(index_dir)
        self._stamp = stamp(vocabs)
        self._generation: Generation | None = None
        self._seen: tuple[int, int, int] | None = None
        """`CURRENT` as last read (inode, modification time, size): a build replaces it."""
        self._lock = threading.Lock()

    def current(self) -> Generation:
        """The live generation. The first request after `labb index` switched to a new
        one opens it and reads its most used postings (`Generation.warm`) before it is
        handed out; requests arriving meanwhile still get the previous one. The first
        generation a process opens is handed out at once (its first requests read what
        they need: warming it would hold every reader waiting); a server warms it before
        it takes requests (`Searcher.warm`)."""
        generation = self._generation
        seen = _stat(self.index_dir / CURRENT)
        if generation is not None and seen is not None and seen == self._seen:
            return generation  # `CURRENT` is as it was: no file read
        path = current_generation(self.index_dir)
        if path is None:
            raise NoIndex(f"there is no index in {self.index_dir}; run `labb index`")
        if generation is not None and generation.name == path.name:
            self._seen = seen
            return generation
        if not self._lock.acquire(blocking=generation is None):
            assert generation is not None
            return generation  # another request is opening the new one
        try:
            if self._generation is None or self._generation.name != path.name:
                if read_manifest(path).get("stamp") != self._stamp:
                    raise NoIndex(
                        f"the index in {self.index_dir} was built by another version of labb "
                        "or other vocabularies; run `labb index`"
                    )
                # The previous generation is not closed: queries already running on it
                # finish there (its files stay readable even after cleanup unlinks them).
                opened = Generation.open(path)
                if self._generation is not None:
                    opened.warm()
                self._generation = opened
                self._seen = seen
            return self._generation
        finally:
            self._lock.release()

    def close(self) -> None:
        if self._generation is not None:
            self._generation.close()
            self._generation = None


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size
