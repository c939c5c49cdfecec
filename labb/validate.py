"""Check practice files against the model and the vocabularies.

Every check yields Problems with a file, a 1-based line and column, a code, the
field, what is wrong and how to fix it. Nothing here prints or exits: the CLI
does. Checks run per file first (syntax, model, vocabularies, texts), then
across files (duplicate ids), so one run reports every problem at once.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import ValidationError

from . import markup, records, schema
from .model import Loc, Practice, Problem, dotted
from .records import Document
from .vocab import Vocabularies

STALE_AFTER_DAYS = 2 * 365
"""A practice not reviewed for this long gets a warning."""

_KIND = {
    "string": "a text", "array": "a list", "object": "a mapping",
    "number": "a number", "integer": "a whole number", "null": "empty",
}


@dataclass
class Checked:
    """One file after checking: its practice when valid, and its problems."""

    path: Path
    practice: Practice | None
    problems: list[Problem]
    document: Document | None = None


@dataclass
class Corpus:
    """Every practice that passed, and every problem in every file."""

    practices: list[Practice] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def practice_files(paths: Iterable[Path]) -> list[Path]:
    """Files to check: given files as they are, folders searched for *.yaml / *.yml."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            found.add(path)
    return sorted(found)


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return "a text"


def _expected(loc: Loc) -> str:
    node = schema.at(loc) or {}
    if node.get("format") == "date":
        return "a date written YYYY-MM-DD"
    if node.get("x-text"):
        return "a text per language, like `{en: \"...\"}`"
    if "x-vocabulary" in node:
        return f"an id from the `{node['x-vocabulary']}` vocabulary"
    if node.get("type") == "array":
        return "a list, like `[a, b]`"
    if "anyOf" in node:
        return " or ".join(_KIND.get(b.get("type"), "a value") for b in node["anyOf"])
    return _KIND.get(node.get("type"), "a different kind of value")


def _did_you_mean(value: object, options: Iterable[str]) -> str | None:
    if not isinstance(value, str):
        return None
    match = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else None


