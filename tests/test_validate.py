"""The validator: every mistake an editor can make is reported at its exact position."""

from __future__ import annotations

import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from labb import validate
from labb.records import MAX_BYTES

TODAY = date(2026, 11, 23)


def problems_of(path: Path, vocabs) -> list[tuple[str, str, int, int]]:
    corpus = validate.check_paths([path], vocabs, today=TODAY)
    return [(p.severity, p.code, p.line, p.column) for p in corpus.problems]


def test_the_good_practice_is_clean(write, good_text, vocabs):
    path = write(good_text)
    corpus = validate.check_paths([path], vocabs, today=TODAY)
    assert corpus.problems == []
    [practice] = corpus.practices
    assert practice.funding.co_financing_rate == pytest.approx(0.3239)
    assert practice.duration_months == 36


# (what, text replaced, replacement, code, line, column)
MISTAKES = [
    ("yaml syntax", "id: xx-good-practice\ntitle:", "id: xx-good-practice\n  oops: [\ntitle:", "yaml-syntax", 3, 7),
    ("duplicate key", "scope: regional\n", "scope: regional\nscope: local\n", "duplicate-key", 19, 1),
    ("missing field", "scope: regional\n", "", "missing-field", 2, 1),
    ("missing nested field", "  status: completed\n", "", "missing-field", 20, 1),
    ("wrong type", "places: [Oulu, Pudasjärvi]", "places: Oulu", "wrong-type", 19, 9),
    ("wrong type in text map", "  en: A good start in Pudasjärvi", "  en: [A, list]", "wrong-type", 5, 7),
    ("unknown key", "places: [", "placse: [", "unknown-field", 19, 1),
    ("unknown nested key", "  lead: City of Oulu", "  leader: City of Oulu", "unknown-field", 31, 3),
    (
        "unknown dimension",
        "[language, reception-orientation]",
        "[language, recepton-orientation]",
        "unknown-term",
        24,
        24,
    ),
    ("unknown criterion", "  innovation:\n", "  multilevel-governance:\n", "unknown-term", 39, 3),
    ("unknown level", "    level: strong", "    level: strongest", "unknown-term", 40, 12),
    ("unknown fund", "funds: [esf]", "funds: [esf-pluss]", "unknown-term", 34, 11),
    ("unknown region", "region: FI1D9", "region: FI1D0", "unknown-term", 17, 9),
    ("unknown country", "country: FI", "country: FN", "unknown-term", 16, 10),
    ("id differs from file name", "id: xx-good-practice", "id: xx-other-practice", "id-mismatch", 2, 5),
    ("id not a slug", "id: xx-good-practice", "id: XX Good", "invalid-value", 2, 5),
    ("impossible date", "  start: 2016-01-01", "  start: 2016-02-30", "invalid-date", 21, 10),
    ("date not a date", "  start: 2016-01-01", "  start: soon", "invalid-date", 21, 10),
    ("end before start", "  end: 2018-12-31", "  end: 2015-12-31", "date-order", 22, 8),
    ("malformed url", "url: https://kohesio", "url: htps//kohesio", "invalid-url", 48, 10),
    ("eu above total", "  eu_eur: 353249", "  eu_eur: 2353249", "budget-exceeds", 37, 11),
    ("negative budget", "  total_eur: 1090474", "  total_eur: -5", "invalid-value", 36, 14),
    ("region not in country", "country: FI", "country: SE", "region-country", 17, 9),
    ("unknown language in a text", "  fi: Hyvä alku", "  xz: Hyvä alku", "unknown-language", 4, 3),
    ("raw html", "  en: A good start in Pudasjärvi", "  en: A good start <b onclick=x>in</b>", "unsafe-markup", 5, 7),
    (
        "javascript link",
        "[network](https://example.org/network)",
        "[network](javascript:alert(1))",
        "unsafe-markup",
        14,
        1,
    ),
    ("regional scope without region", "region: FI1D9\n", "", "missing-region", 17, 8),
    ("no dimension", "dimensions: [language, reception-orientation]", "dimensions: []", "empty", 24, 13),
    ("programming period", "programming_period: 2014-2020", "programming_period: 2014/20", "invalid-value", 35, 23),
]


