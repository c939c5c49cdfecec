"""The practice format's later fields: objectives, results, reach, website, contact,
beneficiary type, amounts in other currencies, project codes, date precision,
suspended practices and evidence gaps. Each is validated, shown on the practice page
in every interface language, given by the API and exported; each mistake is reported
at its position."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from labb import validate
from labb.web.i18n import LANGUAGES

from .conftest import GOOD

TODAY = date(2026, 11, 23)
SOURCE = "https://kohesio.ec.europa.eu/en/projects/example"

ADDITIONS = {
    "description:\n": """objectives:
  en: Help newly arrived women reach a working knowledge of Finnish within a year.
  fi: Auttaa vasta muuttaneita naisia oppimaan suomea työelämän tarpeisiin vuodessa.
results:
  text: {en: "Most participants finished the course and a third found work or training."}
  figures:
    - {indicator: participants who completed the course, value: 212, unit: people, year: 2018, source: "SOURCE"}
    - {indicator: share in work or training six months later, value: 34.5, unit: "%", year: 2018, source: "SOURCE"}
reach: {people: 260, year: 2018, source: "SOURCE", note: {en: "Participants, not families."}}
description:
""".replace("SOURCE", SOURCE),
    "  status: completed\n": "  status: completed\n  precision: year\n",
    "organisations:\n": """beneficiary_type: local-authority
website: https://www.ouka.fi/hyva-alku
contact: {organisation: City of Oulu, email: maahanmuutto@ouka.fi, phone: "+358 8 5584 1000"}
organisations:
""",
    "  eu_eur: 353249\n": """  eu_eur: 353249
  currency: SEK
  original_amount: {total: 11700000, eu: 3790000}
  conversion: {rate: 10.73, date: 2016-01-04}
  project_code: S20517
  other_amounts:
    - {amount: 120000, covers: {en: "evening childcare in 2017"}, year: 2017, source: "SOURCE"}
""".replace("SOURCE", SOURCE),
    '    improvement: {en: "No follow-up of participants."}\n': (
        '    improvement: {en: "Follow participants up a year later."}\n'
        '    evidence_gaps: {en: "The sources give no employment figures after 2018."}\n'
    ),
}


def full_text() -> str:
    text = GOOD.read_text(encoding="utf-8")
    for anchor, replacement in ADDITIONS.items():
        assert anchor in text, anchor
        text = text.replace(anchor, replacement, 1)
    return text


def write_practice(folder: Path, text: str, name: str = "xx-good-practice") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, vocabs) -> list[tuple[str, str, int, int]]:
    corpus = validate.check_paths([write_practice(tmp_path, text)], vocabs, today=TODAY)
    return [(p.severity, p.code, p.line, p.column) for p in corpus.problems]


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the `occurrence`-th `needle` in `text`."""
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    return line, start - (text.rfind("\n", 0, start) + 1) + 1


def test_the_full_practice_is_valid_and_every_new_field_is_read(tmp_path, vocabs):
    corpus = validate.check_paths([write_practice(tmp_path, full_text())], vocabs, today=TODAY)
    assert corpus.problems == []
    [p] = corpus.practices
    assert p.objectives and p.results and p.reach and p.contact and p.funding
    assert [f.value for f in p.results.figures] == [212, 34.5]
    assert (p.reach.people, p.period.precision, p.beneficiary_type) == (260, "year", "local-authority")
    assert (p.funding.currency, p.funding.original_amount.eu, p.funding.project_code) == ("SEK", 3790000, "S20517")
    assert [(a.amount, a.currency, a.year) for a in p.funding.other_amounts] == [(120000, "EUR", 2017)]
    assert p.evaluation["innovation"].evidence_gaps == {"en": "The sources give no employment figures after 2018."}


def test_files_without_the_new_fields_stay_valid(tmp_path, vocabs):
    assert problems(tmp_path, GOOD.read_text(encoding="utf-8"), vocabs) == []


