"""Words reduced to a search form, per language: lemmas, stems and compound parts.

A language's analysis is a *recipe* of up to three steps, named in the languages
vocabulary (`labb/vocabularies/languages.yaml`) and written as one string,
``"<lemmatizer>|<stemmer>|<compounds>"`` (a bare name is a Snowball stemmer alone):

1. **lemmatizer**: simplemma's dictionary for that language (bundled with the
   package, read on first use): `koulutuksen` -> `koulutus`, `arbetsmarknaden` ->
   `arbetsmarknad`, `cudzincov` -> `cudzinec`. A word the dictionary does not know
   goes on as it is (simplemma's guessing strategies are not used).
2. **stemmer**: a Snowball algorithm (`finnish`, `polish`...), `bulstem` (BulStem's
   rules for Bulgarian, bundled with the `bulstem` package), or `light-<lang>`: a
   short list of inflection endings, for the languages with no maintained stemmer
   (Slovenian, Latvian, Maltese), applied after the lemmatizer so they only see the
   words its dictionary misses.
3. **compounds**: a word of a compounding language (fi, sv, de, nl, da, nb) is also
   split into a modifier and a head that the language's dictionary knows
   (`sprachkurs` -> `sprach` + `kurs`, `työllisyyspalvelut` -> `työllisyys` +
   `palvelut`), allowing the usual linking letters; each part is then analysed as a
   word of its own. Only texts are split, never queries: the part finds the whole,
   and the whole (a term of its own) ranks above a text that has only the part.

Everything here is a pure function of its input and the bundled data, cached, and
safe to call from many threads (dictionaries load once, under a lock; each thread
has its own Snowball stemmers).
"""

from __future__ import annotations

import marshal
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

from .model.query import fold

MIN_COMPOUND = 8
"""Shorter words are never split."""
MIN_HEAD = 4
MIN_MODIFIER = 3
LINKS = {
    "de": ("s", "es", "n", "en", "e", "er", "ns"),
    "nl": ("s", "en", "e", "n"),
    "sv": ("s", "e", "a", "u", "o"),
    "da": ("s", "e"),
    "nb": ("s", "e"),
    "fi": (),
}
"""Linking letters that may join a modifier to its head, per compounding language."""
RESTORED = {"de": ("e",), "nl": ("e",), "sv": ("a", "e"), "da": ("e",), "nb": ("e",), "fi": ()}
"""Endings a modifier may have lost in the compound (`Schul`+`bildung` from `Schule`)."""

LIGHT = {
    "sl": (
        "ega", "emu", "ima", "ami", "ovi", "ov", "ev", "ih", "om", "em", "im", "ih", "ah",
        "a", "e", "i", "o", "u",
    ),
    "lv": (
        "iem", "ajiem", "ajām", "ām", "ēm", "os", "as", "es", "is", "us", "um", "im", "am",
        "em", "ai", "ei", "a", "e", "i", "u", "s", "š",
    ),
    "mt": ("ijiet", "iet", "ijin", "ji", "in", "at", "i", "a"),
}  # fmt: skip
"""Light stemmers: inflection endings stripped (longest first) when at least four
letters stay, for languages no maintained stemmer covers."""
_LIGHT_SORTED = {lang: sorted(set(ends), key=len, reverse=True) for lang, ends in LIGHT.items()}

_local = threading.local()


def lexicon_cache() -> Path:
    """Where dictionaries read from simplemma's data are kept: `LABB_CACHE`, else the
    user's cache folder (`XDG_CACHE_HOME`, else ~/.cache), under `labb/lexicons`."""
    base = os.environ.get("LABB_CACHE") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "labb" / "lexicons"


_load = threading.Lock()


@dataclass(frozen=True)
class Recipe:
    lemmatizer: str = ""
    stemmer: str = ""
    compounds: str = ""

    @classmethod
    def parse(cls, spec: str) -> Recipe:
        if "|" not in spec:
            return cls(stemmer=spec)
        lemmatizer, stemmer, compounds = (spec.split("|") + ["", ""])[:3]
        return cls(lemmatizer, stemmer, compounds)

    @property
    def spec(self) -> str:
        return f"{self.lemmatizer}|{self.stemmer}|{self.compounds}"


def recipe_of(extra: Mapping[str, Any]) -> str | None:
    """A language vocabulary term's recipe string, or None when it has no analysis."""
    lemmatizer, stemmer = extra.get("lemmatizer") or "", extra.get("stemmer") or ""
    compounds = extra.get("compounds") or ""
    if not (lemmatizer or stemmer):
        return None
    if not (lemmatizer or compounds):
        return str(stemmer)
    return Recipe(str(lemmatizer), str(stemmer), str(compounds)).spec


# -- the steps --------------------------------------------------------------------------


def _snowball(algorithm: str) -> Any:
    """This thread's Snowball stemmer (one keeps state while it works)."""
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if algorithm not in stemmers:
        stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    return stemmers[algorithm]


@cache
def _bulstem() -> Any:
    from bulstem.stem import BulStemmer

    return BulStemmer.from_file("stem-context-1", min_freq=2, left_context=1)


def _light(lang: str, word: str) -> str:
    for ending in _LIGHT_SORTED[lang]:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def stemmer(name: str) -> Callable[[str], str]:
    """The stemming step `name` as a function of a case-folded word."""
    if not name:
        return str
    if name == "bulstem":
        return lambda word: _bulstem().stem(word)
    if name.startswith("light-"):
        lang = name[len("light-") :]
        return lambda word: _light(lang, word)
    return lambda word: _snowball(name).stemWord(word)


