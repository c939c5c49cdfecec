"""Bad input gets a clear error and loses nothing: the exact messages and exit codes
of the command line, the search page, the API and the exports, on real files and a
real index."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from labb import index, search
from labb.cli import main
from labb.facets import FACETS
from labb.model import Query

from .conftest import REPO, write_web_corpus

IDS = {"xx-good-practice", "xx-swedish-health", "xx-italian-work", "xx-greek-reception"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def built(tmp_path, vocabs) -> tuple[Path, Path]:
    """(practices folder, index folder) of the four-practice corpus, built for this test alone."""
    practices = write_web_corpus(tmp_path / "practices")
    index.build(practices, tmp_path / "index", vocabs)
    return practices, tmp_path / "index"


def _live(index_dir: Path) -> tuple[str, list[str]]:
    """The live generation's name and every generation folder: what a refused build must not change."""
    return (index_dir / "CURRENT").read_text(encoding="utf-8"), sorted(p.name for p in index_dir.iterdir())


def _ids(index_dir: Path, vocabs) -> set[str]:
    searcher = search.Searcher(index_dir, vocabs)
    try:
        return {h.id for h in searcher.search(Query(per_page=100)).hits}
    finally:
        searcher.close()


def _error_line(result) -> str:
    """The last line of standard error (click prints its usage lines before a usage error)."""
    return result.stderr.splitlines()[-1]


# -- 1. `labb index` never empties the live site by mistake -----------------------------------


def test_index_refuses_to_remove_every_practice(runner, built, tmp_path, vocabs):
    _, index_dir = built
    (tmp_path / "empty").mkdir()
    before = _live(index_dir)
    result = runner.invoke(main, ["index", "--practices", str(tmp_path / "empty"), "--index", str(index_dir)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"labb index: refusing to remove 4 of 4 practices from the live index (is --practices right? "
        f"{tmp_path / 'empty'} holds 0 practice files); run again with --allow-removals to remove them\n"
    )
    assert "Traceback" not in result.output
    assert _live(index_dir) == before
    assert _ids(index_dir, vocabs) == IDS


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "full build"])
def test_index_refuses_to_remove_more_than_half(runner, built, vocabs, rebuild):
    practices, index_dir = built
    for pid in ("xx-swedish-health", "xx-italian-work", "xx-greek-reception"):
        (practices / "xx" / f"{pid}.yaml").unlink()
    before = _live(index_dir)
    result = runner.invoke(
        main, ["index", "--practices", str(practices), "--index", str(index_dir), *(["--rebuild"] if rebuild else [])]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"labb index: refusing to remove 3 of 4 practices from the live index (is --practices right? "
        f"{practices} holds 1 practice file); run again with --allow-removals to remove them\n"
    )
    assert _live(index_dir) == before
    allowed = runner.invoke(
        main,
        [
            "index",
            "--practices",
            str(practices),
            "--index",
            str(index_dir),
            "--allow-removals",
            *(["--rebuild"] if rebuild else []),
        ],
    )
    assert allowed.exit_code == 0, allowed.output
    assert _ids(index_dir, vocabs) == {"xx-good-practice"}


