"""Benchmark labb (Whoosh + roaring-bitmap facets) against SQLite FTS5, side by side.

    python bench/run.py --sizes 1000,10000 --json out.json [--queries 200] [--workdir DIR]

For each size, one synthetic corpus (bench/corpus.py, fixed seed) is generated and
both engines index it and answer the same deterministic query mix:

- build_s: a full build from the YAML files. labb: `index.build(rebuild=True)`,
  in one process per CPU unless `--jobs N` says otherwise, each of which reads,
  validates (labb's own YAML loader with positions, the model, the vocabularies)
  and indexes every file. fts5: parse every file (yaml.CSafeLoader,
  then `Practice.model_validate`, no position tracking or vocabulary checks) plus
  create tables, insert and commit.
- update_s: median of 3 one-file updates (a word appended to one summary). labb:
  an incremental `index.build` (hashes every file, copies the live generation,
  re-validates and re-indexes the changed file). fts5: parse that file, delete and
  reinsert its rows, commit.
- index_mb: labb's live generation folder; fts5's database file (after the full build).
- search_median_ms / search_p95_ms: per-query wall time over the query mix, warm.
  labb: the searcher first opens and warms the index as `labb serve` does before it
  takes requests (`Searcher.warm`, timed as warm_s), then `Searcher.search`, which
  always computes every facet (disjunctively), the first page of 20 hits with
  snippets, and a spelling suggestion when < 3 results.
  fts5: the count, the first page of 20 (bm25 or newest, with snippet()), and one
  GROUP BY per facet over the results filtered by the other facets' selections.

The fts5 text is title/summary/description/lessons/transferability/challenges in
every language plus places, unstemmed (unicode61, diacritics removed); labb also
stems per language and indexes role/evaluation texts and vocabulary labels, so text
match counts may differ. For queries without text both engines must agree exactly
on the total and on every facet count: `agree_no_text` reports that check.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import corpus

from labb import facets, index, records, vocab
from labb.facets import FACETS
from labb.model import Practice, Query
from labb.search import Searcher

TEXTS = ("title", "summary", "description", "lessons_learnt", "transferability", "challenges")
SEED = 2026
WARMUP = 10


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The fast C loader with labb's YAML 1.2 booleans (so Norway's `NO` stays a string)."""


_Loader.yaml_implicit_resolvers = records._Resolver.yaml_implicit_resolvers


def parse(path: Path) -> Practice:
    return Practice.model_validate(yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader))


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - started, out


