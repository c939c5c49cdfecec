"""The words of a query: parsed into a Whoosh query over the text fields, with
vocabulary labels in every language as a way in (the `Bridge`), and a note for
every part that could not be searched as typed."""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from .. import analysis, engine
from .. import glossary as glossary_data
from ..facets import N_, REGISTRY
from ..model import Note
from ..vocab import LABEL_LANGUAGES, Vocabularies
from . import typos
from .generations import Generation
from .glossary import Expansion

wq = engine.query

MAX_QUERY = 300
"""Longer queries are shortened (with a note): nobody types more, and it bounds the work."""
PARSED = 512
"""Parsed queries kept (see `TextParser.parse`)."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BARE_WILDCARD = re.compile(r"(?<![\w*?])[\w]?[*?]+[\w*?]*")
OPERATORS = re.compile(r'["()]|\bAND\b|\bOR\b|\bNOT\b|(?:^|\s)[-+]\w')
WORD = re.compile(analysis.TOKEN)


LABEL_WEIGHT = 0.25
"""A vocabulary label's match weighs this much of a word in a practice's text."""
K1, B = 1.2, 0.75


class Bridge:
    """Vocabulary labels in every language, as a way into the practices tagged with
    them: a Swedish `arbetsmarknad` or a French `travail` finds a practice tagged
    `labour-market`, whatever language its texts are in. Each word of every label
    and keyword is kept in its folded form and as its stem in the label's language;
    a query word is looked up the same way, in every language. The facets marked
    `bridged` in the registry take part.

    A label match is scored like a word in a short text (BM25): a value that few
    practices carry weighs more than a common one, a word of a one-word label more
    than one of a long label, and the whole is weighted by `LABEL_WEIGHT`, below
    words in the practice's own texts."""

    def __init__(self, vocabs: Vocabularies, stemmers: Mapping[str, str]):
        self.stemmers = dict(stemmers)
        self.terms: dict[str, dict[tuple[str, str], int]] = {}
        lengths: list[int] = []
        for facet in REGISTRY:
            if not facet.bridged or facet.vocabulary is None:
                continue
            for term in vocabs[facet.vocabulary]:
                phrases = [*term.label.items(), *((lang, w) for lang, ws in term.keywords.items() for w in ws)]
                for lang, phrase in phrases:
                    words = WORD.findall(phrase)
                    lengths.append(len(words))
                    for word in words:
                        for key in self._keys(word, (lang,)):
                            found = self.terms.setdefault(key, {})
                            target = (f"f_{facet.name}", term.id)
                            found[target] = min(found.get(target, len(words)), len(words))
        self.average = sum(lengths) / len(lengths) if lengths else 1.0

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

    def matches(self, word: str) -> dict[tuple[str, str], int]:
        """(field, vocabulary id) -> the length in words of the shortest label it matches."""
        found: dict[tuple[str, str], int] = {}
        for key in self._keys(word, LABEL_LANGUAGES):
            for target, length in self.terms.get(key, {}).items():
                found[target] = min(found.get(target, length), length)
        return found

    def score(self, gen: Generation, field: str, value: str, length: int) -> float:
        """BM25 of one label word: idf over the practices carrying the value, length-normalised."""
        carrying = len(gen.bitmaps.get(field[len("f_") :], {}).get(value, ()))
        everyone = max(len(gen.live), 1)
        idf = math.log(1 + (everyone - carrying + 0.5) / (carrying + 0.5))
        return LABEL_WEIGHT * idf * (K1 + 1) / (1 + K1 * (1 - B + B * length / self.average))

    def widen(self, parsed: Any, gen: Generation) -> Any:
        """Add, to each plain word of a parsed query, the vocabulary terms it names."""

        def visit(node: Any) -> Any:
            if isinstance(node, wq.Or):
                words = [q.text for q in node.subqueries if isinstance(q, wq.Term) and q.fieldname == "plain"]
                extra = [
                    wq.ConstantScoreQuery(wq.Term(field, value), self.score(gen, field, value, length))
                    for word in words
                    for (field, value), length in sorted(self.matches(word).items())
                ]
                if extra:
                    return wq.Or([*node.subqueries, *extra])
            return node

        return parsed.accept(visit)


