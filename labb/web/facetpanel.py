"""The search page's filters: each facet's values as toggle links with their counts,
the region facet as a tree (country, NUTS 1, NUTS 2) and the evaluation criteria as
a matrix of criterion by level.

A search page lists some 300 values, so they are written here as HTML straight from
the result set's facet values, with labels escaped once and links joined from parts
encoded once per page (`Urls`); the template `_facets.html` lays out the facets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from ..facets import REGISTRY
from ..model import FacetValue, Results, fold
from .i18n import current
from .i18n import gettext as _
from .urls import Urls, attribute
from .views import escaped_label, vocabs

TOP_VALUES = 8
"""A long facet lists this many values, and the others under "show all"."""
REGION_DEPTH = 2
"""The region tree's deepest level (NUTS 2); a selected NUTS 3 region is shown all the same."""
REGION_NODES = 250
"""A region tree with more nodes than this shows NUTS 2 regions only under a selected region."""


@dataclass(frozen=True)
class Words:
    """What the links say to a screen reader, in the reader's language."""

    selected: str
    practices: str
    all_of: str
    """"All of %(region)s": the first item under a region, which selects all of it."""
    any_level: str


@dataclass(frozen=True)
class Panel:
    """One facet of the filter panel, its parts written as HTML."""

    name: str
    title: str
    open: bool
    selected: int
    """How many of its values are selected."""
    values: int
    """How many values it lists."""
    top: Markup
    """The first `TOP_VALUES` values and any selected one, as list items."""
    more: Markup
    """The others, under "show all"."""
    tree: Markup | None = None
    """The region facet: its tree, as nested list items."""
    matrix: Markup | None = None
    """The criterion facet: the matrix's table rows."""


def panels(results: Results, url: Urls, words: Words) -> list[Panel]:
    """The facets that have values, in the registry's order."""
    writer = _Writer(url, words)
    out = []
    for facet in REGISTRY:
        name = facet.name
        values = results.facets.get(name, ())
        if name == "region":
            values = _region_values(values)
        if not values:
            continue
        selected = sum(1 for v in values if v.selected)
        tree = matrix = None
        top = more = Markup()
        if name == "region":
            tree = Markup(writer.tree(values))
        elif name == "criterion":
            matrix = Markup(writer.matrix(values))
        else:
            first = [v for n, v in enumerate(values) if n < TOP_VALUES or v.selected]
            rest = [v for n, v in enumerate(values) if n >= TOP_VALUES and not v.selected]
            top, more = Markup(writer.items(name, first)), Markup(writer.items(name, rest))
        out.append(
            Panel(name, _(facet.title), facet.open or selected > 0, selected, len(values), top, more, tree, matrix)
        )
    return out


