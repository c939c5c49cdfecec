"""Where a value sits in a file, and a problem found there.

Every kind of problem is defined once, in `CODES`: its code, its severity, a line
for the documentation, and the wording of its message and hint. A problem is
made from its code (`Problem.of`), so a call site never types a severity or a
sentence, and a code missing from the table fails at once. CONTRIBUTING.md's
table of codes is rendered from here (`codes_markdown`; regenerate it with
`python scripts/problem_codes.py --write`).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Loc = tuple[str | int, ...]
"""Where a value sits in a document: ("funding", "eu_eur"), ("dimensions", 2)."""


@dataclass(frozen=True, order=True)
class Mark:
    """A 1-based line and column in a file."""

    line: int
    column: int


Severity = Literal["error", "warning"]


def dotted(loc: Loc) -> str:
    """("sources", 0, "url") -> "sources[0].url"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or weak) in one file, with where and how to fix it."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    field: str
    message: str
    hint: str | None = None

    @classmethod
    def of(
        cls, code: str, path: str, mark: Mark, loc: Loc, *, form: str = "", hint: str | None = None, **fields: object
    ) -> Problem:
        """The problem `code` at `mark`, worded from the table: its message (the
        form named `form`, the code's main one by default) filled in with `fields`.
        `hint` is for codes whose hint the table leaves to the caller."""
        kind = code_of(code)
        message, hint = kind.render(form, hint, fields)
        return cls(path, mark.line, mark.column, kind.severity, code, dotted(loc), message, hint)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Form:
    """One wording of a problem: a message template and, unless the caller
    composes it, a hint template (both `str.format` templates with named fields)."""

    message: str
    hint: str | None = None


@dataclass(frozen=True)
class ProblemCode:
    """One kind of problem, defined once.

    `message` and `hint` are the main wording; `forms` holds the other wordings
    of the same code by name (a date the loader cannot read and one the model
    refuses are both `invalid-date`). A hint of None in the table means the call
    site composes the hint (a "did you mean", a hint per field) or there is none.
    A message of "{detail}" is text composed elsewhere: PyYAML's description of a
    syntax error, or the sentence a check in `labb.model.practice` raised.
    """

    code: str
    severity: Severity
    summary: str
    """What the problem means, in one line, for the table in CONTRIBUTING.md."""
    message: str
    hint: str | None = None
    forms: Mapping[str, Form] = field(default_factory=dict)

    def form(self, name: str = "") -> Form:
        """The wording called `name`; "" is the main one."""
        if not name:
            return Form(self.message, self.hint)
        try:
            return self.forms[name]
        except KeyError:
            raise KeyError(
                f"problem code `{self.code}` has no form `{name}` "
                f"(it has: {', '.join(self.forms) or 'only its main form'})"
            ) from None

    def render(self, form: str, hint: str | None, fields: Mapping[str, object]) -> tuple[str, str | None]:
        """The message and hint of `form` with `fields` filled in. Raises when a
        field is missing or unused, or when both the table and `hint` give a hint."""
        wording = self.form(form)
        if hint is not None and wording.hint is not None:
            raise ValueError(f"problem code `{self.code}` has its hint in the table; do not pass one")
        templates = [wording.message] if wording.hint is None else [wording.message, wording.hint]
        wanted = {name for template in templates for name in _fields(template)}
        if set(fields) != wanted:
            raise ValueError(
                f"problem code `{self.code}`{f' (form `{form}`)' if form else ''} takes the fields "
                f"{sorted(wanted)}, not {sorted(fields)}"
            )
        message = wording.message.format(**fields)
        return message, (wording.hint.format(**fields) if wording.hint is not None else hint)


