"""URL-style parameters (`q`, a list per facet, `sort`, `page`, `per_page`, `lang`, `exact`)
read into a Query, with a QueryProblem for every value that cannot be used."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..facets import BY_NAME, FACETS, N_, closest, closest_name
from ..model import SORTS, Note, Query, QueryProblem
from ..vocab import Vocabularies

MAX_PER_PAGE = 100


def parse_params(params: Mapping[str, Iterable[str]], vocabs: Vocabularies) -> tuple[Query, list[QueryProblem]]:
    """Build a Query from URL-style parameters, with a problem for every value that
    could not be used. The query does without them: an unknown facet value is left
    out, a bad sort or number takes its default. (Unknown parameter names are not
    read, so not reported.)"""
    problems: list[QueryProblem] = []

    def first(name: str, default: str = "") -> str:
        values = list(params.get(name) or ())
        return str(values[0]) if values else default

    filters: dict[str, frozenset[str]] = {}
    for facet in BY_NAME.values():
        values = {str(v).strip() for v in params.get(facet.name) or () if str(v).strip()}
        if not values:
            continue
        good = {v for v in values if facet.known(v, vocabs)}
        known = {facet.canonical(v, vocabs) for v in good}
        for bad in sorted(values - good):
            problems.append(
                QueryProblem(
                    facet.name,
                    bad,
                    f"`{bad[:60]}` is not a known {facet.name.replace('_', ' ')}",
                    facet.suggest(bad, vocabs),
                )
            )
        if known:
            filters[facet.name] = frozenset(known)
    sort = first("sort", "relevance")
    if sort not in SORTS:
        problems.append(QueryProblem("sort", sort, f"unknown sort `{sort[:30]}`", closest(sort, SORTS)))
        sort = "relevance"
    page = _number(first("page", "1"), 1, problems, "page")
    per_page = min(_number(first("per_page", "20"), 20, problems, "per_page"), MAX_PER_PAGE)
    lang = first("lang", "en")
    if lang not in vocabs["languages"]:
        lang = "en"
    exact = first("exact").strip().lower() in ("1", "true", "yes", "on")
    query = Query(text=first("q"), filters=filters, sort=sort, page=page, per_page=per_page, lang=lang, exact=exact)
    return query, problems


NOTES = {
    "sort": N_("Unknown sort `%(value)s`; sorted by relevance."),
    "page": N_("`%(value)s` is not a valid page; using 1."),
    "per_page": N_("`%(value)s` is not a valid number of results per page; using 20."),
}
"""What the search page says of a problem, and what it did instead; any other is a facet value."""


def problem_notes(problems: Iterable[QueryProblem]) -> list[Note]:
    """The problems as the search page's notes: each says what was done instead."""
    notes = []
    for p in problems:
        value = p.value[:60]
        if p.parameter in NOTES:
            note = Note(NOTES[p.parameter], value=value)
        else:
            named = Note(BY_NAME[p.parameter].in_text) if p.parameter in BY_NAME else p.parameter
            note = Note(N_("`%(value)s` is not a known %(facet)s; it was ignored."), value=value, facet=named)
        if p.suggestion:
            note += Note(N_("Did you mean `%(suggestion)s`?"), suggestion=p.suggestion)
        notes.append(note)
    return notes


def facet_problem(name: str) -> QueryProblem | None:
    """The problem with a facet name (`--filter NAME=VALUE`), or None when it is a facet."""
    if name in FACETS:
        return None
    suggestion = closest_name(name)
    among = "" if suggestion else f"; the facets are {', '.join(FACETS)}"
    return QueryProblem("facet", name, f"`{name[:60]}` is not a facet{among}", suggestion)


def _number(text: str, default: int, problems: list[QueryProblem], name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        problems.append(QueryProblem(name, text, f"`{text[:20]}` is not a valid {name}"))
        return default
    return value
