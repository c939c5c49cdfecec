"""What a result shows of a practice: a snippet around the matched words, in the
reader's language where it can; and a spelling suggestion for a query that finds
little, from the index's own words."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from .. import analysis, engine
from ..model import Practice, Segment
from .generations import Generation
from .text import OPERATORS, WORD

_SPLIT = re.compile(f"({analysis.TOKEN})")
"""A text as [separator, word, separator, ..., word, separator]."""
wq = engine.query
_MARKDOWN = re.compile(r"[*_`#>\[\]]|\(https?://[^)]*\)")
TEXTS = ("summary", "description", "lessons_learnt", "transferability", "challenges")
"""The texts a snippet may come from, in the order they are tried."""


@dataclass(frozen=True)
class Keys:
    """What a parsed query looks for, to find it again in a text."""

    words: frozenset[str]
    stems: frozenset[str]
    prefixes: tuple[str, ...]
    known: dict[str | None, dict[str, bool]] = field(default_factory=dict, compare=False, repr=False)
    """Per stemmer, the tokens already compared: the results of one page share most of
    their words."""

    @classmethod
    def of(cls, parsed: Any) -> Keys:
        words: set[str] = set()
        stems: set[str] = set()
        prefixes: list[str] = []
        for node in parsed.leaves():
            if isinstance(node, (wq.Prefix, wq.Wildcard)):
                prefixes.append(node.text.rstrip("*?"))
        skipped: set[tuple[str, Any]] = set()
        for node in parsed.leaves():
            # A glossary label of several words (scored below the words as typed) is
            # shown where the whole label stands, not at each of its words: `programme`
            # alone is not what `mentoring programme` looks for.
            if isinstance(node, wq.Phrase) and node.boost < 1 and len(node.words) > 1:
                skipped |= {(node.fieldname, word) for word in node.words}
        for fieldname, text in parsed.iter_all_terms(phrases=True):
            if (fieldname, text) in skipped:
                continue
            value = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            (stems if fieldname.startswith("text_") else words).add(value)
        return cls(frozenset(words), frozenset(stems), tuple(p for p in prefixes if p))

    def _known(self, algorithm: str | None) -> dict[str, bool]:
        known = self.known.get(algorithm)
        if known is None:
            known = self.known[algorithm] = {}
        return known

    def match(self, token: str, algorithm: str | None) -> bool:
        known = self._known(algorithm)
        found = known.get(token)
        if found is None:
            found = known[token] = self._match(token, algorithm)
        return found

    def first(self, tokens: list[str], algorithm: str | None) -> int:
        """The place of the first token that matches, or -1 (`match` written out: with a
        call per token a snippet took 133-222 µs, written out 99-113, alternating runs)."""
        known = self._known(algorithm)
        for i, token in enumerate(tokens):
            found = known.get(token)
            if found is None:
                found = known[token] = self._match(token, algorithm)
            if found:
                return i
        return -1

    def _match(self, token: str, algorithm: str | None) -> bool:
        folded = analysis.fold(token)
        if folded in self.words or (self.prefixes and folded.startswith(self.prefixes)):
            return True
        return algorithm is not None and analysis.stem(algorithm, token.casefold()) in self.stems


def snippet(
    practice: Practice, keys: Keys | None, lang: str, stemmed: Mapping[str, str], words: int = 36
) -> tuple[Segment, ...]:
    """About `words` words of the practice's texts: the reader's language first, around
    the first matched word; else wherever the words matched; else the beginning."""
    preferred = [picked for n in TEXTS if (picked := practice.text(n, lang))]
    if not preferred:
        return ()  # a practice has a text in some language for each text it has
    if keys:
        others = ((lg, t) for n in TEXTS for lg, t in (getattr(practice, n) or {}).items() if (lg, t) not in preferred)
        for text_lang, raw in chain(preferred, others):  # most often the first has the words
            parts = _SPLIT.split(_MARKDOWN.sub("", raw))
            algorithm = stemmed.get(text_lang)
            first = keys.first(parts[1::2], algorithm)
            if first >= 0:
                start = max(0, first - words // 3)
                last = min(len(parts) // 2, start + words)
                hits = [i for i in range(first, last) if keys.match(parts[2 * i + 1], algorithm)]
                return _window(parts, start, last, hits)
    parts = _SPLIT.split(_MARKDOWN.sub("", preferred[0][1]))
    return _window(parts, 0, min(len(parts) // 2, words), [])


def _window(parts: list[str], first: int, last: int, hits: list[int]) -> tuple[Segment, ...]:
    """Words `first` to `last` of a text split into separators and words
    (`parts[2 * i + 1]` is word i), with the words `hits` marked."""
    if last <= first:
        return (Segment(parts[0][:240]),)
    segments: list[Segment] = [Segment("… ")] if first > 0 else []
    cursor = 2 * first + 1
    for i in hits:
        word = 2 * i + 1
        if word > cursor:
            segments.append(Segment("".join(parts[cursor:word])))
        segments.append(Segment(parts[word], hit=True))
        cursor = word + 1
    if 2 * last > cursor:
        segments.append(Segment("".join(parts[cursor : 2 * last])))
    if last < len(parts) // 2:
        segments.append(Segment(" …"))
    return tuple(segments)


def suggest(gen: Generation, text: str, finds: Callable[[str], bool]) -> str | None:
    """A corrected query from the index's own words, if `finds` says it finds something."""
    words = WORD.findall(text)
    if not words or OPERATORS.search(text):
        return None
    with gen.lock:
        corrector = gen.searcher.corrector("spell")
        reader = gen.searcher.reader()
        corrected = []
        for word in words:
            folded = word.casefold()
            known = reader.frequency("spell", folded) or reader.frequency("plain", analysis.fold(folded))
            options = [] if known or len(folded) < 4 else corrector.suggest(folded, limit=1, maxdist=2, prefix=1)
            corrected.append(options[0] if options else word)
    if [analysis.fold(w) for w in corrected] == [analysis.fold(w) for w in words]:
        return None
    suggestion = " ".join(corrected)
    return suggestion if finds(suggestion) else None