def _fields(template: str) -> set[str]:
    """The named fields of a `str.format` template: "`{name}` is {what:>3}" -> {"name", "what"}."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


_TABLE: tuple[ProblemCode, ...] = (
    # -- reading the file (labb.records) ------------------------------------------
    ProblemCode(
        "yaml-syntax",
        "error",
        "the YAML cannot be read (indentation, a missing colon or quote)",
        "{detail}",
        "check indentation, colons and quotes on this line and the one before",
        {"unmarked": Form("{detail}")},
    ),
    ProblemCode(
        "duplicate-key",
        "error",
        "the same key twice in one mapping",
        "`{key}` appears twice in the same mapping (first at line {first})",
        "keep one of the two and merge their contents",
    ),
    ProblemCode(
        "yaml-alias",
        "error",
        "anchors and aliases (`&a`, `*a`) are not allowed",
        "anchors and aliases (`&name`, `*name`) are not allowed",
        "write the value out in full where it is needed",
    ),
    ProblemCode(
        "yaml-tag",
        "error",
        "tags (`!!python/...`) are not allowed",
        "the tag `{tag}` is not allowed",
        "practice files use plain YAML values; remove the tag",
    ),
    ProblemCode(
        "file-too-large",
        "error",
        "the file is over 256 KiB",
        "the file is larger than {kib} KiB",
        "a practice is a few pages of text; move long material to a linked source",
    ),
    ProblemCode(
        "encoding",
        "error",
        "the file is not UTF-8, or holds control characters",
        "byte 0x{byte:02X} is not valid UTF-8",
        "save the file as UTF-8 (your editor's 'encoding' menu)",
        {
            "control": Form(
                "the control character U+{character:04X} is not allowed in YAML",
                "remove the control character; save the file as plain UTF-8 text",
            )
        },
    ),
    ProblemCode("empty-file", "error", "the file holds no data", "the file holds no data"),
    ProblemCode(
        "not-a-mapping",
        "error",
        "the file is not a mapping of fields (`id: ...`, `title: ...`)",
        "a practice file must be a mapping of fields (`id: ...`, `title: ...`)",
        "start from `labb new`",
    ),
    ProblemCode(
        "unreadable",
        "error",
        "the file cannot be read at all (permissions, a broken link)",
        "the file cannot be read: {reason}",
    ),
    # -- the shape of a practice (labb.validate, from the model) ---------------------
    ProblemCode(
        "missing-field",
        "error",
        "a required field is missing",
        "`{name}` is required",
        "add `{field}:` here (see CONTRIBUTING.md for an example)",
    ),
    ProblemCode(
        "unknown-field",
        "error",
        'a field is unknown (with "did you mean" or the fields allowed there)',
        "`{field}` is not a field in `{parent}`",
        None,
        {"top": Form("`{field}` is not a field in a practice")},
    ),
    ProblemCode(
        "wrong-type",
        "error",
        "a value has the wrong kind: a text for a list, a list for a date...",
        "`{name}` must be {expected}, not {actual}",
        "check the example in CONTRIBUTING.md",
        {
            "unparsed": Form("`{value}` cannot be read: {detail}"),
            "key": Form("a key must be a plain word, not a list or a mapping"),
        },
    ),
    ProblemCode(
        "empty",
        "error",
        "a value is empty: a blank text, a list without values, a text in no language",
        "`{name}` is empty",
        "write the text or remove the key",
        {
            "no-language": Form("`{name}` needs at least one language"),
            "no-value": Form("`{name}` needs at least one value"),
        },
    ),
    ProblemCode("too-long", "error", "a text or a list is longer than allowed", "`{name}` is too long ({detail})"),
    ProblemCode(
        "invalid-value",
        "error",
        "a value has the wrong form: an id, a period, a too short text, a negative number",
        "`{value}` is not a valid `{name}`",
        None,
        {
            "too-short": Form("`{value}` is too short for `{name}` (at least {min_length} characters)"),
            "negative": Form("`{name}` must be a number of 0 or more, not `{value}`"),
        },
    ),
    # -- vocabularies, texts and relations (labb.validate) ------------------------------
    ProblemCode(
        "unknown-term",
        "error",
        'an id is not in its vocabulary (with "did you mean")',
        "`{value}` is not in the {vocabulary} vocabulary",
    ),
    ProblemCode(
        "old-nuts-code",
        "warning",
        "a region's code is from an older NUTS version; labb reads it as the NUTS 2024 code that replaced it",
        "`{value}` is an older NUTS code: NUTS 2024 recoded it as `{new}` ({label})",
        "write `{new}` (NUTS 2024)",
    ),
    ProblemCode(
        "unknown-language",
        "error",
        'a text\'s language is not in the languages vocabulary (with "did you mean")',
        "`{value}` is not in the {vocabulary} vocabulary",
    ),
    ProblemCode(
        "id-mismatch",
        "error",
        "the id differs from the file name",
        "the id `{id}` differs from the file name `{file}`",
        "rename the file to `{id}.yaml`, or set `id: {stem}`",
    ),
    ProblemCode(
        "duplicate-id",
        "error",
        "another file uses the same id",
        "the id `{id}` is already used by {other}",
        "each practice needs its own id; rename one of them",
    ),
    ProblemCode(
        "invalid-date",
        "error",
        "a date is not a real YYYY-MM-DD date",
        "`{name}`: {detail}",
        "write dates as YYYY-MM-DD",
        {"calendar": Form("`{value}` is not a real calendar date", "write dates as YYYY-MM-DD, e.g. 2024-02-29")},
    ),
    ProblemCode(
        "date-order",
        "error",
        "the end of the period comes before its start",
        "{detail}",
        "check the two dates; the end cannot come before the start",
    ),
    ProblemCode("invalid-url", "error", "a source's address is not an http(s) URL", "`{name}`: {detail}"),
    ProblemCode(
        "budget-exceeds",
        "error",
        "the EU contribution is larger than the total budget",
        "{detail}",
        "`eu_eur` is the EU's share of `total_eur`; check both figures against the source",
    ),
    ProblemCode(
        "region-country",
        "error",
        "the region is not in the country",
        "region `{region}` ({label}) is in {in_country}, but `country` is {country}",
        "correct the country or the region",
    ),
    ProblemCode(
        "missing-region",
        "error",
        "a local or regional practice has no region",
        "{detail}",
        "add `region:` with the NUTS code, or set `scope: national`",
    ),
    ProblemCode(
        "unsafe-markup",
        "error",
        "raw HTML, an image, or a link that is not http(s)/mailto in a text",
        "raw HTML is not allowed in texts",
        "use Markdown instead: **bold**, *italic*, [link](https://...)",
        {
            "inline-html": Form(
                "raw HTML `{html}` is not allowed in texts",
                "use Markdown instead: **bold**, *italic*, [link](https://...)",
            ),
            "image": Form("images are not allowed in texts", "link to the image instead: [description](https://...)"),
            "link": Form("the link `{href}` is not allowed", "links must start with https://, http:// or mailto:"),
        },
    ),
    ProblemCode(
        "placeholder",
        "error",
        "a text still holds `TODO`, `TBD` or `FIXME` (as a word, in capitals), a sample sentence of `labb new` "
        "(with or without its `TODO: `, or `...`), or a source address on example.org, example.com or example.net",
        "`{name}` is a placeholder (`{value}`)",
        None,
        {
            "example-host": Form("`{name}` is a placeholder (`{value}`): {host} is reserved for examples"),
            "word": Form("`{name}` contains the placeholder `{word}` (`{excerpt}`)"),
        },
    ),
    ProblemCode(
        "no-english",
        "warning",
        "a text has no English version",
        "`{name}` has no English (`en`) text",
        "add an English translation so readers across Europe can use it",
    ),
    ProblemCode(
        "no-seen-date",
        "warning",
        "a source has no `seen` date",
        "this source has no `seen` date",
        "add `seen: YYYY-MM-DD`, the day you last read the page",
    ),
    ProblemCode(
        "stale-review",
        "warning",
        "`reviewed` is more than two years old",
        "last reviewed on {date}, over two years ago",
        "check the practice against its sources and update `reviewed`",
    ),
    ProblemCode(
        "id-prefix",
        "warning",
        "the id does not start with the country code and a hyphen (`fi-`; `el-`/`gr-` for Greece, `uk-`/`gb-` "
        "for the UK; `xx-`, the tests' prefix, is left alone)",
        "the id `{id}` does not start with the country code {codes}",
        "start the id with `{prefix}-`, e.g. `{prefix}-{rest}`, and rename the file to match "
        "(only before it is published: a published id never changes)",
    ),
    # -- what the sources support (labb.validate, on a valid practice) -------------------
    ProblemCode(
        "unlisted-source",
        "error",
        "a result, a reach figure or an amount cites a page that is not among the practice's sources",
        "`{name}` cites {url}, which is not among the practice's `sources`",
        "add the page to `sources`, or cite one that is there",
    ),
    ProblemCode(
        "date-precision",
        "error",
        "a date does not fit `period.precision` (a year is written YYYY-01-01 to YYYY-12-31, a month "
        "from its 1st to its last day)",
        "`{name}` is {value}, but `period.precision` is `{precision}`",
        "write it as {expected}, or give the precision the sources have",
    ),
    ProblemCode(
        "currency",
        "error",
        "an amount in another currency without its currency or conversion, or a conversion without one",
        "`funding.original_amount` needs `funding.currency`, the ISO code of its currency",
        "add `currency: SEK` (or the currency the source uses)",
        {
            "unconverted": Form(
                "amounts in euros converted from `funding.original_amount` need `funding.conversion`",
                "add `conversion: {{rate: 11.2, date: YYYY-MM-DD}}` (units of the currency for one euro, and the "
                "day of the rate), or leave the euro amounts out",
            ),
            "euro": Form(
                "`funding.currency` is `EUR`, but amounts in euros go in `total_eur` and `eu_eur`",
                "remove `currency`, `original_amount` and `conversion`",
            ),
            "unused": Form(
                "`funding.{part}` is given without `funding.original_amount`",
                "add the amounts as the source states them under `original_amount`, or remove `{part}`",
            ),
        },
    ),
    ProblemCode(
        "conversion-mismatch",
        "warning",
        "an amount in euros differs by more than 2 % from the original amount at the stated rate",
        "`funding.{eur_key}` is {eur}, but {amount} {currency} at {rate} {currency} per euro is {expected}",
        "check the amount and the rate against the source",
    ),
    ProblemCode(
        "strong-without-results",
        "warning",
        "a criterion that needs results (inclusion, sustainability, monitoring and evaluation) is rated strong "
        "for a practice known only from plans or announcements",
        "`{criterion}` is rated strong, but {why}",
        "rate it `moderate` or `weak` until a source shows results (then add them under `results`), "
        "and say what is missing in `evidence_gaps`",
    ),
    ProblemCode(
        "eu-fund-as-other",
        "warning",
        "`funding.funds` has `other` while the programme names an EU fund",
        "`funding.funds` has `other`, but the programme names the {fund} (`{keyword}`)",
        "code the EU fund as `{fund_id}` (and the national share as `national` or `regional`) instead of `other`",
    ),
    ProblemCode(
        "personal-contact",
        "warning",
        "the contact address looks like a private person's",
        "`contact.email` looks like a person's address (`{email}`)",
        "give the organisation's functional address (info@, integration@...): labb lists organisations, "
        "never private persons",
    ),
    # -- labb's own vocabulary files (labb.vocab) -------------------------------------
    ProblemCode(
        "vocabulary",
        "error",
        "a file in `labb/vocabularies/` has no `terms:` mapping, a term without an English label "
        "(a region: nor an official name), a label that is not a text, a region of an unknown country, "
        "or no `recodes:` mapping in `regions/recodes.yaml`",
        "a vocabulary file needs a `terms:` mapping of id -> entry",
        None,
        {
            "no-label": Form("`{id}` needs a `label` with at least an English (`en`) text"),
            "not-text": Form(
                "a label, description or keyword of `{id}` is not a text",
                'quote a text that holds a comma: `{{en: "Köln, Kreisfreie Stadt"}}`',
            ),
            "unknown-country": Form("region `{region}` names an unknown country `{country}`"),
            "no-recodes": Form("the recode file needs a `recodes:` mapping of old code -> {{to: new code}}"),
        },
    ),
    # -- the integration glossary (labb.glossary) ----------------------------------------
    ProblemCode(
        "glossary",
        "error",
        "a file in `labb/vocabularies/glossary/` has no `concepts:` mapping, a concept that is not a mapping, "
        "a field that is not known, or an id that is not a slug",
        "a glossary file needs a `concepts:` mapping of id -> concept",
        "start from an existing concept in the same folder",
        {
            "not-a-mapping": Form(
                "the concept `{id}` must be a mapping with `labels:`, `source:` and an optional `note:`",
                "indent `labels:` and `source:` under the concept's id",
            ),
            "field": Form("`{field}` is not a field of a concept", "a concept has only `labels`, `source` and `note`"),
            "slug": Form(
                "`{id}` is not a valid concept id",
                "write the id in lower case, words joined by hyphens (`intercultural-mediation`)",
            ),
            "labels": Form(
                "`labels` of `{id}` must be a mapping of language code -> list of labels",
                'write `labels:` then one line per language: `it: [mediazione interculturale, "..."]`',
            ),
        },
    ),
    ProblemCode(
        "glossary-duplicate-id",
        "error",
        "two glossary concepts have the same id",
        "the concept id `{id}` is already used in {other}",
        "give one of the two concepts another id, or merge their labels into one",
    ),
    ProblemCode(
        "glossary-language",
        "error",
        "a glossary label's language is not in the languages vocabulary",
        "`{value}` is not a language code in the languages vocabulary",
        None,
    ),
    ProblemCode(
        "glossary-empty-label",
        "error",
        "a glossary label is blank, not a text, or only common words, or a language has no label",
        "a label of `{id}` in `{lang}` is empty",
        'write the label, or remove it; quote a label that holds a comma: `["reception, first"]`',
        {
            "no-label": Form(
                "`{id}` has no label in `{lang}`",
                "write at least one label (the preferred one first), or remove the line",
            ),
            "not-text": Form(
                "a label of `{id}` in `{lang}` is not a text",
                "write labels as a list of texts: `{lang}: [first label, second label]`; quote one with a comma",
            ),
            "stop-words": Form(
                "the label `{label}` of `{id}` is only common words, which search ignores",
                "write the label as the field's term, with at least one word that carries meaning",
            ),
        },
    ),
    ProblemCode(
        "glossary-no-source",
        "error",
        "a glossary concept has no `source`, or its source has no http(s) `url` or no `name`",
        "`{id}` needs a `source` with the `name` and `url` of the glossary entry it was checked against",
        'add `source: {{name: EMN Asylum and Migration Glossary, url: "https://..."}}` (or IATE, EuroVoc)',
        {
            "url": Form(
                "the source of `{id}` needs a `url` starting with https:// or http://",
                "give the address of the glossary entry, or of the glossary's page",
            ),
            "name": Form(
                "the source of `{id}` needs a `name`",
                "name the glossary: EMN Asylum and Migration Glossary, IATE or EuroVoc",
            ),
        },
    ),
    ProblemCode(
        "glossary-checked",
        "error",
        "a glossary concept's `source.checked` names a language the concept has no labels in",
        "`{id}` says its `{lang}` labels were checked against the source, but it has no `{lang}` labels",
        "write the source entry's `{lang}` term among the labels, or take `{lang}` out of `checked`",
    ),
    ProblemCode(
        "glossary-shared-label",
        "error",
        "two glossary concepts have the same label in the same language (compared as search compares words)",
        "the label `{label}` ({lang}) of `{id}` is also a label of `{other}`",
        "a label names one concept: keep it where it fits best and reword the other",
    ),
)


def _index(table: tuple[ProblemCode, ...]) -> dict[str, ProblemCode]:
    codes: dict[str, ProblemCode] = {}
    for kind in table:
        if kind.code in codes:
            raise ValueError(f"problem code `{kind.code}` is defined twice")
        codes[kind.code] = kind
    return codes


CODES: Mapping[str, ProblemCode] = _index(_TABLE)
"""Every problem code, by code, in the order of the documentation."""


def code_of(code: str) -> ProblemCode:
    """The table's entry for `code`; a KeyError naming the code when there is none."""
    try:
        return CODES[code]
    except KeyError:
        raise KeyError(f"unknown problem code `{code}`: add it to CODES in labb/model/problems.py") from None


def codes_markdown() -> str:
    """The table of codes as CONTRIBUTING.md shows it: code, severity, meaning."""
    lines = ["| code | severity | meaning |", "| --- | --- | --- |"]
    for kind in CODES.values():
        if "|" in kind.summary:
            raise ValueError(f"the summary of `{kind.code}` holds a `|`, which would break the table")
        lines.append(f"| `{kind.code}` | {kind.severity} | {kind.summary} |")
    return "\n".join(lines) + "\n"
