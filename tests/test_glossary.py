"""The integration glossary: the shipped data, its validator, matching, and query expansion
on a real index built from real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from labb import glossary, index, search
from labb.cli import main
from labb.glossary import EU_LANGUAGES, Glossary
from labb.model import Query
from labb.model.problems import CODES

from .conftest import GOOD

EMN = "https://home-affairs.ec.europa.eu/networks/european-migration-network-emn/emn-asylum-and-migration-glossary_en"


# -- the shipped glossary -----------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Glossary:
    return glossary.default()


def test_the_shipped_glossary_has_no_problems(vocabs):
    _, problems = glossary.check(vocabs=vocabs)
    assert [f"{p.path}:{p.line}: {p.message}" for p in problems] == []


def test_every_concept_has_labels_in_all_eu_languages(shipped):
    missing = {c.id: [lang for lang in EU_LANGUAGES if not c.labels.get(lang)] for c in shipped}
    assert {cid: langs for cid, langs in missing.items() if langs} == {}


def test_every_concept_has_a_source_and_a_note(shipped):
    for concept in shipped:
        assert concept.source.name in ("EMN Asylum and Migration Glossary", "IATE", "EuroVoc"), concept.id
        assert concept.source.url.startswith("https://"), concept.id
        assert concept.note and len(concept.note) < 140, concept.id


def test_the_glossary_is_sizeable(shipped):
    assert len(shipped) >= 70
    assert len({c.theme for c in shipped}) >= 5


def test_labels_hold_no_stray_flow_split(shipped):
    """An unquoted comma in a flow list splits a label in two: the second half then starts
    with a lower-case function word, or the first is one word of a longer phrase. Each
    label must be a term of its own: no label begins with a bare relative pronoun."""
    starts = ("die ", "der ", "das ", "που ", "kas ", "ki ", "které ", "który ", "kuri ", "care ")
    bad = [(c.id, lang, label) for c in shipped for lang, ls in c.labels.items() for label in ls]
    assert [b for b in bad if b[2].startswith(starts)] == []


# -- matching -----------------------------------------------------------------------


def test_match_finds_a_concept_in_any_language_with_its_span(shipped):
    text = "Hilfe für Asylbewerber und interkulturell medling"
    found = [(m.concept.id, m.lang, text[m.start : m.end]) for m in shipped.match(text)]
    assert ("asylum-seeker", "de", "Asylbewerber") in found
    assert ("intercultural-mediation", "sv", "interkulturell medling") in found


def test_match_folds_case_and_accents_and_stems(shipped):
    found = shipped.match("MEDIAZIONI INTERCULTURALI")
    assert [(m.concept.id, m.span) for m in found] == [("intercultural-mediation", (0, 25))]
    assert {m.concept.id for m in shipped.match("mediacion intercultural")} == {"intercultural-mediation"}


def test_match_takes_a_list_of_words(shipped):
    found = shipped.match(["unaccompanied", "minors", "in", "Sweden"])
    assert [(m.concept.id, m.span) for m in found] == [("unaccompanied-minor", (0, 20))]


def test_the_longest_label_wins(shipped):
    found = shipped.match("beneficiaries of international protection")
    assert {m.concept.id for m in found} == {"beneficiary-of-international-protection"}


def test_match_only_in_some_languages(shipped):
    assert shipped.match("interkulturell medling", languages=["it"]) == []
    assert shipped.match("interkulturell medling", languages=["sv"])


def test_no_match_no_concept(shipped):
    assert shipped.match("evening courses") == []
    assert shipped.match("") == []


# -- the validator: one test per problem code ---------------------------------------

CONCEPT = """\
concepts:
  language-course:
    note: A course.
    source: {{name: EMN Asylum and Migration Glossary, url: "{url}"}}
    labels:
      en: [language course]
      fr: [cours de langue]
