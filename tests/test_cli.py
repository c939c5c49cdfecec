"""The command line, run the way editors and CI run it."""

from __future__ import annotations

import json
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
    assert result.stdout.startswith(f"::error file={path},line=37,col=11,title=labb budget-exceeds::The EU contribution")


def test_validate_json_format(runner, write, good_text):
    path = write(good_text.replace("    seen: 2026-11-22\n", ""))
    result = runner.invoke(main, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 0  # a warning only
    [problem] = json.loads(result.stdout)
    assert problem == {
        "path": str(path), "line": 48, "column": 5, "severity": "warning", "code": "no-seen-date",
        "field": "sources[0]", "message": "this source has no `seen` date",
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


def test_new_scaffold_validates(runner, tmp_path):
    result = runner.invoke(main, ["new", "--id", "fi-test-practice", "--country", "FI", "--region", "FI1D9",
                                  "--language", "fi"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# yaml-language-server: $schema=../../labb-practice.schema.json\n")
    path = tmp_path / "fi-test-practice.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    checked = runner.invoke(main, ["validate", str(path)])
    assert checked.exit_code == 0, checked.output


def test_new_writes_into_the_practices_folder(runner, tmp_path):
    args = ["new", "--id", "gr-test", "--country", "EL", "--language", "el", "--write", "--practices", str(tmp_path)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "gr" / "gr-test.yaml").is_file()
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and "already exists" in again.output


@pytest.mark.parametrize("args,message", [
    (["--id", "Bad Id", "--country", "FI"], "--id"),
    (["--id", "fi-ok", "--country", "FIN"], "did you mean FI"),
    (["--id", "fi-ok", "--country", "FI", "--region", "ITF3"], "ITF3"),
])
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
    validator = jsonschema.Draft202012Validator(schema.editor_schema(vocabs),
                                                format_checker=jsonschema.FormatChecker())
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
