"""Print the table of problem codes (labb/model/problems.py) as Markdown, or
write it into CONTRIBUTING.md between its markers.

    python scripts/problem_codes.py [--write]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from labb.model.problems import codes_markdown  # noqa: E402

BEGIN, END = "<!-- problem-codes -->\n", "<!-- /problem-codes -->"
"""CONTRIBUTING.md's table of codes sits between these lines."""


def with_table(text: str, table: str) -> str:
    """`text` with what lies between the markers replaced by `table`."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit(f"CONTRIBUTING.md needs one `{BEGIN.strip()}` line, then one `{END}` line")
    head, rest = text.split(BEGIN)
    return head + BEGIN + table + END + rest.split(END, 1)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="update CONTRIBUTING.md instead of printing")
    args = parser.parse_args()
    if not args.write:
        sys.stdout.write(codes_markdown())
        return
    path = ROOT / "CONTRIBUTING.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(with_table(text, codes_markdown()), encoding="utf-8")


if __name__ == "__main__":
    main()
