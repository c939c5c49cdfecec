"""The same corpus served by Datasette from SQLite with FTS5, for bench/load.py --peer datasette.

The practices are read from labb's index (every field as the site has it) into one
table, `practices`, with the facet values as JSON arrays and an FTS5 index over the
title, summary and description in every language the practice has
(`unicode61 remove_diacritics 2`). Datasette
(`pip install datasette`) serves the database read-only (`-i`, immutable), and each
request of the load test's mix is translated to its Datasette equivalent:

- `/?q=...` -> `/labb/practices?_search=...` with the same facets (`_facet=country`,
  `_facet_array=` for the list-valued ones), 20 rows;
- a facet filter -> `country=IT` or `dimensions__arraycontains=health`. Two values of one
  facet mean both to Datasette (labb: either); a page past the first is not asked
  (Datasette pages by cursor, not by number);
- a sort -> `_sort_desc=start`, `_sort_desc=total_eur`, `_sort=title`;
- `/practices/<id>` -> the row page `/labb/practices/<id>` (a 404 for an unknown id).
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from labb import vocab
from labb.model import Query
from labb.search import Searcher

ARRAYS = {"dimension": "dimensions", "criterion": "criteria", "target_group": "target_groups", "fund": "funds"}
SORTS = {"newest": ("_sort_desc", "start"), "budget": ("_sort_desc", "total_eur"), "title": ("_sort", "title")}
FACETS = [("_facet", "country"), *(("_facet_array", column) for column in ARRAYS.values())]


def build(index_dir: Path, db: Path) -> Path:
    """The SQLite database of the indexed practices (kept when it is already there)."""
    if db.exists():
        return db
    searcher = Searcher(index_dir, vocab.default())
    total, practices = searcher.ordered(Query(sort="title"))
    part = db.with_suffix(".part")
    part.unlink(missing_ok=True)
    con = sqlite3.connect(part)
    con.execute(
        "CREATE TABLE practices (id TEXT PRIMARY KEY, title TEXT, summary TEXT, description TEXT, country TEXT, "
        "region TEXT, start TEXT, total_eur REAL, dimensions TEXT, criteria TEXT, target_groups TEXT, funds TEXT)"
    )
    rows = []
    for p in practices:
        rows.append(
            (
                p.id,
                "\n".join(p.title.values()),
                "\n".join(p.summary.values()),
                "\n".join((p.description or {}).values()),
                p.country,
                p.region,
                p.period.start.isoformat(),
                p.funding.total_eur if p.funding else None,
                json.dumps(list(p.dimensions)),
                json.dumps([f"{c}:{a.level}" for c, a in p.evaluation.items()]),
                json.dumps(list(p.target_groups)),
                json.dumps(list(p.funding.funds) if p.funding else []),
            )
        )
    con.executemany("INSERT INTO practices VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.execute(
        "CREATE VIRTUAL TABLE practices_fts USING fts5(title, summary, description, content='practices', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
    )
    con.execute(
        "INSERT INTO practices_fts(rowid, title, summary, description) "
        "SELECT rowid, title, summary, description FROM practices"
    )
    for column in ("country", "start", "total_eur", "title"):
        con.execute(f"CREATE INDEX practices_{column} ON practices({column})")
    con.commit()
    con.close()
    searcher.close()
    part.rename(db)
    print(f"peer: {total} practices in {db}", file=sys.stderr)
    return db


def translate(path: str) -> str:
    """A request of the load test's mix, as Datasette would be asked it."""
    parts = urlsplit(path)
    if parts.path.startswith("/practices/"):
        return "/labb/practices/" + parts.path.removeprefix("/practices/")
    out: list[tuple[str, str]] = []
    for name, value in parse_qsl(parts.query):
        if name == "q":
            out.append(("_search", value))
        elif name in ARRAYS:
            out.append((f"{ARRAYS[name]}__arraycontains", value))
        elif name == "country":
            out.append(("country", value))
        elif name == "sort" and value in SORTS:
            out.append(SORTS[value])
    return "/labb/practices?" + urlencode([*out, *FACETS, ("_size", "20")])


class Datasette:
    """`datasette serve -i labb.db` on a free port, one process as Datasette runs."""

    def __init__(self, db: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.host = "127.0.0.1"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "datasette",
                "serve",
                "-i",
                str(db),
                "--port",
                str(self.port),
                "--setting",
                "sql_time_limit_ms",
                "10000",
                "--setting",
                "facet_time_limit_ms",
                "10000",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://{self.host}:{self.port}/"
        for _ in range(120):
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit("datasette did not start (pip install datasette)")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return 0.0

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return 0
