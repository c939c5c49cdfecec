"""Build the Whoosh index from validated practices, atomically and incrementally.

Layout of the index folder::

    index/
      CURRENT          the name of the live generation (replaced atomically)
      gen-<stamp>/     one complete Whoosh index + manifest.json per generation,
                       and similar.json: each practice's similar practices
      .lock            held while a build runs

A build never touches the live generation: it writes a new one beside it (a copy
of the live one, when only some files changed), and switches ``CURRENT`` with an
atomic rename. A build that fails for any reason (an invalid file, a crash,
Ctrl-C, a full disk) removes its own half-built generation and leaves the live one
as it was. Readers that open the index during a build see the old or the new
generation, never a partial one. Old generations are removed once a newer one
has been live long enough that no reader can still be opening them.

A full build of many files is shared among processes: each validates its share
and writes it as one Whoosh segment, and the generation lists those segments.
An update re-indexes only the files whose content changed, in this process.
Each practice's similar practices are found once the generation is written
(`labb.similarity`; an update finds again only those that can have changed).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
import queue
import shutil
import signal
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import analysis, engine, facets, morphology, similarity, validate
from .model import Mark, Practice, Problem, sort_key
from .vocab import LABEL_LANGUAGES, Vocabularies

SCHEMA_VERSION = 12
"""Bump when the documents or fields change: every index is then rebuilt."""
KEEP_SECONDS = 60.0
"""A superseded generation stays this long for readers that were opening it."""
CURRENT = "CURRENT"
MANIFEST = "manifest.json"


class BuildFailed(Exception):
    """The build stopped; the live index is unchanged. Carries the problems."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


class RemovalRefused(BuildFailed):
    """The build would remove every practice of the live index, or more than half of
    them (a wrong practices folder, most likely); `allow_removals=True` allows it."""

    def __init__(self, removed: int, live: int, files: int, practices_dir: Path):
        self.removed, self.live, self.files, self.practices_dir = removed, live, files, practices_dir
        super().__init__(
            f"refusing to remove {removed} of {live} practices from the live index "
            f"({practices_dir} holds {files} practice file{'' if files == 1 else 's'})"
        )


@dataclass
class BuildReport:
    generation: str
    full: bool
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    similar_seconds: float = 0.0
    """Of `seconds`, the time spent finding each practice's similar practices."""
    warnings: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------------------
# The fields


def stemmed_languages(vocabs: Vocabularies) -> dict[str, str]:
    """language code -> its analysis recipe (see `morphology`), for the languages that have one."""
    recipes = {t.id: morphology.recipe_of(t.extra) for t in vocabs["languages"]}
    return {lang: recipe for lang, recipe in recipes.items() if recipe}


def make_schema(vocabs: Vocabularies) -> engine.Schema:
    schema = engine.Schema(
        id=engine.ID(stored=True, unique=True),
        doc=engine.STORED(),
        path=engine.STORED(),
        title=engine.text_field(analysis.folding(), field_boost=3.0),
        plain=engine.text_field(analysis.folding()),
        spell=engine.text_field(analysis.lowercase(), phrase=False),
        # Sorting keys: columns only (nothing searches them, so nothing is indexed).
        start=engine.COLUMN(engine.NumericColumn("i", default=0)),
        added=engine.COLUMN(engine.NumericColumn("i", default=0)),
        budget=engine.COLUMN(engine.NumericColumn("q", default=0)),
        complete=engine.COLUMN(engine.NumericColumn("i", default=0)),
    )
    for lang, algorithm in stemmed_languages(vocabs).items():
        schema.add(f"text_{lang}", engine.text_field(analysis.stemming(algorithm)))
    for name in facets.FACETS:
        schema.add(f"f_{name}", engine.KEYWORD(lowercase=False, scorable=False))
    for lang in LABEL_LANGUAGES:
        schema.add(f"sort_{lang}", engine.COLUMN(engine.VarBytesColumn()))
    return schema