@pytest.mark.parametrize(
    "gone", [["xx-greek-reception"], ["xx-greek-reception", "xx-italian-work"]], ids=["1 of 4", "2 of 4"]
)
def test_index_removes_up_to_half_silently(runner, built, vocabs, gone):
    practices, index_dir = built
    for pid in gone:
        (practices / "xx" / f"{pid}.yaml").unlink()
    result = runner.invoke(main, ["index", "--practices", str(practices), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert f"0 added, 0 updated, {len(gone)} removed, {4 - len(gone)} unchanged" in result.stderr
    assert _ids(index_dir, vocabs) == IDS - set(gone)


def test_index_allow_removals_empties_the_index(runner, built, tmp_path, vocabs):
    _, index_dir = built
    (tmp_path / "empty").mkdir()
    result = runner.invoke(
        main, ["index", "--practices", str(tmp_path / "empty"), "--index", str(index_dir), "--allow-removals"]
    )
    assert result.exit_code == 0, result.output
    assert "update: 0 added, 0 updated, 4 removed, 0 unchanged" in result.stderr
    assert _ids(index_dir, vocabs) == set()


def test_first_build_of_an_empty_folder_is_allowed(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(main, ["index", "--practices", str(tmp_path / "empty"), "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert "full build: 0 added, 0 updated, 0 removed, 0 unchanged" in result.stderr


def test_build_protects_python_callers(built, tmp_path, vocabs):
    practices, index_dir = built
    (tmp_path / "empty").mkdir()
    before = _live(index_dir)
    with pytest.raises(index.RemovalRefused) as refused:
        index.build(tmp_path / "empty", index_dir, vocabs)
    assert (refused.value.removed, refused.value.live, refused.value.files) == (4, 4, 0)
    assert str(refused.value) == (
        f"refusing to remove 4 of 4 practices from the live index ({tmp_path / 'empty'} holds 0 practice files)"
    )
    assert isinstance(refused.value, index.BuildFailed)
    assert _live(index_dir) == before
    # practices renamed (new ids) are removals too: the old addresses would stop working
    for path in (practices / "xx").iterdir():
        text = path.read_text(encoding="utf-8").replace("id: xx-", "id: xx-renamed-")
        path.unlink()
        (practices / "xx" / path.name.replace("xx-", "xx-renamed-")).write_text(text, encoding="utf-8")
    with pytest.raises(index.RemovalRefused, match="refusing to remove 4 of 4 practices"):
        index.build(practices, index_dir, vocabs)
    assert _live(index_dir) == before
    report = index.build(tmp_path / "empty", index_dir, vocabs, allow_removals=True)
    assert report.removed == 4 and _ids(index_dir, vocabs) == set()


def test_serve_does_not_empty_an_out_of_date_index(runner, built, tmp_path, vocabs):
    """`labb serve` rebuilds an index from another version of labb: with the wrong
    --practices, it refuses too, and says which command allows it."""
    _, index_dir = built
    live = index.current_generation(index_dir)
    manifest = json.loads((live / index.MANIFEST).read_text(encoding="utf-8"))
    (live / index.MANIFEST).unlink()  # a new file: never write through a link another generation may share
    (live / index.MANIFEST).write_text(json.dumps({**manifest, "stamp": "another-version"}), encoding="utf-8")
    (tmp_path / "empty").mkdir()
    before = _live(index_dir)
    result = runner.invoke(main, ["serve", "--practices", str(tmp_path / "empty"), "--index", str(index_dir)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"the index in {index_dir} is missing or out of date: building it first\n"
        f"labb serve: refusing to remove 4 of 4 practices from the live index (is --practices right? "
        f"{tmp_path / 'empty'} holds 0 practice files); run `labb index --allow-removals` to remove them\n"
    )
    assert _live(index_dir) == before


# -- 2. No tracebacks ------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["index"], ["serve"], ["validate"]])
def test_a_practices_folder_that_does_not_exist(runner, tmp_path, command, built, monkeypatch):
    _, index_dir = built
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        main,
        [*command, "--practices", "does-not-exist", "--index", str(index_dir)]
        if command != ["validate"]
        else [*command, "--practices", "does-not-exist"],
    )
    assert result.exit_code == 2
    assert _error_line(result) == "Error: Invalid value for '--practices': the folder does-not-exist does not exist"
    assert "Traceback" not in result.output


def test_index_without_a_practices_folder(runner, tmp_path, monkeypatch):
    """The default folder, `practices`, is missing: said as plainly."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["index"])
    assert not (tmp_path / "index").exists()
    assert result.exit_code == 2
    assert _error_line(result) == "Error: Invalid value for '--practices': the folder practices does not exist"


def test_build_of_a_folder_that_does_not_exist(tmp_path, vocabs):
    with pytest.raises(index.BuildFailed, match=f"^the practices folder {tmp_path / 'nope'} does not exist$"):
        index.build(tmp_path / "nope", tmp_path / "index", vocabs)


def test_validate_a_path_that_does_not_exist(runner, tmp_path):
    (tmp_path / "x.yaml").symlink_to(tmp_path / "nowhere.yaml")  # a broken symlink, named as an argument
    result = runner.invoke(main, ["validate", str(tmp_path / "x.yaml")])
    assert result.exit_code == 2
    assert _error_line(result) == f"Error: Invalid value for '[PATHS]...': Path '{tmp_path / 'x.yaml'}' does not exist."


def test_index_reports_an_unreadable_file(built, vocabs):
    """A practice file that cannot be read is a validation problem naming it, and the
    build fails (the live index kept), never a traceback."""
    practices, index_dir = built
    broken = practices / "xx" / "x.yaml"
    broken.symlink_to(practices / "xx" / "nowhere.yaml")
    before = _live(index_dir)
    with pytest.raises(index.BuildFailed) as failed:
        index.build(practices, index_dir, vocabs)
    assert [(p.path, p.code, p.message) for p in failed.value.problems] == [
        (str(broken), "unreadable", "the file cannot be read: No such file or directory")
    ]
    assert _live(index_dir) == before


def test_validate_reports_a_broken_symlink_in_the_folder(runner, built):
    practices, _ = built
    (practices / "xx" / "x.yaml").symlink_to(practices / "xx" / "nowhere.yaml")
    result = runner.invoke(main, ["validate", "--practices", str(practices)])
    assert result.exit_code == 1
    assert (
        f"{practices / 'xx' / 'x.yaml'}:1:1: error[unreadable]: the file cannot be read: "
        "No such file or directory\n" in result.stdout
    )


def test_a_folder_named_like_a_practice_file(runner, built, vocabs):
    """A directory `x.yaml` is a folder: its files are checked, nothing fails."""
    practices, index_dir = built
    (practices / "xx" / "x.yaml").mkdir()
    checked = runner.invoke(main, ["validate", "--practices", str(practices)])
    assert checked.exit_code == 0 and "4 file(s) checked: 0 error(s)" in checked.stderr
    built_again = runner.invoke(main, ["index", "--practices", str(practices), "--index", str(index_dir)])
    assert built_again.exit_code == 0 and "Traceback" not in built_again.output
    assert _ids(index_dir, vocabs) == IDS


def test_serve_on_a_port_in_use(built):
    practices, index_dir = built
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "labb",
                "serve",
                "--port",
                str(port),
                "--practices",
                str(practices),
                "--index",
                str(index_dir),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr == f"labb serve: cannot listen on 127.0.0.1:{port}: address already in use\n"


def test_search_without_an_index(runner, tmp_path):
    result = runner.invoke(main, ["search", "integration", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.stderr == f"Error: there is no index in {tmp_path / 'none'}; run `labb index`\n"


def test_search_an_index_from_another_version(runner, built):
    _, index_dir = built
    live = index.current_generation(index_dir)
    manifest = json.loads((live / index.MANIFEST).read_text(encoding="utf-8"))
    (live / index.MANIFEST).unlink()
    (live / index.MANIFEST).write_text(json.dumps({**manifest, "stamp": "another-version"}), encoding="utf-8")
    result = runner.invoke(main, ["search", "integration", "--index", str(index_dir)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the index in {index_dir} was built by another version of labb or other "
        "vocabularies; run `labb index`\n"
    )


# -- 3. Unknown --filter facet or value ---------------------------------------------------------


def _search(runner, web_site, *args: str):
    return runner.invoke(main, ["search", *args, "--index", str(web_site[1])])


@pytest.mark.parametrize(
    "item,message",
    [
        ("dimension=labour-markt", "`labour-markt` is not a known dimension; did you mean `labour-market`?"),
        ("criterion=inovation:strng", "`inovation:strng` is not a known criterion; did you mean `innovation:strong`?"),
        ("country=fi", "`fi` is not a known country; did you mean `FI`?"),
        ("period=2014-20", "`2014-20` is not a known period; did you mean `2014-2020`?"),
        ("region=<b>", "`<b>` is not a known region"),
        ("dimensoin=labour-market", "`dimensoin` is not a facet; did you mean `dimension`?"),
        ("colour=red", f"`colour` is not a facet; the facets are {', '.join(FACETS)}"),
    ],
)
def test_cli_unknown_filter(runner, web_site, item, message):
    result = _search(runner, web_site, "--filter", item)
    assert result.exit_code == 2
    assert _error_line(result) == f"Error: Invalid value for '--filter': {message}"
    assert result.stdout == ""


def test_page_notes_an_unknown_filter_with_a_suggestion(client):
    response = client.get("/?dimension=labour-markt")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "`labour-markt` is not a known area of integration; it was ignored. Did you mean `labour-market`?" in html
    assert all(f"/practices/{pid}" in html for pid in IDS)  # the search went on without the value


def test_api_refuses_an_unknown_filter(client):
    response = client.get("/api/search?dimension=labour-markt")
    assert response.status_code == 400
    assert response.get_json() == {
        "status": 400,
        "error": "bad request",
        "message": "`labour-markt` is not a known dimension; did you mean `labour-market`?",
    }
    several = client.get("/api/search?dimension=labour-markt&sort=newst&page=x").get_json()
    assert several["message"] == (
        "`labour-markt` is not a known dimension; did you mean `labour-market`? "
        "Unknown sort `newst`; did you mean `newest`? `x` is not a valid page."
    )


@pytest.mark.parametrize("path", ["/export.csv", "/export.json"])
def test_exports_refuse_an_unknown_filter(client, path):
    response = client.get(f"{path}?dimension=labour-markt&page=x")  # an export has no pages: `page` is not read
    assert response.status_code == 400
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_json() == {
        "status": 400,
        "error": "bad request",
        "message": "`labour-markt` is not a known dimension; did you mean `labour-market`?",
    }


def test_openapi_describes_the_errors_of_a_search(client):
    responses = client.get("/api/openapi.json").get_json()["paths"]["/api/search"]["get"]["responses"]
    assert {"200", "400", "404", "503"} <= set(responses)
    assert "closest known value" in responses["400"]["description"]


# -- 4. Stop words and one-character queries ----------------------------------------------------


@pytest.mark.parametrize(
    "words,note",
    [
        (["the"], "`the` is too common a word to search for; showing every practice."),
        (["a"], "`a` is too common a word to search for; showing every practice."),
        (["le", "la"], "`le` and `la` are too common words to search for; showing every practice."),
        (['"the"'], "`the` is too common a word to search for; showing every practice."),
    ],
)
def test_only_stop_words_shows_every_practice(runner, web_site, client, words, note):
    result = _search(runner, web_site, *words)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"note: {note}\n"
    assert result.stdout.startswith("4 practice(s); page 1 of 1\n")
    data = client.get("/api/search", query_string={"q": " ".join(words)}).get_json()
    assert data["notes"] == [note] and data["total"] == 4
    html = client.get("/", query_string={"q": " ".join(words)}).get_data(as_text=True)
    assert note in html


def test_only_stop_words_with_a_filter(runner, web_site):
    result = _search(runner, web_site, "the", "--filter", "country=IT")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "note: `the` is too common a word to search for; showing every practice that matches the filters.\n"
    )
    assert result.stdout.startswith("1 practice(s); page 1 of 1\n")


def test_one_character_is_searched_and_explained(runner, web_site, client):
    note = (
        "No practice has the one-character word `x`; type more of the word, or at least two letters and "
        "`*` (like `in*`)."
    )
    result = _search(runner, web_site, "x")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"note: {note}\n"
    assert result.stdout == "0 practice(s); page 1 of 1\n"
    assert note in client.get("/?q=x").get_data(as_text=True)


# -- 5. Pages past the last ---------------------------------------------------------------------


def test_page_past_the_last_on_the_page(client):
    response = client.get("/?per_page=1&page=99")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<a href="/?per_page=1&amp;page=4">There is no page 99; the last page is 4.</a>' in html
    assert client.get("/?per_page=1&page=4").status_code == 200


def test_page_past_the_last_in_the_api(client):
    response = client.get("/api/search?per_page=1&page=99")
    assert response.status_code == 404
    assert response.get_json() == {
        "status": 404,
        "error": "not found",
        "message": "There is no page 99; the last page is 4.",
    }


def test_page_past_the_last_on_the_command_line(runner, web_site):
    result = _search(runner, web_site, "--per-page", "1", "--page", "99")
    assert result.exit_code == 2
    assert _error_line(result) == "Error: Invalid value for '--page': there is no page 99; the last page is 4"
    assert result.stdout == ""


def test_page_one_of_nothing_is_fine_page_two_is_not(runner, web_site, client):
    nothing = {"country": "IT", "dimension": "health"}
    assert client.get("/", query_string=nothing).status_code == 200
    data = client.get("/api/search", query_string=nothing).get_json()
    assert (data["total"], data["results"], data["notes"]) == (0, [], [])
    result = _search(runner, web_site, "--filter", "country=IT", "--filter", "dimension=health")
    assert result.exit_code == 0 and result.stdout == "0 practice(s); page 1 of 1\n"
    past = client.get("/api/search", query_string={**nothing, "page": "2"})
    assert past.status_code == 404 and past.get_json()["message"] == "There is no page 2; the last page is 1."
