"""The command line, run the way editors and CI run it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from labb import records, schema
from labb.cli import main

from .conftest import GOOD, REPO


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_validate_clean_file_exits_0(runner):
    result = runner.invoke(main, ["validate", str(GOOD)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "1 file(s) checked: 0 error(s), 0 warning(s)" in result.stderr


def test_validate_text_format(runner, write, good_text):
    path = write(good_text.replace("[language, reception-orientation]", "[language, recepton-orientation]"))
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == (
        f"{path}:24:24: error[unknown-term]: `recepton-orientation` is not in the dimensions vocabulary; "
        "did you mean `reception-orientation`?\n"
    )


def test_validate_github_format(runner, write, good_text):
    path = write(good_text.replace("  eu_eur: 353249", "  eu_eur: 2353249"))
    result = runner.invoke(main, ["validate", "--format", "github", str(path)])
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"::error file={path},line=37,col=11,title=labb budget-exceeds::The EU contribution"
    )


def test_validate_json_format(runner, write, good_text):
    path = write(good_text.replace("    seen: 2026-11-22\n", ""))
    result = runner.invoke(main, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 0  # a warning only
    [problem] = json.loads(result.stdout)
    assert problem == {
        "path": str(path),
        "line": 48,
        "column": 5,
        "severity": "warning",
        "code": "no-seen-date",
        "field": "sources[0]",
        "message": "this source has no `seen` date",
        "hint": "add `seen: YYYY-MM-DD`, the day you last read the page",
    }


def test_validate_reports_every_file_sorted(runner, tmp_path, good_text):
    for name in ("b", "a"):
        (tmp_path / f"{name}.yaml").write_text(good_text, encoding="utf-8")
    result = runner.invoke(main, ["validate", "--format", "json", str(tmp_path)])
    found = [(Path(p["path"]).name, p["code"]) for p in json.loads(result.stdout)]
    assert found == [("a.yaml", "id-mismatch"), ("b.yaml", "duplicate-id"), ("b.yaml", "id-mismatch")]


def test_shipped_practices_validate(runner):
    result = runner.invoke(main, ["validate", "--practices", str(REPO / "practices")])
    assert result.exit_code == 0, result.output


TITLE_HINT = "write the practice's title as the sources give it (in another language, its translation)"
SUMMARY_HINT = "sum the practice up from the sources in one to three sentences, in your own words"


def _scaffold_placeholders(path: Path, language: str) -> str:
    """What `labb validate` prints for an untouched scaffold of a practice with a region."""
    return "".join(
        f"{path}:{line}\n"
        for line in [
            f"7:7: error[placeholder]: `title.{language}` is a placeholder (`TODO: title in the original language`); "
            f"{TITLE_HINT}",
            f"8:7: error[placeholder]: `title.en` is a placeholder (`TODO: title in English`); {TITLE_HINT}",
            f"10:7: error[placeholder]: `summary.{language}` is a placeholder "
            f"(`TODO: summary in the original language`); {SUMMARY_HINT}",
            f"11:7: error[placeholder]: `summary.en` is a placeholder (`TODO: summary in English`); {SUMMARY_HINT}",
            "34:16: error[placeholder]: `regional_role.detail.en` is a placeholder (`TODO: what the regional authority "
            "does in this practice`); say in one sentence what the regional authority does, as the sources tell it",
            "36:9: error[placeholder]: `organisations.lead` is a placeholder (`TODO: the lead organisation, as the "
            "source names it`); name the lead organisation as the sources name it",
            "59:10: error[placeholder]: `sources[0].url` is a placeholder (`https://example.org/TODO`): example.org is "
            "reserved for examples; give the address of the page you read",
            "60:12: error[placeholder]: `sources[0].title` is a placeholder (`TODO: the page's title`); "
            "copy the title of the page you read",
        ]
    )


def test_new_scaffold_fails_validation_on_its_placeholders_only(runner, tmp_path):
    result = runner.invoke(
        main, ["new", "--id", "fi-test-practice", "--country", "FI", "--region", "FI1D9", "--language", "fi"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# yaml-language-server: $schema=../../labb-practice.schema.json\n")
    path = tmp_path / "fi-test-practice.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    checked = runner.invoke(main, ["validate", str(path)])
    assert checked.exit_code == 1
    assert checked.stdout == _scaffold_placeholders(path, "fi")
    assert "1 file(s) checked: 8 error(s), 0 warning(s)" in checked.stderr
    # with the placeholders written, the scaffold is a valid practice
    filled = re.sub(r'"TODO: [^"]*"', '"Written from the source"', result.stdout)
    path.write_text(filled.replace("https://example.org/TODO", "https://www.ely-keskus.fi/hanke"), encoding="utf-8")
    checked = runner.invoke(main, ["validate", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "1 file(s) checked: 0 error(s), 0 warning(s)" in checked.stderr


def test_new_writes_and_lists_the_placeholders(runner, tmp_path):
    args = [
        "new",
        "--id",
        "fi-test",
        "--country",
        "FI",
        "--region",
        "FI1D9",
        "--language",
        "sv",
        "--write",
        "--practices",
        str(tmp_path),
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    path = tmp_path / "fi" / "fi-test.yaml"
    assert result.stdout == _scaffold_placeholders(path, "sv")
    assert result.stderr == (
        f"wrote {path}; replace its 8 placeholder(s) listed above with what the sources say, "
        f"then run: labb validate {path}\n"
    )


def test_new_lists_a_warning_about_the_id_too(runner, tmp_path):
    args = ["new", "--id", "good-start", "--country", "FI", "--language", "fi", "--write", "--practices", str(tmp_path)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    first, *placeholders = result.stdout.splitlines()
    assert first == (
        f"{tmp_path / 'fi' / 'good-start.yaml'}:5:5: warning[id-prefix]: the id `good-start` does not "
        "start with the country code `fi-`; start the id with `fi-`, e.g. `fi-good-start`, and rename "
        "the file to match (only before it is published: a published id never changes)"
    )
    assert len(placeholders) == 8 and all("error[placeholder]" in line for line in placeholders)


def test_new_fails_on_an_error_besides_the_placeholders(runner, tmp_path, monkeypatch):
    from labb import scaffold

    render = scaffold.render
    monkeypatch.setattr(scaffold, "render", lambda new: render(new).replace("[reception-orientation]", "[recepton]"))
    args = ["new", "--id", "fi-test", "--country", "FI", "--language", "fi", "--write", "--practices", str(tmp_path)]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "error[unknown-term]: `recepton` is not in the dimensions vocabulary" in result.stdout
    assert result.stdout.count("error[placeholder]") == 8
    assert "with errors besides its placeholders" in result.stderr


def test_new_writes_into_the_practices_folder(runner, tmp_path):
    args = ["new", "--id", "gr-test", "--country", "EL", "--language", "el", "--write", "--practices", str(tmp_path)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "gr" / "gr-test.yaml").is_file()
    assert "warning" not in result.stdout  # el- and gr- both suit Greece
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and "already exists" in again.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["--id", "Bad Id", "--country", "FI"], "--id"),
        (["--id", "fi-ok", "--country", "FIN"], "did you mean FI"),
        (["--id", "fi-ok", "--country", "FI", "--region", "ITF3"], "ITF3"),
    ],
)
def test_new_refuses_bad_input(runner, args, message):
    result = runner.invoke(main, ["new", *args])
    assert result.exit_code == 2 and message in result.output


def test_new_without_terminal_does_not_prompt(runner):
    result = runner.invoke(main, ["new"], input="")
    assert result.exit_code == 2 and "--id" in result.output


def test_schema_is_valid_and_current(runner, vocabs):
    result = runner.invoke(main, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(printed)
    shipped = (REPO / schema.SCHEMA_FILE).read_text(encoding="utf-8")
    assert result.stdout == shipped, "run `labb schema -o labb-practice.schema.json`"
    assert "multi-level-governance" in printed["properties"]["evaluation"]["propertyNames"]["enum"]


def _as_json(value):
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def test_every_shipped_practice_satisfies_the_schema(vocabs):
    validator = jsonschema.Draft202012Validator(schema.editor_schema(vocabs), format_checker=jsonschema.FormatChecker())
    files = sorted((REPO / "practices").rglob("*.yaml")) + [GOOD]
    assert len(files) > 1
    for path in files:
        doc, problems = records.load(path)
        assert problems == []
        errors = [e.message for e in validator.iter_errors(_as_json(doc.data))]
        assert errors == [], path


def test_the_installed_command_runs():
    result = subprocess.run([sys.executable, "-m", "labb", "validate", str(GOOD)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