class _Dictionaries:
    """simplemma's bundled dictionaries, each read once per process (under a lock) on
    first use, in simplemma's compact streamed form (a few tens of MB for the largest).

    Reading one means a pass over its whole stream (1-3 s for the largest), so the
    result of that pass (the stream and its block index: plain bytes, numbers and
    lists) is kept with `marshal` in the user's cache folder (`LEXICON_CACHE`), keyed by
    simplemma's version; later processes read it back in a fraction of a second. The
    cache is only ever derived from the installed package's own data; when it cannot
    be written or read, the dictionary is read from the package as usual."""

    _STATE = ("_data", "_rev", "_count", "_pos", "_firsts", "_blocks")

    def __init__(self) -> None:
        self._lookup: Any = None
        self._maps: dict[str, Any] = {}

    def get_dictionary(self, lang: str) -> Any:
        """simplemma's `DictionaryFactory` protocol (for its lookup strategy)."""
        found = self._maps.get(lang)
        if found is None:
            with _load:
                found = self._maps.get(lang)
                if found is None:
                    found = self._maps[lang] = self._read(lang)
        return found

    def _read(self, lang: str) -> Any:
        from simplemma import __version__
        from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamMap

        path = lexicon_cache() / f"simplemma-{__version__}-{lang}.marshal"
        try:
            state = marshal.loads(path.read_bytes())
            found = StreamMap.__new__(StreamMap)
            for name, value in zip(self._STATE, state, strict=True):
                setattr(found, name, value)
            return found
        except Exception:  # no cache yet, or one from elsewhere: read the package's data
            pass
        found = StreamMap(lang)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            temporary.write_bytes(marshal.dumps(tuple(getattr(found, name) for name in self._STATE)))
            os.replace(temporary, path)
        except (OSError, AttributeError, ValueError):
            pass
        return found

    def lookup(self, word: str, lang: str) -> str | None:
        """The dictionary's lemma of `word` (case-folded), or None when it does not know it."""
        if self._lookup is None:
            from simplemma.strategies import DictionaryLookupStrategy

            self._lookup = DictionaryLookupStrategy(self)  # holds nothing but `self`
        found = self._lookup.get_lemma(word, lang)
        return None if found is None else str(found).casefold()

    def known(self, word: str, lang: str) -> bool:
        return self.lookup(word, lang) is not None

    def lemma(self, word: str, lang: str) -> str:
        """The dictionary's lemma of `word`, or the word itself when the dictionary does
        not know it (simplemma's guessing strategies are left out: a guess such as
        `pudasjarvu` -> `pudas` joins words that have nothing in common)."""
        return self.lookup(word, lang) or word


DICTIONARIES = _Dictionaries()


def preload(specs: Iterable[str]) -> list[str]:
    """Read now every dictionary these recipes use (a server does it once, before its
    worker processes are forked, so they share them and no reader waits for one);
    returns the languages read."""
    langs: set[str] = set()
    for spec in specs:
        recipe = Recipe.parse(spec)
        langs |= {lang for lang in (recipe.lemmatizer, recipe.compounds) if lang}
    for lang in sorted(langs):
        DICTIONARIES.get_dictionary(lang)
    return sorted(langs)


@lru_cache(maxsize=500_000)
def stem(spec: str, word: str) -> str:
    """The folded search form of a case-folded word by the recipe `spec` (no compound
    splitting: that is `parts`)."""
    recipe = Recipe.parse(spec)
    if recipe.lemmatizer:
        word = DICTIONARIES.lemma(word, recipe.lemmatizer)
    return fold(stemmer(recipe.stemmer)(word))


@lru_cache(maxsize=200_000)
def parts(lang: str, word: str, depth: int = 0) -> tuple[str, ...]:
    """The parts of a compound (modifier(s) then head), as written in the word or
    restored to a word the dictionary knows; () when it is not one."""
    if len(word) < MIN_COMPOUND or depth > 2 or not word.isalpha():
        return ()
    whole = DICTIONARIES.lookup(word, lang)
    for cut in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
        head = word[cut:]
        lemma = DICTIONARIES.lookup(head, lang)
        if lemma is None or (whole is not None and not whole.endswith((lemma, head))):
            continue  # a known word splits only where its lemma ends with the head's (not koulut+uksesta)
        modifier = _modifier(lang, word[:cut], depth)
        if modifier:
            return (*modifier, head)
    return ()


def _modifier(lang: str, written: str, depth: int) -> tuple[str, ...]:
    """The modifier as known words: as written, without a linking letter, with a lost
    ending restored, or itself a compound."""
    candidates = [written]
    candidates += [written[: -len(link)] for link in LINKS[lang] if written.endswith(link)]
    candidates += [written + ending for ending in RESTORED[lang]]
    if lang == "fi" and written.endswith("is"):  # kotoutumis- from kotoutuminen
        candidates.append(written[:-1] + "nen")
    for candidate in candidates:
        if len(candidate) >= MIN_MODIFIER and DICTIONARIES.known(candidate, lang):
            return (candidate,)
    for candidate in candidates[:2]:
        split = parts(lang, candidate, depth + 1)
        if split:
            return split
    return ()
