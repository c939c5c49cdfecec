"""Every language a practice may be written in: an inflected form finds another form of
the same word, and in the compounding languages a compound's part finds the whole, on
a real index built in tmp_path from real practice files."""

from __future__ import annotations

from pathlib import Path

import pytest

from labb import index
from labb.model import Query
from labb.search import Searcher

INFLECTED = {
    # language: (country, the form written in the practice, the form searched for)
    "bg": ("BG", "мигрантите", "мигранти"),
    "cs": ("CZ", "cizinců", "cizinci"),
    "da": ("DK", "indvandrerne", "indvandrere"),
    "de": ("DE", "Frauen", "Frau"),
    "el": ("GR", "μεταναστών", "μετανάστες"),
    "en": ("IE", "courses", "course"),
    "es": ("ES", "trabajadores", "trabajador"),
    "et": ("EE", "sisserändajatele", "sisserändajad"),
    "fi": ("FI", "koulutuksesta", "koulutus"),
    "fr": ("FR", "formations", "formation"),
    "ga": ("IE", "teangacha", "teanga"),
    "hr": ("HR", "migranata", "migrantima"),
    "hu": ("HU", "bevándorlóknak", "bevándorlók"),
    "it": ("IT", "lavoratori", "lavoratore"),
    "lt": ("LT", "migrantams", "migrantai"),
    "lv": ("LV", "migrantiem", "migranti"),
    "mt": ("MT", "immigranti", "immigrant"),
    "nl": ("NL", "vluchtelingen", "vluchteling"),
    "pl": ("PL", "cudzoziemców", "cudzoziemcy"),
    "pt": ("PT", "trabalhadores", "trabalhador"),
    "ro": ("RO", "migranților", "migranți"),
    "sk": ("SK", "cudzincov", "cudzinci"),
    "sl": ("SI", "migrantov", "migranti"),
    "sv": ("SE", "arbetsmarknaden", "arbetsmarknad"),
    "nb": ("NO", "innvandrerne", "innvandrer"),
    "nn": ("NO", "innvandrarane", "innvandrar"),
    "is": ("IS", "innflytjendur", "innflytjenda"),
}
COMPOUNDS = {
    # language: (country, the compound in the practice, its head, a text with only the head)
    "de": ("DE", "Sprachkurs", "Kurs"),
    "sv": ("SE", "arbetsmarknaden", "marknad"),
    "fi": ("FI", "kotoutumiskoulutus", "koulutus"),
    "nl": ("NL", "taalcursus", "cursus"),
    "da": ("DK", "sprogkursus", "kursus"),
    "nb": ("NO", "språkkurs", "kurs"),
}


def practice(practice_id: str, lang: str, country: str, text: str) -> str:
    return f"""id: {practice_id}
title: {{{lang}: "{text}"}}
summary: {{{lang}: "{text} {practice_id}."}}
language: {lang}
country: {country}
scope: national
period: {{start: 2020-01-01, status: ongoing}}
dimensions: [reception-orientation]
target_groups: [refugees]
regional_role: {{type: indirect}}
organisations: {{lead: Test}}
sources:
  - {{url: "https://migrant-integration.ec.europa.eu/", title: European Website on Integration}}
added: 2026-11-30
"""


@pytest.fixture(scope="module")
def searcher(tmp_path_factory, vocabs):
    root: Path = tmp_path_factory.mktemp("languages")
    practices = root / "practices"
    practices.mkdir()
    files = {}
    for lang, (country, written, _) in INFLECTED.items():
        files[f"xx-inflected-{lang}"] = practice(f"xx-inflected-{lang}", lang, country, written)
    for lang, (country, compound, head) in COMPOUNDS.items():
        files[f"xx-compound-{lang}"] = practice(f"xx-compound-{lang}", lang, country, compound)
        files[f"xx-head-{lang}"] = practice(f"xx-head-{lang}", lang, country, head)
    for name, text in files.items():
        (practices / f"{name}.yaml").write_text(text, encoding="utf-8")
    index.build(practices, root / "index", vocabs, jobs=1)
    found = Searcher(root / "index", vocabs, cache=0)
    yield found
    found.close()


def ids(searcher: Searcher, text: str) -> list[str]:
    return [hit.id for hit in searcher.search(Query(text=text, per_page=100)).hits]


@pytest.mark.parametrize("lang", sorted(INFLECTED))
def test_an_inflected_form_finds_another_form_of_the_word(searcher, lang):
    _, written, searched = INFLECTED[lang]
    assert f"xx-inflected-{lang}" in ids(searcher, searched), (written, searched)


@pytest.mark.parametrize("lang", sorted(COMPOUNDS))
def test_a_compounds_part_finds_the_whole_and_the_whole_ranks_first(searcher, lang):
    _, compound, head = COMPOUNDS[lang]
    by_part = ids(searcher, head)
    assert f"xx-compound-{lang}" in by_part and f"xx-head-{lang}" in by_part
    assert by_part.index(f"xx-head-{lang}") < by_part.index(f"xx-compound-{lang}")  # the word itself first
    by_whole = ids(searcher, compound)
    assert by_whole[0] == f"xx-compound-{lang}"


def test_a_dictionary_read_back_from_the_cache_answers_as_the_packages_own(tmp_path, monkeypatch):
    from labb import morphology

    monkeypatch.setenv("LABB_CACHE", str(tmp_path))
    words = ["migrantiem", "iedzīvotājiem", "pašvaldības", "integrācijai", "nezināmsvārds"]
    first = morphology._Dictionaries()
    answers = [first.lookup(w, "lv") for w in words]
    assert list(tmp_path.rglob("*lv.marshal"))  # written on the first read
    again = morphology._Dictionaries()
    assert [again.lookup(w, "lv") for w in words] == answers
    assert answers[-1] is None and any(answers)


def test_lemmas_and_compounds_from_many_threads_are_those_of_one():
    """The dictionaries load once under a lock and are read-only afterwards; Snowball
    stemmers are per thread."""
    from concurrent.futures import ThreadPoolExecutor

    from labb import morphology

    words = [
        f"{w}{suffix}" for w in ("koulutus", "kielikurssi", "työllisyyspalvelu") for suffix in ("", "n", "ssa", "lle")
    ]
    expected = [(morphology.DICTIONARIES.lemma(w, "fi"), morphology.parts("fi", w)) for w in words]
    morphology.stem.cache_clear()
    morphology.parts.cache_clear()
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda w: (morphology.DICTIONARIES.lemma(w, "fi"), morphology.parts("fi", w)), words * 4))
    assert found == expected * 4


def test_preload_reads_every_dictionary_a_recipe_uses(monkeypatch):
    """`labb serve` reads the dictionaries before forking; afterwards none is read again."""
    from labb import index, morphology, vocab

    langs = morphology.preload(index.stemmed_languages(vocab.default()).values())
    assert {"fi", "sv", "de", "nb", "sk"} <= set(langs) and "en" not in langs

    def no_read(lang):
        raise AssertionError(f"read {lang} again")

    monkeypatch.setattr(morphology.DICTIONARIES, "_read", no_read)
    assert morphology.preload(index.stemmed_languages(vocab.default()).values()) == langs
