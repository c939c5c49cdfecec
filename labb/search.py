"""Answer a Query with Results: full-text search, facets, sorting, snippets.

The CLI, the web pages and the JSON API all search through `Searcher.search`.
A Searcher opens the live generation once, reuses it for every query, and
reopens only when `labb index` has switched to a newer generation. Facet counts
are disjunctive: a value's count is the number of results one would get by also
selecting it. They are computed by intersecting roaring bitmaps precomputed per
facet value when a generation is opened, never by one search per facet.
"""

from __future__ import annotations

import difflib
import json
import re
import threading
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from pyroaring import BitMap
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, PlusMinusPlugin

from . import analysis
from .matching import Evaluator, Matched
from .index import current_generation, read_manifest, stamp, stemmed_languages
from .model import (FACET_VOCABULARY, FACETS, PROGRAMMING_PERIODS, SORTS, FacetValue, Hit, Practice, Query,
                    QueryProblem, Results, Segment)
from .vocab import LABEL_LANGUAGES, Vocabularies

MAX_QUERY = 300
"""Longer queries are shortened (with a note): nobody types more, and it bounds the work."""
MAX_PER_PAGE = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BARE_WILDCARD = re.compile(r"(?<![\w*?])[\w]?[*?]+[\w*?]*")
_OPERATORS = re.compile(r'["()]|\bAND\b|\bOR\b|\bNOT\b|(?:^|\s)[-+]\w')
_WORD = re.compile(analysis.TOKEN)
_MARKDOWN = re.compile(r"[*_`#>\[\]]|\(https?://[^)]*\)")


BRIDGED = {"dimensions": "dimension", "target_groups": "target_group", "indicators": "indicator",
           "criteria": "criterion", "funds": "fund", "countries": "country", "regions": "region"}
"""Vocabularies whose labels find the practices tagged with their terms."""


class Bridge:
    """Vocabulary labels in every language, as a way into the practices tagged with
    them: a Swedish `arbetsmarknad` or a French `travail` finds a practice tagged
    `labour-market`, whatever language its texts are in. Each word of every label
    and keyword is kept in its folded form and as its stem in the label's language;
    a query word is looked up the same way, in every language."""

    def __init__(self, vocabs: Vocabularies, stemmers: Mapping[str, str]):
        self.stemmers = dict(stemmers)
        self.terms: dict[str, set[tuple[str, str]]] = {}
        for name, facet in BRIDGED.items():
            for term in vocabs[name]:
                phrases = [*term.label.items(), *((lang, w) for lang, ws in term.keywords.items() for w in ws)]
                for lang, phrase in phrases:
                    for word in _WORD.findall(phrase):
                        for key in self._keys(word, (lang,)):
                            self.terms.setdefault(key, set()).add((f"f_{facet}", term.id))

    def _keys(self, word: str, languages: Iterable[str]) -> set[str]:
        folded = analysis.fold(word)
        if folded in analysis.STOP_WORDS or len(folded) < 3:
            return set()
        keys = {folded}
        for lang in languages:
            algorithm = self.stemmers.get(lang)
            if algorithm:
                keys.add(f"{lang}:{analysis.stem(algorithm, folded)}")
        return keys

    def matches(self, word: str) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for key in self._keys(word, LABEL_LANGUAGES):
            found |= self.terms.get(key, set())
        return found

    def widen(self, parsed):
        """Add, to each plain word of a parsed query, the vocabulary terms it names."""
        def visit(node):
            if isinstance(node, wq.Or):
                words = [q.text for q in node.subqueries if isinstance(q, wq.Term) and q.fieldname == "plain"]
                extra = [wq.ConstantScoreQuery(wq.Term(field, value), 1.0)
                         for word in words for field, value in sorted(self.matches(word))]
                if extra:
                    return wq.Or([*node.subqueries, *extra])
            return node
        return parsed.accept(visit)


class NoIndex(Exception):
    """There is no index yet: run `labb index`."""


