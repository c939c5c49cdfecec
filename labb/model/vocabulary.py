"""A vocabulary and its terms: the controlled values of a practice's fields."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: an id, its labels per language, and extras
    (a region's country and map point, a language's stemmer...)."""

    id: str
    label: Mapping[str, str]
    description: Mapping[str, str] = field(default_factory=dict)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    default: str | None = None
    """The name shown in a language that has no label (a region's official name), if any;
    otherwise the `fallback` language's label is."""

    def label_in(self, lang: str, fallback: str = "en") -> str:
        return (
            self.label.get(lang) or self.default or self.label.get(fallback) or next(iter(self.label.values()), self.id)
        )

    def label_lang(self, lang: str, fallback: str = "en") -> str | None:
        """The language of `label_in(lang)`: `lang`, the fallback's, or None for the default name
        (whose language the caller knows: a region's country's)."""
        if self.label.get(lang):
            return lang
        if self.default:
            return None
        return fallback if self.label.get(fallback) else next(iter(self.label), None)

    def description_in(self, lang: str, fallback: str = "en") -> str:
        return self.description.get(lang) or self.description.get(fallback) or ""


@dataclass(frozen=True)
class Vocabulary:
    """A named, ordered set of terms. Aliases map other spellings to an id
    (`EL` -> `GR`)."""

    name: str
    title: Mapping[str, str]
    terms: Mapping[str, Term]
    aliases: Mapping[str, str] = field(default_factory=dict)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and (value in self.terms or value in self.aliases)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms.values())

    def __len__(self) -> int:
        return len(self.terms)

    def canonical(self, value: str) -> str:
        return self.aliases.get(value, value)

    def get(self, value: str) -> Term | None:
        return self.terms.get(self.canonical(value))

    def label(self, value: str, lang: str = "en") -> str:
        term = self.get(value)
        return term.label_in(lang) if term else value

    def suggest(self, value: object) -> str | None:
        """The closest id, for "did you mean"."""
        if not isinstance(value, str):
            return None
        candidates = list(self.terms) + list(self.aliases)
        lowered = {c.lower(): c for c in candidates}
        if value.lower() in lowered:
            return lowered[value.lower()]
        match = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
        return lowered[match[0]] if match else None
