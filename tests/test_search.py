"""The index and the query API: languages, syntax, facets, atomic rebuilds."""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
from pathlib import Path

import pytest
import snowballstemmer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from labb import facets, index, search, validate
from labb.facets import FACETS
from labb.model import Query, Segment

from .conftest import REPO, write_web_corpus

SHIPPED = len(list((REPO / "practices").rglob("*.yaml")))
"""How many practices ship with labb."""


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A small multilingual corpus on disk (fi, sv, it, el)."""
    return write_web_corpus(tmp_path / "practices")


@pytest.fixture
def built(corpus, tmp_path, vocabs) -> Path:
    index_dir = tmp_path / "index"
    index.build(corpus, index_dir, vocabs)
    return index_dir


@pytest.fixture
def searcher(built, vocabs) -> search.Searcher:
    s = search.Searcher(built, vocabs)
    yield s
    s.close()


def ids(results) -> set[str]:
    return {h.id for h in results.hits}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Pudasjarvi", "xx-good-practice"),  # accents folded
        ("pudasjärvi", "xx-good-practice"),
        ("ένταξη", "xx-greek-reception"),  # ΕΝΤΑΞΗ in the title
        ("ενταξη", "xx-greek-reception"),
        ("hälsokommunikatör", "xx-swedish-health"),  # sv: stem of hälsokommunikatörer
        ("lavoratore", "xx-italian-work"),  # it: lavoratori
        ("integrazioni", "xx-italian-work"),  # it: integrazione
        ("προσφυγες", "xx-greek-reception"),  # el: προσφύγων, accents folded
        ("neuvonta", "xx-good-practice"),  # fi: Neuvontaa
        ("arbetsmarknad", "xx-italian-work"),  # sv label of labour-market: the bridge
        ("marché du travail", "xx-italian-work"),  # fr label of labour-market
        ("Napoli", "xx-italian-work"),  # places
    ],
)
def test_language_aware_matching(searcher, text, expected):
    assert expected in ids(searcher.search(Query(text=text)))


def test_phrase_and_boolean(searcher):
    assert ids(searcher.search(Query(text='"integrazione lavorativa"'))) == {"xx-italian-work"}
    assert ids(searcher.search(Query(text='"lavorativa percorsi"'))) == set()
    both = ids(searcher.search(Query(text="Napoli OR Malmö")))
    assert both == {"xx-italian-work", "xx-swedish-health"}
    assert "xx-italian-work" not in ids(searcher.search(Query(text="courses NOT Napoli")))
    assert "xx-italian-work" not in ids(searcher.search(Query(text="courses -Napoli")))
    assert "xx-good-practice" in ids(searcher.search(Query(text="Pudas*")))


def test_suggestion(searcher):
    results = searcher.search(Query(text="Pudasjarvu", exact=True))
    assert results.total == 0 and results.suggestion == "pudasjärvi"


def test_an_unknown_word_is_also_searched_as_its_neighbours_and_says_so(searcher):
    results = searcher.search(Query(text="Pudasjarvu"))
    assert ids(results) == {"xx-good-practice"}
    assert results.corrected == (("pudasjarvu", "pudasjarvi"),) and results.suggestion is None
    assert results.as_dict()["corrected"] == [{"word": "pudasjarvu", "as": "pudasjarvi"}]
    # one misspelt word among several no longer sinks the query
    several = searcher.search(Query(text="iltakursseja Pudasjarvu"))
    assert ids(several) == {"xx-good-practice"} and several.corrected == (("pudasjarvu", "pudasjarvi"),)
    assert not searcher.search(Query(text="Pudasjarvi")).corrected  # a known word is left alone


def test_explain_says_why_each_hit_matched_and_scores_a_neighbour_below_the_word(searcher):
    _, exact = searcher.explain(Query(text="Pudasjarvi"))
    _, near = searcher.explain(Query(text="Pudasjarvu"))
    assert any("`pudasjarvi` in the title" in str(r) for r in exact["xx-good-practice"])
    assert all("for the unknown word `pudasjarvu`" in r.what for r in near["xx-good-practice"])
    assert sum(r.score for r in near["xx-good-practice"]) < sum(r.score for r in exact["xx-good-practice"])


def test_empty_query_lists_everything(searcher):
    assert searcher.search(Query()).total == 4


def test_filters_or_within_and_across(searcher):
    q = Query(filters={"country": frozenset({"IT", "SE"})})
    assert ids(searcher.search(q)) == {"xx-italian-work", "xx-swedish-health"}
    q = Query(filters={"country": frozenset({"IT", "SE"}), "dimension": frozenset({"health"})})
    results = searcher.search(q)
    assert ids(results) == {"xx-swedish-health"}
    counts = {v.value: v.count for v in results.facets["country"]}
    assert counts == {"SE": 1, "IT": 0}  # a selected value stays listed, with its true count
    dims = {v.value: v.count for v in results.facets["dimension"]}
    assert dims["labour-market"] == 1 and dims["health"] == 1


def test_criterion_levels(searcher):
    strong = Query(filters={"criterion": frozenset({"innovation:strong"})})
    assert ids(searcher.search(strong)) == {"xx-good-practice", "xx-swedish-health", "xx-greek-reception"}
    both = Query(filters={"criterion": frozenset({"innovation:strong", "sustainability:weak"})})
    assert ids(searcher.search(both)) == set()  # different criteria: both must hold
    either = Query(filters={"criterion": frozenset({"sustainability:weak", "sustainability:strong"})})
    assert ids(searcher.search(either)) == {"xx-italian-work"}


def test_sorts(searcher):
    assert [h.id for h in searcher.search(Query(sort="budget")).hits][0] == "xx-italian-work"
    assert [h.id for h in searcher.search(Query(sort="newest")).hits][0] == "xx-italian-work"
    titles = [h.title for h in searcher.search(Query(sort="title")).hits]
    assert titles == sorted(titles, key=str.casefold)


def test_snippet_highlights_inflected_forms(searcher):
    [hit] = searcher.search(Query(text="vård")).hits
    assert [s.text for s in hit.snippet if s.hit] == ["vården"]


def test_pagination(searcher):
    first = searcher.search(Query(per_page=3, sort="title"))
    second = searcher.search(Query(per_page=3, page=2, sort="title"))
    assert first.total == second.total == 4
    assert len(first.hits) == 3 and len(second.hits) == 1
    assert not ids(first) & ids(second)


def test_similar(searcher):
    similar = searcher.similar("xx-good-practice")
    assert similar and "xx-good-practice" not in {h.id for h in similar}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=400)
    | st.sampled_from(
        [
            '"unclosed',
            "(a OR",
            "***",
            "x" * 10_000,
            "\x00\x01",
            "AND OR NOT",
            "a:b:c",
            "*",
            "?",
            "[a TO",
            "title:(",
            "-",
            "+",
            '""',
            "^2",
            "a~",
            "ab*~2",
        ]
    )
)
def test_no_query_raises(searcher, text):
    results = searcher.search(Query(text=text))
    assert results.total >= 0


# -- facet counts equal brute force --------------------------------------------------


@pytest.fixture(scope="module")
def random_corpus(tmp_path_factory, vocabs):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    import corpus as generator

    root = tmp_path_factory.mktemp("random")
    generator.generate(150, root / "practices", seed=7)
    index.build(root / "practices", root / "index", vocabs)
    practices = validate.check_paths([root / "practices"], vocabs).practices
    s = search.Searcher(root / "index", vocabs)
    yield s, practices
    s.close()


def _matches(practice, filters, vocabs) -> bool:
    values = facets.values(practice)
    for facet, selected in filters.items():
        if facet == "criterion":
            by_criterion = {}
            for v in selected:
                by_criterion.setdefault(v.split(":")[0], set()).add(v)
            if not all(values["criterion"] and set(values["criterion"]) & group for group in by_criterion.values()):
                return False
        elif not set(values[facet]) & selected:
            return False
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_facet_counts_equal_brute_force(random_corpus, vocabs, data):
    s, practices = random_corpus
    filters = {}
    for facet in data.draw(st.lists(st.sampled_from(FACETS), max_size=3, unique=True)):
        pool = sorted({v for p in practices for v in facets.values(p)[facet]})
        if pool:
            filters[facet] = frozenset(data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3)))
    results = s.search(Query(filters=filters, per_page=5))
    assert results.total == sum(_matches(p, filters, vocabs) for p in practices)
    for facet, values in results.facets.items():
        for value in values:
            key = value.value.split(":")[0] if facet == "criterion" else None
            others = {f: v for f, v in filters.items() if f != facet}
            if facet == "criterion":
                same = {v for v in filters.get("criterion", ()) if v.split(":")[0] != key}
                if same:
                    others["criterion"] = frozenset(same)
            expected_filters = dict(others)
            if facet == "criterion":
                expected_filters["criterion"] = frozenset({*others.get("criterion", ()), value.value})
            else:
                expected_filters[facet] = frozenset({value.value})
            expected = sum(_matches(p, expected_filters, vocabs) for p in practices)
            assert value.count == expected, (facet, value.value, filters)


# -- atomic and incremental builds -------------------------------------------------------


def _tree_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file() and f.name != ".lock":
            digest.update(str(f.relative_to(path)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()


def test_failed_build_leaves_index_identical(corpus, built, vocabs, good_text):
    before = _tree_hash(built)
    (corpus / "xx" / "xx-broken.yaml").write_text(
        good_text.replace("id: xx-good-practice", "id: xx-broken").replace("funds: [esf]", "funds: [esff]"),
        encoding="utf-8",
    )
    with pytest.raises(index.BuildFailed) as failed:
        index.build(corpus, built, vocabs)
    assert [p.code for p in failed.value.problems] == ["unknown-term"]
    assert _tree_hash(built) == before
    assert search.Searcher(built, vocabs).search(Query()).total == 4


def test_crash_during_build_leaves_index_identical(corpus, built, vocabs, good_text, monkeypatch):
    before = _tree_hash(built)
    (corpus / "xx" / "xx-new.yaml").write_text(
        good_text.replace("id: xx-good-practice", "id: xx-new"), encoding="utf-8"
    )

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(index, "_switch", crash)
    with pytest.raises(KeyboardInterrupt):
        index.build(corpus, built, vocabs)
    assert _tree_hash(built) == before


def test_incremental_update(corpus, built, vocabs, good_text):
    path = corpus / "xx" / "xx-good-practice.yaml"
    path.write_text(good_text.replace("City of Oulu", "City of Kajaani"), encoding="utf-8")
    (corpus / "xx" / "xx-greek-reception.yaml").unlink()
    report = index.build(corpus, built, vocabs)
    assert (report.full, report.updated, report.removed, report.unchanged) == (False, 1, 1, 2)
    s = search.Searcher(built, vocabs)
    assert ids(s.search(Query(text="Kajaani"))) == {"xx-good-practice"}
    assert s.search(Query()).total == 3
    again = index.build(corpus, built, vocabs)
    assert (again.updated, again.added, again.removed) == (0, 0, 0)


def test_readers_during_rebuilds_never_fail(corpus, built, vocabs):
    errors: list[BaseException] = []
    totals: set[int] = set()
    stop = threading.Event()

    def read():
        try:
            s = search.Searcher(built, vocabs)
        except BaseException as exc:
            errors.append(exc)
            return
        while not stop.is_set():
            try:
                totals.add(s.search(Query(text="integration OR Pudasjarvi", per_page=50)).total)
                totals.add(s.search(Query()).total)
            except BaseException as exc:
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(3)]
    for r in readers:
        r.start()
    try:
        for _ in range(20):
            index.build(corpus, built, vocabs, rebuild=True)
    finally:
        stop.set()
        for r in readers:
            r.join()
    assert errors == []
    assert 4 in totals


READER = """
import sys
from pathlib import Path
from labb import search, vocab
from labb.model import Query, Segment
index_dir, stop = Path(sys.argv[1]), Path(sys.argv[2])
s = search.Searcher(index_dir, vocab.default())
n = 0
while not stop.exists():
    assert s.search(Query(text="Pudasjarvi OR integrazione")).total >= 1
    assert s.search(Query()).total == 4
    n += 1
    if n == 1:
        print("searching", flush=True)
