"""The documents tell the truth about the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from labb.cli import main
from labb.model.problems import CODES, codes_markdown
from labb.vocab import LABEL_LANGUAGES, NAMES

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
CONTRIBUTING = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")


def _commands_in_readme() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README)


def test_readme_starts_with_the_two_commands():
    serve, test = _commands_in_readme()[:2]
    assert serve.endswith("labb serve")
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim():
    test = _commands_in_readme()[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()


def test_every_command_and_option_is_documented():
    for name, command in main.commands.items():
        assert f"`labb {name}" in README, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in README, f"labb {name} {opt}"


def test_the_table_of_problem_codes_is_generated():
    block = CONTRIBUTING.partition("<!-- problem-codes -->\n")[2].partition("<!-- /problem-codes -->")[0]
    assert block == codes_markdown(), "CONTRIBUTING.md is out of date: run python scripts/problem_codes.py --write"


def _choices(node: ast.expr) -> list[str]:
    """The strings an expression can be: "a" -> ["a"]; "a" if x else "b" -> ["a", "b"]; a name -> []."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        branches = [_choices(node.body), _choices(node.orelse)]
        return branches[0] + branches[1] if all(branches) else []
    return []


def _codes_made_in(root: Path) -> dict[str, set[str]]:
    """Every problem code the sources under `root` name where they make a problem,
    with the files naming it: the first argument of `Problem.of(...)` and of the
    modules' `problem(...)` helpers, the third of `Problem.error(...)`. The
    helpers pass their `code` on, so the calls inside them are left out. A
    `form="..."` written out must be one of the code's forms."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        where = str(path.relative_to(REPO))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = {
            id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "problem" for n in ast.walk(f)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in helpers:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            on_problem = (
                isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "Problem"
            )
            position = (
                0
                if name == "problem" or (on_problem and name == "of")
                else 2
                if on_problem and name == "error"
                else None
            )
            if position is None:
                continue
            assert len(node.args) > position, f"{where}:{node.lineno}: the code is not where it should be"
            codes = _choices(node.args[position])
            assert codes, f"{where}:{node.lineno}: write the problem code out, as a string"
            for code in codes:
                found.setdefault(code, set()).add(where)
                form = next((k.value for k in node.keywords if k.arg == "form"), None)
                if isinstance(form, ast.Constant) and code in CODES:
                    assert form.value in CODES[code].forms, f"{where}:{node.lineno}: `{code}` has no form {form.value}"
    return found


def test_every_problem_code_made_is_defined_and_every_code_defined_is_made():
    made = _codes_made_in(REPO / "labb")
    undefined = {code: sorted(files) for code, files in made.items() if code not in CODES}
    assert not undefined, f"not in CODES (labb/model/problems.py): {undefined}"
    unused = sorted(set(CODES) - set(made))
    assert not unused, f"in CODES but never made: {unused}; use them or remove them"


def test_every_label_is_in_every_language(vocabs):
    for name in (*NAMES, "regions"):
        for term in vocabs[name]:
            if name == "regions":  # hand-written labels, else the official name (tests/test_regions.py)
                assert all(term.label_in(lang) for lang in LABEL_LANGUAGES), term.id
                continue
            missing = set(LABEL_LANGUAGES) - set(term.label)
            assert not missing, f"{name}/{term.id} lacks {missing}"
            if name in ("criteria", "dimensions"):
                assert not set(LABEL_LANGUAGES) - set(term.description), f"{name}/{term.id}"
