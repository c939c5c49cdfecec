"""Similar practices, found when the index is built (labb.similarity)."""

from __future__ import annotations

import shutil

import pytest

from labb import engine, index, search, similarity
from labb.engine import query as wq
from labb.facets import REGISTRY
from labb.index import current_generation
from labb.web import create_app

from .conftest import REPO


@pytest.fixture(scope="module")
def built(tmp_path_factory, vocabs):
    """A copy of the shipped practices and their index."""
    root = tmp_path_factory.mktemp("similar")
    practices = root / "practices"
    shutil.copytree(REPO / "practices", practices)
    index_dir = root / "index"
    index.build(practices, index_dir, vocabs, jobs=1)
    return practices, index_dir


def _whoosh(generation, practice, vocabs) -> list[tuple[float, str]]:
    """Whoosh's own answer to the similarity query of `practice` on `generation`."""
    stemmers = index.stemmed_languages(vocabs)
    doc = index.document(practice, vocabs, stemmers)
    ix = engine.open_dir(generation)
    try:
        with ix.searcher() as searcher:
            terms = searcher.key_terms_from_text("plain", doc["plain"], numterms=similarity.KEY_TERMS)
            clauses = [wq.Term("plain", word, boost=weight) for word, weight in terms]
            for facet in REGISTRY:
                if facet.similarity:
                    values = doc.get(f"f_{facet.name}", "").split()
                    clauses += [wq.Term(f"f_{facet.name}", v, boost=facet.similarity) for v in values]
            found = searcher.search(wq.Or(clauses), limit=similarity.LIMIT, mask=wq.Term("id", practice.id))
            return [(round(hit.score, 9), hit["id"]) for hit in found]
    finally:
        ix.close()


def _practices(folder, vocabs):
    from labb import validate

    return {p.id: p for p in validate.check_paths([folder], vocabs).practices}


def test_every_practice_has_its_list_and_it_is_whooshs_answer(built, vocabs):
    practices_dir, index_dir = built
    generation = current_generation(index_dir)
    lists = similarity.read(generation)
    practices = _practices(practices_dir, vocabs)
    assert set(lists) == set(practices)
    assert all(len(found) == similarity.LIMIT for found in lists.values())
    queries = similarity.read_queries(generation)
    assert queries is not None and set(queries.ids) == set(practices)
    for practice_id in sorted(practices)[::30]:
        query = queries.of(practice_id)
        assert any(field == "plain" for field, _, _ in query) and any(field == "f_dimension" for field, _, _ in query)
    for practice_id in sorted(practices)[::9]:
        ours = [(round(score, 9), other) for other, score in lists[practice_id]]
        assert ours == _whoosh(generation, practices[practice_id], vocabs), practice_id


def test_an_update_finds_again_what_it_changed(vocabs, tmp_path, monkeypatch):
    folder, where = tmp_path / "practices", tmp_path / "index"
    shutil.copytree(REPO / "practices", folder)
    index.build(folder, where, vocabs, jobs=1)
    before = similarity.read(current_generation(where))
    files = sorted(folder.rglob("*.yaml"))
    removed = files[0]
    removed_id = next(pid for pid in before if removed.stem == pid)
    removed.unlink()
    changed = files[1]
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("summary:", "summary:\n  # edited", 1), encoding="utf-8")

    def no_full_pass(self):
        raise AssertionError("an update read every practice's key words again")

    monkeypatch.setattr(similarity._Scorer, "_key_terms", no_full_pass)  # the stored queries serve
    report = index.build(folder, where, vocabs)
    assert not report.full and report.similar_seconds > 0
    generation = current_generation(where)
    after = similarity.read(generation)
    practices = _practices(folder, vocabs)
    assert removed_id not in after and set(after) == set(practices)
    assert all(other != removed_id and other in practices for found in after.values() for other, _ in found)
    changed_id = changed.stem
    ours = [(round(score, 9), other) for other, score in after[changed_id]]
    assert ours == _whoosh(generation, practices[changed_id], vocabs)
    for practice_id, found in after.items():  # a kept list keeps its practices, or gains the changed one
        kept = before[practice_id]
        if practice_id != changed_id and not {o for o, _ in kept} & {removed_id, changed_id}:
            assert {o for o, _ in found} <= {o for o, _ in kept} | {changed_id}, practice_id


def test_a_practice_page_does_no_search(built, vocabs, monkeypatch):
    practices_dir, index_dir = built
    app = create_app({"PRACTICES": practices_dir, "INDEX": index_dir, "PAGE_CACHE_BYTES": 0, "SEARCH_CACHE": 0})
    practice_id = sorted(similarity.read(current_generation(index_dir)))[0]
    app.test_client().get("/")  # the generation opened

    def no_search(*args, **kwargs):
        raise AssertionError("a practice page searched")

    monkeypatch.setattr(engine.Evaluator, "evaluate", no_search)
    monkeypatch.setattr(search.Searcher, "search", no_search)
    page = app.test_client().get(f"/practices/{practice_id}")
    assert page.status_code == 200
    first = similarity.read(current_generation(index_dir))[practice_id][0][0]
    assert f"/practices/{first}" in page.get_data(as_text=True)


def test_an_index_without_the_lists_shows_none(built, vocabs, tmp_path):
    _, index_dir = built
    where = tmp_path / "index"
    shutil.copytree(index_dir, where)
    (current_generation(where) / similarity.FILE).unlink()
    s = search.Searcher(where, vocabs)
    try:
        assert s.similar(next(iter(similarity.read(current_generation(index_dir))))) == []
    finally:
        s.close()