class TextParser:
    """Parses the words of a query for a generation (one Whoosh parser per generation
    and grouping: building one reads the schema)."""

    def __init__(
        self, vocabs: Vocabularies, stemmed: Mapping[str, str], glossary: glossary_data.Glossary | None = None
    ):
        self.stemmed = dict(stemmed)
        self.bridge = Bridge(vocabs, self.stemmed)
        self._parsers: dict[tuple[str, Any], Any] = {}
        self._parsed: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
        self._parsed_lock = threading.Lock()
        # glossary expansion (issue 12, item 4): see labb/search/glossary.py
        self.expansion = Expansion(glossary or glossary_data.default(), self.stemmed)

    def _parser(self, gen: Generation, group: Any) -> Any:
        key = (gen.name, group)
        parser = self._parsers.get(key)
        if parser is None:
            present = gen.bitmaps.get("language", {})  # only languages the corpus has texts in
            names = ["title", "plain", *(f"text_{lang}" for lang in self.stemmed if lang in present)]
            parser = engine.MultifieldParser(names, gen.searcher.schema, group=group)
            parser.add_plugin(engine.PlusMinusPlugin())
            self._parsers = {k: v for k, v in self._parsers.items() if k[0] == gen.name}
            self._parsers[key] = parser
        return parser

    def parse(
        self,
        gen: Generation,
        text: str,
        notes: list[str],
        filtered: bool = False,
        corrections: list[tuple[str, str]] | None = None,
        also: list[str] | None = None,
    ) -> tuple[Any, str]:
        """Parse `text`; a query that cannot be parsed is searched as plain words, and
        one of only stop words (which no index holds) is no text query at all (None):
        every practice (that matches the filters, when `filtered`), with a note. With
        `corrections` (a list), words the index does not know are also searched as
        their close neighbours, and each correction is added to the list. The
        glossary's labels searched besides the words are added to `also`.

        The last `PARSED` parses are kept per generation: a reader who searched some
        words then narrows by filters, sorts and pages, and each of those searches
        parses the same words (a parse costs a few milliseconds)."""
        key = (gen.name, text, filtered, corrections is not None, also is not None)
        with self._parsed_lock:
            found = self._parsed.get(key)
            if found is not None:
                self._parsed.move_to_end(key)
        if found is None:
            said: list[str] = []
            corrected: list[tuple[str, str]] | None = [] if corrections is not None else None
            searched: list[str] | None = [] if also is not None else None
            parsed, words = self._parse(gen, text, said, filtered, corrected, searched)
            found = (parsed, words, tuple(said), tuple(corrected or ()), tuple(searched or ()))
            with self._parsed_lock:
                self._parsed[key] = found
                if len(self._parsed) > PARSED:
                    self._parsed.popitem(last=False)
        parsed, words, said_, corrected_, searched_ = found
        notes.extend(said_)
        if corrections is not None:
            corrections.extend(corrected_)
        if also is not None:
            also.extend(searched_)
        return parsed, words

    def _parse(
        self,
        gen: Generation,
        text: str,
        notes: list[str],
        filtered: bool,
        corrections: list[tuple[str, str]] | None,
        also: list[str] | None,
    ) -> tuple[Any, str]:
        if len(text) > MAX_QUERY:
            notes.append(Note(N_("The query was shortened to its first %(num)d characters."), num=MAX_QUERY))
            text = text[:MAX_QUERY]
        text = _CONTROL.sub(" ", text)
        if _BARE_WILDCARD.search(text):
            cleaned = _BARE_WILDCARD.sub(lambda m: m.group(0) if len(m.group(0).strip("*?")) >= 2 else " ", text)
            if cleaned != text:
                notes.append(
                    Note(
                        N_("Wildcards need at least two letters before them (like `integr*`); the others were ignored.")
                    )
                )
                text = cleaned
        text = text.strip()
        if not text:
            return None, ""
        try:
            parsed = self._parser(gen, engine.AndGroup).parse(text)
        except Exception:  # whoosh's parser can fail on odd input: fall back to words
            parsed = None
        if parsed is None or parsed is wq.NullQuery:
            found = WORD.findall(text)
            if found and all(w.casefold() in analysis.STOP_WORDS for w in found):
                notes.append(_too_common(found, filtered))
                return None, text
            words = " ".join(found)
            notes.append(Note(N_("The query could not be read as written; it was searched as plain words.")))
            parsed = self._parser(gen, engine.AndGroup).parse(words) if words else None
        if parsed is None:
            return None, text
        parsed = self._tolerant(gen, self.bridge.widen(_fold_prefixes(parsed), gen), corrections)
        # glossary expansion (issue 12, item 4): a concept named in one language, searched in all
        if not OPERATORS.search(text):
            and_words = self._parser(gen, engine.AndGroup)
            expanded = self.expansion.expand(
                gen, parsed, text, lambda rest: self.bridge.widen(and_words.parse(rest), gen)
            )
            parsed = expanded.parsed
            if also is not None:
                also.extend(expanded.also)
        return parsed, text

    def any_word(self, gen: Generation, text: str, corrections: list[tuple[str, str]] | None = None) -> Any:
        """`text` with its words joined by OR: the fallback when no practice has them all."""
        parsed = self.bridge.widen(_fold_prefixes(self._parser(gen, engine.OrGroup).parse(text)), gen)
        return self._tolerant(gen, parsed, corrections)

    def _tolerant(self, gen: Generation, parsed: Any, corrections: list[tuple[str, str]] | None) -> Any:
        if corrections is None:
            return parsed
        parser = self._parser(gen, engine.OrGroup)
        tolerant, made = typos.tolerate(gen, parsed, parser.parse)
        corrections.extend(made)
        return tolerant


def _fold_prefixes(parsed: Any) -> Any:
    def visit(node: Any) -> Any:
        if isinstance(node, (wq.Prefix, wq.Wildcard)):
            node.text = analysis.fold(node.text)
        return node

    return parsed.accept(visit)


def _listed(words: list[str]) -> tuple[tuple[str, ...], bool]:
    """`a`, `b`, `c` (each word once, at most five), and whether there are several."""
    shown = tuple(f"`{w[:30]}`" for w in dict.fromkeys(words))[:5]
    return shown, len(shown) > 1


def _too_common(words: list[str], filtered: bool) -> Note:
    listed, several = _listed(words)
    if filtered:
        if several:
            return Note(
                N_("%(words)s are too common words to search for; showing every practice that matches the filters."),
                words=listed,
            )
        return Note(
            N_("%(words)s is too common a word to search for; showing every practice that matches the filters."),
            words=listed,
        )
    if several:
        return Note(N_("%(words)s are too common words to search for; showing every practice."), words=listed)
    return Note(N_("%(words)s is too common a word to search for; showing every practice."), words=listed)


def one_character(words: list[str]) -> Note:
    """The note for a query of one-character words that found nothing."""
    listed, several = _listed(words)
    if several:
        return Note(
            N_(
                "No practice has the one-character words %(words)s; type longer words, "
                "or at least two letters and `*` (like `in*`)."
            ),
            words=listed,
        )
    return Note(
        N_(
            "No practice has the one-character word %(words)s; type more of the word, "
            "or at least two letters and `*` (like `in*`)."
        ),
        words=listed,
    )