class _FileCheck:
    def __init__(self, path: Path, doc: Document, vocabs: Vocabularies, today: date):
        self.path = path
        self.where = str(path)
        self.doc = doc
        self.vocabs = vocabs
        self.today = today

    def error(self, loc: Loc, code: str, message: str, hint: str | None = None, *, key: bool = False) -> Problem:
        return Problem.error(self.where, self.doc.where(loc, key=key), code, loc, message, hint)

    def warning(self, loc: Loc, code: str, message: str, hint: str | None = None, *, key: bool = False) -> Problem:
        return Problem.warning(self.where, self.doc.where(loc, key=key), code, loc, message, hint)

    # -- the model ---------------------------------------------------------
    def model(self) -> tuple[Practice | None, list[Problem]]:
        try:
            return Practice.model_validate(self.doc.data), []
        except ValidationError as exc:
            return None, [self._from_pydantic(err) for err in exc.errors(include_url=False)]

    def _from_pydantic(self, err: dict[str, Any]) -> Problem:
        loc: Loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
        name = dotted(loc) or "the file"
        if kind == "missing":
            parent = loc[:-1]
            return self.error(parent, "missing-field", f"`{name}` is required",
                              f"add `{loc[-1]}:` here (see CONTRIBUTING.md for an example)", key=bool(parent))
        if kind == "extra_forbidden":
            options = schema.field_names(loc[:-1])
            hint = _did_you_mean(loc[-1], options) or (
                "allowed here: " + ", ".join(f"`{o}`" for o in options) if options else None)
            where = f"in `{dotted(loc[:-1])}`" if loc[:-1] else "in a practice"
            return self.error(loc, "unknown-field", f"`{loc[-1]}` is not a field {where}", hint, key=True)
        if kind in ("invalid-date", "invalid-url"):
            return self.error(loc, kind, f"`{name}`: {err['msg']}",
                              "write dates as YYYY-MM-DD" if kind == "invalid-date" else None)
        if kind in ("date-order", "budget-exceeds", "missing-region"):
            target = {"date-order": "end", "budget-exceeds": "eu_eur", "missing-region": "scope"}[kind]
            hint = {
                "date-order": "check the two dates; the end cannot come before the start",
                "budget-exceeds": "`eu_eur` is the EU's share of `total_eur`; check both figures against the source",
                "missing-region": "add `region:` with the NUTS code, or set `scope: national`",
            }[kind]
            return self.error(loc + (target,), kind, err["msg"][0].upper() + err["msg"][1:], hint)
        if kind == "string_pattern_mismatch":
            hint = {
                "id": "use lowercase letters, digits and hyphens, e.g. `fi-good-start-oulu`",
                "programming_period": "write it as YYYY-YYYY, e.g. `2021-2027`",
            }.get(str(loc[-1]), None)
            return self.error(loc, "invalid-value", f"`{value}` is not a valid `{name}`", hint)
        if kind == "string_too_short":
            if not str(value).strip():
                return self.error(loc, "empty", f"`{name}` is empty", "write the text or remove the key")
            return self.error(loc, "invalid-value", f"`{value}` is too short for `{name}` "
                              f"(at least {ctx.get('min_length')} characters)")
        if kind == "too_short":
            what = "at least one language" if (schema.at(loc) or {}).get("x-text") else "at least one value"
            return self.error(loc, "empty", f"`{name}` needs {what}")
        if kind in ("too_long", "string_too_long"):
            return self.error(loc, "too-long", f"`{name}` is too long ({err['msg'].lower()})")
        if kind in ("greater_than_equal", "finite_number"):
            return self.error(loc, "invalid-value", f"`{name}` must be a number of 0 or more, not `{value}`")
        return self.error(loc, "wrong-type", f"`{name}` must be {_expected(loc)}, not {_type_of(value)}",
                          "check the example in CONTRIBUTING.md")

    # -- vocabularies and texts ---------------------------------------------
    def terms_and_texts(self) -> Iterator[Problem]:
        for loc, value, node in schema.walk(self.doc.data):
            name = node.get("x-vocabulary")
            if name and isinstance(value, str):
                yield from self._term(loc, value, name)
            keys = node.get("x-vocabulary-keys")
            if keys and isinstance(value, dict):
                for key in value:
                    yield from self._term(loc + (key,), key, keys, key_position=True)
            if node.get("x-text") and isinstance(value, dict):
                yield from self._text(loc, value)

    def _term(self, loc: Loc, value: str, name: str, key_position: bool = False) -> Iterator[Problem]:
        vocabulary = self.vocabs[name]
        if value in vocabulary:
            return
        code = "unknown-language" if name == "languages" and key_position else "unknown-term"
        suggestion = vocabulary.suggest(value)
        hint = f"did you mean `{suggestion}`?" if suggestion else (
            f"see labb/vocabularies/{'regions/' if name == 'regions' else ''}"
            f"{'<COUNTRY>' if name == 'regions' else name}.yaml for the ids; add a new one there by pull request")
        yield self.error(loc, code, f"`{value}` is not in the {name} vocabulary", hint, key=key_position)

    def _text(self, loc: Loc, texts: dict) -> Iterator[Problem]:
        if "en" not in texts:
            yield self.warning(loc, "no-english", f"`{dotted(loc)}` has no English (`en`) text",
                               "add an English translation so readers across Europe can use it", key=True)
        for lang, text in texts.items():
            if not isinstance(text, str):
                continue
            here = loc + (lang,)
            mark = self.doc.where(here)
            offset = 1 if here in self.doc.block_scalars else 0
            for unsafe in markup.problems(text):
                line = mark.line + offset + unsafe.line
                column = mark.column if line == mark.line else 1
                yield Problem("" + self.where, line, column, "error", "unsafe-markup", dotted(here),
                              unsafe.message, unsafe.hint)

    # -- relations between fields --------------------------------------------
    def relations(self) -> Iterator[Problem]:
        data = self.doc.data
        pid = data.get("id")
        if isinstance(pid, str) and pid != self.path.stem:
            yield self.error(("id",), "id-mismatch", f"the id `{pid}` differs from the file name `{self.path.name}`",
                             f"rename the file to `{pid}.yaml`, or set `id: {self.path.stem}`")
        country, region = data.get("country"), data.get("region")
        countries = self.vocabs.countries
        if isinstance(region, str) and region in self.vocabs.regions and country in countries:
            in_country = self.vocabs.region_country(region)
            if in_country != countries.canonical(country):
                label = self.vocabs.regions.label(region)
                yield self.error(("region",), "region-country",
                                 f"region `{region}` ({label}) is in {in_country}, but `country` is {country}",
                                 "correct the country or the region")
        for i, source in enumerate(data.get("sources") or []):
            if isinstance(source, dict) and source.get("url") and not source.get("seen"):
                yield self.warning(("sources", i), "no-seen-date", "this source has no `seen` date",
                                   "add `seen: YYYY-MM-DD`, the day you last read the page")
        reviewed = data.get("reviewed") or data.get("added")
        if isinstance(reviewed, date) and (self.today - reviewed).days > STALE_AFTER_DAYS:
            loc = ("reviewed",) if data.get("reviewed") else ("added",)
            yield self.warning(loc, "stale-review", f"last reviewed on {reviewed.isoformat()}, over two years ago",
                               "check the practice against its sources and update `reviewed`")


