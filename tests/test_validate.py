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
    ("unknown dimension", "[language, reception-orientation]", "[language, recepton-orientation]", "unknown-term", 24, 24),
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
    ("javascript link", "[network](https://example.org/network)", "[network](javascript:alert(1))", "unsafe-markup", 14, 1),
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
    text = good_text.replace("country: FI", "country: NO").replace("region: FI1D9\n", "") \
        .replace("scope: regional", "scope: national").replace("language: fi", "language: nb")
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
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i-1}'] * 9)}]" for i in range(1, 10)]
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


@pytest.mark.parametrize("text,code", [
    ("", "empty-file"),
    ("- a\n- b\n", "not-a-mapping"),
    ("!!python/object/apply:os.system ['echo hi']\n", "yaml-tag"),
    ("---\nid: a\n---\nid: b\n", "yaml-syntax"),
    ("? [a, b]\n: c\n", "wrong-type"),
])
def test_odd_files(write, vocabs, text, code):
    assert code in [c for _, c, _, _ in problems_of(write(text), vocabs)]
