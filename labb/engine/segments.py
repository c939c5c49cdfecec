"""Writing one generation's segments from several processes.

A full build of many files runs in several processes; each writes its share as
one Whoosh segment into the new generation's folder, and the parent then lists
the segments in the generation's table of contents, as whoosh.multiproc's
sub-writers do. The segments are not merged: a search reads them as one index."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import W3Codec
from whoosh.index import TOC, clean_files
from whoosh.writing import SegmentWriter


class Codec(W3Codec):
    """Whoosh's own file format, without per-block length statistics.

    Whoosh looks up each posting's field length while writing, to let its matchers
    skip blocks by an upper bound on their scores; labb reads whole posting lists
    (see postings.py), so the lookups would only slow the build. Without them the
    bound is still an upper bound (it assumes the shortest field), so even Whoosh's
    own skipping stays correct."""

    length_stats = False


def segment_writer(ix: Any, limitmb: int = 256) -> Any:
    """A writer of one new segment of `ix`, in a process that does not hold the index's lock."""
    return SegmentWriter(ix, _lk=False, limitmb=limitmb, codec=Codec())


def finish_segment(writer: Any) -> Any:
    """Write the segment out and return it, without touching the table of contents.
    (Not `writer._finish()`: it would delete the temporary folder the processes share.)"""
    return writer._finalize_segment()


def publish_segments(ix: Any, segments: list[Any]) -> None:
    """Make `segments` (each written by `finish_segment`) the index's contents, as one
    new generation of its table of contents, and remove the writers' leftovers."""
    shutil.rmtree(Path(ix.storage.folder) / f"{ix.indexname}.tmp", ignore_errors=True)
    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
