"""Why a practice matched: each part of the parsed query that matches it, in words,
with the score it adds (what `labb search --explain` prints)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import engine
from .generations import Generation

wq = engine.query


@dataclass(frozen=True)
class Reason:
    what: str
    score: float

    def __str__(self) -> str:
        return f"{self.score:7.3f}  {self.what}"


def _field(name: str) -> str:
    if name == "title":
        return "the title"
    if name == "plain":
        return "a text (as written)"
    if name.startswith("text_"):
        return f"the {name[len('text_') :]} text (lemma or stem)"
    return name


def _leaves(
    node: Any, boost: float = 1.0, corrected: str | None = None, *, docnum: int, gen: Generation
) -> Iterator[tuple[Any, float, str | None]]:
    """The scoring leaves under `node`, each with the product of the boosts above it and
    the typed word it stands for when it comes from a correction (of a disjunction-max,
    only the part that scores best in document `docnum`)."""
    corrected = getattr(node, "corrected", None) or corrected
    if isinstance(node, (wq.ConstantScoreQuery, wq.Term, wq.Phrase, wq.Prefix, wq.Wildcard)):
        yield node, boost, corrected
        return
    if isinstance(node, wq.Not):
        return
    if isinstance(node, wq.AndNot):
        yield from _leaves(node.a, boost * node.boost, corrected, docnum=docnum, gen=gen)
        return
    for child in node.children():
        yield from _leaves(child, boost * node.boost, corrected, docnum=docnum, gen=gen)


def _describe(leaf: Any, corrected: str | None) -> str:
    if isinstance(leaf, wq.ConstantScoreQuery):
        term = leaf.child
        what = f"tagged {term.fieldname[len('f_') :].replace('_', ' ')} `{term.text}` (its label matches)"
    elif isinstance(leaf, wq.Phrase):
        what = f"the phrase `{' '.join(leaf.words)}` in {_field(leaf.fieldname)}"
    elif isinstance(leaf, (wq.Prefix, wq.Wildcard)):
        what = f"`{leaf.text}{'*' if isinstance(leaf, wq.Prefix) else ''}` in {_field(leaf.fieldname)}"
    else:
        what = f"`{leaf.text}` in {_field(leaf.fieldname)}"
    return what + (f", for the unknown word `{corrected}`" if corrected else "")


def reasons(gen: Generation, parsed: Any, docnum: int) -> list[Reason]:
    """What in `parsed` matches document `docnum`, highest score first."""
    found: dict[str, float] = {}
    for leaf, boost, corrected in _leaves(parsed, docnum=docnum, gen=gen):
        matched = gen.evaluator.evaluate(leaf)
        if docnum in matched.ids:
            what = _describe(leaf, corrected)
            found[what] = found.get(what, 0.0) + float(matched.scores[docnum]) * boost
    return sorted((Reason(what, score) for what, score in found.items()), key=lambda r: (-r.score, r.what))
