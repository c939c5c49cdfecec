"""Check practice files against the model and the vocabularies.

Every check yields Problems with a file, a 1-based line and column, a code, the
field, what is wrong and how to fix it; codes, severities and wordings are in
`labb.model.problems.CODES`. Nothing here prints or exits: the CLI
does. Checks run per file first (syntax, model, vocabularies, texts,
placeholders), then across files (duplicate ids), so one run reports every
problem at once.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from . import markup, records, scaffold, schema
from .model import SLUG, Funding, Loc, Mark, Period, Practice, Problem, Vocabulary, dotted, euros
from .records import Document
from .vocab import Vocabularies

_PERSONAL = re.compile(r"^[^\W\d_]{2,}[._-][^\W\d_]{2,}@", re.UNICODE)
"""firstname.lastname@...: most likely a person's address, not a functional one."""

STALE_AFTER_DAYS = 2 * 365
"""A practice not reviewed for this long gets a warning."""
NEW_PRACTICE_DAYS = 2 * 365
"""A practice younger than this when assessed, with no `results`, is known from plans and
announcements: it cannot be strong on a criterion that needs results."""

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
    "string": "a text",
    "array": "a list",
    "object": "a mapping",
    "number": "a number",
    "integer": "a whole number",
    "null": "empty",
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
            found.update(
                p
                for p in path.rglob("*")
                if p.suffix in (".yaml", ".yml") and (p.is_file() or (p.is_symlink() and not p.exists()))
            )
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
        return 'a text per language, like `{en: "..."}`'
    if "x-vocabulary" in node:
        return f"an id from the `{node['x-vocabulary']}` vocabulary"
    if node.get("type") == "array":
        return "a list, like `[a, b]`"
    if "anyOf" in node:
        return " or ".join(_KIND.get(str(b.get("type")), "a value") for b in node["anyOf"])
    return _KIND.get(str(node.get("type")), "a different kind of value")