def _texts(practice: Practice) -> Iterator[tuple[str, str]]:
    """(language, text) for every text the practice holds."""
    for name in ("title", "summary", "description", "objectives", "lessons_learnt", "transferability", "challenges"):
        yield from (getattr(practice, name) or {}).items()
    if practice.results and practice.results.text:
        yield from practice.results.text.items()
    if practice.regional_role.detail:
        yield from practice.regional_role.detail.items()
    for assessment in practice.evaluation.values():
        yield from (assessment.inspiring or {}).items()
        yield from (assessment.improvement or {}).items()


def completeness(stored: dict) -> int:
    """How much a practice tells: its filled fields, and its texts in each language
    (what breaks ties between equally relevant practices)."""
    filled = [value for value in stored.values() if value not in (None, "", [], {})]
    return len(filled) + sum(len(value) for value in filled if isinstance(value, dict))


def document(practice: Practice, vocabs: Vocabularies, stemmers: dict[str, str], path: str = "") -> dict:
    """The Whoosh document for one practice. (Vocabulary labels are not indexed here:
    the searcher matches them at query time, in every language; see search.Bridge.)"""
    per_language: dict[str, list[str]] = {}
    texts = list(_texts(practice))
    for lang, text in texts:
        per_language.setdefault(lang, []).append(text)
    names = [*practice.places, practice.organisations.lead, *practice.organisations.partners]
    stored = practice.stored()
    doc = {
        "id": practice.id,
        "doc": zlib.compress(json.dumps(stored, ensure_ascii=False).encode("utf-8"), 6),
        "path": path,
        "title": " ".join(practice.title.values()),
        "plain": "\n".join([*(text for _, text in texts), *names]),
        "spell": "\n".join([*practice.title.values(), *practice.summary.values(), *names]),
        "start": int(practice.period.start.strftime("%Y%m%d")),
        "added": int(practice.added.strftime("%Y%m%d")),
        "budget": round(practice.funding.total_eur) if practice.funding and practice.funding.total_eur else 0,
        "complete": completeness(stored),
    }
    for lang, parts in per_language.items():
        if lang in stemmers:
            doc[f"text_{lang}"] = "\n".join(parts)
    for name, values in facets.values(practice, vocabs).items():
        doc[f"f_{name}"] = " ".join(values)
    keys: dict[str, bytes] = {}  # most languages fall back to the same title
    for lang in LABEL_LANGUAGES:
        title = practice.title_in(lang)[1]
        if title not in keys:
            keys[title] = sort_key(title).encode("utf-8")
        doc[f"sort_{lang}"] = keys[title]
    return doc


# ---------------------------------------------------------------------------
# Generations


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's folder, or None when there is no index yet."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    return path if name.startswith("gen-") and path.is_dir() else None