def parse_params(params: Mapping[str, Iterable[str]], vocabs: Vocabularies) -> tuple[Query, list[QueryProblem]]:
    """Build a Query from URL-style parameters (`q`, a list per facet, `sort`, `page`,
    `per_page`, `lang`), with a problem for every value that could not be used. The
    query does without them: an unknown facet value is left out, a bad sort or number
    takes its default. (Unknown parameter names are not read, so not reported.)"""
    problems: list[QueryProblem] = []

    def first(name: str, default: str = "") -> str:
        values = list(params.get(name) or ())
        return str(values[0]) if values else default

    filters: dict[str, frozenset[str]] = {}
    for facet in FACETS:
        values = {str(v).strip() for v in params.get(facet) or () if str(v).strip()}
        if not values:
            continue
        known = {v for v in values if _known_value(facet, v, vocabs)}
        for bad in sorted(values - known):
            problems.append(QueryProblem(facet, bad, f"`{bad[:60]}` is not a known {facet.replace('_', ' ')}",
                                         _closest_value(facet, bad, vocabs)))
        if known:
            filters[facet] = frozenset(known)
    sort = first("sort", "relevance")
    if sort not in SORTS:
        problems.append(QueryProblem("sort", sort, f"unknown sort `{sort[:30]}`", _closest(sort, SORTS)))
        sort = "relevance"
    page = _number(first("page", "1"), 1, problems, "page")
    per_page = min(_number(first("per_page", "20"), 20, problems, "per_page"), MAX_PER_PAGE)
    lang = first("lang", "en")
    if lang not in vocabs["languages"]:
        lang = "en"
    return Query(text=first("q"), filters=filters, sort=sort, page=page, per_page=per_page, lang=lang), problems


OUTCOMES = {"sort": "sorted by relevance", "page": "using 1", "per_page": "using 20"}
"""What a search that goes on despite a problem does instead (for a facet value: ignores it)."""


def problem_notes(problems: Iterable[QueryProblem]) -> list[str]:
    """The problems as the search page's notes: each says what was done instead."""
    return [p.note(OUTCOMES.get(p.parameter, "it was ignored")) for p in problems]


def facet_problem(name: str) -> QueryProblem | None:
    """The problem with a facet name (`--filter NAME=VALUE`), or None when it is a facet."""
    if name in FACETS:
        return None
    suggestion = _closest(name, FACETS, cutoff=0.65)  # not `country` for `colour`
    among = "" if suggestion else f"; the facets are {', '.join(FACETS)}"
    return QueryProblem("facet", name, f"`{name[:60]}` is not a facet{among}", suggestion)


def run(params: Mapping[str, Iterable[str]], searcher: "Searcher") -> Results:
    """Parse URL-style parameters and search, noting each problem and going on without
    it: what the search page does. (The API and the command line refuse a problem
    instead: they call parse_params and Searcher.search themselves.)"""
    query, problems = parse_params(params, searcher.vocabs)
    results = searcher.search(query)
    return replace(results, notes=(*problem_notes(problems), *results.notes)) if problems else results