def _mistake(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (what, replaced, replacement, code, severity, where the problem points: (needle, occurrence) in the new text)
MISTAKES = [
    (
        "figure cites an unlisted page",
        f'value: 212, unit: people, year: 2018, source: "{SOURCE}"',
        'value: 212, unit: people, year: 2018, source: "https://www.ouka.fi/other"',
        "unlisted-source",
        "error",
        ('"https://www.ouka.fi/other"', 1),
    ),
    (
        "an amount cites an unlisted page",
        f'year: 2017, source: "{SOURCE}"',
        'year: 2017, source: "https://www.ouka.fi/budget"',
        "unlisted-source",
        "error",
        ('"https://www.ouka.fi/budget"', 1),
    ),
    (
        "reach cites an unlisted page",
        f'reach: {{people: 260, year: 2018, source: "{SOURCE}"',
        'reach: {people: 260, year: 2018, source: "https://www.ouka.fi/reach"',
        "unlisted-source",
        "error",
        ('"https://www.ouka.fi/reach"', 1),
    ),
    (
        "a start that is not a year's first day",
        "  start: 2016-01-01",
        "  start: 2016-03-01",
        "date-precision",
        "error",
        ("2016-03-01", 1),
    ),
    (
        "a year precision with a mid-month end",
        "  end: 2018-12-31",
        "  end: 2018-12-15",
        "date-precision",
        "error",
        ("2018-12-15", 1),
    ),
    ("an original amount without its currency", "  currency: SEK\n", "", "currency", "error", ("original_amount", 1)),
    (
        "euro amounts converted without a rate",
        "  conversion: {rate: 10.73, date: 2016-01-04}\n",
        "",
        "currency",
        "error",
        ("original_amount", 1),
    ),
    ("a currency that is the euro", "  currency: SEK", "  currency: EUR", "currency", "error", ("EUR", 1)),
    (
        "an amount that does not convert",
        "  total_eur: 1090474",
        "  total_eur: 2090474",
        "conversion-mismatch",
        "warning",
        ("2090474", 1),
    ),
    (
        "a person's address",
        "email: maahanmuutto@ouka.fi",
        "email: maija.meikalainen@ouka.fi",
        "personal-contact",
        "warning",
        ("maija.meikalainen@ouka.fi", 1),
    ),
    (
        "an unknown beneficiary type",
        "beneficiary_type: local-authority",
        "beneficiary_type: town-hall",
        "unknown-term",
        "error",
        ("town-hall", 1),
    ),
    ("an unknown precision", "  precision: year", "  precision: decade", "unknown-term", "error", ("decade", 1)),
    ("a bad currency code", "  currency: SEK", "  currency: kronor", "invalid-value", "error", ("kronor", 1)),
]


@pytest.mark.parametrize(("what", "old", "new", "code", "severity", "where"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_reported_where_it_is(tmp_path, vocabs, what, old, new, code, severity, where):
    text = _mistake(full_text(), old, new)
    line, column = position(text, *where)
    found = problems(tmp_path, text, vocabs)
    assert (severity, code, line, column) in found, found


def test_an_eu_fund_coded_other_is_named(tmp_path, vocabs):
    text = _mistake(full_text(), "  funds: [esf]\n", "  funds: [other]\n  programme: European Refugee Fund 2008-2013\n")
    line, column = position(text, "[other]")
    assert ("warning", "eu-fund-as-other", line, column) in problems(tmp_path, text, vocabs)
    coded = _mistake(text, "[other]", "[erf]")
    assert problems(tmp_path, coded, vocabs) == []


def test_a_new_practice_without_results_is_not_strong_where_strength_needs_results(tmp_path, vocabs):
    young = (
        GOOD.read_text(encoding="utf-8")
        .replace(
            "  start: 2016-01-01\n  end: 2018-12-31\n  status: completed", "  start: 2026-03-01\n  status: ongoing"
        )
        .replace("  innovation:\n    level: strong", "  inclusion:\n    level: strong")
    )
    line, column = position(young, "strong")
    assert ("warning", "strong-without-results", line, column) in problems(tmp_path, young, vocabs)
    # Innovation can be judged from the design: no warning.
    design = young.replace("  inclusion:\n    level: strong", "  innovation:\n    level: strong")
    assert problems(tmp_path, design, vocabs) == []
    planned = young.replace("status: ongoing", "status: planned").replace("  start: 2026-03-01", "  start: 2020-03-01")
    assert "strong-without-results" in {p[1] for p in problems(tmp_path, planned, vocabs)}


def test_a_suspended_practice_is_valid(tmp_path, vocabs):
    text = full_text().replace("status: completed", "status: suspended")
    assert problems(tmp_path, text, vocabs) == []


@pytest.fixture(scope="module")
def full_site(tmp_path_factory):
    from labb import index, vocab
    from labb.web import create_app

    root = tmp_path_factory.mktemp("full")
    practices = root / "practices"
    practices.mkdir()
    write_practice(practices, full_text())
    index.build(practices, root / "index", vocab.default())
    app = create_app({"TESTING": True, "PRACTICES": practices, "INDEX": root / "index"})
    return app.test_client()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_practice_page_shows_every_new_field(full_site, lang):
    response = full_site.get(f"/practices/xx-good-practice?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    objective = "Auttaa vasta muuttaneita naisia" if lang == "fi" else "Help newly arrived women"
    for shown in (
        objective,
        "212",
        "34.5" if lang == "en" else "34",
        "S20517",
        "maahanmuutto@ouka.fi",
        "https://www.ouka.fi/hyva-alku",
        'href="#source-1"',
        'id="source-1"',
        "The sources give no employment figures after 2018.",
        "SEK",
        "evening childcare in 2017",
    ):
        assert shown in html, (lang, shown)
    # A period known to the year is shown as years, not as 1 January to 31 December.
    assert "2016 – 2018" in html, lang


def test_the_api_and_the_exports_give_the_new_fields(full_site):
    data = full_site.get("/api/practices/xx-good-practice").get_json()
    assert data["reach"]["people"] == 260
    assert data["results"]["figures"][0]["source"] == SOURCE
    assert data["funding"]["original_amount"] == {"total": 11700000, "eu": 3790000}
    assert data["period"]["precision"] == "year"
    [row] = full_site.get("/export.json").get_json()["results"]
    assert (row["people_reached"], row["people_reached_year"], row["currency"], row["date_precision"]) == (
        260,
        2018,
        "SEK",
        "year",
    )
    response = full_site.get("/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["beneficiary_type"] == "local-authority" and rows[0]["website"] == "https://www.ouka.fi/hyva-alku"
    assert json.loads(json.dumps(data))  # JSON all the way down
