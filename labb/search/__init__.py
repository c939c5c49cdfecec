"""Answer a Query with Results: full-text search, facets, sorting, snippets.

The CLI, the web pages and the JSON API all search through `Searcher.search`. The
package is split by job:

- `generations`: opening the live generation, and again when it changes;
- `params`: URL-style parameters read into a Query, with its problems;
- `text`: the words parsed, with vocabulary labels as a way in;
- `counting`: filters and disjunctive facet counts on bitmaps;
- `snippets`: snippets and spelling suggestions;
- `searcher`: the `Searcher` that puts them together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from ..model import Results
from .generations import NoIndex
from .params import MAX_PER_PAGE, facet_problem, parse_params, problem_notes
from .searcher import CACHE_ENTRIES, Searcher, Selection
from .text import MAX_QUERY

__all__ = [
    "CACHE_ENTRIES",
    "MAX_PER_PAGE",
    "MAX_QUERY",
    "NoIndex",
    "Searcher",
    "Selection",
    "facet_problem",
    "parse_params",
    "problem_notes",
    "run",
]


def run(params: Mapping[str, Iterable[str]], searcher: Searcher, depth: int | None = None) -> Results:
    """Parse URL-style parameters and search, noting each problem and going on without
    it: what the search page does. (The API and the command line refuse a problem
    instead: they call parse_params and Searcher.search themselves.) `depth`: see `Query.depth`."""
    query, problems = parse_params(params, searcher.vocabs)
    if depth is not None:
        query = replace(query, depth=depth)
    results = searcher.search(query)
    return replace(results, notes=(*problem_notes(problems), *results.notes)) if problems else results
