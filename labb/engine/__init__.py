"""Whoosh, behind one door.

labb indexes and searches with Whoosh (the `whoosh-reloaded` line, pinned in
pyproject.toml to the exact release the tests ran on). Every module of labb that
needs Whoosh imports it from here, never from `whoosh` itself; a test
(tests/test_engine.py) keeps it so, and checks that the internals listed below
are still there and behave as labb expects, so an upgrade that changes them
fails loudly in the tests rather than quietly in production.

Public API used (stable since Whoosh 2.7):
  fields (Schema, ID, STORED, KEYWORD, TEXT, COLUMN), columns (NumericColumn,
  VarBytesColumn), index (create_in, open_dir), query classes (Term, Or, And,
  AndNot, Not, Phrase, Prefix, Wildcard, ConstantScoreQuery, NullQuery), qparser
  (MultifieldParser, AndGroup, OrGroup, PlusMinusPlugin), analysis (Token,
  Tokenizer), lang.stopwords.stoplists, scoring.BM25FScorer, searchers
  (search, document, stored_fields, key_terms_from_text, corrector, leaf_searchers).

Internals relied on (see `segments`, `fields` and `postings`):
  - `whoosh.codec.whoosh3.W3Codec` and its `length_stats` switch (`segments.Codec`);
  - `whoosh.writing.SegmentWriter(ix, _lk=False, ...)` and its `_finalize_segment()`,
    `whoosh.index.TOC(schema, segments, generation).write(storage, indexname)` and
    `whoosh.index.clean_files`: several processes each write one segment of a new
    generation, and the parent lists them (as whoosh.multiproc's sub-writers do);
  - `whoosh.formats.Positions` / `Frequency` and their `word_values`, `encode`, and
    `whoosh.system.pack_uint`: a faster path that writes the same postings
    (`fields.WordPositions`, `fields.WordFrequency`);
  - a matcher's `is_active`, `id`, `next`, `weight`, `score`, `value` (a posting's
    positions as stored, decoded by the field format's `decoder("positions")`), and of
    `whoosh.codec.whoosh3.W3LeafMatcher` its block: `_read_ids`, `_read_weights`,
    `_read_values`, `_next_block`, `_ids`, `_weights`, `_values`, `_i` (a term's postings
    read a block at a time),
    its `scorer` with `K1`, `B`, `idf`, `avgfl`, and a reader's `doc_field_length`, or
    for a whole segment at once, its `_perdoc` (a `W3PerDocReader`) and that one's
    `_cached_reader(_lenfield(name), LENGTHS_COLUMN)`, a `NumericColumn.Reader` of one
    byte a document (`_dbfile`, `_basepos`, `_count`, `_fixedlen`), decoded by
    `whoosh.util.numeric.byte_to_length`;
    `whoosh.matching.wrappers.FilterMatcher`'s `child`, `_ids` and `_exclude`, the filter
    a segment's reader wraps around its postings when it has deleted documents; and, to
    read a whole field in one pass (`Evaluator.field`), a `SegmentReader`'s `_terms`,
    `_codec` and `deleted_docs_set`, the terms reader's `items_from` and `_postfile`, the
    codec's `postings_reader`, and a `W3TermInfo`'s `is_inlined`, `inlined_postings` and
    `weight`:
    `postings.Evaluator` reads each term's postings once per generation, with the
    BM25F scores Whoosh gives them, and evaluates queries on bitmaps (checked
    against Whoosh's own search by a property test in tests/test_search.py).
"""

from whoosh import query
from whoosh.analysis import Token, Tokenizer
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import create_in, open_dir
from whoosh.lang.stopwords import stoplists
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, PlusMinusPlugin

from .fields import WordFrequency, WordPositions, text_field
from .postings import Evaluator, Matched, scaled
from .segments import Codec, finish_segment, publish_segments, segment_writer

__all__ = [
    "COLUMN",
    "ID",
    "KEYWORD",
    "STORED",
    "TEXT",
    "AndGroup",
    "Codec",
    "Evaluator",
    "Matched",
    "MultifieldParser",
    "NumericColumn",
    "OrGroup",
    "PlusMinusPlugin",
    "Schema",
    "Token",
    "Tokenizer",
    "VarBytesColumn",
    "WordFrequency",
    "WordPositions",
    "create_in",
    "finish_segment",
    "open_dir",
    "publish_segments",
    "query",
    "scaled",
    "segment_writer",
    "stoplists",
    "text_field",
]