@pytest.mark.parametrize("what,old,new,code,line,column", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_reported_at_its_position(write, good_text, vocabs, what, old, new, code, line, column):
    assert old in good_text
    path = write(good_text.replace(old, new, 1))
    found = problems_of(path, vocabs)
    assert ("error", code, line, column) in found, found
    corpus = validate.check_paths([path], vocabs, today=TODAY)
    assert corpus.practices == [] and not corpus.ok


def test_messages_say_how_to_fix(write, good_text, vocabs):
    path = write(good_text.replace("  innovation:\n", "  multilevel-governance:\n"))
    [problem] = validate.check_paths([path], vocabs, today=TODAY).problems
    assert problem.field == "evaluation.multilevel-governance"
    assert problem.message == "`multilevel-governance` is not in the criteria vocabulary"
    assert problem.hint == "did you mean `multi-level-governance`?"
    path = write(good_text.replace("places: [", "placse: ["))
    [problem] = validate.check_paths([path], vocabs, today=TODAY).problems
    assert problem.message == "`placse` is not a field in a practice"
    assert problem.hint == "did you mean `places`?"


WARNINGS = [
    ("no english", "  en: A good start in Pudasjärvi\n", "", "no-english", 3, 1),
    ("no seen date", "    seen: 2026-11-22\n", "", "no-seen-date", 48, 5),
    ("stale review", "reviewed: 2026-11-22", "reviewed: 2023-01-10", "stale-review", 52, 11),
]


@pytest.mark.parametrize("what,old,new,code,line,column", WARNINGS, ids=[w[0] for w in WARNINGS])
def test_weak_but_allowed_is_a_warning(write, good_text, vocabs, what, old, new, code, line, column):
    path = write(good_text.replace(old, new, 1))
    corpus = validate.check_paths([path], vocabs, today=TODAY)
    assert [(p.severity, p.code, p.line, p.column) for p in corpus.problems] == [("warning", code, line, column)]
    assert corpus.ok and len(corpus.practices) == 1


def test_greece_may_be_el_or_gr(write, good_text, vocabs):
    text = good_text.replace("country: FI", "country: EL").replace("region: FI1D9", "region: EL30")
    corpus = validate.check_paths([write(text)], vocabs, today=TODAY)
    assert corpus.problems == []
    assert corpus.practices[0].country == "GR"


def test_norway_is_not_false(write, good_text, vocabs):
    text = (
        good_text.replace("country: FI", "country: NO")
        .replace("region: FI1D9\n", "")
        .replace("scope: regional", "scope: national")
        .replace("language: fi", "language: nb")
    )
    corpus = validate.check_paths([write(text)], vocabs, today=TODAY)
    assert corpus.problems == [] and corpus.practices[0].country == "NO"


def test_duplicate_ids_across_files(tmp_path, good_text, vocabs):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "xx-good-practice.yaml").write_text(good_text, encoding="utf-8")
    (tmp_path / "b" / "xx-good-practice.yaml").write_text(good_text, encoding="utf-8")
    corpus = validate.check_paths([tmp_path], vocabs, today=TODAY)
    [problem] = corpus.problems
    assert (problem.code, problem.line, problem.column) == ("duplicate-id", 2, 5)
    assert problem.path.endswith("b/xx-good-practice.yaml")
    assert "a/xx-good-practice.yaml:2" in problem.message


def test_billion_laughs_fails_fast_and_small(write, vocabs):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = write("\n".join(lines) + "\n", "laughs.yaml")
    tracemalloc.start()
    started = time.perf_counter()
    found = problems_of(path, vocabs)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found == [("error", "yaml-alias", 2, 10)]
    assert elapsed < 0.5 and peak < 5_000_000


def test_too_large(write, good_text, vocabs):
    path = write(good_text + "#" * (MAX_BYTES + 1))
    assert problems_of(path, vocabs) == [("error", "file-too-large", 1, 1)]


def test_not_utf8(write, good_text, vocabs):
    path = write(good_text.replace("City of Oulu", "Ville d'Oulu é").encode("utf-8").replace("é".encode(), b"\xe9"))
    assert problems_of(path, vocabs) == [("error", "encoding", 31, 22)]