class _Writer:
    """Writes toggle links: a check box, the label and the count, with the words a
    screen reader says."""

    def __init__(self, url: Urls, words: Words) -> None:
        self.url = url
        self.selected = _html(words.selected)
        self.practices = _html(words.practices)
        self.all_of = words.all_of
        self.any_level = _html(words.any_level)

    def link(self, name: str, value: FacetValue, text: str | None = None) -> str:
        on = value.selected
        href = attribute(self.url.toggle(name, value.value, on))
        marked = ' selected" aria-current="true' if on else ""
        said = f'<span class="visually-hidden">{self.selected}, </span>' if on else ""
        return (
            f'<a href="{href}" class="facet-value{marked}" rel="nofollow">'
            f'<span class="check" aria-hidden="true">{"☑" if on else "☐"}</span>'
            f'<span class="facet-label">{_html(text or value.label)}</span>'
            f'<span class="count">{said}{value.count}'
            f'<span class="visually-hidden"> {self.practices}</span></span></a>'
        )

    def items(self, name: str, values: list[FacetValue]) -> str:
        return "".join(f"<li>{self.link(name, v)}</li>" for v in values)

    def tree(self, values: tuple[FacetValue, ...]) -> str:
        """The regions as a tree, each under the nearest region above it that is listed,
        in the order of their labels: a region with regions under it is a disclosure
        (open when a region in it is selected) whose first item selects all of it."""
        by_code = {v.value: v for v in values}
        above = vocabs().ancestors
        children: dict[str | None, list[FacetValue]] = {}
        for code, value in by_code.items():
            parent = next((a for a in above(code) if a in by_code), None)
            children.setdefault(parent, []).append(value)
        for kids in children.values():
            kids.sort(key=lambda v: _folded(v.label))

        def branch(value: FacetValue) -> tuple[str, bool]:
            """The node's list item, and whether it or a region under it is selected."""
            kids = [branch(k) for k in children.get(value.value, ())]
            names = f'<li data-names="{_region_names(value.value)}">'
            if not kids:
                return f"{names}{self.link('region', value)}</li>", value.selected
            opened = value.selected or any(selected for _, selected in kids)
            return (
                f'{names}<details{" open" if opened else ""}><summary><span class="tree-name">{_html(value.label)}'
                f'</span> <span class="count">{value.count}<span class="visually-hidden"> {self.practices}'
                f'</span></span></summary><ul><li class="tree-all">'
                f"{self.link('region', value, self.all_of % {'region': value.label})}</li>"
                f"{''.join(html for html, _ in kids)}</ul></details></li>"
            ), opened

        return "".join(branch(v)[0] for v in children.get(None, ()))

    def matrix(self, values: tuple[FacetValue, ...]) -> str:
        """The criteria matrix's rows: a row per criterion with practices, a cell per
        level, each the toggle of `criterion:level` with its count (a dash where no
        practice has it); a criterion selected without a level keeps its link in its row."""
        v = vocabs()
        by_value = {value.value: value for value in values}
        levels = list(v["levels"].terms)
        rows = []
        for criterion in v["criteria"].terms:
            cells = [by_value.get(f"{criterion}:{level}") for level in levels]
            any_ = by_value.get(criterion)
            if not any(cells) and any_ is None:
                continue
            label = escaped_label("criteria", criterion, current())
            head = label
            if any_ is not None:
                on = any_.selected
                href = attribute(self.url.toggle("criterion", criterion, on))
                marked = ' aria-current="true"' if on else ""
                head = (
                    f'<a href="{href}" class="criterion-any{" selected" if on else ""}"{marked} rel="nofollow">'
                    f'{label}<span class="visually-hidden">, {self.any_level}{", " + self.selected if on else ""}: '
                    f"{any_.count} {self.practices}</span></a>"
                )
            tds = "".join(self._cell(cell, level) for cell, level in zip(cells, levels))
            rows.append(f'<tr><th scope="row">{head}</th>{tds}</tr>')
        return "\n".join(rows)

    def _cell(self, cell: FacetValue | None, level: str) -> str:
        if cell is None:
            return '<td><span class="cell-none" aria-hidden="true">–</span></td>'
        on = cell.selected
        href = attribute(self.url.toggle("criterion", cell.value, on))
        marked = ' aria-current="true"' if on else ""
        return (
            f'<td><a href="{href}" class="cell level-{_html(level)}{" selected" if on else ""}"{marked} '
            f'rel="nofollow"><span class="visually-hidden">{_html(cell.label)}{", " + self.selected if on else ""}: '
            f'</span>{cell.count}<span class="visually-hidden"> {self.practices}</span></a></td>'
        )


@lru_cache(maxsize=16_384)
def _folded(label: str) -> str:
    """`label` as the tree sorts it."""
    return fold(label)


@lru_cache(maxsize=16_384)
def _html(text: str) -> str:
    """`text` escaped for HTML (labels recur on every page)."""
    return str(escape(text))


def _region_values(values: tuple[FacetValue, ...]) -> tuple[FacetValue, ...]:
    """The region facet's values the tree shows: countries, NUTS 1 and NUTS 2 regions
    that hold practices (the search counts no deeper: `REGION_DEPTH`) and any selected
    region. When that is more than `REGION_NODES` (thousands of practices all over
    Europe), a NUTS 2 region is shown once a region above it is selected: the page
    stays light, and a reader goes down the tree a level at a time."""
    if len(values) <= REGION_NODES:
        return values
    regions = vocabs()
    level = regions.region_level
    chosen = {v.value for v in values if v.selected}
    if not chosen:
        return tuple(v for v in values if level(v.value) <= 1)
    on_the_way = {a for code in chosen for a in regions.ancestors(code)}
    return tuple(
        v
        for v in values
        if level(v.value) <= 1 or v.selected or v.value in on_the_way or chosen & set(regions.ancestors(v.value))
    )


_NAMES: dict[str, str] = {}


def _region_names(code: str) -> str:
    """A region's code and names in every language, escaped for an attribute, for the
    type-ahead box (kept: they never change)."""
    if code not in _NAMES:
        term = vocabs().regions.get(code)
        if term is None:
            return _html(code)
        official = (str(term.extra[k]) for k in ("official", "official_latn") if term.extra.get(k))
        _NAMES[code] = _html(" | ".join(dict.fromkeys([code, *term.label.values(), *official])))
    return _NAMES[code]
