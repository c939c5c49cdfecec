"""How text becomes search terms, per language.

Every text is lower-cased (Unicode case folding, so Greek final sigma and German
ß behave), stop words of every supported language are dropped, words are
stemmed with the Snowball stemmer of the text's own language, and accents are
folded last (`Pudasjärvi` and `Pudasjarvi` give the same term; `ΕΝΤΑΞΗ` and
`ένταξη` too). The same analyser runs on queries, once per language field, so a
query matches inflected forms in every language the corpus holds.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import cache, lru_cache, partial
from itertools import repeat
from typing import Any

import snowballstemmer

from .engine import Token, Tokenizer, stoplists
from .model.query import fold

TOKEN = r"\w+(?:['’]\w+)*"


_local = threading.local()


def _stemmer(algorithm: str):
    """This thread's stemmer for `algorithm` (a Snowball stemmer keeps state while it works,
    so threads must not share one)."""
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if algorithm not in stemmers:
        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    return stemmers[algorithm]


@lru_cache(maxsize=500_000)
def stem(algorithm: str, word: str) -> str:
    """The folded Snowball stem of a (case-folded) word."""
    return fold(_stemmer(algorithm).stemWord(word))


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
    - ``"stem:<algorithm>"``: the folded Snowball stem in that language;
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
                t.text, t.stopped = term, False
                if positions:
                    pos = start_pos + i if pos is None else pos + 1
                    t.pos = pos
            t.boost = 1.0
            if keeporiginal:
                t.original = word
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t

    def _terms_of(self, value: str) -> list[str | None]:
        """The term of each word of `value` in order (None for a dropped word)."""
        terms = _terms(self.form, self.minsize)
        words = _WORD.findall(value)
        found = list(map(terms.get, words, repeat(_UNSEEN)))
        if _UNSEEN in found:
            found = [terms.remember(w) if t is _UNSEEN else t for w, t in zip(words, found)]
        return found

    def positions(self, value: str) -> dict[str, list[int]]:
        """term -> positions, exactly as `__call__(value, positions=True)` numbers them,
        without a token object per word (the fast path when indexing)."""
        found = self._terms_of(value)
        first = next((i for i, t in enumerate(found) if t is not None), None)
        positions: dict[str, list[int]] = defaultdict(list)
        if first is not None:  # kept words count on from the first kept one
            for pos, term in enumerate([t for t in found[first:] if t is not None], first):
                positions[term].append(pos)
        return positions

    def counts(self, value: str) -> Counter:
        """term -> how many times it occurs (the fast path for frequency-only fields)."""
        return Counter([t for t in self._terms_of(value) if t is not None])


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
    """word as written -> its term, or None for a stop word or a too-short word."""

    def __init__(self, form: str, minsize: int):
        super().__init__()
        self.minsize = minsize
        self.normalise: Callable[[str], str]
        if form == "fold":
            self.normalise = fold
        elif form == "lower":
            self.normalise = str
        elif form.startswith("stem:"):
            self.normalise = partial(stem, form[len("stem:") :])
        else:
            raise ValueError(f"unknown analysis form {form!r}")

    def remember(self, word: str) -> str | None:
        if len(self) >= TERM_CACHE:
            self.clear()
        lowered = word.casefold()
        term = None if len(lowered) < self.minsize or lowered in STOP_WORDS else self.normalise(lowered)
        self[word] = term
        return term


@cache
def _terms(form: str, minsize: int) -> _Terms:
    return _Terms(form, minsize)


def folding():
    """Any language, not stemmed: exact words, accents and case ignored."""
    return Words("fold")


def stemming(algorithm: str):
    """One language's words reduced to their stems, accents ignored."""
    return Words(f"stem:{algorithm}")


def lowercase():
    """Words as written, only lower-cased: the source of spelling suggestions."""
    return Words("lower", minsize=3)