def test_control_character(write, good_text, vocabs):
    path = write(good_text.replace("City of Oulu", "City\x07of Oulu"))
    assert problems_of(path, vocabs) == [("error", "encoding", 31, 13)]


@pytest.mark.parametrize(
    "text,code",
    [
        ("", "empty-file"),
        ("- a\n- b\n", "not-a-mapping"),
        ("!!python/object/apply:os.system ['echo hi']\n", "yaml-tag"),
        ("---\nid: a\n---\nid: b\n", "yaml-syntax"),
        ("? [a, b]\n: c\n", "wrong-type"),
    ],
)
def test_odd_files(write, vocabs, text, code):
    assert code in [c for _, c, _, _ in problems_of(write(text), vocabs)]


# -- placeholders left from `labb new` are errors -------------------------------------

OWN_WORDS = "write what the sources say, in your own words, or leave the field out if no source gives it"
ADDRESS = "give the address of the page you read"

# (what, text replaced, replacement, line, column, field, message, hint)
PLACEHOLDERS = [
    (
        "TODO in a nested text",
        '    inspiring: {en: "Evening classes reach women who work."}',
        '    inspiring: {en: "Evening classes reach women who work. TODO: how many?"}',
        41,
        21,
        "evaluation.innovation.inspiring.en",
        "`evaluation.innovation.inspiring.en` contains the placeholder `TODO` "
        "(`Evening classes reach women who work. TODO: how many?`)",
        OWN_WORDS,
    ),
    (
        "scaffold sentence in a nested text",
        '  detail: {en: "The regional council funds the project."}',
        '  detail: {en: "TODO: what the regional authority does in this practice"}',
        29,
        16,
        "regional_role.detail.en",
        "`regional_role.detail.en` is a placeholder (`TODO: what the regional authority does in this practice`)",
        "say in one sentence what the regional authority does, as the sources tell it",
    ),
    (
        "scaffold sentence without its TODO",
        "  en: A good start in Pudasjärvi",
        "  en: Title in English",
        5,
        7,
        "title.en",
        "`title.en` is a placeholder (`Title in English`)",
        "write the practice's title as the sources give it (in another language, its translation)",
    ),
    (
        "scaffold source title",
        "    title: Kohesio project page",
        "    title: the page's title",
        49,
        12,
        "sources[0].title",
        "`sources[0].title` is a placeholder (`the page's title`)",
        "copy the title of the page you read",
    ),
    (
        "an ellipsis for a text",
        'lessons_learnt: {en: "Courses at the right time of day matter."}',
        'lessons_learnt: {en: "..."}',
        44,
        22,
        "lessons_learnt.en",
        "`lessons_learnt.en` is a placeholder (`...`)",
        OWN_WORDS,
    ),
    (
        "TBD for the lead",
        "  lead: City of Oulu",
        "  lead: TBD",
        31,
        9,
        "organisations.lead",
        "`organisations.lead` is a placeholder (`TBD`)",
        "name the lead organisation as the sources name it",
    ),
    (
        "TODO in a list",
        "places: [Oulu, Pudasjärvi]",
        "places: [Oulu, TODO]",
        19,
        16,
        "places[1]",
        "`places[1]` is a placeholder (`TODO`)",
        OWN_WORDS,
    ),
    (
        "FIXME in a Markdown block",
        "    Evening courses let **working women** take part.\n",
        "    Evening courses let **working women** take part.\n    FIXME: the opening hours\n",
        10,
        7,
        "description.en",
        "`description.en` contains the placeholder `FIXME` (`FIXME: the opening hours`)",
        OWN_WORDS,
    ),
    (
        "the scaffold's address",
        "url: https://kohesio.ec.europa.eu/en/projects/example",
        'url: "https://example.org/TODO"',
        48,
        10,
        "sources[0].url",
        "`sources[0].url` is a placeholder (`https://example.org/TODO`): example.org is reserved for examples",
        ADDRESS,
    ),
    (
        "an example.com subdomain",
        "url: https://kohesio.ec.europa.eu/en/projects/example",
        "url: https://www.Example.com/projects/42",
        48,
        10,
        "sources[0].url",
        "`sources[0].url` is a placeholder (`https://www.Example.com/projects/42`): www.example.com is reserved "
        "for examples",
        ADDRESS,
    ),
    (
        "TODO in a real site's address",
        "url: https://kohesio.ec.europa.eu/en/projects/example",
        "url: https://kohesio.ec.europa.eu/en/projects/TODO",
        48,
        10,
        "sources[0].url",
        "`sources[0].url` contains the placeholder `TODO` (`https://kohesio.ec.europa.eu/en/projects/TODO`)",
        ADDRESS,
    ),
]


