"""How text becomes search terms, per language.

Every text is lower-cased (Unicode case folding, so Greek final sigma and German
ß behave), stop words of every supported language are dropped, words are reduced
to their search form in the text's own language (a lemma, a stem, or both: see
`morphology` for each language's recipe), compounds of the compounding languages
are indexed with their parts, and accents are folded last (`Pudasjärvi` and
`Pudasjarvi` give the same term; `ΕΝΤΑΞΗ` and `ένταξη` too). The same analyser
runs on queries, once per language field, so a query matches inflected forms in
every language the corpus holds.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import cache, partial
from itertools import repeat
from typing import Any

from . import morphology
from .engine import Token, Tokenizer, stoplists
from .model.query import fold

TOKEN = r"\w+(?:['’]\w+)*"
PART_BOOST = 0.5
"""A compound's part weighs half a word: the whole ranks above a text with only the part."""

_stemmer = morphology._snowball


def stem(recipe: str, word: str) -> str:
    """The folded search form of a (case-folded) word by a language's recipe (a bare
    name is a Snowball algorithm)."""
    return morphology.stem(recipe, word)


def _all_stop_words() -> frozenset[str]:
    words: set[str] = set()
    for stoplist in stoplists.values():
        words.update(w.casefold() for w in stoplist)
    return frozenset(words)


STOP_WORDS = _all_stop_words()


class Words(Tokenizer):
    """The whole analysis in one pass: split into words, case-fold, drop stop words
    and words shorter than `minsize`, then normalise each word by `form`:

    - ``"fold"``: accents folded (any language, not stemmed);
    - ``"stem:<recipe>"``: the folded search form in that language (a Snowball
      algorithm's name, or a `morphology` recipe: lemma, stem, compound parts, which
      are indexed at the word's position with half a word's weight, never searched
      for in a query);
    - ``"lower"``: only case-folded (the source of spelling suggestions).

    A word's term is computed once and remembered, so a corpus costs one dictionary
    lookup per word. Positions count only the words kept (as Whoosh's StopFilter
    renumbers them), so phrases match across a dropped stop word the same way in
    texts and queries. Holds only `form` and `minsize`, so the pickled schema is small.
    """

    def __init__(self, form: str = "fold", minsize: int = 1):
        self.form = form
        self.minsize = minsize

    def __eq__(self, other):
        return type(other) is type(self) and (other.form, other.minsize) == (self.form, self.minsize)

    def __hash__(self):
        return hash((self.form, self.minsize))

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        terms = _terms(self.form, self.minsize)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches: Iterable[Any] = _WORD.finditer(value) if tokenize else [_Whole(value)]
        pos = None
        for i, match in enumerate(matches):
            word = match.group()
            term = terms.get(word, _UNSEEN)
            if term is _UNSEEN:
                term = terms.remember(word)
            if term is None:
                if removestops:
                    continue
                t.text, t.stopped = word.casefold(), True
                if positions:
                    t.pos = start_pos + i
            else:
                pos = start_pos + i if pos is None else pos + 1
                if mode == "query" and not isinstance(term, str):
                    term = term[0]  # a query's compound is searched whole (its parts are indexed)
            for n, text in enumerate((term,) if term is None or isinstance(term, str) else term):
                if term is not None:
                    t.text, t.stopped = text, False
                    if positions:
                        t.pos = pos
                t.boost = 1.0 if n == 0 else PART_BOOST
                if keeporiginal:
                    t.original = word
                if chars:
                    t.startchar = start_char + match.start()
                    t.endchar = start_char + match.end()
                yield t

    def _terms_of(self, value: str) -> list[Any]:
        """The term of each word of `value` in order (None for a dropped word, a tuple
        of the whole and its parts for a compound)."""
        terms = _terms(self.form, self.minsize)
        words = _WORD.findall(value)
        found = list(map(terms.get, words, repeat(_UNSEEN)))
        if _UNSEEN in found:
            found = [terms.remember(w) if t is _UNSEEN else t for w, t in zip(words, found)]
        return found

    def postings(self, value: str) -> dict[str, tuple[list[int], float]]:
        """term -> (positions, weight), exactly as `__call__(value, positions=True)`
        numbers and weighs them, without a token object per word (the fast path when
        indexing)."""
        found = self._terms_of(value)
        first = next((i for i, t in enumerate(found) if t is not None), None)
        positions: dict[str, list[int]] = defaultdict(list)
        weights: dict[str, float] = defaultdict(float)
        if first is not None:  # kept words count on from the first kept one
            for pos, term in enumerate([t for t in found[first:] if t is not None], first):
                if isinstance(term, str):
                    positions[term].append(pos)
                    weights[term] += 1.0
                    continue
                for n, text in enumerate(term):
                    positions[text].append(pos)
                    weights[text] += 1.0 if n == 0 else PART_BOOST
        return {term: (poslist, weights[term]) for term, poslist in positions.items()}

    def frequencies(self, value: str) -> dict[str, tuple[int, float]]:
        """term -> (how many times it occurs, weight) (the fast path for frequency-only fields)."""
        found = self._terms_of(value)
        if not any(isinstance(t, tuple) for t in found):
            return {term: (n, float(n)) for term, n in Counter([t for t in found if t is not None]).items()}
        return {term: (len(poslist), weight) for term, (poslist, weight) in self.postings(value).items()}


_WORD = re.compile(TOKEN)
_UNSEEN = object()
TERM_CACHE = 1_000_000
"""Distinct words remembered per analysis form (then the memory starts afresh)."""


class _Whole:
    """The whole value as one word (for `tokenize=False`)."""

    def __init__(self, value: str):
        self.value = value

    def group(self) -> str:
        return self.value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self.value)


class _Terms(dict):
    """word as written -> its term, or None for a stop word or a too-short word, or
    (term, part terms...) for a compound."""

    def __init__(self, form: str, minsize: int):
        super().__init__()
        self.minsize = minsize
        self.normalise: Callable[[str], Any]
        if form == "fold":
            self.normalise = fold
        elif form == "lower":
            self.normalise = str
        elif form.startswith("stem:"):
            spec = form[len("stem:") :]
            compounds = morphology.Recipe.parse(spec).compounds
            self.normalise = partial(_with_parts, spec, compounds) if compounds else partial(stem, spec)
        else:
            raise ValueError(f"unknown analysis form {form!r}")

    def remember(self, word: str) -> Any:
        if len(self) >= TERM_CACHE:
            self.clear()
        lowered = word.casefold()
        term = None if len(lowered) < self.minsize or lowered in STOP_WORDS else self.normalise(lowered)
        self[word] = term
        return term


def _with_parts(spec: str, lang: str, word: str) -> str | tuple[str, ...]:
    """The word's term, or for a compound its term and then its parts' terms."""
    whole = stem(spec, word)
    split = morphology.parts(lang, word)
    if not split:
        return whole
    terms = dict.fromkeys([whole, *(stem(spec, part) for part in split)])
    return tuple(terms) if len(terms) > 1 else whole


@cache
def _terms(form: str, minsize: int) -> _Terms:
    return _Terms(form, minsize)


def folding():
    """Any language, not stemmed: exact words, accents and case ignored."""
    return Words("fold")


def stemming(recipe: str):
    """One language's words reduced to their search forms (see `morphology`), accents ignored."""
    return Words(f"stem:{recipe}")


def lowercase():
    """Words as written, only lower-cased: the source of spelling suggestions."""
    return Words("lower", minsize=3)