"""


def _check(tmp_path: Path, vocabs, **files: str) -> list[tuple[str, int, int, str, str, str]]:
    folder = tmp_path / "glossary"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    _, problems = glossary.check(folder, vocabs)
    return [(Path(p.path).name, p.line, p.column, p.code, p.field, p.message) for p in problems]


def test_a_good_file_is_clean(tmp_path, vocabs):
    assert _check(tmp_path, vocabs, a=CONCEPT.format(url=EMN)) == []


def test_glossary_no_concepts(tmp_path, vocabs):
    assert _check(tmp_path, vocabs, a="terms: {}\n") == [
        ("a.yaml", 1, 1, "glossary", "concepts", "a glossary file needs a `concepts:` mapping of id -> concept")
    ]


def test_glossary_bad_id_and_unknown_field(tmp_path, vocabs):
    text = (
        CONCEPT.format(url=EMN)
        .replace("language-course:", "Language_Course:")
        .replace("    note: A course.", "    definition: copied")
    )
    assert _check(tmp_path, vocabs, a=text) == [
        ("a.yaml", 2, 3, "glossary", "concepts.Language_Course", "`Language_Course` is not a valid concept id"),
        (
            "a.yaml",
            3,
            5,
            "glossary",
            "concepts.Language_Course.definition",
            "`definition` is not a field of a concept",
        ),
    ]


def test_glossary_concept_not_a_mapping(tmp_path, vocabs):
    found = _check(tmp_path, vocabs, a="concepts:\n  mentoring: [mentoring]\n")
    assert found == [
        (
            "a.yaml",
            2,
            3,
            "glossary",
            "concepts.mentoring",
            "the concept `mentoring` must be a mapping with `labels:`, `source:` and an optional `note:`",
        )
    ]


def test_glossary_duplicate_id(tmp_path, vocabs):
    text = CONCEPT.format(url=EMN)
    other = text.replace("[language course]", "[language class]").replace("[cours de langue]", "[cours de français]")
    assert _check(tmp_path, vocabs, a=text, b=other) == [
        (
            "b.yaml",
            2,
            3,
            "glossary-duplicate-id",
            "concepts.language-course",
            "the concept id `language-course` is already used in a.yaml",
        )
    ]


def test_glossary_unknown_language(tmp_path, vocabs):
    text = CONCEPT.format(url=EMN).replace("      fr:", "      fre:")
    found = glossary.check(_folder(tmp_path, a=text), vocabs)[1]
    assert [(p.line, p.column, p.code, p.field, p.message, p.hint) for p in found] == [
        (
            7,
            7,
            "glossary-language",
            "concepts.language-course.labels.fre",
            "`fre` is not a language code in the languages vocabulary",
            "did you mean `fr`?",
        )
    ]


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "glossary"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("line", "column", "field", "message"),
    [
        ("      fr: []", 7, "concepts.language-course.labels.fr", "`language-course` has no label in `fr`"),
        (
            '      fr: [""]',
            12,
            "concepts.language-course.labels.fr[0]",
            "a label of `language-course` in `fr` is empty",
        ),
        (
            "      fr: [cours, {a: b}]",
            19,
            "concepts.language-course.labels.fr[1]",
            "a label of `language-course` in `fr` is not a text",
        ),
        (
            "      fr: [de la]",
            12,
            "concepts.language-course.labels.fr[0]",
            "the label `de la` of `language-course` is only common words, which search ignores",
        ),
    ],
)
def test_glossary_empty_label(tmp_path, vocabs, line, column, field, message):
    text = CONCEPT.format(url=EMN).replace("      fr: [cours de langue]", line)
    assert _check(tmp_path, vocabs, a=text) == [("a.yaml", 7, column, "glossary-empty-label", field, message)]


@pytest.mark.parametrize(
    ("source", "line", "column", "field", "message"),
    [
        (
            None,
            2,
            3,
            "concepts.language-course.source",
            "`language-course` needs a `source` with the `name` and `url` of the glossary entry it was checked against",
        ),
        (
            "{name: IATE}",
            4,
            13,
            "concepts.language-course.source.url",
            "the source of `language-course` needs a `url` starting with https:// or http://",
        ),
        (
            '{name: " ", url: "https://iate.europa.eu/home"}',
            4,
            20,
            "concepts.language-course.source.name",
            "the source of `language-course` needs a `name`",
        ),
    ],
)
def test_glossary_no_source(tmp_path, vocabs, source, line, column, field, message):
    text = CONCEPT.format(url=EMN)
    old = text.splitlines()[3] + "\n"
    text = text.replace(old, "" if source is None else f"    source: {source}\n")
    assert _check(tmp_path, vocabs, a=text) == [("a.yaml", line, column, "glossary-no-source", field, message)]


def test_glossary_checked_language_without_labels(tmp_path, vocabs):
    text = CONCEPT.format(url=EMN).replace('url: "', 'checked: [en, de], url: "')
    [problem] = _check(tmp_path, vocabs, a=text)
    assert problem[:5] == ("a.yaml", 4, 69, "glossary-checked", "concepts.language-course.source.checked[1]")
    assert "no `de` labels" in problem[5]
    text = CONCEPT.format(url=EMN).replace('url: "', 'checked: [en, fr], url: "')
    assert _check(tmp_path, vocabs, a=text) == []
    [concept] = glossary.check(tmp_path / "glossary", vocabs)[0].concepts.values()
    assert concept.source.checked == ("en", "fr")


def test_glossary_shared_label(tmp_path, vocabs):
    """Labels are compared as search compares them: `Language courses` is `language course`."""
    text = CONCEPT.format(url=EMN)
    other = (
        text.replace("language-course:", "language-class:")
        .replace("[language course]", "[language class, Language courses]")
        .replace("[cours de langue]", "[classe de langue]")
    )
    assert _check(tmp_path, vocabs, a=text, b=other) == [
        (
            "b.yaml",
            6,
            28,
            "glossary-shared-label",
            "concepts.language-class.labels.en[1]",
            "the label `Language courses` (en) of `language-class` is also a label of `language-course`",
        )
    ]


def test_every_glossary_code_is_tested():
    tested = {
        "glossary",
        "glossary-duplicate-id",
        "glossary-language",
        "glossary-empty-label",
        "glossary-no-source",
        "glossary-checked",
        "glossary-shared-label",
    }
    assert {code for code in CODES if code.startswith("glossary")} == tested


def test_load_raises_with_every_problem(tmp_path, vocabs):
    folder = _folder(tmp_path, a="terms: {}\n", b="concepts:\n  x: 1\n")
    with pytest.raises(glossary.GlossaryError) as caught:
        glossary.load(folder, vocabs)
    assert [p.code for p in caught.value.problems] == ["glossary", "glossary"]


def test_labb_validate_reports_glossary_problems(tmp_path, vocabs, monkeypatch, good_text):
    folder = _folder(tmp_path, a="terms: {}\n")
    monkeypatch.setattr(glossary, "shipped", lambda: glossary.check(folder, vocabs))
    practice = tmp_path / "xx-good-practice.yaml"
    practice.write_text(good_text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(practice)])
    assert result.exit_code == 1
    assert f"{folder / 'a.yaml'}:1:1: error[glossary]: a glossary file needs a `concepts:` mapping" in result.output


# -- query expansion on a real index -------------------------------------------------


def _practice(pid: str, lang: str, title: str, summary: str, country: str, region: str) -> str:
    good = GOOD.read_text(encoding="utf-8")
    text = good.replace("id: xx-good-practice", f"id: {pid}")
    text = text.replace("  fi: Hyvä alku Pudasjärvellä\n  en: A good start in Pudasjärvi\n", f"  {lang}: {title}\n")
    text = text.replace(
        "  fi: Neuvontaa ja suomen kielen iltakursseja maahanmuuttajille.\n"
        "  en: Guidance and evening Finnish courses for immigrants.\n",
        f"  {lang}: {summary}\n",
    )
    start, end = text.index("description:"), text.index("language: fi")
    text = text[:start] + text[end:]
    text = text.replace("{en: ", f"{{{lang}: ").replace("language: fi", f"language: {lang}")
    text = text.replace("country: FI", f"country: {country}").replace("region: FI1D9", f"region: {region}")
    return text.replace("places: [Oulu, Pudasjärvi]", "places: []")


@pytest.fixture(scope="module")
def mediation(tmp_path_factory, vocabs) -> Path:
    """An Italian practice on intercultural mediation, written only in Italian; an English one
    that says `intercultural mediation` in so many words; the Finnish one that says neither."""
    root = tmp_path_factory.mktemp("glossary")
    folder = root / "practices"
    folder.mkdir()
    (folder / "xx-good-practice.yaml").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    italian = _practice(
        "xx-mediazione",
        "it",
        "Mediatori negli ospedali di Napoli",
        "Un servizio di mediazione interculturale accompagna le famiglie straniere negli ospedali.",
        "IT",
        "ITF3",
    )
    (folder / "xx-mediazione.yaml").write_text(italian, encoding="utf-8")
    english = _practice(
        "xx-mediation",
        "en",
        "Mediators in Malmö's clinics",
        "Intercultural mediation for families in the clinics of Malmö.",
        "SE",
        "SE224",
    )
    (folder / "xx-mediation.yaml").write_text(english, encoding="utf-8")
    index.build(folder, root / "index", vocabs)
    return root / "index"


@pytest.fixture(scope="module")
def searcher(mediation, vocabs):
    s = search.Searcher(mediation, vocabs, cache=0)
    yield s
    s.close()


@pytest.mark.parametrize("words", ["intercultural mediation", "interkulturell medling", "médiation interculturelle"])
def test_a_practice_in_italian_is_found_in_other_languages(searcher, words):
    results = searcher.search(Query(text=words))
    assert "xx-mediazione" in [h.id for h in results.hits]
    assert "xx-good-practice" not in [h.id for h in results.hits]
    assert "mediazione interculturale" in results.also_searched


def test_the_words_as_typed_rank_above_the_expansion(searcher):
    results = searcher.search(Query(text="intercultural mediation"))
    assert [h.id for h in results.hits] == ["xx-mediation", "xx-mediazione"]
    assert results.hits[0].score > results.hits[1].score > 0
    assert "intercultural mediation" not in results.also_searched  # what was typed is not "also" searched


def test_a_snippet_marks_a_label_where_it_stands_not_its_single_words(searcher):
    """`mediation` finds the Italian practice through `mediazione interculturale`: its
    snippet marks that label, never `interculturale` alone elsewhere."""
    [hit] = [h for h in searcher.search(Query(text="intercultural mediation")).hits if h.id == "xx-mediation"]
    assert [s.text.casefold() for s in hit.snippet if s.hit] == ["intercultural", "mediation"]
    from labb.engine import query as wq
    from labb.search.snippets import Keys

    typed = wq.Phrase("plain", ["language", "course"])
    label = wq.Phrase("plain", ["mentoring", "programme"], boost=0.4)
    keys = Keys.of(wq.Or([typed, label, wq.Term("plain", "tutoraggio", boost=0.4)]))
    assert keys.words == {"language", "course", "tutoraggio"}


def test_other_words_must_still_match(searcher):
    results = searcher.search(Query(text="intercultural mediation Helsinki"))  # only some words: the fallback
    assert results.notes == ("No practice has all the words; these have some of them.",)
    assert results.also_searched == ()
    assert [h.id for h in searcher.search(Query(text="intercultural mediation Napoli")).hits] == ["xx-mediazione"]
    assert [h.id for h in searcher.search(Query(text="mediazione interculturale ospedali")).hits] == ["xx-mediazione"]


def test_no_concept_no_expansion(searcher):
    results = searcher.search(Query(text="evening"))
    assert results.also_searched == ()
    assert results.as_dict()["also_searched"] == []


def test_a_quoted_phrase_is_searched_as_written(searcher):
    results = searcher.search(Query(text='"intercultural mediation"'))
    assert [h.id for h in results.hits] == ["xx-mediation"]
    assert results.also_searched == ()


def test_the_json_carries_the_labels(searcher):
    data = searcher.search(Query(text="interkulturell medling")).as_dict()
    assert "intercultural mediation" in data["also_searched"]


def test_cli_search_prints_also_searched(mediation):
    result = CliRunner().invoke(main, ["search", "interkulturell", "medling", "--index", str(mediation)])
    assert result.exit_code == 0, result.output
    assert "also searched: intercultural mediation, médiation interculturelle" in result.output
    assert "more" in result.output
    assert "[xx-mediazione]" in result.output


def test_the_search_page_says_what_else_was_searched(mediation):
    from labb.web import create_app

    client = create_app({"INDEX": mediation, "TESTING": True}).test_client()
    page = client.get("/", query_string={"q": "interkulturell medling", "lang": "it"}).get_data(as_text=True)
    assert "Cercato anche: <em>intercultural mediation</em>, <em>médiation interculturelle</em>" in page
    assert "altre etichette" in page
    page = client.get("/", query_string={"q": "interkulturell medling"}).get_data(as_text=True)
    assert 'class="note" role="status">Also searched: <em>intercultural mediation</em>' in page
