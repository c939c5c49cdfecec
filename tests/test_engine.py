"""Whoosh stays behind one door (labb/engine), and the internals labb relies on are still there."""

from __future__ import annotations

import ast
import inspect
import re
from importlib import metadata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import REPO

LABB = REPO / "labb"
DOOR = LABB / "engine"


def _whoosh_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "whoosh"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "whoosh":
            found.append(node.module or "")
    return found


def test_no_module_outside_the_door_imports_whoosh():
    outside = {str(p.relative_to(REPO)): _whoosh_imports(p) for p in LABB.rglob("*.py") if DOOR not in p.parents}
    assert {path: found for path, found in outside.items() if found} == {}
    assert any(_whoosh_imports(p) for p in DOOR.glob("*.py"))  # the scan itself works


def test_the_installed_whoosh_is_the_pinned_one():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    pinned = re.search(r'"whoosh-reloaded==([\w.]+)"', pyproject)
    assert pinned, "pyproject.toml must pin whoosh-reloaded to an exact version"
    assert metadata.version("whoosh-reloaded") == pinned.group(1)


def test_the_internals_labb_relies_on_are_there():
    """Each internal named in labb/engine/__init__.py's docstring, as labb uses it."""
    from whoosh import columns, formats, index, reading, scoring, system, writing
    from whoosh.codec import whoosh3
    from whoosh.util import numeric

    assert hasattr(whoosh3.W3Codec, "length_stats")
    assert "_lk" in inspect.signature(writing.SegmentWriter.__init__).parameters
    assert callable(writing.SegmentWriter._finalize_segment)
    assert list(inspect.signature(index.TOC.__init__).parameters)[1:4] == ["schema", "segments", "generation"]
    assert list(inspect.signature(index.TOC.write).parameters)[1:3] == ["storage", "indexname"]
    assert list(inspect.signature(index.clean_files).parameters)[:4] == ["storage", "indexname", "gen", "segments"]
    assert callable(formats.Positions.word_values) and callable(formats.Frequency.word_values)
    assert callable(formats.Positions.encode)
    assert system.unpack_uint(system.pack_uint(3)) == (3,)
    for name in ("K1", "B", "idf", "avgfl"):
        assert name in inspect.getsource(scoring.BM25FScorer.__init__), name
    for method in ("_read_ids", "_read_weights", "_read_values", "_next_block", "is_active", "value"):
        assert callable(getattr(whoosh3.W3LeafMatcher, method)), method
    assert callable(formats.Positions().decoder("positions"))
    for attribute in ("self._ids", "self._weights", "self._values", "self._i"):
        assert attribute in inspect.getsource(whoosh3.W3LeafMatcher._goto), attribute
    from whoosh.matching import wrappers

    source = inspect.getsource(wrappers.FilterMatcher.__init__)
    assert "self._ids = ids" in source and "self._exclude = exclude" in source
    assert "FilterMatcher(matcher, deleted, exclude=True)" in inspect.getsource(reading.SegmentReader.postings)
    source = inspect.getsource(reading.SegmentReader.__init__)
    assert "self._terms = " in source and "self._codec = " in source
    assert isinstance(inspect.getattr_static(reading.SegmentReader, "deleted_docs_set"), object)
    assert callable(whoosh3.W3TermsReader.items_from) and "_postfile" in inspect.getsource(whoosh3.W3TermsReader)
    assert list(inspect.signature(whoosh3.W3Codec.postings_reader).parameters)[1:4] == ["dbfile", "terminfo", "format_"]
    for method in ("is_inlined", "inlined_postings", "weight"):
        assert callable(getattr(whoosh3.W3TermInfo, method)), method
    assert "self._perdoc = " in inspect.getsource(reading.SegmentReader.__init__)
    assert whoosh3._lenfield("body") == "_body_len" and whoosh3.LENGTHS_COLUMN._typecode == "B"
    assert "def _cached_reader(self, fieldname, column)" in inspect.getsource(whoosh3.W3PerDocReader)
    for attribute in ("self._dbfile", "self._basepos", "self._count", "self._fixedlen"):
        assert attribute in inspect.getsource(columns.FixedBytesColumn.Reader.__init__), attribute
    assert [numeric.byte_to_length(b) for b in (1, 2, 3)] == [1, 2, 3]


