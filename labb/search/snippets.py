"""What a result shows of a practice: a snippet around the matched words, in the
reader's language where it can; and a spelling suggestion for a query that finds
little, from the index's own words."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from .. import analysis, engine
from ..model import Practice, Segment
from .generations import Generation
from .text import OPERATORS, WORD

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
    known: dict[tuple[str | None, str], bool] = field(default_factory=dict, compare=False, repr=False)
    """Tokens already compared (with their text's stemmer): the results of one page
    share most of their words."""

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

    def match(self, token: str, algorithm: str | None) -> bool:
        found = self.known.get((algorithm, token))
        if found is None:
            found = self.known[(algorithm, token)] = self._match(token, algorithm)
        return found

    def _match(self, token: str, algorithm: str | None) -> bool:
        folded = analysis.fold(token)
        if folded in self.words or any(folded.startswith(p) for p in self.prefixes):
            return True
        return algorithm is not None and analysis.stem(algorithm, token.casefold()) in self.stems


def snippet(
    practice: Practice, keys: Keys | None, lang: str, stemmed: Mapping[str, str], words: int = 36
) -> tuple[Segment, ...]:
    """About `words` words of the practice's texts: the reader's language first, around
    the first matched word; else wherever the words matched; else the beginning."""
    preferred = [picked for n in TEXTS if (picked := practice.text(n, lang))]
    others = [(lg, t) for n in TEXTS for lg, t in (getattr(practice, n) or {}).items() if (lg, t) not in preferred]
    texts = [*preferred, *others]
    if not texts:
        return ()
    if keys:
        for text_lang, raw in texts:  # most often the first has the words
            text = _MARKDOWN.sub("", raw)
            algorithm = stemmed.get(text_lang)
            tokens: list[re.Match[str]] = []
            first = end = -1
            for token in WORD.finditer(text):  # up to the window's end and one more
                tokens.append(token)
                if first < 0:
                    if keys.match(token.group(0), algorithm):  # the window starts at most words // 3 before it
                        first = len(tokens) - 1
                        end = max(0, first - words // 3) + words
                elif len(tokens) > end:
                    break
            if first >= 0:
                hits = [i for i in range(first, min(len(tokens), end)) if keys.match(tokens[i].group(0), algorithm)]
                return _window(text, tokens, hits, words)
    text = _MARKDOWN.sub("", texts[0][1])
    return _window(text, list(islice(WORD.finditer(text), words + 1)), [], words)


def _window(text: str, tokens: list[re.Match[str]], hits: list[int], words: int) -> tuple[Segment, ...]:
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
            segments.append(Segment(text[cursor : token.start()]))
        segments.append(Segment(token.group(0), hit=True))
        cursor = token.end()
    if end > cursor:
        segments.append(Segment(text[cursor:end]))
    if last < len(tokens):
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