class Fts:
    def __init__(self, db: Path, vocabs):
        self.db, self.vocabs = db, vocabs

    def build(self, paths: list[Path]) -> None:
        practices = [parse(p) for p in paths]
        self.db.unlink(missing_ok=True)
        con = sqlite3.connect(self.db)
        con.executescript("""
            CREATE TABLE practice(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, start INTEGER, budget INTEGER,
                                  doc TEXT);
            CREATE INDEX practice_start ON practice(start);
            CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 2');
            CREATE TABLE facet(rowid INTEGER, facet TEXT, value TEXT);
            CREATE INDEX facet_value ON facet(facet, value, rowid);
            CREATE INDEX facet_rowid ON facet(rowid);
        """)
        for rowid, practice in enumerate(practices, 1):
            self._insert(con, rowid, practice)
        con.commit()
        con.close()

    def _insert(self, con, rowid: int, p: Practice) -> None:
        budget = round(p.funding.total_eur) if p.funding and p.funding.total_eur else 0
        con.execute(
            "INSERT INTO practice VALUES (?,?,?,?,?)",
            (rowid, p.id, int(p.period.start.strftime("%Y%m%d")), budget, p.model_dump_json(exclude_none=True)),
        )
        body = [t for name in TEXTS[1:] for t in (getattr(p, name) or {}).values()] + list(p.places)
        con.execute(
            "INSERT INTO fts(rowid, title, body) VALUES (?,?,?)", (rowid, " ".join(p.title.values()), "\n".join(body))
        )
        con.executemany(
            "INSERT INTO facet VALUES (?,?,?)",
            [(rowid, name, value) for name, values in facets.values(p).items() for value in values],
        )

    def update(self, path: Path) -> None:
        practice = parse(path)
        con = sqlite3.connect(self.db)
        (rowid,) = con.execute("SELECT rowid FROM practice WHERE id = ?", (practice.id,)).fetchone()
        for table in ("practice", "fts", "facet"):
            con.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
        self._insert(con, rowid, practice)
        con.commit()
        con.close()

    def open(self) -> None:
        self.con = sqlite3.connect(self.db)
        self.con.execute("PRAGMA mmap_size = 1073741824")

    def search(self, text: str, filters: dict[str, frozenset[str]]):
        """(total, page of (id, title, snippet), {facet: {value: count}})"""
        groups: dict[str, tuple[str, list[str]]] = {}  # key -> (facet, values): OR within, AND across
        for facet, values in filters.items():
            for value in values:
                key = f"criterion:{value.split(':')[0]}" if facet == "criterion" else facet
                groups.setdefault(key, (facet, []))[1].append(value)

        def where(skip: str | None = None) -> tuple[str, list]:
            sql, args = [], []
            if text:
                sql.append("p.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
                args.append(text)
            for key, (facet, values) in groups.items():
                if key != skip:
                    sql.append(
                        f"p.rowid IN (SELECT rowid FROM facet WHERE facet = ? AND value IN "
                        f"({','.join('?' * len(values))}))"
                    )
                    args += [facet, *values]
            return " AND ".join(sql) or "1", args

        cond, args = where()
        con = self.con
        (total,) = con.execute(f"SELECT count(*) FROM practice p WHERE {cond}", args).fetchone()
        if text:
            page = con.execute(
                "SELECT p.id, p.doc, snippet(fts, 1, '<mark>', '</mark>', '…', 36) FROM fts "
                f"JOIN practice p ON p.rowid = fts.rowid WHERE fts MATCH ? AND {cond} "
                "ORDER BY bm25(fts, 3.0, 1.0), p.start DESC LIMIT 20",
                [text, *args],
            ).fetchall()
        else:
            page = con.execute(
                f"SELECT p.id, p.doc, NULL FROM practice p WHERE {cond} ORDER BY p.start DESC LIMIT 20", args
            ).fetchall()
        page = [(pid, json.loads(doc)["title"], snippet) for pid, doc, snippet in page]

        def counts(facet: str, skip: str | None, extra: str = "", extra_args: tuple = ()) -> dict[str, int]:
            cond, args = where(skip)
            sub = "" if cond == "1" else f" AND rowid IN (SELECT p.rowid FROM practice p WHERE {cond})"
            return dict(
                con.execute(
                    f"SELECT value, count(*) FROM facet WHERE facet = ?{extra}{sub} GROUP BY value",
                    [facet, *extra_args, *args],
                )
            )

        facets = {}
        for facet in FACETS:
            if facet != "criterion":
                facets[facet] = counts(facet, facet)
                continue
            selected = {k.split(":", 1)[1] for k in groups if k.startswith("criterion:")}
            out = {v: n for v, n in counts(facet, None).items() if v.split(":")[0] not in selected}
            for name in selected:
                out.update(counts(facet, f"criterion:{name}", " AND (value = ? OR value LIKE ?)", (name, name + ":%")))
            facets[facet] = out
        return total, page, facets


def query_mix(n: int, values: dict[str, list[str]], seed: int = SEED) -> list[tuple[str, dict]]:
    """(text, filters): 40% words, 20% filters only, 30% words + filters, 10% a phrase.
    Words are drawn from one language's pool, quoted for FTS5 ("w1" "w2" or "w1 w2")."""
    rng = random.Random(seed)

    def words(k: int) -> list[str]:
        return rng.sample(corpus.WORDS[rng.choice(sorted(corpus.WORDS))], k)

    def filters(k: int) -> dict[str, frozenset[str]]:
        out = {}
        for facet in rng.sample([f for f in FACETS if values.get(f)], k):
            out[facet] = frozenset(rng.sample(values[facet], 2 if rng.random() < 0.3 else 1))
        return out

    mix = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.4:
            mix.append((" ".join(f'"{w}"' for w in words(rng.randint(1, 2))), {}))
        elif kind < 0.6:
            mix.append(("", filters(rng.randint(1, 3))))
        elif kind < 0.9:
            mix.append((" ".join(f'"{w}"' for w in words(rng.randint(1, 2))), filters(rng.randint(1, 2))))
        else:
            mix.append(('"' + " ".join(words(2)) + '"', {}))
    return mix


def latency(run, mix) -> tuple[float, float, list]:
    for text, filters in mix[:WARMUP]:
        run(text, filters)
    times, answers = [], []
    for text, filters in mix:
        seconds, answer = timed(run, text, filters)
        times.append(seconds * 1000)
        answers.append(answer)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))], answers