@pytest.mark.parametrize("what,old,new,line,column,field,message,hint", PLACEHOLDERS, ids=[p[0] for p in PLACEHOLDERS])
def test_placeholders_are_errors(write, good_text, vocabs, what, old, new, line, column, field, message, hint):
    assert old in good_text
    corpus = validate.check_paths([write(good_text.replace(old, new, 1))], vocabs, today=TODAY)
    [problem] = corpus.problems
    assert (problem.severity, problem.code, problem.line, problem.column) == ("error", "placeholder", line, column)
    assert (problem.field, problem.message, problem.hint) == (field, message, hint)
    assert corpus.practices == [] and not corpus.ok


def test_a_long_text_quotes_the_words_around_its_placeholder(write, good_text, vocabs):
    long = (
        "The courses were planned with employers and the public employment office of the region. TODO: ask "
        "the city for the number of participants in each year of the project."
    )
    path = write(good_text.replace("Courses at the right time of day matter.", long))
    [problem] = validate.check_paths([path], vocabs, today=TODAY).problems
    assert problem.message == (
        "`lessons_learnt.en` contains the placeholder `TODO` (`…of the region. TODO: ask the city for the number of…`)"
    )


# (what, text replaced, replacement): ordinary words and addresses that only look like placeholders
NOT_PLACEHOLDERS = [
    ("Spanish todo", "  en: A good start in Pudasjärvi", "  es: Todo el mundo cuenta\n  en: Everyone counts"),
    ("Spanish TODOS in capitals", "  en: A good start in Pudasjärvi", "  es: TODOS CUENTAN\n  en: Everyone counts"),
    ("lowercase todo and tbd", "Reaching isolated mothers.", "A todo list, tbd and fixme in lowercase."),
    ("placeholder words inside other words", "City of Oulu", "TODOist FIXMEs and TBDs of Oulu"),
    ("a sample sentence inside a longer text", "Reaching isolated mothers.", "Its title in English was chosen late."),
    (
        "a host that only ends like example.org",
        "url: https://kohesio.ec.europa.eu/en/projects/example",
        "url: https://notexample.org/projects/example",
    ),
    (
        "example.org as a subdomain of a real site",
        "url: https://kohesio.ec.europa.eu/en/projects/example",
        "url: https://example.org.uk/projects",
    ),
    # texts are prose: an example address in a link is the editor's business (the good file links one)
    ("an example link in a text", "Reaching isolated mothers.", "See [the guide](https://example.com/guide)."),
]


@pytest.mark.parametrize("what,old,new", NOT_PLACEHOLDERS, ids=[n[0] for n in NOT_PLACEHOLDERS])
def test_what_only_looks_like_a_placeholder_is_clean(write, good_text, vocabs, what, old, new):
    assert old in good_text
    corpus = validate.check_paths([write(good_text.replace(old, new, 1))], vocabs, today=TODAY)
    assert corpus.problems == [] and len(corpus.practices) == 1


def test_the_validator_knows_the_scaffold_sentences():
    from labb import scaffold

    text = scaffold.render(scaffold.NewPractice(id="fi-x", country="FI", language="fi", region="FI1D9"))
    for sentence in scaffold.SAMPLE_SENTENCES[:-2]:  # the two ellipses stand in for any text
        assert sentence in text, sentence
    assert scaffold.PLACEHOLDER_URL in text and text.count("TODO: ") == 7


# -- the id starts with the country code ----------------------------------------------

RENAME = "and rename the file to match (only before it is published: a published id never changes)"