def _shown(text: str, width: int = 80) -> str:
    """A value as a message quotes it: one line, at most `width` characters."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


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


def _sentence(text: str) -> str:
    """A model check's clause as a sentence: "the end (...) is before..." -> "The end (...) is before..."."""
    return text[0].upper() + text[1:]


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

    def problem(
        self, code: str, loc: Loc, *, key: bool = False, form: str = "", hint: str | None = None, **fields: object
    ) -> Problem:
        """The problem `code` at the value at `loc` (at its key, with `key`); see `Problem.of`."""
        return Problem.of(code, self.where, self.doc.where(loc, key=key), loc, form=form, hint=hint, **fields)

    # -- the model ---------------------------------------------------------
    def model(self) -> tuple[Practice | None, list[Problem]]:
        try:
            return Practice.model_validate(self.doc.data), []
        except ValidationError as exc:
            return None, [self._from_pydantic(dict(err)) for err in exc.errors(include_url=False)]

    def _from_pydantic(self, err: dict[str, Any]) -> Problem:
        loc: Loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
        name = dotted(loc) or "the file"
        if kind == "missing":
            parent = loc[:-1]
            return self.problem("missing-field", parent, key=bool(parent), name=name, field=loc[-1])
        if kind == "extra_forbidden":
            options = schema.field_names(loc[:-1])
            hint = _did_you_mean(loc[-1], options) or (
                "allowed here: " + ", ".join(f"`{o}`" for o in options) if options else None
            )
            if loc[:-1]:
                return self.problem("unknown-field", loc, key=True, hint=hint, field=loc[-1], parent=dotted(loc[:-1]))
            return self.problem("unknown-field", loc, key=True, form="top", hint=hint, field=loc[-1])
        # The model's own checks (labb.model.practice) raise errors whose type is the problem code.
        if kind == "invalid-date":
            return self.problem("invalid-date", loc, name=name, detail=err["msg"])
        if kind == "invalid-url":
            return self.problem("invalid-url", loc, name=name, detail=err["msg"])
        if kind == "date-order":
            return self.problem("date-order", (*loc, "end"), detail=_sentence(err["msg"]))
        if kind == "budget-exceeds":
            return self.problem("budget-exceeds", (*loc, "eu_eur"), detail=_sentence(err["msg"]))
        if kind == "missing-region":
            return self.problem("missing-region", (*loc, "scope"), detail=_sentence(err["msg"]))
        if kind == "string_pattern_mismatch":
            hint = {
                "id": "use lowercase letters, digits and hyphens, e.g. `fi-good-start-oulu`",
                "programming_period": "write it as YYYY-YYYY, e.g. `2021-2027`",
            }.get(str(loc[-1]))
            return self.problem("invalid-value", loc, hint=hint, value=value, name=name)
        if kind == "string_too_short":
            if not str(value).strip():
                return self.problem("empty", loc, name=name)
            return self.problem(
                "invalid-value", loc, form="too-short", value=value, name=name, min_length=ctx.get("min_length")
            )
        if kind == "too_short":
            form = "no-language" if (schema.at(loc) or {}).get("x-text") else "no-value"
            return self.problem("empty", loc, form=form, name=name)
        if kind in ("too_long", "string_too_long"):
            return self.problem("too-long", loc, name=name, detail=err["msg"].lower())
        if kind in ("greater_than_equal", "finite_number"):
            return self.problem("invalid-value", loc, form="negative", name=name, value=value)
        return self.problem("wrong-type", loc, name=name, expected=_expected(loc), actual=_type_of(value))

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
        if name == "regions" and value in self.vocabs.recodes:
            new = self.vocabs.recode(value)
            yield self.problem("old-nuts-code", loc, value=value, new=new, label=vocabulary.label(new))
            return
        if value in vocabulary:
            return
        named = self._regions_named(value) if name == "regions" else None
        suggestion = vocabulary.suggest(value)
        hint = named or (
            f"did you mean `{suggestion}`?"
            if suggestion
            else (
                f"see labb/vocabularies/{'regions/' if name == 'regions' else ''}"
                f"{'<COUNTRY>' if name == 'regions' else name}.yaml for the ids; add a new one there by pull request"
            )
        )
        yield self.problem(
            "unknown-language" if name == "languages" and key_position else "unknown-term",
            loc,
            key=key_position,
            hint=hint,
            value=value,
            vocabulary=name,
        )

    def _regions_named(self, value: str) -> str | None:
        """ "`Antwerpen` is `BE21` (Prov. Antwerpen, NUTS 2); also `BE211` (...)", for a region's name."""
        country = self.doc.data.get("country") if isinstance(self.doc.data, dict) else None
        found = self.vocabs.regions_named(value, country if isinstance(country, str) else None)
        if not found:
            return None

        def name(code: str) -> str:
            extra = self.vocabs.regions.terms[code].extra
            return f"`{code}` ({extra.get('official_latn') or extra.get('official')}, NUTS {extra['level']})"

        others = "; also " + ", ".join(name(c) for c in found[1:4]) if len(found) > 1 else ""
        return f"`{value}` is {name(found[0])}{others}"

    def _text(self, loc: Loc, texts: dict) -> Iterator[Problem]:
        if "en" not in texts:
            yield self.problem("no-english", loc, key=True, name=dotted(loc))
        for lang, text in texts.items():
            if not isinstance(text, str):
                continue
            here = loc + (lang,)
            mark = self.doc.where(here)
            offset = 1 if here in self.doc.block_scalars else 0
            for unsafe in markup.problems(text):
                line = mark.line + offset + unsafe.line
                column = mark.column if line == mark.line else 1
                yield Problem.of(
                    "unsafe-markup", self.where, Mark(line, column), here, form=unsafe.form, **unsafe.fields
                )

    # -- placeholders left from `labb new` ------------------------------------
    def placeholders(self) -> Iterator[Problem]:
        """Every free text or address the editor has not written yet: a TODO, a
        sample sentence of the scaffold, an address on example.org."""
        seen: set[Loc] = set()
        for loc, value, node in schema.walk(self.doc.data):
            if (
                isinstance(value, str)
                and loc not in seen
                and node.get("type") == "string"
                and not {"x-vocabulary", "pattern", "format"} & node.keys()
            ):
                seen.add(loc)
                yield from self._placeholder(loc, value)

    def _placeholder(self, loc: Loc, value: str) -> Iterator[Problem]:
        name = dotted(loc)
        words = tuple(p for p in loc if isinstance(p, str))
        hint = _PLACEHOLDER_HINTS.get(words[:2]) or _PLACEHOLDER_HINTS.get(words[:1]) or _PLACEHOLDER_HINT
        host = _example_host(value) if loc[-1] == "url" else None
        if host:
            yield self.problem(
                "placeholder", loc, form="example-host", hint=hint, name=name, value=_shown(value), host=host
            )
        elif _is_sample(value) or _LEADING_PLACEHOLDER.fullmatch(value.strip()):
            yield self.problem("placeholder", loc, hint=hint, name=name, value=_shown(value))
        elif found := _PLACEHOLDER_WORD.search(value):
            yield self.problem(
                "placeholder",
                loc,
                form="word",
                hint=hint,
                name=name,
                word=found.group(),
                excerpt=_excerpt(value, found.start(), found.end()),
            )

    # -- relations between fields --------------------------------------------
    def relations(self) -> Iterator[Problem]:
        data = self.doc.data
        pid = data.get("id")
        if isinstance(pid, str) and pid != self.path.stem:
            yield self.problem("id-mismatch", ("id",), id=pid, file=self.path.name, stem=self.path.stem)
        country, region = data.get("country"), data.get("region")
        countries = self.vocabs.countries
        if (
            isinstance(pid, str)
            and country in countries
            and re.fullmatch(SLUG, pid)
            and not pid.startswith(EXAMPLE_ID_PREFIX)
        ):
            yield from self._id_prefix(pid, country)
        if isinstance(region, str) and self.vocabs.recode(region) in self.vocabs.regions and country in countries:
            in_country = self.vocabs.region_country(self.vocabs.recode(region))
            if in_country != countries.canonical(country):
                label = self.vocabs.regions.label(region)
                yield self.problem(
                    "region-country", ("region",), region=region, label=label, in_country=in_country, country=country
                )
        for i, source in enumerate(data.get("sources") or []):
            if isinstance(source, dict) and source.get("url") and not source.get("seen"):
                yield self.problem("no-seen-date", ("sources", i))
        reviewed = data.get("reviewed") or data.get("added")
        if isinstance(reviewed, date) and (self.today - reviewed).days > STALE_AFTER_DAYS:
            loc = ("reviewed",) if data.get("reviewed") else ("added",)
            yield self.problem("stale-review", loc, date=reviewed.isoformat())

    # -- what the sources support (on a valid practice) ------------------------
    def support(self, practice: Practice) -> Iterator[Problem]:
        """Figures cite listed sources, dates fit their precision, amounts in other
        currencies convert, EU funds are not hidden under `other`, contacts are not
        private persons, and a practice known only from announcements is not strong
        where strength needs results."""
        listed = {source.url for source in practice.sources}
        cited: list[tuple[Loc, str]] = []
        if practice.results:
            cited += [(("results", "figures", i, "source"), f.source) for i, f in enumerate(practice.results.figures)]
        if practice.reach:
            cited.append((("reach", "source"), practice.reach.source))
        if practice.funding:
            cited += [
                (("funding", "other_amounts", i, "source"), a.source)
                for i, a in enumerate(practice.funding.other_amounts)
            ]
        for loc, url in cited:
            if url not in listed:
                yield self.problem("unlisted-source", loc, name=dotted(loc), url=url)
        yield from self._precision(practice.period)
        if practice.funding:
            yield from self._currency(practice.funding)
            yield from self._eu_fund_as_other(practice.funding)
        if practice.contact and practice.contact.email and _PERSONAL.match(practice.contact.email):
            yield self.problem("personal-contact", ("contact", "email"), email=practice.contact.email)
        yield from self._strong_without_results(practice)

    def _precision(self, period: Period) -> Iterator[Problem]:
        if period.precision == "day":
            return
        for key, day in (("start", period.start), ("end", period.end)):
            if day is None:
                continue
            first = key == "start"
            if period.precision == "year":
                expected = date(day.year, 1, 1) if first else date(day.year, 12, 31)
            else:
                last = calendar.monthrange(day.year, day.month)[1]
                expected = date(day.year, day.month, 1 if first else last)
            if day != expected:
                yield self.problem(
                    "date-precision",
                    ("period", key),
                    name=f"period.{key}",
                    value=day.isoformat(),
                    precision=period.precision,
                    expected=expected.isoformat(),
                )

    def _currency(self, funding: Funding) -> Iterator[Problem]:
        if funding.currency == "EUR":
            yield self.problem("currency", ("funding", "currency"), form="euro")
            return
        original = funding.original_amount
        if original is None:
            for key in ("currency", "conversion"):
                if getattr(funding, key) is not None:
                    yield self.problem("currency", ("funding", key), form="unused", part=key)
            return
        if funding.currency is None:
            yield self.problem("currency", ("funding", "original_amount"), key=True)
            return
        converted = funding.total_eur is not None or funding.eu_eur is not None
        if funding.conversion is None:
            if converted:
                yield self.problem("currency", ("funding", "original_amount"), key=True, form="unconverted")
            return
        rate = funding.conversion.rate
        for part, eur_key in (("total", "total_eur"), ("eu", "eu_eur")):
            amount, eur = getattr(original, part), getattr(funding, eur_key)
            if amount is None or eur is None:
                continue
            expected = amount / rate
            if abs(eur - expected) > 0.02 * max(expected, 1.0):
                yield self.problem(
                    "conversion-mismatch",
                    ("funding", eur_key),
                    eur_key=eur_key,
                    eur=euros(eur),
                    amount=f"{amount:,.0f}",
                    currency=funding.currency,
                    rate=f"{rate:g}",
                    expected=euros(round(expected)),
                )

    def _eu_fund_as_other(self, funding: Funding) -> Iterator[Problem]:
        if "other" not in funding.funds or not funding.programme:
            return
        programme = funding.programme
        for term in self.vocabs["funds"]:
            if not term.extra.get("eu") or term.id in funding.funds:
                continue
            names = [*term.label.values(), *(k for ks in term.keywords.values() for k in ks)]
            for keyword in names:
                # An acronym (FAMI, ERF) as written; a name (European Refugee Fund) in any case.
                text, flags = (programme, 0) if keyword.isupper() else (programme, re.IGNORECASE)
                if len(keyword) >= 3 and re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", text, flags):
                    yield self.problem(
                        "eu-fund-as-other",
                        ("funding", "funds"),
                        fund=term.label_in("en"),
                        keyword=keyword,
                        fund_id=term.id,
                    )
                    return

    def _strong_without_results(self, practice: Practice) -> Iterator[Problem]:
        if practice.results is not None:
            return
        assessed = practice.assessment.date if practice.assessment else practice.added
        if practice.period.status == "planned":
            why = "the practice is only planned"
        elif (assessed - practice.period.start).days < NEW_PRACTICE_DAYS:
            why = (
                f"the practice started on {practice.period.start.isoformat()}, less than two years before it was "
                "assessed, and has no `results`"
            )
        else:
            return
        criteria = self.vocabs["criteria"]
        for criterion, assessment in practice.evaluation.items():
            term = criteria.get(criterion)
            if assessment.level == "strong" and term is not None and term.extra.get("needs_results"):
                yield self.problem(
                    "strong-without-results", ("evaluation", criterion, "level"), criterion=criterion, why=why
                )

    def _id_prefix(self, pid: str, country: str) -> Iterator[Problem]:
        countries = self.vocabs.countries
        prefixes = _id_prefixes(country, countries)
        if pid.startswith(tuple(f"{p}-" for p in prefixes)):
            return
        first, rest = pid.split("-", 1) if "-" in pid else ("", pid)
        if not (len(first) == 2 and first.upper() in countries):
            rest = pid  # the id starts with no country code: keep it whole
        codes = " or ".join(f"`{p}-`" for p in prefixes)
        yield self.problem("id-prefix", ("id",), id=pid, codes=codes, prefix=prefixes[0], rest=rest)


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
            problems.append(Problem.of("not-a-mapping", str(path), doc.where(()), ()))
        return Checked(path, None, problems, doc)
    check = _FileCheck(path, doc, vocabs, today or date.today())
    practice, model_problems = check.model()
    problems += model_problems
    problems += check.terms_and_texts()
    problems += check.placeholders()
    problems += check.relations()
    if practice is not None:
        problems += check.support(practice)
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
        if doc is not None and isinstance(pid, str):
            if pid in first_seen:
                other, line = first_seen[pid]
                corpus.problems.append(
                    Problem.of("duplicate-id", str(path), doc.where(("id",)), ("id",), id=pid, other=f"{other}:{line}")
                )
                continue
            first_seen[pid] = (path, doc.where(("id",)).line)
        if checked.practice is not None:
            corpus.practices.append(checked.practice)
    corpus.problems.sort()
    return corpus
