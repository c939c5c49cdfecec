"""How text becomes search terms, per language.

Every text is lower-cased (Unicode case folding, so Greek final sigma and German
ß behave), stop words of every supported language are dropped, words are
stemmed with the Snowball stemmer of the text's own language, and accents are
folded last (`Pudasjärvi` and `Pudasjarvi` give the same term; `ΕΝΤΑΞΗ` and
`ένταξη` too). The same analyser runs on queries, once per language field, so a
query matches inflected forms in every language the corpus holds.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import snowballstemmer
from whoosh.analysis import Filter, RegexTokenizer, StopFilter
from whoosh.lang.stopwords import stoplists

TOKEN = r"\w+(?:['’]\w+)*"
_SPECIAL = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"})


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Pudasjärvi' -> 'pudasjarvi', 'ΈΝΤΑΞΗ' -> 'ενταξη'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_SPECIAL)


@lru_cache(maxsize=64)
def _stemmer(algorithm: str):
    return snowballstemmer.stemmer(algorithm)


@lru_cache(maxsize=500_000)
def stem(algorithm: str, word: str) -> str:
    """The folded Snowball stem of a (case-folded) word."""
    return fold(_stemmer(algorithm).stemWord(word))


def _all_stop_words() -> frozenset[str]:
    words = set()
    for stoplist in stoplists.values():
        words.update(w.casefold() for w in stoplist)
    return frozenset(words)


STOP_WORDS = _all_stop_words()


class CaseFold(Filter):
    def __call__(self, tokens):
        for t in tokens:
            t.text = t.text.casefold()
            yield t


class Fold(Filter):
    """Accent folding (after case folding)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


class Stem(Filter):
    """Snowball stemming in one language, then accent folding.

    Holds only the algorithm's name, so the index schema pickles small."""

    def __init__(self, algorithm: str):
        self.algorithm = algorithm

    def __eq__(self, other):
        return isinstance(other, Stem) and other.algorithm == self.algorithm

    def __call__(self, tokens):
        algorithm = self.algorithm
        for t in tokens:
            t.text = stem(algorithm, t.text)
            yield t


def _base():
    return RegexTokenizer(TOKEN) | CaseFold() | StopFilter(stoplist=STOP_WORDS, minsize=1)


def folding():
    """Any language, not stemmed: exact words, accents and case ignored."""
    return _base() | Fold()


def stemming(algorithm: str):
    """One language's words reduced to their stems, accents ignored."""
    return _base() | Stem(algorithm)


def lowercase():
    """Words as written, only lower-cased: the source of spelling suggestions."""
    return RegexTokenizer(TOKEN) | CaseFold() | StopFilter(stoplist=STOP_WORDS, minsize=3)
