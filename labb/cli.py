"""The `labb` command line: the only place that prints and chooses exit codes."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from . import API_VERSION, glossary, index, morphology, scaffold, schema, search, validate, vocab
from .facets import FACETS
from .model import SLUG, SORTS, Problem

PRACTICES = click.option(
    "--practices",
    "practices_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("practices"),
    show_default=True,
    help="Folder of practice YAML files.",
)
INDEX = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("index"),
    show_default=True,
    help="Folder of the search index.",
)


def _practices_folder(practices_dir: Path) -> None:
    """A usage error (exit 2) when the --practices folder is missing."""
    if not practices_dir.is_dir():
        raise click.BadParameter(f"the folder {practices_dir} does not exist", param_hint=["--practices"])


def _vocabularies() -> vocab.Vocabularies:
    try:
        return vocab.default()
    except vocab.VocabularyError as exc:
        for p in exc.problems:
            click.echo(_line(p), err=True)
        raise click.exceptions.Exit(1) from None


def _glossary() -> None:
    """Exit 1, listing its problems, when the shipped glossary is broken (search needs it)."""
    try:
        glossary.default()
    except glossary.GlossaryError as exc:
        for p in exc.problems:
            click.echo(_line(p), err=True)
        raise click.exceptions.Exit(1) from None


def _line(p: Problem) -> str:
    hint = f"; {p.hint}" if p.hint else ""
    return f"{p.path}:{p.line}:{p.column}: {p.severity}[{p.code}]: {p.message}{hint}"


def _github(p: Problem) -> str:
    def esc(text: str, prop: bool = False) -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if prop else text

    level = "error" if p.severity == "error" else "warning"
    title = esc(f"labb {p.code}", prop=True)
    message = esc(p.message + (f"; {p.hint}" if p.hint else ""))
    return f"::{level} file={esc(p.path, True)},line={p.line},col={p.column},title={title}::{message}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    package_name="labb", message=f"%(prog)s %(version)s (index schema {index.SCHEMA_VERSION}, API {API_VERSION})"
)
def main() -> None:
    """labb: the Integration Lab, a searchable database of integration practices."""


@main.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
@PRACTICES
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="text: one problem a line; github: Actions annotations; json: a list.",
)
def validate_command(paths: tuple[Path, ...], practices_dir: Path, fmt: str) -> None:
    """Check practice files (default: the --practices folder) and the integration glossary;
    report every problem.

    Exits 0 when there is no error (warnings allowed), 1 otherwise.
    """
    if not paths:
        _practices_folder(practices_dir)
    vocabs = _vocabularies()
    targets = list(paths) or [practices_dir]
    corpus = validate.check_paths(targets, vocabs)
    problems = [*glossary.shipped()[1], *corpus.problems]  # the glossary's files are checked on every run
    if fmt == "json":
        click.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        render = _github if fmt == "github" else _line
        for problem in problems:
            click.echo(render(problem))
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(corpus.files)} file(s) checked: {errors} error(s), {warnings} warning(s)", err=True)
    sys.exit(1 if errors else 0)


@main.command("schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file instead of standard output.",
)
def schema_command(output: Path | None) -> None:
    """Print the JSON Schema of a practice file (for editors' autocompletion)."""
    text = schema.dumps(schema.editor_schema(_vocabularies()))
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def _known(vocabs: vocab.Vocabularies, name: str, value: str, option: str) -> None:
    vocabulary = vocabs[name]
    if value not in vocabulary:
        suggestion = vocabulary.suggest(value)
        hint = f"; did you mean {suggestion}?" if suggestion else ""
        raise click.BadParameter(f"{value} is not in the {name} vocabulary{hint}", param_hint=option)


def _ask(value: str | None, prompt: str, default: str | None = None) -> str | None:
    if value or not sys.stdin.isatty():
        return value or default
    return click.prompt(prompt, default=default) or None


@main.command("new")
@click.option("--id", "pid", help="The practice's id: lowercase words joined by hyphens, e.g. fi-good-start-oulu.")
@click.option("--country", help="ISO 3166-1 alpha-2 code, e.g. FI.")
@click.option("--region", help="NUTS code of the region, e.g. FI1D9; omit for national scope.")
@click.option("--language", help="The practice's original language, e.g. fi.")
@click.option("--write", is_flag=True, help="Write practices/<country>/<id>.yaml instead of printing.")
@PRACTICES
def new_command(
    pid: str | None, country: str | None, region: str | None, language: str | None, write: bool, practices_dir: Path
) -> None:
    """Scaffold a practice file and list its placeholders. Prompts for what is missing when run in a terminal."""
    vocabs = _vocabularies()
    pid = _ask(pid, "Id (e.g. fi-good-start-oulu)")
    country = _ask(country, "Country (ISO code, e.g. FI)")
    if not pid or not country:
        raise click.UsageError("give --id and --country (or run in a terminal to be asked)")
    _known(vocabs, "countries", country, "--country")
    region = _ask(region, "Region NUTS code (empty for national scope)", default="")
    if region:
        _known(vocabs, "regions", region, "--region")
        if vocabs.region_country(region) != vocabs.countries.canonical(country):
            raise click.BadParameter(f"region {region} is not in {country}", param_hint="--region")
    country_term = vocabs.countries.get(country)
    languages = (country_term.extra.get("languages") if country_term else None) or ["en"]
    language = _ask(language, "Original language", default=languages[0])
    _known(vocabs, "languages", language or "", "--language")
    if not re.fullmatch(SLUG, pid):
        raise click.BadParameter(
            "use lowercase letters, digits and hyphens, e.g. fi-good-start-oulu", param_hint="--id"
        )
    new = scaffold.NewPractice(id=pid, country=country, language=language or "en", region=region or None)
    text = scaffold.render(new)
    if not write:
        click.echo(text, nl=False)
        return
    target = practices_dir / vocabs.countries.canonical(country).lower() / f"{pid}.yaml"
    if target.exists():
        raise click.ClickException(f"{target} already exists; choose another id")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    checked = validate.check_file(target, vocabs)
    for problem in sorted(checked.problems):
        click.echo(_line(problem))
    if any(p.severity == "error" and p.code != "placeholder" for p in checked.problems):
        click.echo(f"wrote {target}, with errors besides its placeholders (listed above)", err=True)
        sys.exit(1)
    count = sum(p.code == "placeholder" for p in checked.problems)
    click.echo(
        f"wrote {target}; replace its {count} placeholder(s) listed above with what the sources say, "
        f"then run: labb validate {target}",
        err=True,
    )


def build_index(
    practices_dir: Path,
    index_dir: Path,
    rebuild: bool = False,
    quiet: bool = False,
    jobs: int | None = None,
    allow_removals: bool = False,
    command: str = "index",
) -> None:
    """Validate and index; print problems and exit 1 when the build fails (`command`
    names the command in its messages)."""
    _practices_folder(practices_dir)
    vocabs = _vocabularies()
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="indexing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    show = sys.stderr.isatty() and not quiet
    try:
        report = index.build(
            practices_dir,
            index_dir,
            vocabs,
            rebuild=rebuild,
            jobs=jobs,
            progress=progress if show else None,
            allow_removals=allow_removals,
        )
    except index.RemovalRefused as exc:
        how = "run again with --allow-removals" if command == "index" else "run `labb index --allow-removals`"
        click.echo(
            f"labb {command}: refusing to remove {exc.removed} of {exc.live} practices from the live index "
            f"(is --practices right? {exc.practices_dir} holds {exc.files} practice "
            f"file{'' if exc.files == 1 else 's'}); {how} to remove them",
            err=True,
        )
        sys.exit(1)
    except index.BuildFailed as exc:
        for problem in exc.problems:
            click.echo(_line(problem), err=True)
        click.echo(f"labb {command}: {exc}", err=True)
        sys.exit(1)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for problem in report.warnings:
        click.echo(_line(problem), err=True)
    kind = "full build" if report.full else "update"
    click.echo(
        f"{kind}: {report.added} added, {report.updated} updated, {report.removed} removed, "
        f"{report.unchanged} unchanged in {report.seconds:.2f} s "
        f"(similar practices: {report.similar_seconds:.2f} s) -> {index_dir / report.generation}",
        err=True,
    )


@main.command("index")
@PRACTICES
@INDEX
@click.option("--rebuild", is_flag=True, help="Rebuild everything instead of only what changed.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processes for a full build of many practices  [default: one per CPU]",
)
@click.option(
    "--allow-removals",
    is_flag=True,
    help="Allow a build that removes every practice of the live index, or more than half.",
)
def index_command(practices_dir: Path, index_dir: Path, rebuild: bool, jobs: int | None, allow_removals: bool) -> None:
    """Validate the practices, then build or update the search index.

    The live index is replaced atomically; a failed build leaves it as it was. A build
    that would remove more than half of the live index's practices is refused unless
    --allow-removals is given."""
    build_index(practices_dir, index_dir, rebuild, jobs=jobs, allow_removals=allow_removals)


@main.command("search")
@click.argument("words", nargs=-1)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FACET=VALUE",
    help="Filter by a facet, repeatable: region=FI1D9, criterion=innovation:strong.",
)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, search.MAX_PER_PAGE), default=20, show_default=True)
@click.option("--lang", default="en", show_default=True, help="The reader's language for titles and labels.")
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON object as /api/search.")
@click.option("--exact", is_flag=True, help="Search the words only as typed, without correcting unknown ones.")
@click.option("--explain", is_flag=True, help="Print under each result why it matched, with each part's score.")
@INDEX
def search_command(
    words: tuple[str, ...],
    filters: tuple[str, ...],
    sort: str,
    page: int,
    per_page: int,
    lang: str,
    as_json: bool,
    exact: bool,
    explain: bool,
    index_dir: Path,
) -> None:
    """Search the index, as the web site does. An empty query lists every practice."""
    vocabs = _vocabularies()
    params: dict[str, list[str]] = {
        "q": [" ".join(words)],
        "sort": [sort],
        "page": [str(page)],
        "per_page": [str(per_page)],
        "lang": [lang],
        "exact": ["1" if exact else ""],
    }
    for item in filters:
        facet, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(
                f"use FACET=VALUE with a facet among: {', '.join(FACETS)}", param_hint=["--filter"]
            )
        problem = search.facet_problem(facet)
        if problem:
            raise click.BadParameter(str(problem), param_hint=["--filter"])
        params.setdefault(facet, []).append(value)
    query, problems = search.parse_params(params, vocabs)
    if problems:  # click has checked --sort, --page and --per-page: these are --filter values
        raise click.BadParameter(str(problems[0]), param_hint=["--filter"])
    why: dict = {}
    try:
        _glossary()
        searcher = search.Searcher(index_dir, vocabs)
        results, why = searcher.explain(query) if explain else (searcher.search(query), {})
    except search.NoIndex as exc:
        raise click.ClickException(str(exc)) from None
    if results.page_problem:
        raise click.BadParameter(str(results.page_problem), param_hint=["--page"])
    if as_json:
        click.echo(json.dumps(results.as_dict(), ensure_ascii=False, indent=2))
        return
    for note in results.notes:
        click.echo(f"note: {note}", err=True)
    for word, neighbour in results.corrected:
        click.echo(f"note: `{word}` is not in the index; also searched for `{neighbour}` (--exact: as typed)", err=True)
    if results.also_searched:  # glossary expansion (issue 12, item 4)
        shown, rest = results.also_searched[:5], len(results.also_searched) - 5
        more = f" and {rest} more" if rest > 0 else ""
        click.echo(f"also searched: {', '.join(shown)}{more}", err=True)
    if results.suggestion:
        click.echo(f"did you mean: {results.suggestion}", err=True)
    first = (query.page - 1) * query.per_page
    click.echo(f"{results.total} practice(s); page {query.page} of {results.pages}")
    for n, hit in enumerate(results.hits, first + 1):
        where = hit.practice.region or hit.practice.country
        period = hit.practice.period
        years = f"{period.start.year}-{period.end.year if period.end else ''}"
        snippet = "".join(click.style(s.text, bold=True) if s.hit else s.text for s in hit.snippet)
        click.echo(f"{n:>4}. {click.style(hit.title, bold=True)}  [{hit.id}]")
        click.echo(f"      {where} · {years} · score {hit.score:.2f}")
        if snippet:
            click.echo(f"      {snippet}")
        for reason in why.get(hit.id, ()):
            click.echo(f"      {reason}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=5000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=None,
    help="Threads per process (default: 1 with several processes, 8 with one).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes sharing the index folder (default: one per CPU; on Windows always 1).",
)
@click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Keep result pages and finished responses in memory, per index generation.",
)
@PRACTICES
@INDEX
def serve_command(
    host: str, port: int, threads: int | None, workers: int | None, cache: bool, practices_dir: Path, index_dir: Path
) -> None:
    """Serve the web site on production WSGI servers, building the index first when there
    is none: several processes with gunicorn (POSIX), one with waitress (Windows, or
    `--workers 1`). Stop with Ctrl-C."""
    import logging

    from .web import create_app, settle

    if click.get_current_context().get_parameter_source("practices_dir") is not ParameterSource.DEFAULT:
        _practices_folder(practices_dir)  # a mistyped folder is reported even when no build needs it
    _glossary()
    if not index.is_current(index_dir, _vocabularies()):
        click.echo(f"the index in {index_dir} is missing or out of date: building it first", err=True)
        build_index(practices_dir, index_dir, command="serve")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    config: dict[str, object] = {"PRACTICES": practices_dir, "INDEX": index_dir}
    if not cache:
        config.update(SEARCH_CACHE=0, PAGE_CACHE_BYTES=0)
    app = create_app(config)
    # The dictionaries of the languages practices are written in, read before any worker
    # is forked: shared by all, and no first search in a language waits for one.
    morphology.preload(index.stemmed_languages(_vocabularies()).values())
    for name in app.jinja_env.list_templates(extensions=["html", "xml"]):  # compiled once, shared
        app.jinja_env.get_template(name)
    settle()
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers > 1 and os.name == "posix":
        from .web import server

        _listenable(host, port)
        # One thread per process: a request runs to its end without sharing the
        # interpreter. With 8, on 2 cores at 10,000 practices, the threads' turns
        # cost ~3 ms of CPU a request and the 95th percentile was 230 ms, not 140.
        server.run(app, host, port, workers=workers, threads=threads or 1)
        return
    _serve_with_waitress(app, host, port, threads or 8)


def _listenable(host: str, port: int) -> None:
    """Exit with a clear message when `host:port` cannot be listened on."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:  # the port is taken, the address is not this machine's...
            reason = exc.strerror or str(exc)
            click.echo(f"labb serve: cannot listen on {host}:{port}: {reason[:1].lower()}{reason[1:]}", err=True)
            sys.exit(1)


def _serve_with_waitress(app: Any, host: str, port: int, threads: int) -> None:
    from waitress import create_server

    from .web import warm

    warm(app)

    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="labb")
    except OSError as exc:  # the port is taken, the address is not this machine's...
        reason = exc.strerror or str(exc)
        click.echo(f"labb serve: cannot listen on {host}:{port}: {reason[:1].lower()}{reason[1:]}", err=True)
        sys.exit(1)
    click.echo(f"labb serving on http://{host}:{server.effective_port}/ (Ctrl-C to stop)", err=True)

    def stop(signum, frame):  # SIGTERM (a service manager) stops as cleanly as Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        click.echo("labb stopped", err=True)


def _run() -> None:  # pragma: no cover - python -m labb
    main(prog_name=os.path.basename(sys.argv[0]) or "labb")