def test_postings_read_a_block_at_a_time_equal_those_read_one_by_one(tmp_path):
    """The block reader gives every posting of a term, with the same frequencies, as the
    matcher's own one-posting-at-a-time interface, over several blocks and segments."""
    import numpy as np

    from labb import engine
    from labb.engine.postings import _blocks

    schema = engine.Schema(id=engine.ID(stored=True), body=engine.TEXT())
    ix = engine.create_in(str(tmp_path), schema)
    for part in range(2):  # two segments
        writer = ix.writer()
        for n in range(700):  # more than one block (128 postings a block)
            writer.add_document(
                id=f"{part}-{n}", body=" ".join(["common"] * (1 + n % 5) + (["rare"] if n % 97 == 0 else []))
            )
        writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 2
        for word in ("common", "rare"):
            for leaf, _ in searcher.leaf_searchers():
                one = engine.query.Term("body", word).matcher(leaf)
                ids, weights = [], []
                while one.is_active():
                    ids.append(one.id())
                    weights.append(one.weight())
                    one.next()
                docs, found = _blocks(engine.query.Term("body", word).matcher(leaf))
                assert docs.tolist() == ids and np.allclose(found, weights) and ids
        import threading

        from pyroaring import BitMap

        reader = searcher.reader()
        evaluator = engine.Evaluator(searcher, BitMap(reader.all_doc_ids()), reader.doc_count_all(), threading.Lock())
        field = {text: (total, docs, found) for text, total, docs, found in evaluator.field("body")}
        assert sorted(field) == ["common", "rare"]
        for word, (total, docs, found) in field.items():  # both segments, in one pass
            expected_docs, expected = evaluator.weights("body", word)
            assert docs.tolist() == expected_docs.tolist() and found.tolist() == expected.tolist()
            assert total == reader.frequency("body", word)


def _delete_every_third(ix, count: int) -> None:
    """Deletes the documents with ids 0, 3, 6... below `count`, in a commit of their own
    (their segments keep them, marked deleted)."""
    writer = ix.writer()
    for n in range(0, count, 3):
        writer.delete_by_term("id", str(n))
    writer.commit(merge=False)


def _evaluator(searcher):
    import threading

    from pyroaring import BitMap

    from labb import engine

    reader = searcher.reader()
    return engine.Evaluator(searcher, BitMap(reader.all_doc_ids()), reader.doc_count_all(), threading.Lock())


def test_postings_of_a_segment_with_deleted_documents_leave_them_out(tmp_path):
    """After an update deletes documents, the evaluator still reads a block at a time
    (not through Whoosh's filtering matcher) and gives Whoosh's own documents and scores."""

    import numpy as np

    from labb import engine

    schema = engine.Schema(id=engine.ID(stored=True, unique=True), body=engine.TEXT())
    ix = engine.create_in(str(tmp_path), schema)
    writer = ix.writer()
    for n in range(700):
        writer.add_document(id=str(n), body=" ".join(["common"] * (1 + n % 5)))
    writer.commit()
    _delete_every_third(ix, 700)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert reader.has_deletions()
        evaluator = _evaluator(searcher)
        docs, scores = evaluator.postings("body", "common")
        hits = searcher.search(engine.query.Term("body", "common"), limit=None)
        theirs = dict(sorted((hit.docnum, hit.score) for hit in hits))
        assert docs.tolist() == list(theirs) and len(docs) == 700 - 234
        assert np.allclose(scores, list(theirs.values()))
        docs, weights = evaluator.weights("body", "common")
        assert docs.tolist() == list(theirs) and weights.tolist() == [1 + int(n) % 5 for n in docs.tolist()]
        [(text, total, docs_, weights_)] = list(evaluator.field("body"))
        assert text == "common" and total == reader.frequency("body", "common")
        assert docs_.tolist() == docs.tolist() and weights_.tolist() == weights.tolist()


def test_phrases_across_segments_and_deleted_documents_are_whooshs(tmp_path):
    """A phrase's documents (found once per generation) are Whoosh's own, in an index
    of two segments, one with deleted documents."""

    from labb import engine

    schema = engine.Schema(id=engine.ID(stored=True, unique=True), body=engine.TEXT(phrase=True))
    ix = engine.create_in(str(tmp_path), schema)
    for first in (0, 700):
        writer = ix.writer()
        for n in range(first, first + 700):
            words = ["alpha beta", "beta alpha", "alpha gamma beta", "rare alpha beta"][n % 4 if n % 50 else 3]
            writer.add_document(id=str(n), body=f"{words} delta {n % 7}")
        writer.commit(merge=False)
    _delete_every_third(ix, 1400)
    with ix.searcher() as searcher:
        assert searcher.reader().has_deletions() and len(searcher.leaf_searchers()) >= 2
        evaluator = _evaluator(searcher)
        for words in (["alpha", "beta"], ["rare", "alpha", "beta"], ["beta", "alpha"], ["gamma", "alpha"]):
            phrase = engine.query.Phrase("body", words)
            theirs = {hit.docnum for hit in searcher.search(phrase, limit=None)}
            for _ in range(2):  # found, then as found before
                assert set(evaluator.evaluate(phrase).ids) == theirs, words