def touch(path: Path, word: str) -> None:
    """Change one word of a practice's summary (append `word` to its English summary)."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    data["summary"]["en"] = data["summary"]["en"].rstrip(".") + f" {word}."
    path.write_text(
        yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def run_size(size: int, work: Path, n_queries: int, jobs: int | None = None) -> list[dict]:
    vocabs = vocab.default()
    practices_dir, index_dir, db = work / "practices", work / "index", work / "fts.sqlite"
    shutil.rmtree(work, ignore_errors=True)
    generate_s, paths = timed(corpus.generate, size, practices_dir, SEED)
    print(f"  generated {size} practices in {generate_s:.1f} s", flush=True)
    values: dict[str, set[str]] = {f: set() for f in FACETS}
    for path in paths[:2000]:
        for facet, vs in facets.values(parse(path)).items():
            values[facet].update(vs)
    mix = query_mix(n_queries, {f: sorted(v) for f, v in values.items()})
    extra = {"queries": len(mix), "generate_s": round(generate_s, 2)}

    build_s, _ = timed(index.build, practices_dir, index_dir, vocabs, rebuild=True, jobs=jobs)
    index_mb = folder_mb(index.current_generation(index_dir))
    searcher = Searcher(index_dir, vocabs)
    warm_s, _ = timed(searcher.warm)
    med, p95, labb_answers = latency(lambda t, f: searcher.search(Query(text=t, filters=f)), mix)
    searcher.close()
    labb = {
        "engine": "labb",
        "size": size,
        "build_s": build_s,
        "index_mb": index_mb,
        "search_median_ms": med,
        "search_p95_ms": p95,
        "warm_s": warm_s,
        "build_jobs": jobs or os.cpu_count(),
        **extra,
    }
    print(f"  labb: built in {build_s:.1f} s, searched", flush=True)

    fts = Fts(db, vocabs)
    fts_build_s, _ = timed(fts.build, paths)
    fts.open()
    med, p95, fts_answers = latency(fts.search, mix)
    fts.con.close()
    row = {
        "engine": "fts5",
        "size": size,
        "build_s": fts_build_s,
        "index_mb": db.stat().st_size / 2**20,
        "search_median_ms": med,
        "search_p95_ms": p95,
        **extra,
    }
    print(f"  fts5: built in {fts_build_s:.1f} s, searched", flush=True)

    labb_updates, fts_updates = [], []
    for i, word in enumerate(["benchmarked", "remeasured", "retouched"]):
        path = paths[(i * 7919) % len(paths)]
        touch(path, word)
        labb_updates.append(timed(index.build, practices_dir, index_dir, vocabs)[0])
        fts_updates.append(timed(fts.update, path)[0])
    labb["update_s"], row["update_s"] = statistics.median(labb_updates), statistics.median(fts_updates)

    no_text = [i for i, (text, _) in enumerate(mix) if not text]
    agree = sum(
        1
        for i in no_text
        if labb_answers[i].total == fts_answers[i][0]
        and all(
            {v.value: v.count for v in labb_answers[i].facets[f] if v.count} == fts_answers[i][2][f] for f in FACETS
        )
    )
    same_total = sum(1 for a, b in zip(labb_answers, fts_answers) if a.total == b[0])
    for r in (labb, row):
        r.update(agree_no_text=f"{agree}/{len(no_text)}", same_total=f"{same_total}/{len(mix)}")
    return [labb, row]


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")),
        platform.processor(),
    )
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
        "date": datetime.now().isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--jobs", type=int, help="processes for labb's full build (default: one per CPU)")
    args = parser.parse_args()
    sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")  # fails without FTS5
    info = machine()
    print(" ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    root = args.workdir or Path(tempfile.mkdtemp(prefix="labb-bench-"))
    rows = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"size {size}:", flush=True)
            rows += run_size(size, root / f"size-{size}", args.queries, args.jobs)
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    columns = ("engine", "size", "build_s", "update_s", "index_mb", "search_median_ms", "search_p95_ms")
    print("\n" + "".join(f"{c:>17}" for c in columns) + "   agree_no_text  same_total")
    for row in rows:
        print(
            "".join(f"{row[c]:>17.3f}" if isinstance(row[c], float) else f"{row[c]:>17}" for c in columns)
            + f"   {row['agree_no_text']:>13}  {row['same_total']:>10}"
        )
    if args.json:
        args.json.write_text(json.dumps([{**r, "machine": info} for r in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
