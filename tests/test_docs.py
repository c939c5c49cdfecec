"""The documents tell the truth about the code."""

from __future__ import annotations

import re


from labb.cli import main
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


def test_every_validator_code_is_explained():
    codes = set(re.findall(r'"([a-z]+(?:-[a-z]+)+|encoding|unreadable)"', "".join(
        (REPO / "labb" / f).read_text(encoding="utf-8") for f in ("records.py", "validate.py", "model.py"))))
    codes -= {"x-vocabulary", "x-vocabulary-keys", "x-text", "utf-8-sig", "utf-8", "function-"}
    for code in sorted(codes):
        assert f"`{code}`" in CONTRIBUTING, code


def test_every_label_is_in_every_language(vocabs):
    for name in (*NAMES, "regions"):
        for term in vocabs[name]:
            if name == "regions":
                assert "en" in term.label, term.id
                continue
            missing = set(LABEL_LANGUAGES) - set(term.label)
            assert not missing, f"{name}/{term.id} lacks {missing}"
            if name in ("criteria", "dimensions"):
                assert not set(LABEL_LANGUAGES) - set(term.description), f"{name}/{term.id}"
