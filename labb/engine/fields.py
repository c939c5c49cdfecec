"""Text fields whose postings are written through labb's analyser's fast path.

Whoosh asks a field's format for `word_values`: it runs the analyser token by
token and encodes each term's postings. labb's analyser (`analysis.Words`) can
give every term's positions or counts at once; these formats use that and write
exactly what Whoosh's own `Positions` and `Frequency` formats write (a property
test in tests/test_search.py compares the two)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh import fields, formats
from whoosh.system import pack_uint


class _FastPath:
    """Whoosh's `word_values`, through the analyser's fast path when it has one
    (labb's `Words`: `postings()` and `frequencies()`) and the value is a text."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple]:
        if isinstance(value, str) and hasattr(analyzer, "postings") and hasattr(analyzer, "frequencies"):
            return self.fast_values(value, analyzer)
        return super().word_values(value, analyzer, **kwargs)  # type: ignore[misc]

    def fast_values(self, value: str, analyzer: Any) -> Iterator[tuple]:
        raise NotImplementedError


class WordPositions(_FastPath, formats.Positions):
    """Whoosh's positions format (term, frequency, weight, encoded positions)."""

    def fast_values(self, value: str, analyzer: Any) -> Iterator[tuple]:
        for term, (poslist, weight) in analyzer.postings(value).items():
            yield term, len(poslist), weight * self.field_boost, self.encode(poslist)


class WordFrequency(_FastPath, formats.Frequency):
    """Whoosh's frequency format (term, frequency, weight, encoded frequency)."""

    def fast_values(self, value: str, analyzer: Any) -> Iterator[tuple]:
        for term, (count, weight) in analyzer.frequencies(value).items():
            yield term, count, weight * self.field_boost, pack_uint(count)


def text_field(analyzer: Any, *, phrase: bool = True, field_boost: float = 1.0) -> fields.TEXT:
    """A Whoosh TEXT field that indexes through the analyser's fast path."""
    field = fields.TEXT(analyzer=analyzer, phrase=phrase, field_boost=field_boost)
    field.format = (WordPositions if phrase else WordFrequency)(field_boost=field_boost)
    return field