def check_file(path: Path, vocabs: Vocabularies, today: date | None = None) -> Checked:
    """Check one practice file; never raises for anything the file contains."""
    doc, problems = records.load(path)
    if doc is None:
        return Checked(path, None, problems)
    if not isinstance(doc.data, dict):
        if not problems:
            problems.append(Problem.error(str(path), doc.where(()), "not-a-mapping", (),
                                          "a practice file must be a mapping of fields (`id: ...`, `title: ...`)",
                                          "start from `labb new`"))
        return Checked(path, None, problems, doc)
    check = _FileCheck(path, doc, vocabs, today or date.today())
    practice, model_problems = check.model()
    problems += model_problems
    problems += check.terms_and_texts()
    problems += check.relations()
    problems = _first_per_position(problems)
    if any(p.severity == "error" for p in problems):
        practice = None
    elif practice is not None and practice.country != vocabs.countries.canonical(practice.country):
        practice = practice.model_copy(update={"country": vocabs.countries.canonical(practice.country)})
    return Checked(path, practice, problems, doc)


def _first_per_position(problems: list[Problem]) -> list[Problem]:
    """One report per position and code (the loader and the model may both see a bad date)."""
    seen: set[tuple[int, int, str]] = set()
    kept = []
    for p in problems:
        if (p.line, p.column, p.code) not in seen:
            seen.add((p.line, p.column, p.code))
            kept.append(p)
    return kept


def check_paths(paths: Iterable[Path], vocabs: Vocabularies, today: date | None = None) -> Corpus:
    """Check every practice file under `paths`, then the files against each other."""
    corpus = Corpus(files=practice_files(paths))
    first_seen: dict[str, tuple[Path, int]] = {}
    for path in corpus.files:
        checked = check_file(path, vocabs, today)
        corpus.problems += checked.problems
        doc = checked.document
        pid = doc.data.get("id") if doc and isinstance(doc.data, dict) else None
        if isinstance(pid, str):
            if pid in first_seen:
                other, line = first_seen[pid]
                corpus.problems.append(Problem.error(
                    str(path), doc.where(("id",)), "duplicate-id", ("id",),
                    f"the id `{pid}` is already used by {other}:{line}",
                    "each practice needs its own id; rename one of them"))
                continue
            first_seen[pid] = (path, doc.where(("id",)).line)
        if checked.practice is not None:
            corpus.practices.append(checked.practice)
    corpus.problems.sort()
    return corpus
