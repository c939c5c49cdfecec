"""Check practice files against the model and the vocabularies.

Every check yields Problems with a file, a 1-based line and column, a code, the
field, what is wrong and how to fix it. Nothing here prints or exits: the CLI
does. Checks run per file first (syntax, model, vocabularies, texts,
placeholders), then across files (duplicate ids), so one run reports every
problem at once.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

from pydantic import ValidationError

from . import markup, records, scaffold, schema
from .model import SLUG, Loc, Practice, Problem, Vocabulary, dotted
from .records import Document
from .vocab import Vocabularies

STALE_AFTER_DAYS = 2 * 365
"""A practice not reviewed for this long gets a warning."""

EXAMPLE_ID_PREFIX = "xx-"
"""ISO 3166 leaves `XX` to private use; the tests and examples name their practices
`xx-...` whatever their country, so the id-prefix check leaves these ids alone."""

_PLACEHOLDER_WORD = re.compile(r"\b(?:" + "|".join(scaffold.PLACEHOLDER_WORDS) + r")\b")
_LEADING_PLACEHOLDER = re.compile(r"(?:" + "|".join(scaffold.PLACEHOLDER_WORDS) + r")\b\s*:?\s*")
_SAMPLES = frozenset(s.casefold() for s in scaffold.SAMPLE_SENTENCES)
_PLACEHOLDER_HINTS: dict[tuple[str, ...], str] = {
    ("sources", "url"): "give the address of the page you read",
    ("sources", "title"): "copy the title of the page you read",
    ("title",): "write the practice's title as the sources give it (in another language, its translation)",
    ("summary",): "sum the practice up from the sources in one to three sentences, in your own words",
    ("regional_role", "detail"): "say in one sentence what the regional authority does, as the sources tell it",
    ("organisations", "lead"): "name the lead organisation as the sources name it",
}
_PLACEHOLDER_HINT = "write what the sources say, in your own words, or leave the field out if no source gives it"

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
            # A broken link is listed too, so that it is reported as unreadable rather than skipped.
            found.update(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")
                         and (p.is_file() or (p.is_symlink() and not p.exists())))
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


def _shown(text: str, width: int = 80) -> str:
    """A value as a message quotes it: one line, at most `width` characters."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def _excerpt(text: str, start: int, end: int, width: int = 60) -> str:
    """The words around text[start:end], on its own line, at most about `width` characters."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    a = max(line_start, start - width // 3)
    b = min(line_end, max(end, a + width))
    a = max(line_start, min(a, b - width))
    if a > line_start and not text[a - 1].isspace():  # whole words only
        a = min(start, text.find(" ", a) + 1 or start)
    if b < line_end and not text[b].isspace():
        b = max(end, text.rfind(" ", end, b))
    return ("…" if a > line_start else "") + text[a:b].strip() + ("…" if b < line_end else "")


def _is_sample(text: str) -> bool:
    """Is this one of the scaffold's sample sentences, with or without its `TODO: `?"""
    text = _LEADING_PLACEHOLDER.sub("", text.strip(), count=1).casefold()
    return text in _SAMPLES or text.rstrip(".") in _SAMPLES


def _example_host(url: str) -> str | None:
    """The host of `url` when it is a domain reserved for examples (or one of its subdomains)."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return None
    return host if any(host == h or host.endswith("." + h) for h in scaffold.PLACEHOLDER_HOSTS) else None


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

    # -- placeholders left from `labb new` ------------------------------------
    def placeholders(self) -> Iterator[Problem]:
        """Every free text or address the editor has not written yet: a TODO, a
        sample sentence of the scaffold, an address on example.org."""
        seen: set[Loc] = set()
        for loc, value, node in schema.walk(self.doc.data):
            if (isinstance(value, str) and loc not in seen and node.get("type") == "string"
                    and not {"x-vocabulary", "pattern", "format"} & node.keys()):
                seen.add(loc)
                yield from self._placeholder(loc, value)

    def _placeholder(self, loc: Loc, value: str) -> Iterator[Problem]:
        name = dotted(loc)
        words = tuple(p for p in loc if isinstance(p, str))
        hint = _PLACEHOLDER_HINTS.get(words[:2]) or _PLACEHOLDER_HINTS.get(words[:1]) or _PLACEHOLDER_HINT
        host = _example_host(value) if loc[-1] == "url" else None
        if host:
            yield self.error(loc, "placeholder", f"`{name}` is a placeholder (`{_shown(value)}`): "
                             f"{host} is reserved for examples", hint)
        elif _is_sample(value) or _LEADING_PLACEHOLDER.fullmatch(value.strip()):
            yield self.error(loc, "placeholder", f"`{name}` is a placeholder (`{_shown(value)}`)", hint)
        elif found := _PLACEHOLDER_WORD.search(value):
            yield self.error(loc, "placeholder", f"`{name}` contains the placeholder `{found.group()}` "
                             f"(`{_excerpt(value, found.start(), found.end())}`)", hint)

    # -- relations between fields --------------------------------------------
    def relations(self) -> Iterator[Problem]:
        data = self.doc.data
        pid = data.get("id")
        if isinstance(pid, str) and pid != self.path.stem:
            yield self.error(("id",), "id-mismatch", f"the id `{pid}` differs from the file name `{self.path.name}`",
                             f"rename the file to `{pid}.yaml`, or set `id: {self.path.stem}`")
        country, region = data.get("country"), data.get("region")
        countries = self.vocabs.countries
        if isinstance(pid, str) and country in countries and re.fullmatch(SLUG, pid) \
                and not pid.startswith(EXAMPLE_ID_PREFIX):
            yield from self._id_prefix(pid, country)
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

    def _id_prefix(self, pid: str, country: str) -> Iterator[Problem]:
        countries = self.vocabs.countries
        prefixes = _id_prefixes(country, countries)
        if pid.startswith(tuple(f"{p}-" for p in prefixes)):
            return
        first, rest = pid.split("-", 1) if "-" in pid else ("", pid)
        if not (len(first) == 2 and first.upper() in countries):
            rest = pid  # the id starts with no country code: keep it whole
        codes = " or ".join(f"`{p}-`" for p in prefixes)
        yield self.warning(("id",), "id-prefix", f"the id `{pid}` does not start with the country code {codes}",
                           f"start the id with `{prefixes[0]}-`, e.g. `{prefixes[0]}-{rest}`, and rename the file "
                           "to match (only before it is published: a published id never changes)")


def _id_prefixes(country: str, countries: Vocabulary) -> list[str]:
    """`fi` for FI; `el` and `gr` for EL (or GR); `uk` and `gb` for UK (or GB)."""
    canonical = countries.canonical(country)
    codes = [country, canonical, *(a for a, term in countries.aliases.items() if term == canonical)]
    return list(dict.fromkeys(c.lower() for c in codes))


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
    problems += check.placeholders()
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
