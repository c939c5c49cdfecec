"""The Searcher: one object the command line, the pages and the API search through.

It opens the live generation once (see `generations`), reuses it for every query,
and reopens only when `labb index` has switched to a newer one. A search is:
the words parsed (`text`), matched on the generation's postings (`engine`), the
filters applied and the facets counted on bitmaps (`counting`), the results
ordered and one page of them made into hits with snippets (`snippets`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyroaring import BitMap

from .. import analysis
from ..engine import Matched
from ..facets import N_
from ..index import stemmed_languages
from ..model import Hit, Note, Practice, Query, Results
from ..vocab import Vocabularies
from .counting import Groups, facet_counts, filter_groups
from .explain import Reason, reasons
from .generations import Generation, Generations
from .snippets import Keys, snippet, suggest
from .text import OPERATORS, WORD, TextParser, one_character


@dataclass(frozen=True)
class Selection:
    """What a query selects, before ordering and paging: what both a page of results
    and a full export are made from."""

    parsed: Any
    """The parsed words, or None when there are none to search."""
    text: str
    """The words as searched (shortened, cleaned)."""
    hit: Matched | None
    """What the words match, with scores; None without words."""
    matched: BitMap
    """The documents the words match (every live one without words)."""
    results: BitMap
    """`matched` within the filters."""
    groups: Groups
    """The selected filters, per group."""
    corrected: tuple[tuple[str, str], ...] = ()
    """(word as typed, the neighbour also searched for) for each word the index did not know."""
    also: tuple[str, ...] = ()
    """The glossary labels searched besides the words (see `glossary`)."""


CACHE_ENTRIES = 512
"""Result pages kept in memory per process by default (least recently used go first)."""


class ResultCache:
    """Result pages by (generation, canonical query). A generation never changes, so an
    entry is right for as long as its generation is live, and a new generation misses
    every old entry (which are dropped as soon as it stores its first). Bounded by a
    number of entries; 0 keeps none."""

    def __init__(self, entries: int):
        self.entries = entries
        self._pages: OrderedDict[tuple[Any, ...], Results] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Results | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple[Any, ...], results: Results) -> None:
        if self.entries <= 0:
            return
        with self._lock:
            if self._pages and next(iter(self._pages))[0] != key[0]:
                self._pages = OrderedDict((k, v) for k, v in self._pages.items() if k[0] == key[0])
            self._pages[key] = results
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


def canonical(query: Query) -> tuple[Any, ...]:
    """The query as a hashable key, filters in a fixed order."""
    filters = tuple(sorted((name, tuple(sorted(values))) for name, values in query.filters.items() if values))
    return (query.text, filters, query.sort, query.page, query.per_page, query.lang, query.exact, query.depth)


class Searcher:
    """Searches the live generation of an index folder; safe to share between threads.
    `cache` is how many result pages to keep in memory (0: none)."""

    def __init__(self, index_dir: Path, vocabs: Vocabularies, cache: int = CACHE_ENTRIES):
        self.index_dir = Path(index_dir)
        self.vocabs = vocabs
        self._generations = Generations(self.index_dir, vocabs)
        self._stemmed = stemmed_languages(vocabs)
        self._text = TextParser(vocabs, self._stemmed)
        self.cache = ResultCache(cache)

    def _current(self) -> Generation:
        return self._generations.current()

    def close(self) -> None:
        self._generations.close()

    def warm(self) -> str:
        """Open the live generation now, read the postings of its most frequent words
        (`Generation.warm`) and make its facet tables (the first search's: 125 ms at
        10,000 practices), as a server does before it takes requests; returns the
        generation's name. Raises NoIndex when there is none."""
        gen = self._current()
        gen.warm()
        facet_counts(gen, Query(), gen.live, [], self.vocabs)
        return gen.name

    # -- one practice --------------------------------------------------------
    def get(self, practice_id: str) -> Practice | None:
        """The practice with this id, or None."""
        gen = self._current()
        docnum = gen.number(practice_id)
        return gen.practices([docnum])[0] if docnum is not None else None

    def path_of(self, practice_id: str) -> str | None:
        """The practice file's path within the practices folder."""
        gen = self._current()
        docnum = gen.number(practice_id)
        return (gen.file_of(docnum) or None) if docnum is not None else None

    def count(self) -> int:
        return len(self._current().live)

    # -- searching -----------------------------------------------------------
    def _text_query(self, text: str, notes: list[str], filtered: bool = False) -> tuple[Any, str]:
        return self._text.parse(self._current(), text, notes, filtered)

    def select(self, gen: Generation, query: Query, notes: list[str]) -> Selection:
        """The text match (with its any-word fallback) and the filters."""
        corrections: list[tuple[str, str]] | None = None if query.exact else []
        also: list[str] = []  # glossary expansion (issue 12, item 4)
        parsed, text = self._text.parse(
            gen, query.text, notes, filtered=bool(query.filters), corrections=corrections, also=also
        )
        hit = None
        if parsed is not None:
            hit = gen.evaluator.evaluate(parsed)
            if not hit.ids and not OPERATORS.search(text) and len(WORD.findall(text)) > 1:
                fallback: list[tuple[str, str]] | None = None if query.exact else []
                any_word = self._text.any_word(gen, text, fallback)
                found = gen.evaluator.evaluate(any_word)
                if found.ids:
                    notes.append(Note(N_("No practice has all the words; these have some of them.")))
                    parsed, hit, corrections = any_word, found, fallback
                    also.clear()
            kept = [w for w in WORD.findall(text) if w.casefold() not in analysis.STOP_WORDS]
            if not hit.ids and kept and all(len(w) == 1 for w in kept):
                notes.append(one_character(kept))
        matched = hit.ids if hit is not None else gen.live
        groups = filter_groups(gen, query)
        results = matched.copy()
        for _, ids in groups:
            results &= ids
        corrected = tuple(dict.fromkeys(corrections or ())) if hit is not None and hit.ids else ()
        return Selection(parsed, text, hit, matched, results, groups, corrected, tuple(also))

    def search(self, query: Query) -> Results:
        gen = self._current()
        key = (gen.name, *canonical(query))
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        results = self._search(gen, query)
        self.cache.put(key, results)
        return results

    def total(self, query: Query) -> int:
        """How many practices `query` finds: its words and filters, as `search` counts
        them, without facets, a page or snippets."""
        return len(self.select(self._current(), query, []).results)

    def generation(self) -> str:
        """The live generation's name (it changes with every `labb index` that changes something)."""
        return self._current().name

    def _search(self, gen: Generation, query: Query) -> Results:
        notes: list[str] = []
        chosen = self.select(gen, query, notes)
        facets = facet_counts(gen, query, chosen.matched, chosen.groups, self.vocabs)
        first = (query.page - 1) * query.per_page
        if chosen.hit is not None and query.sort == "relevance":
            scores = chosen.hit.top(chosen.results, limit=first + query.per_page, rank=gen.rank)  # as far as this page
            order = _order(gen, BitMap(scores), scores, query)
        else:
            scores, order = {}, _order(gen, chosen.results, {}, query)
        page = order[first : first + query.per_page]  # empty past the last page: see Results.page_problem
        keys = Keys.of(chosen.parsed) if chosen.parsed is not None else None
        hits = tuple(
            self._hit(practice, scores.get(d, 0.0), keys, query.lang) for d, practice in zip(page, gen.practices(page))
        )
        suggestion = None
        if chosen.parsed is not None and len(chosen.results) < 3 and not chosen.corrected:
            suggestion = suggest(gen, chosen.text, lambda text: self._finds(gen, text))
        return Results(
            query=query,
            total=len(chosen.results),
            hits=hits,
            facets=facets,
            suggestion=suggestion,
            notes=tuple(notes),
            corrected=chosen.corrected,
            also_searched=chosen.also,
        )

    def explain(self, query: Query) -> tuple[Results, dict[str, list[Reason]]]:
        """One page of results, and for each hit why it matched (by id; empty without words)."""
        gen = self._current()
        results = self._search(gen, query)
        chosen = self.select(gen, query, [])
        why: dict[str, list[Reason]] = {}
        if chosen.parsed is not None:
            for hit in results.hits:
                docnum = gen.number(hit.id)
                why[hit.id] = reasons(gen, chosen.parsed, docnum) if docnum is not None else []
        return results, why

    def _finds(self, gen: Generation, text: str) -> bool:
        parsed, _ = self._text.parse(gen, text, [])
        return parsed is not None and bool(gen.evaluator.evaluate(parsed).ids)

    def ordered(self, query: Query) -> tuple[int, Iterator[Practice]]:
        """Every result of `query` (no pages, no facets), in its order, from one
        generation of the index: (total, the practices, read in batches)."""
        gen = self._current()
        chosen = self.select(gen, query, [])
        hit = chosen.hit
        scores = hit.top(chosen.results) if hit is not None and query.sort == "relevance" else {}
        order = _order(gen, chosen.results, scores, query)
        batches = (gen.practices(order[i : i + 100]) for i in range(0, len(order), 100))
        return len(order), (practice for batch in batches for practice in batch)

    def recently_added(self, limit: int, query: Query | None = None) -> list[Practice]:
        """The `limit` most recently added practices (of those `query` finds, when
        given: its words and filters, not its order or page), newest first (ties by id)."""
        gen = self._current()
        found = self.select(gen, query, []).results if query is not None else gen.live
        newest = sorted(found, key=lambda d: -gen.added[d])
        if len(newest) > limit:  # keep whole days, so ties can be ordered by id
            cutoff = gen.added[newest[limit - 1]]
            newest = [d for d in newest if gen.added[d] >= cutoff]
        practices = gen.practices(newest)
        return sorted(practices, key=lambda p: (-p.added.toordinal(), p.id))[:limit]

    def similar(self, practice_id: str, limit: int = 5, lang: str = "en") -> list[Hit]:
        """Practices like this one, as the index build found them (`labb.similarity`)."""
        gen = self._current()
        found = gen.similar(practice_id)[:limit]
        docnums = [gen.number(other) for other, _ in found]
        kept = [(d, score) for d, (_, score) in zip(docnums, found) if d is not None]
        practices = gen.practices([d for d, _ in kept])
        return [self._hit(practice, score, None, lang) for (_, score), practice in zip(kept, practices)]

    def _hit(self, practice: Practice, score: float, keys: Keys | None, lang: str) -> Hit:
        title_lang, title = practice.title_in(lang)
        summary_lang, summary = practice.summary_in(lang)
        return Hit(
            id=practice.id,
            title=title,
            title_lang=title_lang,
            summary=summary,
            summary_lang=summary_lang,
            snippet=snippet(practice, keys, lang, self._stemmed),
            score=score,
            practice=practice,
        )


def _order(gen: Generation, ids: BitMap, scores: dict[int, float], query: Query) -> list[int]:
    docs = list(ids)
    start = gen.start
    if query.sort == "title":
        titles = gen.titles.get(query.lang) or gen.titles["en"]
        return sorted(docs, key=lambda d: titles[d])
    if query.sort == "budget":
        return sorted(docs, key=lambda d: (-gen.budget[d], -start[d]))
    rank = gen.rank
    if query.sort == "relevance" and scores:
        return sorted(docs, key=lambda d: (-scores.get(d, 0.0), rank[d]))  # ties: the more complete, the newer
    return sorted(docs, key=lambda d: (-start[d], rank[d]))
