"""Load test: the real server (`labb serve`: gunicorn, or waitress with one process) under N concurrent clients.

    python bench/load.py --size 10000 --clients 8,32 --seconds 20 [--workers N] [--no-cache] [--json out.json]
                         [--peer datasette]

A synthetic corpus of --size practices (bench/corpus.py, fixed seed) is generated
in the work folder, or reused when it is already there; the index is built with
`labb.index.build` (incremental: a reused corpus costs only a hash check). Then
`python -m labb serve --port 0` starts as a subprocess with its defaults unless
--workers or --threads say otherwise (its log in the work folder,
`serve-<size>.log`), and for each client count
that many threads, each with its own keep-alive HTTP/1.1 connection and
`Accept-Encoding: gzip` like a browser, send requests back to back for --seconds
(after --warmup seconds that are not counted). The mix:

- 35 % search: one or two words from bench/corpus.py WORDS, any language
- 20 % search with 1-3 facet filters (country, dimension, criterion:level, target
  group, fund), half of them with words too
- 10 % browse: facet filters only, another sort, sometimes page 2-5
- 30 % a practice page (an id from the corpus)
-  5 % a practice that does not exist: a 404 is intended there (as for a browse page
  past the last)

Per client count it prints requests/s, median, p95 and p99 latency (ms, time from
sending the request to reading the whole body) and the errors: any status other
than the intended one (200, or 404 for the unknown ids) or any exception. Errors
must be 0. The client threads run on the same machine as the server, so on a small
machine they take part of its CPU; `cpu_count` is in the JSON.

With `--peer datasette` (`pip install -e '.[bench]'`) the same corpus is then served
by Datasette from SQLite with FTS5 (bench/peer.py says how each request is
translated) and driven by the same clients, seeds and mix; its lines start with `ds`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import corpus as generator  # noqa: E402

from labb import index, vocab  # noqa: E402

SERVING = re.compile(r"labb serving on (http://[\d.]+:\d+/)")
SORTS = ("newest", "budget", "title")


# -- corpus, index, server -------------------------------------------------------------


def prepare(workdir: Path, size: int, seed: int) -> tuple[Path, Path]:
    """(practices folder, index folder), generated and built unless already there."""
    practices = workdir / f"practices-{size}-{seed}"
    done = practices / ".complete"
    if not done.exists():
        if practices.exists():
            import shutil

            shutil.rmtree(practices)
        started = time.perf_counter()
        generator.generate(size, practices, seed=seed)
        done.write_text(str(size))
        print(f"generated {size} practices in {time.perf_counter() - started:.1f} s -> {practices}", file=sys.stderr)
    else:
        print(f"reusing {practices}", file=sys.stderr)
    index_dir = workdir / f"index-{size}-{seed}"
    report = index.build(practices, index_dir, vocab.default())
    print(
        f"index: {'full build' if report.full else 'update'}, {report.added} added, "
        f"{report.unchanged} unchanged in {report.seconds:.1f} s -> {index_dir}",
        file=sys.stderr,
    )
    return practices, index_dir


class Server:
    """`labb serve` as a subprocess. Its log (a line per request) goes to a file, as a
    service manager would keep it: read through a pipe by this process, whose client
    threads hold the interpreter, a full pipe would stall the server's writes."""

    def __init__(self, practices: Path, index_dir: Path, threads: int | None, workers: int, cache: bool, log: Path):
        self.log = log
        with open(log, "w", encoding="utf-8") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "labb",
                    "serve",
                    "--port",
                    "0",
                    *(["--threads", str(threads)] if threads else []),
                    "--workers",
                    str(workers),
                    "--cache" if cache else "--no-cache",
                    "--practices",
                    str(practices),
                    "--index",
                    str(index_dir),
                ],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        self.url = ""
        deadline = time.monotonic() + 120
        while not self.url and time.monotonic() < deadline and self.process.poll() is None:
            found = SERVING.search(log.read_text(encoding="utf-8", errors="replace"))
            self.url = found.group(1) if found else ""
            time.sleep(0.1)
        if not self.url:
            self.stop()
            raise SystemExit("labb serve did not start:\n" + self.tail())
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port

    def tail(self) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])

    @property
    def status_5xx(self) -> int:
        """Server errors the log shows (a 5xx answer or a traceback)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return sum(1 for line in text.splitlines() if re.search(r'" 5\d\d ', line) or "Traceback" in line)

    def rss_mb(self) -> float:
        """Resident memory of the server and its worker processes, in MB (Linux)."""
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            pids += [int(c) for c in children]
        except OSError:
            pass
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return round(total / 1024, 1)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


# -- the request mix -----------------------------------------------------------------------


@dataclass(frozen=True)
class Pools:
    ids: list[str]
    countries: list[str]
    dimensions: list[str]
    criteria: list[str]
    target_groups: list[str]
    funds: list[str]
    words: list[str]


def pools(practices: Path) -> Pools:
    vocabs = vocab.default()
    ids = sorted(p.stem for p in practices.rglob("*.yaml"))
    countries = sorted({p.parent.name.upper() for p in practices.rglob("*.yaml")})
    criteria = [f"{c}:{level}" for c in vocabs["criteria"].terms for level in ("strong", "moderate", "weak")]
    return Pools(
        ids=ids,
        countries=countries,
        dimensions=list(vocabs["dimensions"].terms),
        criteria=criteria,
        target_groups=list(vocabs["target_groups"].terms),
        funds=list(vocabs["funds"].terms),
        words=[w for words in generator.WORDS.values() for w in words],
    )


def filters(rng: random.Random, p: Pools) -> list[tuple[str, str]]:
    choices = [
        ("country", p.countries),
        ("dimension", p.dimensions),
        ("criterion", p.criteria),
        ("target_group", p.target_groups),
        ("fund", p.funds),
    ]
    out = []
    for name, values in rng.sample(choices, k=rng.randint(1, 3)):
        out += [(name, v) for v in rng.sample(values, k=rng.choice((1, 1, 2)))]
    return out


def next_request(rng: random.Random, p: Pools) -> tuple[str, str, tuple[int, ...]]:
    """(kind, path, the statuses that are right)."""
    roll = rng.random()
    if roll < 0.35:
        q = " ".join(rng.sample(p.words, k=rng.choice((1, 1, 2))))
        return "search", "/?" + urlencode({"q": q}), (200,)
    if roll < 0.55:
        params = filters(rng, p)
        if rng.random() < 0.5:
            params.insert(0, ("q", rng.choice(p.words)))
        return "search+facets", "/?" + urlencode(params), (200,)
    if roll < 0.65:
        params = [*filters(rng, p), ("sort", rng.choice(SORTS))]
        if rng.random() < 0.3:  # a page past the last is a 404 that links to the last page
            params.append(("page", str(rng.randint(2, 5))))
            return "browse", "/?" + urlencode(params), (200, 404)
        return "browse", "/?" + urlencode(params), (200,)
    if roll < 0.95:
        return "practice", f"/practices/{rng.choice(p.ids)}", (200,)
    return "unknown", f"/practices/zz-no-such-practice-{rng.randrange(10**6)}", (404,)


# -- clients ---------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    not_found: int = 0
    bytes: int = 0


def client(
    host: str,
    port: int,
    pools_: Pools,
    seed: int,
    start: float,
    measure_from: float,
    stop: float,
    gzip: bool,
    tally: Tally,
    lock: threading.Lock,
    translate=None,
) -> None:
    rng = random.Random(seed)
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    mine = Tally()
    conn = None
    while True:
        now = time.perf_counter()
        if now >= stop:
            break
        kind, path, expected = next_request(rng, pools_)
        if translate is not None:
            path = translate(path)
        sent = now
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=30)
            sent = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            took = (time.perf_counter() - sent) * 1000
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception as exc:
            if sent >= measure_from:
                mine.errors.append(f"{kind} {path}: {type(exc).__name__}: {exc}")
            if conn is not None:
                conn.close()
            conn = None
            continue
        if sent < measure_from:
            continue  # warm-up
        mine.latencies.append(took)
        mine.by_kind.setdefault(kind, []).append(took)
        mine.bytes += len(body)
        if status not in expected:
            mine.errors.append(f"{kind} {path}: HTTP {status} (expected {' or '.join(map(str, expected))})")
        elif status == 404:
            mine.not_found += 1
    if conn is not None:
        conn.close()
    with lock:
        tally.latencies += mine.latencies
        tally.errors += mine.errors
        tally.not_found += mine.not_found
        tally.bytes += mine.bytes
        for kind, values in mine.by_kind.items():
            tally.by_kind.setdefault(kind, []).extend(values)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(server, p: Pools, clients: int, seconds: float, warmup: float, gzip: bool, seed: int, translate=None) -> dict:
    """One measured run against `server` (anything with `host` and `port`); `translate`
    turns each request of the mix into the server's own address for it (the peer's)."""
    tally, lock = Tally(), threading.Lock()
    start = time.perf_counter()
    measure_from, stop = start + warmup, start + warmup + seconds
    threads = [
        threading.Thread(
            target=client,
            args=(
                server.host,
                server.port,
                p,
                seed * 1000 + i,
                start,
                measure_from,
                stop,
                gzip,
                tally,
                lock,
                translate,
            ),
        )
        for i in range(clients)
    ]
    cpu = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client_cpu = time.process_time() - cpu  # this process is the clients
    elapsed = time.perf_counter() - measure_from
    lat = tally.latencies
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(lat),
        "requests_per_s": round(len(lat) / elapsed, 1),
        "median_ms": round(statistics.median(lat), 1) if lat else None,
        "p95_ms": round(percentile(lat, 0.95), 1),
        "p99_ms": round(percentile(lat, 0.99), 1),
        "max_ms": round(max(lat), 1) if lat else None,
        "errors": len(tally.errors),
        "error_examples": tally.errors[:5],
        "intended_404s": tally.not_found,
        "mb_received": round(tally.bytes / 1e6, 1),
        "client_cpu_share": round(client_cpu / ((os.cpu_count() or 1) * (time.perf_counter() - start)), 2),
        "by_kind": {
            k: {
                "requests": len(v),
                "median_ms": round(statistics.median(v), 1),
                "p95_ms": round(percentile(v, 0.95), 1),
            }
            for k, v in sorted(tally.by_kind.items())
        },
    }


def report(label: str, figures: dict) -> None:
    """One line of the table, and the first errors (if any) on stderr."""
    memory = f"   ({figures['server_rss_mb']} MB)" if "server_rss_mb" in figures else ""
    print(
        f"{label:>7} {figures['requests_per_s']:>8} {figures['median_ms'] or '-':>10} {figures['p95_ms']:>8} "
        f"{figures['p99_ms']:>8} {figures['errors']:>6} {figures['client_cpu_share']:>10.0%}{memory}",
        flush=True,
    )
    for example in figures["error_examples"]:
        print(f"        error: {example}", file=sys.stderr)


def run_seed(seed: int, k: int) -> int:
    """The seed of the `k`th measured run: each run sends requests of its own (with one
    seed, the first clients of a later run would repeat an earlier run's requests, and
    the server would answer them from its cache); the cold run has `seed + 1`."""
    return seed + 2 + k


def run_peer(args, index_dir: Path, p: Pools, counts: list[int]) -> list[dict]:
    """The same client mix, seeds and client counts against Datasette, printed as a table."""
    import peer

    folder = args.workdir / f"peer-{args.size}-{args.seed}"
    folder.mkdir(exist_ok=True)
    db = peer.build(index_dir, folder / "labb.db")  # Datasette names the database after the file
    server = peer.Datasette(db)
    print(f"peer: datasette {server.url} (one process)", file=sys.stderr)
    runs = []
    try:
        for k, n in enumerate(counts):
            figures = run(
                server, p, n, args.seconds, args.warmup, not args.no_gzip, run_seed(args.seed, k), peer.translate
            )
            figures["server_rss_mb"] = server.rss_mb()
            runs.append(figures)
            report(f"ds {n}", figures)
    finally:
        server.stop()
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="practices in the corpus")
    parser.add_argument("--clients", default="8,32", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per client count")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each run")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per server process (labb serve --threads; default: its own)"
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="server processes (labb serve --workers)"
    )
    parser.add_argument("--no-cache", action="store_true", help="serve with labb serve --no-cache")
    parser.add_argument(
        "--cold", type=float, default=5.0, help="seconds measured right after the server starts, before any warm-up"
    )
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "labb-load")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-gzip", action="store_true", help="do not send Accept-Encoding: gzip")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--peer", choices=["datasette"], help="also serve the corpus with Datasette (SQLite, FTS5) and drive it alike"
    )
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",") if c.strip()]

    args.workdir.mkdir(parents=True, exist_ok=True)
    practices, index_dir = prepare(args.workdir, args.size, args.seed)
    p = pools(practices)
    log = args.workdir / f"serve-{args.size}.log"
    server = Server(practices, index_dir, args.threads, args.workers, not args.no_cache, log)
    print(
        f"server {server.url} ({args.workers} process(es) x {args.threads or 'the default'} threads, cache "
        f"{'off' if args.no_cache else 'on'}); {os.cpu_count()} CPU(s)",
        file=sys.stderr,
    )
    results = []
    cold = None
    try:
        print(
            f"{'clients':>7} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'client CPU':>10}"  # noqa: E501
        )
        if args.cold > 0 and counts:
            # Right after the start: nothing read, nothing cached (another seed: other requests).
            cold = run(server, p, counts[0], args.cold, 0.0, not args.no_gzip, args.seed + 1)
            report(f"cold {counts[0]}", cold)
        for k, n in enumerate(counts):
            figures = run(server, p, n, args.seconds, args.warmup, not args.no_gzip, run_seed(args.seed, k))
            figures["server_rss_mb"] = server.rss_mb()
            results.append(figures)
            report(str(n), figures)
    finally:
        status = server.stop()
    peer_runs = run_peer(args, index_dir, p, counts) if args.peer else []
    out = {
        "size": args.size,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "server_threads": args.threads,
        "server_workers": args.workers,
        "cache": not args.no_cache,
        "cold": cold,
        "gzip": not args.no_gzip,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "server_exit": status,
        "server_5xx_logged": server.status_5xx,
        "runs": results,
        "peer": {"name": args.peer, "runs": peer_runs} if args.peer else None,
    }
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    failed = any(r["errors"] for r in [*results, *([cold] if cold else [])]) or server.status_5xx or status != 0
    if failed:
        print("FAILED: errors, 5xx responses or an unclean server exit", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