def read_manifest(generation: Path) -> dict:
    try:
        return json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def stamp(vocabs: Vocabularies) -> str:
    """Changes when the code's schema, the facets or the vocabularies change (then: full rebuild)."""
    digest = hashlib.sha256(str(SCHEMA_VERSION).encode())
    digest.update(" ".join(facets.FACETS).encode())
    for path in sorted(Path(validate.__file__).with_name("vocabularies").rglob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def is_current(index_dir: Path, vocabs: Vocabularies) -> bool:
    """Whether the live generation was built by this version of labb and these vocabularies."""
    live = current_generation(index_dir)
    return live is not None and read_manifest(live).get("stamp") == stamp(vocabs)


@contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _switch(index_dir: Path, generation: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(generation.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / CURRENT)
    dir_fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _cleanup(index_dir: Path, live: Path) -> None:
    """Remove generations superseded more than KEEP_SECONDS ago, and leftovers."""
    now = time.time()
    generations = sorted(
        (p for p in index_dir.glob("gen-*") if p.is_dir() and p != live), key=lambda p: p.stat().st_mtime
    )
    for old in generations[:-1]:  # always keep the previous one
        if now - old.stat().st_mtime > KEEP_SECONDS:
            shutil.rmtree(old, ignore_errors=True)


def _hash(path: Path) -> str | None:
    """The file's digest, or None when it cannot be read (validation then says why)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _check_removals(live_files: dict[str, dict], new_files: dict[str, dict], practices_dir: Path) -> None:
    """Refuse a build that would remove every practice of the live index, or more than half."""
    live = {info["id"] for info in live_files.values() if isinstance(info, dict) and info.get("id")}
    gone = live - {info["id"] for info in new_files.values() if info.get("id")}
    if gone and 2 * len(gone) > len(live):
        raise RemovalRefused(len(gone), len(live), len(new_files), practices_dir)


def build(
    practices_dir: Path,
    index_dir: Path,
    vocabs: Vocabularies,
    *,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
    allow_removals: bool = False,
) -> BuildReport:
    """Validate, then index `practices_dir` into a new generation of `index_dir`.

    A full build of many files runs in `jobs` processes (default: one per CPU), each
    validating and writing its own share of the files. Raises BuildFailed (the live
    index untouched) when `practices_dir` does not exist or any file has an error, and
    RemovalRefused when the build would remove every practice of the live index or
    more than half of them, unless `allow_removals`."""
    started = time.perf_counter()
    if not Path(practices_dir).exists():
        raise BuildFailed(f"the practices folder {practices_dir} does not exist")
    with _locked(index_dir):
        live = current_generation(index_dir)
        manifest = read_manifest(live) if live else {}
        current_stamp = stamp(vocabs)
        full = rebuild or not live or manifest.get("stamp") != current_stamp
        old_files: dict[str, dict] = {} if full else manifest.get("files", {})

        files = validate.practice_files([practices_dir])
        hashes = {str(p): _hash(p) for p in files}
        changed = [
            p
            for p in files  # an unreadable file (no hash) is validated, which reports it
            if hashes[str(p)] is None or old_files.get(str(p), {}).get("hash") != hashes[str(p)]
        ]
        removed = [path for path in old_files if path not in hashes]
        parts = _parts(len(changed), jobs) if full else 1

        generation = index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        try:
            if full:
                generation.mkdir()
                ix = engine.create_in(generation, make_schema(vocabs))
            else:
                # Whoosh never rewrites a file it has written, so the new generation can
                # share the live one's files through hard links (a copy where links fail).
                assert live is not None  # an update always starts from the live generation
                try:
                    shutil.copytree(live, generation, copy_function=os.link)
                except OSError:
                    shutil.rmtree(generation, ignore_errors=True)
                    shutil.copytree(live, generation)
                ix = engine.open_dir(generation)
            if parts > 1:
                ids, problems = _write_in_parallel(ix, changed, practices_dir, vocabs, parts, progress)
            else:
                ids, problems = _write(ix, changed, files, removed, old_files, practices_dir, vocabs, progress)
            ix.close()
            new_files = {str(p): {"hash": hashes[str(p)], "id": old_files.get(str(p), {}).get("id")} for p in files}
            for path, practice_id in ids.items():
                new_files[path]["id"] = practice_id
            if not allow_removals:
                _check_removals(manifest.get("files", {}) if live else {}, new_files, practices_dir)
            similar_started = time.perf_counter()
            if live is not None and not full and len(ids) <= SIMILAR_REUSE:
                similarity.update(generation, live, _described(generation, ids.values(), vocabs))
            else:
                similarity.update(generation)
            similar_seconds = time.perf_counter() - similar_started
            # A new file, never a write into the hard-linked copy of the live manifest.
            (generation / f"{MANIFEST}.new").write_text(
                json.dumps(
                    {"stamp": current_stamp, "built": date.today().isoformat(), "files": new_files}, ensure_ascii=False
                ),
                encoding="utf-8",
            )
            os.replace(generation / f"{MANIFEST}.new", generation / MANIFEST)
            _switch(index_dir, generation)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        _cleanup(index_dir, generation)
    return BuildReport(
        generation=generation.name,
        full=full,
        added=sum(1 for p in changed if str(p) not in old_files),
        updated=sum(1 for p in changed if str(p) in old_files),
        removed=len(removed),
        unchanged=len(files) - len(changed),
        seconds=time.perf_counter() - started,
        similar_seconds=similar_seconds,
        warnings=[p for p in problems if p.severity == "warning"],
    )


SIMILAR_REUSE = 1000
"""An update of at most this many practices reuses the other practices' similarity queries."""


def _described(generation: Path, ids: Iterable[str], vocabs: Vocabularies) -> dict[str, similarity.Described]:
    """The `plain` text and facet values each of these practices is indexed with."""
    stemmers = stemmed_languages(vocabs)
    out: dict[str, similarity.Described] = {}
    ix = engine.open_dir(generation)
    try:
        with ix.searcher() as searcher:
            for practice_id in ids:
                stored = searcher.document(id=practice_id)
                if stored is None:
                    continue
                practice = Practice.from_stored_json(zlib.decompress(stored["doc"]))
                doc = document(practice, vocabs, stemmers)
                out[practice_id] = (doc["plain"], {k: v.split() for k, v in doc.items() if k.startswith("f_")})
    finally:
        ix.close()
    return out


PART_MIN = 500
"""A full build runs in several processes only when each gets at least this many files."""


def _parts(count: int, jobs: int | None) -> int:
    """How many processes a full build of `count` files uses."""
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(jobs, count // PART_MIN))


def _check(problems: list[Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise BuildFailed(f"{len(errors)} error(s): the index was not changed", sorted(problems))


def _write(
    ix,
    changed: list[Path],
    files: list[Path],
    removed: list[str],
    old_files: dict[str, dict],
    practices_dir: Path,
    vocabs: Vocabularies,
    progress: Callable[[int, int], None] | None,
) -> tuple[dict[str, str], list[Problem]]:
    """Validate the changed files and write them, in this process, as one commit."""
    present = {str(f) for f in files}
    changed_set = {str(p) for p in changed}
    taken = {
        info["id"]: path
        for path, info in old_files.items()
        if path not in changed_set and path in present and info.get("id")
    }
    practices, problems = _validated(changed, taken, vocabs)
    _check(problems)
    writer = ix.writer(limitmb=256, codec=engine.Codec())
    try:
        for path in [*removed, *changed_set]:
            old_id = old_files.get(path, {}).get("id")
            if old_id:
                writer.delete_by_term("id", old_id)
        _add(writer, practices, practices_dir, vocabs, progress)
        writer.commit(optimize=not old_files)
    except BaseException:
        writer.cancel()
        raise
    return {str(path): practice.id for path, practice, _ in practices}, sorted(problems)


def _add(
    writer,
    practices: list[Valid],
    practices_dir: Path,
    vocabs: Vocabularies,
    progress: Callable[[int, int], None] | None,
) -> None:
    stemmers = stemmed_languages(vocabs)
    for done, (path, practice, _) in enumerate(practices, 1):
        relative = path.relative_to(practices_dir).as_posix() if path.is_relative_to(practices_dir) else path.name
        writer.add_document(**document(practice, vocabs, stemmers, relative))
        if progress:
            progress(done, len(practices))


Valid = tuple[Path, Practice, Mark]
"""A valid practice: its file, the practice, and where its id is in the file."""


def _validated(paths: list[Path], taken: dict[str, str], vocabs: Vocabularies) -> tuple[list[Valid], list[Problem]]:
    """Check `paths`, and every id against those already `taken` (id -> file; updated)."""
    problems: list[Problem] = []
    practices: list[Valid] = []
    for path in paths:
        checked = validate.check_file(path, vocabs)
        problems += checked.problems
        if checked.practice is None or checked.document is None:
            continue
        where = checked.document.where(("id",))
        other = taken.get(checked.practice.id)
        if other is not None:
            problems.append(_duplicate(path, where, checked.practice.id, other))
            continue
        taken[checked.practice.id] = str(path)
        practices.append((path, checked.practice, where))
    return practices, problems


def _duplicate(path: Path | str, where: Mark, practice_id: str, other: str) -> Problem:
    return Problem.of("duplicate-id", str(path), where, ("id",), id=practice_id, other=other)


# ---------------------------------------------------------------------------
# A full build in several processes
#
# Each process validates a contiguous share of the files and writes them as one
# Whoosh segment of the new generation (as whoosh.multiproc's sub-writers do);
# this process then checks ids across the shares and lists the segments in the
# generation's table of contents. The segments are not merged: a search reads
# them as one index.


@dataclass
class _Part:
    ids: list[tuple[str, str, Mark]]  # (file, practice id, where the id is)
    problems: list[Problem]
    segment: object | None  # None when the share had errors or no practice


def _write_part(
    generation: Path, paths: list[Path], practices_dir: Path, vocabs: Vocabularies, messages, number: int
) -> None:
    """In a child process: validate and write one share; report on `messages`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    try:
        practices, problems = _validated(paths, {}, vocabs)
        ids = [(str(path), practice.id, where) for path, practice, where in practices]
        segment = None
        if practices and not any(p.severity == "error" for p in problems):
            ix = engine.open_dir(generation)
            writer = engine.segment_writer(ix)

            def progress(done: int, total: int) -> None:
                if done % PROGRESS_EVERY == 0 or done == total:
                    messages.put(("progress", number, done))

            _add(writer, practices, practices_dir, vocabs, progress)
            segment = engine.finish_segment(writer)  # the parent lists the segments
        messages.put(("done", number, _Part(ids, problems, segment)))
    except BaseException:
        messages.put(("failed", number, traceback.format_exc()))


PROGRESS_EVERY = 50


def _context():
    """fork is the quickest start and safe in a single-threaded process (the command
    line); a process with threads (a server, a test) starts its children afresh."""
    return multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")


def _write_in_parallel(
    ix,
    paths: list[Path],
    practices_dir: Path,
    vocabs: Vocabularies,
    parts: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[dict[str, str], list[Problem]]:
    """Write `paths` into the empty index `ix` in `parts` processes, one segment each."""
    context = _context()
    messages = context.Queue()
    size = -(-len(paths) // parts)
    shares = [paths[i : i + size] for i in range(0, len(paths), size)]
    children = [
        context.Process(
            target=_write_part,
            daemon=True,
            args=(Path(ix.storage.folder), share, practices_dir, vocabs, messages, number),
        )
        for number, share in enumerate(shares)
    ]
    results: dict[int, _Part] = {}
    done = [0] * len(shares)
    try:
        for child in children:
            child.start()
        while len(results) < len(children):
            try:
                kind, number, payload = messages.get(timeout=1)
            except queue.Empty:
                stopped = [c for n, c in enumerate(children) if n not in results and c.exitcode not in (None, 0)]
                if stopped:
                    code = stopped[0].exitcode
                    raise RuntimeError(f"an indexing process stopped unexpectedly (exit code {code})") from None
                continue
            if kind == "progress":
                done[number] = payload
                if progress:
                    progress(sum(done), len(paths))
            elif kind == "done":
                results[number] = payload
            else:
                raise RuntimeError(f"an indexing process failed:\n{payload}")
        for child in children:
            child.join()
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
                child.join()
    problems: list[Problem] = []
    taken: dict[str, str] = {}
    ids: dict[str, str] = {}
    for number in range(len(children)):  # in file order, so the first file keeps an id
        part = results[number]
        problems += part.problems
        for path, practice_id, where in part.ids:
            if practice_id in taken:
                problems.append(_duplicate(path, where, practice_id, taken[practice_id]))
            else:
                taken[practice_id], ids[path] = path, practice_id
    _check(problems)
    segments = [results[n].segment for n in range(len(children)) if results[n].segment is not None]
    engine.publish_segments(ix, segments)
    return ids, sorted(problems)