def _national(text: str, country: str, language: str = "en") -> str:
    return (
        text.replace("country: FI", f"country: {country}")
        .replace("region: FI1D9\n", "")
        .replace("scope: regional", "scope: national")
        .replace("language: fi", f"language: {language}")
    )


# (what, id, country, message, hint); the file is named after the id
ID_PREFIXES = [
    (
        "no country code",
        "good-start",
        "FI",
        "the id `good-start` does not start with the country code `fi-`",
        f"start the id with `fi-`, e.g. `fi-good-start`, {RENAME}",
    ),
    (
        "another country's code",
        "se-good-start",
        "FI",
        "the id `se-good-start` does not start with the country code `fi-`",
        f"start the id with `fi-`, e.g. `fi-good-start`, {RENAME}",
    ),
    (
        "the code without a hyphen",
        "figood-start",
        "FI",
        "the id `figood-start` does not start with the country code `fi-`",
        f"start the id with `fi-`, e.g. `fi-figood-start`, {RENAME}",
    ),
    (
        "Greece written EL",
        "athens-centre",
        "EL",
        "the id `athens-centre` does not start with the country code `el-` or `gr-`",
        f"start the id with `el-`, e.g. `el-athens-centre`, {RENAME}",
    ),
    (
        "Greece written GR",
        "athens-centre",
        "GR",
        "the id `athens-centre` does not start with the country code `gr-` or `el-`",
        f"start the id with `gr-`, e.g. `gr-athens-centre`, {RENAME}",
    ),
    (
        "the United Kingdom",
        "fr-london-welcome",
        "UK",
        "the id `fr-london-welcome` does not start with the country code `uk-` or `gb-`",
        f"start the id with `uk-`, e.g. `uk-london-welcome`, {RENAME}",
    ),
]


@pytest.mark.parametrize("what,pid,country,message,hint", ID_PREFIXES, ids=[i[0] for i in ID_PREFIXES])
def test_an_id_without_its_country_code_is_a_warning(write, good_text, vocabs, what, pid, country, message, hint):
    text = _national(good_text.replace("id: xx-good-practice", f"id: {pid}"), country)
    corpus = validate.check_paths([write(text, f"{pid}.yaml")], vocabs, today=TODAY)
    [problem] = corpus.problems
    assert (problem.severity, problem.code, problem.line, problem.column, problem.field) == (
        "warning",
        "id-prefix",
        2,
        5,
        "id",
    )
    assert (problem.message, problem.hint) == (message, hint)
    assert corpus.ok and len(corpus.practices) == 1


@pytest.mark.parametrize(
    "pid,country",
    [
        ("fi-good-start", "FI"),
        ("el-athens-centre", "EL"),
        ("gr-athens-centre", "EL"),
        ("el-athens-centre", "GR"),
        ("gr-athens-centre", "GR"),
        ("uk-london-welcome", "UK"),
        ("gb-london-welcome", "UK"),
        ("uk-london-welcome", "GB"),
        ("no-jobbsjansen", "NO"),
        ("xx-good-practice", "FI"),  # xx: the tests' and examples' own prefix
    ],
)
def test_an_id_with_its_country_code_is_clean(write, good_text, vocabs, pid, country):
    text = _national(good_text.replace("id: xx-good-practice", f"id: {pid}"), country)
    corpus = validate.check_paths([write(text, f"{pid}.yaml")], vocabs, today=TODAY)
    assert corpus.problems == []


def test_a_vocabulary_label_that_is_not_a_text_is_reported(tmp_path):
    """A label with no text (what an unquoted comma in a flow mapping, `{de: Köln, Kreisfreie
    Stadt}`, makes of its second half) is refused, naming the file and line."""
    import shutil

    from labb import vocab

    data = tmp_path / "vocabularies"
    shutil.copytree(vocab.DATA_DIR, data)
    path = data / "roles.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == "direct:")
    lines.insert(at + 2, "      da:\n")  # under `label:` of `direct`: a language with no text
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(vocab.VocabularyError) as raised:
        vocab.load(data)
    [problem] = raised.value.problems
    assert (problem.path, problem.line, problem.code) == (str(path), at + 3, "vocabulary")
    assert "not a text" in problem.message
