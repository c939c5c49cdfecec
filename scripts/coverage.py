"""Print the corpus's coverage: practices per country, language, dimension,
criterion, fund, role, status and scope, as Markdown tables.

    python scripts/coverage.py [--practices practices]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labb import validate, vocab  # noqa: E402


def coverage(practices: list, vocabs: vocab.Vocabularies) -> dict[str, Counter]:
    tables: dict[str, Counter] = {name: Counter() for name in (
        "country", "original language", "dimension", "criterion", "fund", "role", "status", "scope", "region")}
    for p in practices:
        tables["country"][p.country] += 1
        tables["original language"][p.language] += 1
        tables["dimension"].update(p.dimensions)
        tables["criterion"].update(list(p.evaluation))
        tables["fund"].update(p.funding.funds if p.funding else [])
        tables["role"][p.regional_role.type] += 1
        tables["status"][p.period.status] += 1
        tables["scope"][p.scope] += 1
        if p.region:
            tables["region"][p.region] += 1
    # Vocabulary terms nobody uses yet show as 0, so gaps are visible.
    for table, name in (("dimension", "dimensions"), ("criterion", "criteria"), ("fund", "funds")):
        for term in vocabs[name]:
            tables[table].setdefault(term.id, 0)
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=Path, default=Path("practices"))
    args = parser.parse_args()
    vocabs = vocab.default()
    corpus = validate.check_paths([args.practices], vocabs)
    practices = corpus.practices
    print(f"{len(practices)} valid practices ({len(corpus.files)} files, {len(corpus.errors)} errors); "
          f"{len({p.country for p in practices})} countries, "
          f"{len({p.language for p in practices})} original languages\n")
    for name, counts in coverage(practices, vocabs).items():
        print(f"| {name} | practices |\n| --- | ---: |")
        for value, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"| {value} | {count} |")
        print()


if __name__ == "__main__":
    main()