def _number(text: str, default: int, problems: list[QueryProblem], name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        problems.append(QueryProblem(name, text, f"`{text[:20]}` is not a valid {name}"))
        return default
    return value


def _closest(value: str, options: Iterable[str], cutoff: float = 0.6) -> str | None:
    if len(value) > 100:  # nothing that long is close to an option; spare difflib the work
        return None
    found = difflib.get_close_matches(value.lower(), list(options), n=1, cutoff=cutoff)
    return found[0] if found else None


def _closest_value(facet: str, value: str, vocabs: Vocabularies) -> str | None:
    """The known value of `facet` closest to `value`, for "did you mean"."""
    if len(value) > 100:
        return None
    if facet == "period":
        return _closest(value, [*(f"{a}-{b}" for a, b in PROGRAMMING_PERIODS), "before-2000", "after-2034"])
    if facet == "criterion":
        criterion, sep, level = value.partition(":")
        criteria, levels = vocabs["criteria"], vocabs["levels"]
        criterion = criterion if criterion in criteria else criteria.suggest(criterion)
        if not sep or not criterion:
            return criterion
        level = level if level in levels else levels.suggest(level)
        return f"{criterion}:{level}" if level else criterion
    return vocabs[FACET_VOCABULARY[facet]].suggest(value)


def _known_value(facet: str, value: str, vocabs: Vocabularies) -> bool:
    if facet == "period":
        return re.fullmatch(r"\d{4}-\d{4}|before-2000|after-2034", value) is not None
    if facet == "criterion":
        criterion, _, level = value.partition(":")
        return criterion in vocabs["criteria"] and (not level or level in vocabs["levels"])
    return value in vocabs[FACET_VOCABULARY[facet]]


@dataclass
class _Generation:
    """One opened generation: the Whoosh searcher and the per-value bitmaps."""

    name: str
    index: Any
    searcher: Any
    live: BitMap
    bitmaps: dict[str, dict[str, BitMap]]
    start: list[int]
    added: list[int]
    budget: list[int]
    titles: dict[str, list[str]]
    lock: threading.Lock
    evaluator: Evaluator
    similar: dict = field(default_factory=dict)
    """Similar practices, computed once per practice."""

    @classmethod
    def open(cls, path: Path) -> "_Generation":
        ix = whoosh_index.open_dir(path)
        searcher = ix.searcher()
        reader = searcher.reader()
        live = BitMap(reader.all_doc_ids())
        bitmaps: dict[str, dict[str, BitMap]] = {}
        for facet in FACETS:
            field = f"f_{facet}"
            values: dict[str, BitMap] = {}
            for term in reader.lexicon(field):
                ids = BitMap(reader.postings(field, term).all_ids()) & live
                if ids:
                    values[term.decode("utf-8")] = ids
            bitmaps[facet] = values
        size = reader.doc_count_all()
        start = _column(reader, "start", size, 0)
        added = _column(reader, "added", size, 0)
        budget = _column(reader, "budget", size, 0)
        titles = {lang: _column(reader, f"sort_{lang}", size, "") for lang in LABEL_LANGUAGES}
        lock = threading.Lock()
        evaluator = Evaluator(searcher, live, size, lock)
        return cls(path.name, ix, searcher, live, bitmaps, start, added, budget, titles, lock, evaluator)

    def close(self) -> None:
        self.searcher.close()
        self.index.close()


def _column(reader, field: str, size: int, default) -> list:
    if not reader.has_column(field):
        return [default] * size
    column = reader.column_reader(field)
    values = [column[i] for i in range(size)]
    return [v.decode("utf-8") for v in values] if isinstance(default, str) else values


class Searcher:
    """Searches the live generation of an index folder; safe to share between threads."""

    def __init__(self, index_dir: Path, vocabs: Vocabularies):
        self.index_dir = Path(index_dir)
        self.vocabs = vocabs
        self._generation: _Generation | None = None
        self._lock = threading.Lock()
        self._stemmed = stemmed_languages(vocabs)
        self._stamp = stamp(vocabs)
        self._bridge = Bridge(vocabs, self._stemmed)
        self._parsers: dict[tuple, MultifieldParser] = {}

    # -- opening -----------------------------------------------------------
    def _current(self) -> _Generation:
        path = current_generation(self.index_dir)
        if path is None:
            raise NoIndex(f"there is no index in {self.index_dir}; run `labb index`")
        generation = self._generation
        if generation is not None and generation.name == path.name:
            return generation
        with self._lock:
            if self._generation is None or self._generation.name != path.name:
                if read_manifest(path).get("stamp") != self._stamp:
                    raise NoIndex(f"the index in {self.index_dir} was built by another version of labb "
                                  "or other vocabularies; run `labb index`")
                # The previous generation is not closed: queries already running on it
                # finish there (its files stay readable even after cleanup unlinks them).
                self._generation = _Generation.open(path)
            return self._generation

    def close(self) -> None:
        if self._generation is not None:
            self._generation.close()
            self._generation = None

    # -- one practice --------------------------------------------------------
    def get(self, practice_id: str) -> Practice | None:
        """The practice with this id, or None."""
        gen = self._current()
        with gen.lock:
            fields = gen.searcher.document(id=practice_id)
        return _load(fields["doc"]) if fields else None

    def path_of(self, practice_id: str) -> str | None:
        """The practice file's path within the practices folder."""
        gen = self._current()
        with gen.lock:
            fields = gen.searcher.document(id=practice_id)
        return fields.get("path") or None if fields else None

    def count(self) -> int:
        return len(self._current().live)

    # -- searching -----------------------------------------------------------
    def _parser(self, group) -> MultifieldParser:
        gen = self._current()
        key = (gen.name, group)
        parser = self._parsers.get(key)
        if parser is None:  # one parser per generation and grouping: building one reads the schema
            present = gen.bitmaps.get("language", {})  # only languages the corpus has texts in
            names = ["title", "plain", *(f"text_{lang}" for lang in self._stemmed if lang in present)]
            parser = MultifieldParser(names, gen.searcher.schema, group=group)
            parser.add_plugin(PlusMinusPlugin())
            self._parsers = {k: v for k, v in self._parsers.items() if k[0] == gen.name}
            self._parsers[key] = parser
        return parser

    def _text_query(self, text: str, notes: list[str], filtered: bool = False) -> tuple[Any, str]:
        """Parse `text`; a query that cannot be parsed is searched as plain words, and
        one of only stop words (which no index holds) is no text query at all (None):
        every practice (that matches the filters, when `filtered`), with a note."""
        if len(text) > MAX_QUERY:
            notes.append(f"The query was shortened to its first {MAX_QUERY} characters.")
            text = text[:MAX_QUERY]
        text = _CONTROL.sub(" ", text)
        if _BARE_WILDCARD.search(text):
            cleaned = _BARE_WILDCARD.sub(lambda m: m.group(0) if len(m.group(0).strip("*?")) >= 2 else " ", text)
            if cleaned != text:
                notes.append("Wildcards need at least two letters before them (like `integr*`); the others were ignored.")
                text = cleaned
        text = text.strip()
        if not text:
            return None, ""
        try:
            parsed = self._parser(AndGroup).parse(text)
        except Exception:  # whoosh's parser can fail on odd input: fall back to words
            parsed = None
        if parsed is None or parsed is wq.NullQuery:
            found = _WORD.findall(text)
            if found and all(w.casefold() in analysis.STOP_WORDS for w in found):
                notes.append(_too_common(found, filtered))
                return None, text
            words = " ".join(found)
            notes.append("The query could not be read as written; it was searched as plain words.")
            parsed = self._parser(AndGroup).parse(words) if words else None
        return (self._bridge.widen(_fold_prefixes(parsed)) if parsed is not None else None), text

    def _select(self, gen: _Generation, query: Query, notes: list[str]):
        """The text match (with its any-word fallback) and the filters: what both a
        page of results and a full export are made from."""
        parsed, text = self._text_query(query.text, notes, filtered=bool(query.filters))
        hit = None
        if parsed is not None:
            hit = self._match(gen, parsed)
            if not hit.ids and not _OPERATORS.search(text) and len(_WORD.findall(text)) > 1:
                any_word = self._bridge.widen(_fold_prefixes(self._parser(OrGroup).parse(text)))
                hit = self._match(gen, any_word)
                if hit.ids:
                    notes.append("No practice has all the words; these have some of them.")
                    parsed = any_word
            kept = [w for w in _WORD.findall(text) if w.casefold() not in analysis.STOP_WORDS]
            if not hit.ids and kept and all(len(w) == 1 for w in kept):
                notes.append(_one_character(kept))
        matched = hit.ids if hit is not None else gen.live
        groups = self._filter_groups(gen, query)
        results = matched.copy()
        for _, ids in groups:
            results &= ids
        return parsed, text, hit, matched, results, groups

    def search(self, query: Query) -> Results:
        gen = self._current()
        notes: list[str] = []
        parsed, text, hit, matched, results, groups = self._select(gen, query, notes)
        facets = self._facets(gen, query, matched, groups)
        first = (query.page - 1) * query.per_page
        if hit is not None and query.sort == "relevance":
            scores = hit.top(results, limit=first + query.per_page)  # only as far as this page
            order = self._order(gen, BitMap(scores), scores, query)
        else:
            scores, order = {}, self._order(gen, results, {}, query)
        page = order[first:first + query.per_page]  # empty past the last page: see Results.page_problem
        keys = _match_keys(parsed) if parsed is not None else None
        hits = tuple(self._hit(practice, scores.get(d, 0.0), keys, query.lang)
                     for d, practice in zip(page, self._stored(gen, page)))
        suggestion = self._suggest(gen, text) if parsed is not None and len(results) < 3 else None
        return Results(query=query, total=len(results), hits=hits, facets=facets,
                       suggestion=suggestion, notes=tuple(notes))

    def ordered(self, query: Query) -> tuple[int, Iterator[Practice]]:
        """Every result of `query` (no pages, no facets), in its order, from one
        generation of the index: (total, the practices, read in batches)."""
        gen = self._current()
        _, _, hit, _, results, _ = self._select(gen, query, [])
        scores = hit.top(results) if hit is not None and query.sort == "relevance" else {}
        order = self._order(gen, results, scores, query)
        batches = (self._stored(gen, order[i:i + 100]) for i in range(0, len(order), 100))
        return len(order), (practice for batch in batches for practice in batch)

    def recently_added(self, limit: int) -> list[Practice]:
        """The `limit` most recently added practices, newest first (ties by id)."""
        gen = self._current()
        newest = sorted(gen.live, key=lambda d: -gen.added[d])
        if len(newest) > limit:  # keep whole days, so ties can be ordered by id
            cutoff = gen.added[newest[limit - 1]]
            newest = [d for d in newest if gen.added[d] >= cutoff]
        practices = self._stored(gen, newest)
        return sorted(practices, key=lambda p: (-p.added.toordinal(), p.id))[:limit]

    def _stored(self, gen: _Generation, docnums: list[int]) -> list[Practice]:
        with gen.lock:
            return [_load(gen.searcher.stored_fields(d)["doc"]) for d in docnums]

    def _match(self, gen: _Generation, parsed) -> Matched:
        return gen.evaluator.evaluate(parsed)

    def _filter_groups(self, gen: _Generation, query: Query) -> list[tuple[str, BitMap]]:
        """(key, ids) per selected facet; each criterion is a facet of its own, so
        `innovation:strong` and `sustainability:strong` means both, while two
        levels of one criterion mean either."""
        groups: dict[str, BitMap] = {}
        for facet, values in query.filters.items():
            for value in values:
                key = f"criterion:{value.split(':')[0]}" if facet == "criterion" else facet
                ids = gen.bitmaps.get(facet, {}).get(value, BitMap())
                groups[key] = groups[key] | ids if key in groups else ids.copy()
        return list(groups.items())

    def _facets(self, gen: _Generation, query: Query, matched: BitMap,
                groups: list[tuple[str, BitMap]]) -> dict[str, tuple[FacetValue, ...]]:
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
        for facet in FACETS:
            selected = query.filters.get(facet, frozenset())
            values = []
            for value, ids in gen.bitmaps.get(facet, {}).items():
                key = f"criterion:{value.split(':')[0]}" if facet == "criterion" else facet
                count = base(key).intersection_cardinality(ids)
                if count or value in selected:
                    values.append(self._facet_value(facet, value, count, value in selected, query.lang))
            for value in selected - {v.value for v in values}:
                values.append(self._facet_value(facet, value, 0, True, query.lang))
            out[facet] = tuple(self._ordered(facet, values))
        return out

    def _facet_value(self, facet: str, value: str, count: int, selected: bool, lang: str) -> FacetValue:
        group = None
        if facet == "criterion":
            criterion, _, level = value.partition(":")
            label = self.vocabs["criteria"].label(criterion, lang)
            if level:
                label = f"{label}: {self.vocabs['levels'].label(level, lang)}"
        elif facet == "period":
            label = value
        else:
            label = self.vocabs[FACET_VOCABULARY[facet]].label(value, lang)
            if facet == "region":
                group = self.vocabs.region_country(value)
        return FacetValue(value, label, count, selected, group)

    def _ordered(self, facet: str, values: list[FacetValue]) -> list[FacetValue]:
        if facet == "criterion":
            criteria = list(self.vocabs["criteria"].terms)
            levels = ["", *self.vocabs["levels"].terms]
            return sorted(values, key=lambda v: (
                criteria.index(v.value.split(":")[0]) if v.value.split(":")[0] in criteria else 99,
                levels.index(v.value.partition(":")[2]) if v.value.partition(":")[2] in levels else 99))
        if facet == "period":
            return sorted(values, key=lambda v: v.value, reverse=True)
        return sorted(values, key=lambda v: (-v.count, analysis.fold(v.label)))

    def _order(self, gen: _Generation, ids: BitMap, scores: dict[int, float], query: Query) -> list[int]:
        docs = list(ids)
        start = gen.start
        if query.sort == "title":
            titles = gen.titles.get(query.lang) or gen.titles["en"]
            return sorted(docs, key=lambda d: titles[d])
        if query.sort == "budget":
            return sorted(docs, key=lambda d: (-gen.budget[d], -start[d]))
        if query.sort == "relevance" and scores:
            return sorted(docs, key=lambda d: (-scores.get(d, 0.0), d))  # ties as Whoosh breaks them
        return sorted(docs, key=lambda d: -start[d])

    def _hit(self, practice: Practice, score: float, keys, lang: str) -> Hit:
        title_lang, title = practice.text("title", lang)
        summary_lang, summary = practice.text("summary", lang)
        return Hit(id=practice.id, title=title, title_lang=title_lang, summary=summary,
                   summary_lang=summary_lang, snippet=self._snippet(practice, keys, lang),
                   score=score, practice=practice)

    def _snippet(self, practice: Practice, keys, lang: str, words: int = 36) -> tuple[Segment, ...]:
        names = ("summary", "description", "lessons_learnt", "transferability", "challenges")
        preferred = [picked for n in names if (picked := practice.text(n, lang))]
        others = [(l, t) for n in names for l, t in (getattr(practice, n) or {}).items() if (l, t) not in preferred]
        texts = [(l, _MARKDOWN.sub("", t)) for l, t in [*preferred, *others]]
        if not texts:
            return ()
        if keys:  # the reader's language first; else wherever the words matched
            for text_lang, text in texts:
                algorithm = self._stemmed.get(text_lang)
                tokens = list(_WORD.finditer(text))
                hits = [i for i, t in enumerate(tokens) if _matches(t.group(0), algorithm, keys)]
                if hits:
                    return _window(text, tokens, hits, words)
        text_lang, text = texts[0]
        tokens = list(_WORD.finditer(text))
        return _window(text, tokens, [], words)

    def _suggest(self, gen: _Generation, text: str) -> str | None:
        """A corrected query from the index's own words, if it finds more."""
        words = _WORD.findall(text)
        if not words or _OPERATORS.search(text):
            return None
        with gen.lock:
            corrector = gen.searcher.corrector("spell")
            corrected = []
            for word in words:
                folded = word.casefold()
                reader = gen.searcher.reader()
                known = reader.frequency("spell", folded) or reader.frequency("plain", analysis.fold(folded))
                options = [] if known or len(folded) < 4 else corrector.suggest(folded, limit=1, maxdist=2, prefix=1)
                corrected.append(options[0] if options else word)
        if [analysis.fold(w) for w in corrected] == [analysis.fold(w) for w in words]:
            return None
        suggestion = " ".join(corrected)
        parsed, _ = self._text_query(suggestion, [])
        if parsed is None or not self._match(gen, parsed).ids:
            return None
        return suggestion

    # -- similar practices -----------------------------------------------------
    def similar(self, practice_id: str, limit: int = 5, lang: str = "en") -> list[Hit]:
        """Practices like this one: its key words and its vocabulary terms (computed
        once per practice and generation)."""
        gen = self._current()
        key = (practice_id, limit)
        if key not in gen.similar:
            gen.similar[key] = self._similar(gen, practice_id, limit)
        return [self._hit(practice, score, None, lang) for score, practice in gen.similar[key]]

    def _similar(self, gen: _Generation, practice_id: str, limit: int) -> list[tuple[float, Practice]]:
        with gen.lock:
            docnum = gen.searcher.document_number(id=practice_id)
            if docnum is None:
                return []
            practice = _load(gen.searcher.stored_fields(docnum)["doc"])
            text = " ".join(t for name in ("title", "summary", "description")
                            for t in (getattr(practice, name) or {}).values())
            key_terms = gen.searcher.key_terms_from_text("plain", text, numterms=12)
            clauses = [wq.Term("plain", word, boost=weight) for word, weight in key_terms]
            for facet, boost in (("dimension", 2.0), ("target_group", 1.5), ("region", 1.0), ("indicator", 1.0)):
                source = {"dimension": practice.dimensions, "target_group": practice.target_groups,
                          "region": [practice.region] if practice.region else [],
                          "indicator": practice.indicators}[facet]
                clauses += [wq.Term(f"f_{facet}", value, boost=boost) for value in source]
            if not clauses:
                return []
            found = gen.searcher.search(wq.Or(clauses), limit=limit, mask=wq.Term("id", practice_id))
            return [(hit.score, _load(gen.searcher.stored_fields(hit.docnum)["doc"])) for hit in found]


def _listed(words: list[str]) -> tuple[str, bool]:
    """`a`, `b` and `c` (each word once, at most five), and whether there are several."""
    shown = [f"`{w[:30]}`" for w in dict.fromkeys(words)][:5]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    return listed, len(shown) > 1


def _too_common(words: list[str], filtered: bool) -> str:
    listed, several = _listed(words)
    subject = f"{listed} are too common words" if several else f"{listed} is too common a word"
    every = "every practice that matches the filters" if filtered else "every practice"
    return f"{subject} to search for; showing {every}."


def _one_character(words: list[str]) -> str:
    listed, several = _listed(words)
    more = "longer words" if several else "more of the word"
    return (f"No practice has the one-character word{'s' if several else ''} {listed}; type {more}, "
            "or at least two letters and `*` (like `in*`).")


def _load(blob: bytes) -> Practice:
    return Practice.from_stored(json.loads(zlib.decompress(blob)))


def _fold_prefixes(parsed):
    def visit(node):
        if isinstance(node, (wq.Prefix, wq.Wildcard)):
            node.text = analysis.fold(node.text)
        return node
    return parsed.accept(visit)


@dataclass(frozen=True)
class _Keys:
    words: frozenset[str]
    stems: frozenset[str]
    prefixes: tuple[str, ...]


def _match_keys(parsed) -> _Keys:
    words, stems, prefixes = set(), set(), []
    for node in parsed.leaves():
        if isinstance(node, (wq.Prefix, wq.Wildcard)):
            prefixes.append(node.text.rstrip("*?"))
    for fieldname, text in parsed.iter_all_terms(phrases=True):
        value = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        (stems if fieldname.startswith("text_") else words).add(value)
    return _Keys(frozenset(words), frozenset(stems), tuple(p for p in prefixes if p))


def _matches(token: str, algorithm: str | None, keys: _Keys) -> bool:
    folded = analysis.fold(token)
    if folded in keys.words or any(folded.startswith(p) for p in keys.prefixes):
        return True
    return algorithm is not None and analysis.stem(algorithm, token.casefold()) in keys.stems


def _window(text: str, tokens: list, hits: list[int], words: int) -> tuple[Segment, ...]:
    if not tokens:
        return (Segment(text[:240]),)
    centre = hits[0] if hits else 0
    first = max(0, centre - words // 3) if hits else 0
    last = min(len(tokens), first + words)
    begin, end = tokens[first].start(), tokens[last - 1].end()
    segments: list[Segment] = [Segment("… ")] if first > 0 else []
    cursor = begin
    for i in (h for h in hits if first <= h < last):
        token = tokens[i]
        if token.start() > cursor:
            segments.append(Segment(text[cursor:token.start()]))
        segments.append(Segment(token.group(0), hit=True))
        cursor = token.end()
    if end > cursor:
        segments.append(Segment(text[cursor:end]))
    if last < len(tokens):
        segments.append(Segment(" …"))
    return tuple(segments)
