"""Build the Whoosh index from validated practices, atomically and incrementally.

Layout of the index folder::

    index/
      CURRENT          the name of the live generation (replaced atomically)
      gen-<stamp>/     one complete Whoosh index + manifest.json per generation
      .lock            held while a build runs

A build never touches the live generation: it writes a new one beside it (a copy
of the live one, when only some files changed), and switches ``CURRENT`` with an
atomic rename. A build that fails for any reason (an invalid file, a crash,
Ctrl-C, a full disk) removes its own half-built generation and leaves the live one
as it was. Readers that open the index during a build see the old or the new
generation, never a partial one. Old generations are removed once a newer one
has been live long enough that no reader can still be opening them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

from whoosh import columns, fields, index as whoosh_index

from . import analysis, validate
from .model import FACETS, Practice, Problem, criterion_values, period_bucket, sort_key
from .vocab import LABEL_LANGUAGES, Vocabularies

SCHEMA_VERSION = 7
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


@dataclass
class BuildReport:
    generation: str
    full: bool
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------------------
# The fields


def stemmed_languages(vocabs: Vocabularies) -> dict[str, str]:
    """language code -> Snowball algorithm, for the languages that have one."""
    return {t.id: t.extra["stemmer"] for t in vocabs["languages"] if t.extra.get("stemmer")}


def make_schema(vocabs: Vocabularies) -> fields.Schema:
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        doc=fields.STORED(),
        path=fields.STORED(),
        title=fields.TEXT(analyzer=analysis.folding(), field_boost=3.0),
        plain=fields.TEXT(analyzer=analysis.folding()),
        spell=fields.TEXT(analyzer=analysis.lowercase(), phrase=False),
        # Sorting keys: columns only (nothing searches them, so nothing is indexed).
        start=fields.COLUMN(columns.NumericColumn("i", default=0)),
        added=fields.COLUMN(columns.NumericColumn("i", default=0)),
        budget=fields.COLUMN(columns.NumericColumn("q", default=0)),
    )
    for lang, algorithm in stemmed_languages(vocabs).items():
        schema.add(f"text_{lang}", fields.TEXT(analyzer=analysis.stemming(algorithm)))
    for name in FACETS:
        schema.add(f"f_{name}", fields.KEYWORD(lowercase=False, scorable=False))
    for lang in LABEL_LANGUAGES:
        schema.add(f"sort_{lang}", fields.COLUMN(columns.VarBytesColumn()))
    return schema


def _texts(practice: Practice) -> Iterator[tuple[str, str]]:
    """(language, text) for every text the practice holds."""
    for name in ("title", "summary", "description", "lessons_learnt", "transferability", "challenges"):
        yield from (getattr(practice, name) or {}).items()
    if practice.regional_role.detail:
        yield from practice.regional_role.detail.items()
    for assessment in practice.evaluation.values():
        yield from (assessment.inspiring or {}).items()
        yield from (assessment.improvement or {}).items()


def document(practice: Practice, vocabs: Vocabularies, stemmers: dict[str, str], path: str = "") -> dict:
    """The Whoosh document for one practice. (Vocabulary labels are not indexed here:
    the searcher matches them at query time, in every language; see search.Bridge.)"""
    per_language: dict[str, list[str]] = {}
    texts = list(_texts(practice))
    for lang, text in texts:
        per_language.setdefault(lang, []).append(text)
    names = [*practice.places, practice.organisations.lead, *practice.organisations.partners]
    stored = practice.model_dump(mode="json", exclude_none=True)
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
    }
    for lang, parts in per_language.items():
        if lang in stemmers:
            doc[f"text_{lang}"] = "\n".join(parts)
    values = facet_values(practice, vocabs)
    for name in FACETS:
        doc[f"f_{name}"] = " ".join(values[name])
    for lang in LABEL_LANGUAGES:
        doc[f"sort_{lang}"] = sort_key(practice.text("title", lang)[1]).encode("utf-8")
    return doc


def facet_values(practice: Practice, vocabs: Vocabularies) -> dict[str, list[str]]:
    """The values a practice has for each facet (the ids used in URLs)."""
    return {
        "region": [practice.region] if practice.region else [],
        "country": [practice.country],
        "dimension": list(practice.dimensions),
        "criterion": criterion_values(practice),
        "target_group": list(practice.target_groups),
        "indicator": list(practice.indicators),
        "fund": list(practice.funding.funds) if practice.funding else [],
        "language": sorted(set(practice.title) | set(practice.summary) | {practice.language}),
        "role": [practice.regional_role.type],
        "period": [period_bucket(practice.period.start)],
    }


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
    """Changes when the code's schema or the vocabularies change (then: full rebuild)."""
    digest = hashlib.sha256(str(SCHEMA_VERSION).encode())
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
    generations = sorted((p for p in index_dir.glob("gen-*") if p.is_dir() and p != live),
                         key=lambda p: p.stat().st_mtime)
    for old in generations[:-1]:  # always keep the previous one
        if now - old.stat().st_mtime > KEEP_SECONDS:
            shutil.rmtree(old, ignore_errors=True)


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(practices_dir: Path, index_dir: Path, vocabs: Vocabularies, *, rebuild: bool = False,
          progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Validate, then index `practices_dir` into a new generation of `index_dir`.

    Raises BuildFailed (the live index untouched) when any file has an error."""
    started = time.perf_counter()
    with _locked(index_dir):
        live = current_generation(index_dir)
        manifest = read_manifest(live) if live else {}
        current_stamp = stamp(vocabs)
        full = rebuild or not live or manifest.get("stamp") != current_stamp
        old_files: dict[str, dict] = {} if full else manifest.get("files", {})

        files = validate.practice_files([practices_dir])
        hashes = {str(p): _hash(p) for p in files}
        changed = [p for p in files if old_files.get(str(p), {}).get("hash") != hashes[str(p)]]
        removed = [path for path in old_files if path not in hashes]
        practices, problems = _validated(changed, files, old_files, vocabs)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise BuildFailed(f"{len(errors)} error(s): the index was not changed", problems)

        generation = index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        try:
            if full:
                generation.mkdir()
                ix = whoosh_index.create_in(generation, make_schema(vocabs))
            else:
                # Whoosh never rewrites a file it has written, so the new generation can
                # share the live one's files through hard links (a copy where links fail).
                try:
                    shutil.copytree(live, generation, copy_function=os.link)
                except OSError:
                    shutil.rmtree(generation, ignore_errors=True)
                    shutil.copytree(live, generation)
                ix = whoosh_index.open_dir(generation)
            stemmers = stemmed_languages(vocabs)
            writer = ix.writer(limitmb=256)
            try:
                for path in [*removed, *map(str, changed)]:
                    old_id = old_files.get(path, {}).get("id")
                    if old_id:
                        writer.delete_by_term("id", old_id)
                total = len(practices)
                for done, (path, practice) in enumerate(practices, 1):
                    relative = path.relative_to(practices_dir).as_posix() if path.is_relative_to(practices_dir) else path.name
                    writer.add_document(**document(practice, vocabs, stemmers, relative))
                    if progress:
                        progress(done, total)
                writer.commit(optimize=full)
            except BaseException:
                writer.cancel()
                raise
            ix.close()
            new_files = {str(p): {"hash": hashes[str(p)], "id": old_files.get(str(p), {}).get("id")} for p in files}
            for path, practice in practices:
                new_files[str(path)]["id"] = practice.id
            # A new file, never a write into the hard-linked copy of the live manifest.
            (generation / f"{MANIFEST}.new").write_text(json.dumps(
                {"stamp": current_stamp, "built": date.today().isoformat(), "files": new_files},
                ensure_ascii=False), encoding="utf-8")
            os.replace(generation / f"{MANIFEST}.new", generation / MANIFEST)
            _switch(index_dir, generation)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        _cleanup(index_dir, generation)
    return BuildReport(
        generation=generation.name, full=full,
        added=sum(1 for p in changed if str(p) not in old_files),
        updated=sum(1 for p in changed if str(p) in old_files),
        removed=len(removed), unchanged=len(files) - len(changed),
        seconds=time.perf_counter() - started,
        warnings=[p for p in problems if p.severity == "warning"],
    )


def _validated(changed: list[Path], files: list[Path], old_files: dict[str, dict],
               vocabs: Vocabularies) -> tuple[list[tuple[Path, Practice]], list[Problem]]:
    """Check the changed files, and every id against the unchanged ones."""
    problems: list[Problem] = []
    practices: list[tuple[Path, Practice]] = []
    changed_set = {str(p) for p in changed}
    present = {str(f) for f in files}
    taken = {info["id"]: path for path, info in old_files.items()
             if path not in changed_set and path in present and info.get("id")}
    for path in changed:
        checked = validate.check_file(path, vocabs)
        problems += checked.problems
        if checked.practice is None:
            continue
        other = taken.get(checked.practice.id)
        if other is not None:
            problems.append(Problem.error(str(path), checked.document.where(("id",)), "duplicate-id", ("id",),
                                          f"the id `{checked.practice.id}` is already used by {other}",
                                          "each practice needs its own id; rename one of them"))
            continue
        taken[checked.practice.id] = str(path)
        practices.append((path, checked.practice))
    problems.sort()
    return practices, problems