def test_segments_written_apart_read_as_one_index(tmp_path):
    """The multi-process build's path (segment_writer, finish_segment, publish_segments), in one process."""
    from labb import analysis, engine

    schema = engine.Schema(id=engine.ID(stored=True, unique=True), body=engine.text_field(analysis.folding()))
    ix = engine.create_in(tmp_path, schema)
    segments = []
    for part in (["a", "b"], ["c"]):
        writer = engine.segment_writer(ix)
        for doc_id in part:
            writer.add_document(id=doc_id, body=f"shared words {doc_id}")
        segments.append(engine.finish_segment(writer))
    engine.publish_segments(ix, segments)
    ix = engine.open_dir(tmp_path)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 3
        assert sorted(hit["id"] for hit in searcher.search(engine.query.Term("body", "shared"))) == ["a", "b", "c"]


def test_a_field_of_an_empty_index_has_no_terms(tmp_path):
    """A new index has no segment at all (Whoosh gives an empty reader): nothing to read."""
    import threading

    from pyroaring import BitMap

    from labb import engine

    ix = engine.create_in(str(tmp_path), engine.Schema(id=engine.ID(stored=True), body=engine.TEXT()))
    with ix.searcher() as searcher:
        evaluator = engine.Evaluator(searcher, BitMap(), 0, threading.Lock())
        assert list(evaluator.field("body")) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 5000), max_size=60).map(sorted))
def test_positions_are_decoded_as_whoosh_decodes_them(positions):
    from whoosh.formats import Positions

    from labb.engine import postings

    stored = Positions().encode(positions)
    for value in (stored, stored.rstrip(b".")):  # the index drops a pickle's last byte
        assert postings._positions(value) == Positions().decode_positions(value) == positions


def test_field_lengths_are_read_as_the_scorer_reads_them(tmp_path):
    """A segment's field lengths, read as one column, are `doc_field_length`'s for
    every document that has the field (for one without it, which no posting of the
    field names, Whoosh's reader gives None whatever the default): long and short
    texts, a segment whose last documents lack the field, and labb's own text fields."""
    from labb import analysis, engine
    from labb.engine import postings

    schema = engine.Schema(
        id=engine.ID(stored=True),
        body=engine.text_field(analysis.folding()),
        other=engine.TEXT(),
    )
    ix = engine.create_in(str(tmp_path), schema)
    for part in range(2):  # two segments
        writer = ix.writer()
        for n in range(300):
            fields = {"id": f"{part}-{n}"}
            if n % 3:
                fields["body"] = " ".join(f"word{k}" for k in range((n * 37) % 900))
            if n < 200:
                fields["other"] = "a few words here" * (n % 4)
            writer.add_document(**fields)
        writer.commit(merge=False)
    with ix.searcher() as searcher:
        for leaf, _ in searcher.leaf_searchers():
            reader = leaf.reader()
            for name in ("body", "other", "id"):
                expected = [reader.doc_field_length(d, name, 1) for d in range(reader.doc_count_all())]
                assert postings._field_lengths(reader, name).tolist() == [
                    1.0 if length is None else length for length in expected
                ], name
            assert len(set(postings._field_lengths(reader, "body").tolist())) > 50


def test_labbs_positions_are_decoded_by_the_fast_path(tmp_path):
    """labb's text fields (`WordPositions`) store Whoosh's positions, and the evaluator
    decodes them with `_positions`, not Whoosh's slower decoder."""
    from labb import analysis, engine
    from labb.engine import postings

    schema = engine.Schema(id=engine.ID(stored=True), body=engine.text_field(analysis.folding()))
    ix = engine.create_in(str(tmp_path), schema)
    writer = ix.writer()
    writer.add_document(id="1", body="alpha beta gamma alpha beta")
    writer.commit()
    with ix.searcher() as searcher:
        found, decode = _evaluator(searcher)._positions(engine.query.Term("body", "beta"))
        assert decode is postings._positions and [decode(v) for v in found.values()] == [[1, 4]]