print(n)
"""


def test_reader_processes_during_rebuilds(corpus, built, vocabs, tmp_path):
    import subprocess
    import sys

    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(built), str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for reader in readers:  # both readers are searching before the first rebuild
            assert reader.stdout.readline() == "searching\n", reader.stderr.read()
        for _ in range(20):
            index.build(corpus, built, vocabs, rebuild=True)
    finally:
        stop.touch()
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err
        assert int(out) > 1


def test_cli_index_then_search(corpus, tmp_path):
    from click.testing import CliRunner

    from labb.cli import main

    runner = CliRunner()
    index_dir = tmp_path / "cli-index"
    built = runner.invoke(main, ["index", "--practices", str(corpus), "--index", str(index_dir)])
    assert built.exit_code == 0, built.output
    found = runner.invoke(main, ["search", "Pudasjarvi", "--json", "--index", str(index_dir)])
    assert found.exit_code == 0, found.output
    import json

    data = json.loads(found.stdout)
    assert data["total"] == 1 and data["results"][0]["id"] == "xx-good-practice"
    assert data["results"][0]["url"] == "/practices/xx-good-practice"
    assert set(data["facets"]) == set(FACETS)
    assert {"query", "total", "page", "per_page", "suggestion", "results", "facets"} <= set(data)
    filtered = runner.invoke(
        main,
        [
            "search",
            "--filter",
            "criterion=innovation:strong",
            "--filter",
            "country=GR",
            "--json",
            "--index",
            str(index_dir),
        ],
    )
    assert [r["id"] for r in json.loads(filtered.stdout)["results"]] == ["xx-greek-reception"]
    bad = runner.invoke(main, ["search", "--filter", "colour=red", "--index", str(index_dir)])
    assert bad.exit_code == 2
    table = runner.invoke(main, ["search", "integrazione", "--index", str(index_dir)])
    assert table.exit_code == 0 and "Work and integration in Campania" in table.stdout


def test_cli_index_refuses_a_bad_corpus(corpus, tmp_path, good_text):
    from click.testing import CliRunner

    from labb.cli import main

    (corpus / "xx" / "xx-bad.yaml").write_text(
        good_text.replace("id: xx-good-practice", "id: xx-bad").replace("scope: regional", "scope: regionl"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["index", "--practices", str(corpus), "--index", str(tmp_path / "i")])
    assert result.exit_code == 1
    assert "xx-bad.yaml:18:8: error[unknown-term]" in result.stderr
    assert not (tmp_path / "i" / "CURRENT").exists()


def test_an_index_from_another_version_is_refused_then_rebuilt(corpus, built, vocabs):
    import json as _json

    live = index.current_generation(built)
    manifest = _json.loads((live / index.MANIFEST).read_text())
    (live / index.MANIFEST).write_text(_json.dumps({**manifest, "stamp": "older"}))
    assert not index.is_current(built, vocabs)
    with pytest.raises(search.NoIndex, match="another version"):
        search.Searcher(built, vocabs).search(Query())
    report = index.build(corpus, built, vocabs)
    assert report.full and index.is_current(built, vocabs)
    assert search.Searcher(built, vocabs).search(Query()).total == 4


@pytest.mark.parametrize(
    "lang,forms",
    [
        ("fi", ("maahanmuuttajat", "maahanmuuttajien", "maahanmuuttajille")),
        ("sv", ("kvinna", "kvinnor", "kvinnorna")),
        ("el", ("μετανάστες", "μεταναστών")),
        ("it", ("lavoratore", "lavoratori")),
        ("fr", ("intégration", "intégrations")),
        ("es", ("trabajador", "trabajadores")),
        ("pt", ("trabalhador", "trabalhadores")),
        ("de", ("Frau", "Frauen")),
        ("en", ("course", "courses")),
        ("ca", ("treballador", "treballadors")),
    ],
)
def test_each_language_stems_its_inflected_forms(vocabs, lang, forms):
    from labb import analysis

    algorithm = index.stemmed_languages(vocabs)[lang]
    analyzer = analysis.stemming(algorithm)
    stems = {tuple(t.text for t in analyzer(form, mode="query")) for form in forms}
    assert len(stems) == 1, stems
    folded = {tuple(t.text for t in analyzer(analysis.fold(form), mode="query")) for form in forms[:1]}
    assert all(stem.isascii() for (stem,) in stems | folded if lang != "el")


def test_stemming_from_many_threads_gives_the_stems_of_one(vocabs):
    """Snowball stemmers keep state while they work; threads must each have their own."""
    from concurrent.futures import ThreadPoolExecutor

    from labb import analysis

    algorithm = index.stemmed_languages(vocabs)["el"]
    words = [
        f"{stem}{i}{ending}"
        for i in range(400)
        for stem, ending in (("μεταναστ", "ών"), ("ένταξ", "ης"), ("γυναικ", "ών"))
    ]
    expected = [snowballstemmer.stemmer(algorithm).stemWord(w) for w in words]
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda w: analysis._stemmer(algorithm).stemWord(w), words * 4))
    assert found == expected * 4


# -- a full build in several processes --------------------------------------------------


@pytest.fixture
def shipped(tmp_path) -> Path:
    """A copy of the shipped practices (real files in one folder per country)."""
    import shutil

    from .conftest import REPO

    return Path(shutil.copytree(REPO / "practices", tmp_path / "practices"))


def _answers(index_dir: Path, vocabs) -> list[dict]:
    s = search.Searcher(index_dir, vocabs)
    queries = [
        Query(),
        Query(text="integration"),
        Query(text="lavoro OR trabajo", sort="title", lang="es"),
        Query(text='"language courses"'),
        Query(text="Pudasjarvi"),
        Query(text="integracion", sort="newest"),
        Query(filters={"dimension": frozenset({"labour-market"})}, sort="budget"),
        Query(text="women", filters={"country": frozenset({"IT", "ES"}), "criterion": frozenset({"innovation"})}),
        Query(text="mentorin"),
        Query(per_page=100, page=1),
    ]
    try:
        answers = [s.search(q).as_dict() for q in queries]
        answers.append([(h.id, round(h.score, 6)) for h in s.similar("it-studio-in-puglia-insieme", limit=5)])
        return answers
    finally:
        s.close()


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_parallel_build_answers_exactly_as_a_serial_one(shipped, tmp_path, vocabs, monkeypatch, start):
    import multiprocessing

    monkeypatch.setattr(index, "PART_MIN", 10)
    monkeypatch.setattr(index, "_context", lambda: multiprocessing.get_context(start))
    serial = index.build(shipped, tmp_path / "serial", vocabs, jobs=1)
    parallel = index.build(shipped, tmp_path / "parallel", vocabs, jobs=3)
    assert serial.added == parallel.added == SHIPPED
    segments = list(index.current_generation(tmp_path / "parallel").glob("*.seg"))
    assert len(segments) == 3
    assert _answers(tmp_path / "serial", vocabs) == _answers(tmp_path / "parallel", vocabs)
    assert not (index.current_generation(tmp_path / "parallel") / "MAIN.tmp").exists()
    # and an update on top of the parallel build works as on any other
    path = next(shipped.rglob("it-studio-in-puglia-insieme.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("Puglia", "Apulia", 1), encoding="utf-8")
    report = index.build(shipped, tmp_path / "parallel", vocabs, jobs=3)
    assert (report.full, report.updated, report.unchanged) == (False, 1, SHIPPED - 1)
    assert search.Searcher(tmp_path / "parallel", vocabs).search(Query()).total == SHIPPED


def test_parallel_build_reports_problems_from_every_share_and_changes_nothing(shipped, tmp_path, vocabs, monkeypatch):
    monkeypatch.setattr(index, "PART_MIN", 10)
    index_dir = tmp_path / "index"
    index.build(shipped, index_dir, vocabs, jobs=1)
    before = _tree_hash(index_dir)
    files = sorted(shipped.rglob("*.yaml"))
    first, second = files[0], files[1]
    # an unknown dimension in the first share; a copy of the first file, sorted last, in the last share
    second.write_text(
        second.read_text(encoding="utf-8").replace("dimensions: [", "dimensions: [no-such-area, ", 1), encoding="utf-8"
    )
    (shipped / "zz").mkdir()
    last = shipped / "zz" / first.name
    last.write_bytes(first.read_bytes())
    with pytest.raises(index.BuildFailed) as failed:
        index.build(shipped, index_dir, vocabs, rebuild=True, jobs=3)
    codes = sorted(
        (str(Path(p.path).relative_to(shipped)), p.code) for p in failed.value.problems if p.severity == "error"
    )
    assert codes == sorted(
        [(f"{second.parent.name}/{second.name}", "unknown-term"), (f"zz/{first.name}", "duplicate-id")]
    )
    duplicate = next(p for p in failed.value.problems if p.code == "duplicate-id")
    assert str(first) in duplicate.message and (duplicate.line, duplicate.column) == (2, 5)
    assert _tree_hash(index_dir) == before
    assert [p.name for p in index_dir.glob("gen-*")] == [index.current_generation(index_dir).name]


def test_parallel_build_whose_process_dies_changes_nothing(shipped, tmp_path, vocabs, monkeypatch):
    import multiprocessing
    import os

    monkeypatch.setattr(index, "PART_MIN", 10)
    index_dir = tmp_path / "index"
    index.build(shipped, index_dir, vocabs, jobs=1)
    before = _tree_hash(index_dir)
    victim = sorted(shipped.rglob("*.yaml"))[-1]
    check_file = index.validate.check_file

    def dies_on_victim(path, *args, **kwargs):
        if path == victim:
            os._exit(3)  # as if killed: no exception, no message to the parent
        return check_file(path, *args, **kwargs)

    monkeypatch.setattr(index.validate, "check_file", dies_on_victim)
    monkeypatch.setattr(index, "_context", lambda: multiprocessing.get_context("fork"))  # children see the patch
    with pytest.raises(RuntimeError, match="exit code 3"):
        index.build(shipped, index_dir, vocabs, rebuild=True, jobs=2)
    assert _tree_hash(index_dir) == before
    assert [p.name for p in index_dir.glob("gen-*")] == [index.current_generation(index_dir).name]


_WORDS = st.sampled_from(
    [
        "Pudasjärvi",
        "ΕΝΤΑΞΗ",
        "the",
        "and",
        "och",
        "di",
        "maahanmuuttajien",
        "kvinnorna",
        "integración",
        "l'intégration",
        "O’Brien",
        "ab",
        "x",
        "Straße",
        "ﬁnance",
        "42",
        "Sprachkurs",
        "Kurs",
        "arbetsmarknaden",
        "Arbetsmarknad",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_WORDS, st.text(max_size=8)), max_size=30), st.sampled_from([" ", "\n", ", ", " - "]))
def test_the_fast_indexing_path_gives_exactly_whooshs_postings(words, separator):
    from whoosh import formats

    from labb import analysis, engine

    text = separator.join(words)
    for analyzer in (
        analysis.folding(),
        analysis.stemming("finnish"),
        analysis.stemming("greek"),
        analysis.stemming("|german|de"),
        analysis.stemming("sv|swedish|sv"),
        analysis.lowercase(),
    ):
        for fast, whoosh_own in (
            (engine.WordPositions(field_boost=3.0), formats.Positions(field_boost=3.0)),
            (engine.WordFrequency(), formats.Frequency()),
        ):
            assert list(fast.word_values(text, analyzer)) == list(whoosh_own.word_values(text, analyzer))


# -- the fast evaluator scores as Whoosh does ----------------------------------------------


@pytest.fixture(scope="module")
def shipped_searcher(tmp_path_factory, vocabs):
    from .conftest import REPO

    index_dir = tmp_path_factory.mktemp("shipped") / "index"
    index.build(REPO / "practices", index_dir, vocabs, jobs=1)
    s = search.Searcher(index_dir, vocabs)
    yield s
    s.close()


_QUERY_WORDS = st.sampled_from(
    [
        "integration",
        "language",
        "courses",
        "women",
        "labour",
        "market",
        "migrants",
        "refugees",
        "health",
        "school",
        "lavoro",
        "integración",
        "kotoutuminen",
        "region",
        "the",
        "mentoring",
        "young",
        "employment",
        "housing",
        "local",
    ]
)
_ATOMS = st.one_of(
    _QUERY_WORDS, st.lists(_QUERY_WORDS, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"')
)
_QUERIES = st.recursive(
    _ATOMS,
    lambda inner: st.tuples(inner, st.sampled_from([" ", " OR ", " AND ", " NOT "]), inner).map(
        lambda t: f"({t[0]}{t[1]}{t[2]})"
    ),
    max_leaves=5,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_QUERIES)
def test_the_evaluator_matches_and_scores_as_whoosh(shipped_searcher, text):
    parsed, _ = shipped_searcher._text_query(text, [])
    assume(parsed is not None)  # only stop words: no text query, every practice
    gen = shipped_searcher._current()
    ours = gen.evaluator.evaluate(parsed)
    theirs = {hit.docnum: hit.score for hit in gen.searcher.search(parsed, limit=None, terms=False)}
    assert set(ours.ids) == set(theirs)
    for docnum, score in theirs.items():
        assert ours.scores[docnum] == pytest.approx(score, rel=1e-9), (docnum, text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_QUERIES, _ATOMS)
def test_minus_excludes_every_practice_the_word_finds(shipped_searcher, text, excluded):
    """(Not compared with Whoosh's own search: its AndNot matcher can let through a
    first document that the excluded part also matches.)"""

    def found(q: str) -> set[str]:
        results = shipped_searcher.search(Query(text=q, per_page=1))
        assume(not results.notes)  # no any-word fallback, no stop word alone: exactly what the words match
        assume(not results.also_searched and not results.corrected)  # nor the glossary's or a neighbour's
        return {p.id for p in shipped_searcher.ordered(Query(text=q))[1]}  # every page

    assume("NOT" not in text)
    assert found(f"({text}) -{excluded}") == found(text) - found(excluded)


def test_phrases_match_adjacent_words_only(shipped_searcher):
    together = shipped_searcher.search(Query(text='"language courses"'))
    apart = shipped_searcher.search(Query(text='"courses language"'))
    both = shipped_searcher.search(Query(text="language courses"))
    assert together.total > 0 and together.total < both.total
    assert {h.id for h in apart.hits} != {h.id for h in together.hits}


def test_a_new_generation_is_warmed_before_it_is_handed_out(tmp_path, vocabs, monkeypatch):
    """After `labb index`, the request that finds the new generation reads its most used
    postings first; a request arriving meanwhile is answered from the previous one."""
    from labb.search import generations

    folder = tmp_path / "practices"
    folder.mkdir()
    for path in sorted((REPO / "practices").rglob("*.yaml"))[:12]:
        shutil.copy(path, folder / path.name)
    index_dir = tmp_path / "index"
    index.build(folder, index_dir, vocabs, jobs=1)
    s = search.Searcher(index_dir, vocabs)
    try:
        old = s._current()
        first = sorted(folder.glob("*.yaml"))[0]
        first.write_text(first.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        index.build(folder, index_dir, vocabs, jobs=1)

        started, release = threading.Event(), threading.Event()
        warm = generations.Generation.warm

        def slow_warm(self, terms=generations.WARM_TERMS):
            started.set()
            release.wait(10)
            warm(self, terms)

        monkeypatch.setattr(generations.Generation, "warm", slow_warm)
        found = []
        opener = threading.Thread(target=lambda: found.append(s._current()))
        opener.start()
        assert started.wait(10)
        assert s._current() is old  # meanwhile: the previous generation
        release.set()
        opener.join(10)
        [new] = found
        assert new is not old and new.evaluator._terms  # warmed before it was handed out
        assert s._current() is new
    finally:
        s.close()


def test_words_are_parsed_once_whatever_filters_sort_and_page_follow(shipped_searcher, vocabs, monkeypatch):
    """The parse memo: narrowing, sorting and paging the same words parse them once,
    and each search says the same corrections, notes and glossary labels as a
    searcher that never saw the words."""
    from labb.search import text as text_module

    words = "langauge refugees"  # a typo (a correction) and a glossary concept (labels searched)
    fresh = search.Searcher(shipped_searcher.index_dir, vocabs, cache=0)
    try:
        expected = fresh.search(Query(text=words))
    finally:
        fresh.close()
    assert expected.corrected and expected.also_searched  # the case this test is about

    parse = text_module.TextParser._parse
    parsed: list[str] = []

    def counting(self, gen, text, *rest):
        parsed.append(text)
        return parse(self, gen, text, *rest)

    monkeypatch.setattr(text_module.TextParser, "_parse", counting)
    queries = [
        Query(text=words, filters={"dimension": frozenset({"language"})}),
        Query(text=words, filters={"country": frozenset({"SE", "FI"})}),
        Query(text=words, sort="newest"),
        Query(text=words, page=2, per_page=5),
        Query(text=words, lang="fr"),
    ]
    for query in queries:
        found = shipped_searcher.search(query)
        assert (found.corrected, found.also_searched) == (expected.corrected, expected.also_searched)
        assert found.notes == expected.notes
    assert parsed.count(words) == 2  # once with filters, once without (a note can differ)
    unfiltered = shipped_searcher.search(Query(text=words))
    assert [h.id for h in unfiltered.hits] == [h.id for h in expected.hits]
    assert unfiltered.total == expected.total


def test_warm_opens_the_generation_and_reads_postings_and_similar_lists(tmp_path, vocabs):
    folder = tmp_path / "practices"
    folder.mkdir()
    for path in sorted((REPO / "practices").rglob("*.yaml"))[:12]:
        shutil.copy(path, folder / path.name)
    index_dir = tmp_path / "index"
    s = search.Searcher(index_dir, vocabs)
    with pytest.raises(search.NoIndex):
        s.warm()  # nothing to open yet
    index.build(folder, index_dir, vocabs, jobs=1)
    try:
        name = s.warm()
        gen = s._current()
        assert gen.name == name
        assert len(gen.evaluator._terms) > 100  # the frequent terms of every text field
        assert gen._similar is not None and len(gen._similar) == 12
        assert "pairs" in gen.described  # the facet tables every search counts on
    finally:
        s.close()


_SNIPPET_WORDS = st.sampled_from(["school", "work", "Haus", "vården", "l'école", "mentor", "and", "42"])


@settings(max_examples=300, deadline=None)
@given(
    words=st.integers(0, 90).flatmap(lambda n: st.lists(_SNIPPET_WORDS, min_size=n, max_size=n)),
    seps=st.lists(st.sampled_from([" ", ", ", ". ", " *", "\n\n", " – "]), min_size=91, max_size=91),
    wanted=st.sets(st.sampled_from(["school", "haus", "mentor"]), max_size=2),
)
def test_a_snippet_is_the_window_around_the_first_matched_word(words, seps, wanted):
    """Against a plain reading: up to 36 words of the text from 12 before the first
    matched word (else from the start), every matched word in it marked, an ellipsis
    where words were left out, and the text between them as it is (markup removed)."""
    from labb.model import Practice
    from labb.search.snippets import Keys, snippet

    text = "".join(sep + word for sep, word in zip(seps, words)) + seps[-1]
    practice = Practice.from_stored(
        {
            "id": "xx-snippet",
            "title": {"en": "A title"},
            "summary": {"en": text or "-"},
            "language": "en",
            "country": "PT",
            "scope": "national",
            "period": {"start": "2020-01-01", "status": "ongoing"},
            "dimensions": ["reception-orientation"],
            "target_groups": ["refugees"],
            "regional_role": {"type": "indirect"},
            "organisations": {"lead": "An office"},
            "sources": [{"url": "https://example.org/", "title": "A source"}],
            "added": "2026-11-30",
        }
    )
    keys = Keys(frozenset(wanted), frozenset(), ())
    segments = snippet(practice, keys, "en", {})
    shown = practice.summary["en"].replace("*", "")
    spans = list(re.finditer(r"\w+(?:['’]\w+)*", shown))
    matched = [i for i, m in enumerate(spans) if m.group(0).casefold() in wanted]
    first = max(0, matched[0] - 12) if matched else 0
    last = min(len(spans), first + 36)
    if not spans:
        assert segments == (Segment(shown[:240]),)
        return
    expected = [Segment("… ")] if first else []
    cursor = spans[first].start()
    for i in (i for i in matched if first <= i < last):
        if spans[i].start() > cursor:
            expected.append(Segment(shown[cursor : spans[i].start()]))
        expected.append(Segment(spans[i].group(0), hit=True))
        cursor = spans[i].end()
    if spans[last - 1].end() > cursor:
        expected.append(Segment(shown[cursor : spans[last - 1].end()]))
    if last < len(spans):
        expected.append(Segment(" …"))
    assert segments == tuple(expected)
