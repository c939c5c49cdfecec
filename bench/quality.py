"""Search quality on the shipped practices: labb against SQLite FTS5, side by side.

    python bench/quality.py [--practices practices] [--json out.json] [--show-misses]

The labelled queries are in bench/quality.yaml (written by hand for the shipped
practices, in classes: inflection, compound, accent, typo, cross-language, phrase,
filter-only). Both engines answer every query with its filters; for each class the
table shows recall@10 (the share of a query's relevant practices in its first ten
results, out of at most ten) and MRR (the mean of 1/rank of the first relevant result
in the first ten, 0 when none is there).

labb: a full index of the practices in a temporary folder, searched with
`Searcher.search` as the site does (typo tolerance on). FTS5: one row per practice
with every text in every language, the places and the organisations, tokenised with
`unicode61 remove_diacritics 2`; a query's words must all match (`"word" "word"`, a
quoted phrase as an FTS5 phrase), filters are the same facet values as labb's (OR
within a facet, AND across), ordered by bm25 (by id without words).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sqlite3
import sys
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labb import facets, index, records, vocab
from labb.model import Practice, Query
from labb.search import Searcher

HERE = Path(__file__).resolve().parent
CLASSES = ("inflection", "compound", "accent", "typo", "cross-language", "phrase", "filter-only")
GOALS = {
    "inflection": 0.95,
    "compound": 0.95,
    "accent": 1.0,
    "typo": 0.9,
    "cross-language": 0.85,
    "phrase": 1.0,
    "filter-only": 1.0,
}
"""recall@10 each class should reach (issue 12)."""
TOP = 10


def load_practices(folder: Path) -> list[Practice]:
    practices = []
    for path in sorted(folder.rglob("*.yaml")):
        document, _ = records.load(path)
        if document is not None:
            practices.append(Practice.model_validate(document.data))
    return practices


def matches_filters(values: dict[str, list[str]], filters: dict[str, list[str]]) -> bool:
    return all(set(values.get(name, ())) & set(wanted) for name, wanted in filters.items())


class Fts5:
    """The practices in an FTS5 table, and a facet table for the filters."""

    def __init__(self, practices: list[Practice], vocabs: vocab.Vocabularies):
        self.db = sqlite3.connect(":memory:")
        tokenizer = "unicode61 remove_diacritics 2"
        self.db.execute(f"CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize='{tokenizer}')")
        self.db.execute("CREATE TABLE facet (id TEXT, name TEXT, value TEXT)")
        for practice in practices:
            texts = [text for _, text in index._texts(practice)]
            names = [*practice.places, practice.organisations.lead, *practice.organisations.partners]
            self.db.execute("INSERT INTO docs (id, body) VALUES (?, ?)", (practice.id, "\n".join([*texts, *names])))
            for name, values in facets.values(practice, vocabs).items():
                self.db.executemany("INSERT INTO facet VALUES (?, ?, ?)", [(practice.id, name, v) for v in values])

    @staticmethod
    def match(text: str) -> str:
        """FTS5 MATCH syntax: every word (or quoted phrase) must be there."""
        try:
            parts = shlex.split(text)
        except ValueError:
            parts = text.split()
        quoted = []
        for part in parts:
            words = re.findall(r"\w+", part)
            if words:
                quoted.append('"' + " ".join(words) + '"')
        return " ".join(quoted)

    def search(self, text: str, filters: dict[str, list[str]]) -> list[str]:
        where, args = [], []
        for name, values in filters.items():
            marks = ",".join("?" * len(values))
            where.append(f"docs.id IN (SELECT id FROM facet WHERE name = ? AND value IN ({marks}))")
            args += [name, *values]
        match = self.match(text) if text else ""
        if match:
            sql = "SELECT docs.id FROM docs WHERE docs MATCH ?" + "".join(f" AND {w}" for w in where)
            sql += f" ORDER BY bm25(docs) LIMIT {TOP}"
            args = [match, *args]
        else:
            sql = "SELECT docs.id FROM docs" + (" WHERE " + " AND ".join(where) if where else "")
            sql += f" ORDER BY docs.id LIMIT {TOP}"
        return [row[0] for row in self.db.execute(sql, args)]


def score(found: list[str], relevant: set[str]) -> tuple[float, float]:
    """(recall@10 out of at most ten, reciprocal rank of the first relevant result)."""
    top = found[:TOP]
    recall = len(relevant & set(top)) / min(len(relevant), TOP) if relevant else 1.0
    rank = next((1 / n for n, pid in enumerate(top, 1) if pid in relevant), 0.0)
    return recall, rank


def run(practices_dir: Path, queries_file: Path, show_misses: bool = False) -> dict:
    vocabs = vocab.default()
    practices = load_practices(practices_dir)
    values = {p.id: facets.values(p, vocabs) for p in practices}
    queries = yaml.safe_load(queries_file.read_text(encoding="utf-8"))["queries"]
    fts = Fts5(practices, vocabs)
    per_class: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    misses = []
    with tempfile.TemporaryDirectory() as tmp:
        index.build(practices_dir, Path(tmp), vocabs, jobs=1)
        searcher = Searcher(Path(tmp), vocabs, cache=0)
        for q in queries:
            filters = {k: list(v) for k, v in (q.get("filters") or {}).items()}
            if q["class"] == "filter-only":
                relevant = {pid for pid, vs in values.items() if matches_filters(vs, filters)}
            else:
                relevant = set(q["relevant"])
            query = Query(text=q.get("q", ""), filters={k: frozenset(v) for k, v in filters.items()}, per_page=TOP)
            labb = [hit.id for hit in searcher.search(query).hits]
            sqlite = fts.search(q.get("q", ""), filters)
            for engine, found in (("labb", labb), ("fts5", sqlite)):
                recall, rank = score(found, relevant)
                per_class[q["class"]][engine].append((recall, rank))
                if show_misses and recall < 1 and engine == "labb":
                    said = f"{q['class']:>14} {q['lang']:>2} {q.get('q', '')!r}"
                    misses.append(f"{said}: recall {recall:.2f}, got {found}")
        searcher.close()
    rows = []
    for name in CLASSES:
        row: dict = {"class": name, "queries": len(per_class[name]["labb"]), "goal_recall": GOALS[name]}
        for engine in ("labb", "fts5"):
            pairs = per_class[name][engine]
            row[f"{engine}_recall"] = round(sum(r for r, _ in pairs) / len(pairs), 3) if pairs else None
            row[f"{engine}_mrr"] = round(sum(m for _, m in pairs) / len(pairs), 3) if pairs else None
        rows.append(row)
    languages = sorted({q["lang"] for q in queries if q["lang"] != "-"})
    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        "sqlite": sqlite3.sqlite_version,
        "queries": len(queries),
        "languages": languages,
        "classes": rows,
        "misses": misses,
    }


def table(report: dict) -> str:
    head = "| class | queries | labb recall@10 | FTS5 recall@10 | labb MRR | FTS5 MRR | goal |"
    lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in report["classes"]:
        lines.append(
            f"| {row['class']} | {row['queries']} | {row['labb_recall']:.2f} | {row['fts5_recall']:.2f} "
            f"| {row['labb_mrr']:.2f} | {row['fts5_mrr']:.2f} | ≥ {row['goal_recall']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=Path, default=HERE.parent / "practices")
    parser.add_argument("--queries", type=Path, default=HERE / "quality.yaml")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    parser.add_argument("--show-misses", action="store_true", help="list the queries labb does not fully answer")
    args = parser.parse_args()
    report = run(args.practices, args.queries, args.show_misses)
    print(f"{report['queries']} queries in {len(report['languages'])} languages, {report['date']}")
    print(table(report))
    for miss in report["misses"]:
        print(miss)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
