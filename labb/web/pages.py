"""The HTML pages: the search page and a practice's page.

Every facet link, chip and page link is built here as plain data (value, label,
count, selected, URL); templates only lay it out. The whole search state lives
in the URL, so any page can be bookmarked and works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup

from ..facets import FACETS, N_, REGISTRY
from ..model import SORTS, Practice, Results, fold
from ..search import run
from .i18n import current, long_date, ngettext, percent
from .i18n import gettext as _
from .views import Link, label, plain, request_params, rich, searcher, vocabs

bp = Blueprint("pages", __name__)

EDITORS = N_("labb editors")
"""Who assessed most practices, as the files name them; shown in the reader's language."""
SORT_LABELS = {
    "relevance": N_("Relevance"),
    "newest": N_("Newest first"),
    "budget": N_("Largest budget"),
    "title": N_("Title (A-Z)"),
}


def _state(params: dict[str, list[str]]) -> dict[str, list[str]]:
    keep = ("q", "sort", "per_page", "exact", *FACETS)  # `lang` is kept by i18n's url_defaults
    return {k: v for k, v in params.items() if k in keep and v and v != [""]}


def _only(state: dict[str, list[str]], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k in keys}


def _url(state: dict[str, list[str]], **changes: list[str] | None) -> str:
    new: dict[str, Any] = {k: v for k, v in {**state, **changes}.items() if v}
    if new.get("sort") == ["relevance"]:
        del new["sort"]
    return url_for("pages.search", **new)


def facet_view(results: Results, state: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Each facet as plain data: its values with counts and toggle URLs, grouped where useful."""
    out = []
    countries, lang = vocabs().countries, current()
    for facet in REGISTRY:
        chosen = list(state.get(facet.name, []))
        links = []
        for value in results.facets.get(facet.name, ()):
            toggled = [v for v in chosen if v != value.value] if value.selected else [*chosen, value.value]
            links.append(
                (
                    value.group,
                    Link(
                        value.label,
                        _url(state, **{facet.name: toggled, "page": None}),
                        value.count,
                        value.selected,
                        value.value,
                    ),
                )
            )
        if not links:
            continue
        groups: dict[str | None, list[Link]] = {}
        for group, link in links:
            groups.setdefault(group, []).append(link)
        grouped = [
            (countries.label(g, lang) if g else None, items)
            for g, items in sorted(groups.items(), key=lambda kv: fold(countries.label(kv[0], lang)) if kv[0] else "")
        ]
        out.append(
            {
                "name": facet.name,
                "title": _(facet.title),
                "groups": grouped,
                "tree": region_tree([link for _, link in links], lang) if facet.name == "region" else None,
                "open": facet.open or any(link.selected for _, link in links),
                "selected": sum(1 for _, link in links if link.selected),
            }
        )
    return out


def region_tree(links: list[Link], lang: str) -> list[dict[str, Any]]:
    """The region filter as a tree: country, then NUTS 1, 2 and 3, each node the region's
    toggle link (its count includes the regions under it). Only regions that hold
    practices, or are selected, are there; a node is open when it or a region under it
    is selected. Each node carries its names in every language, for the type-ahead box."""
    v = vocabs()
    by_code = {link.value: link for link in links}
    children: dict[str | None, list[str]] = {}
    for code in by_code:
        parent = v.parent(code)
        while parent is not None and parent not in by_code:
            parent = v.parent(parent)
        children.setdefault(parent, []).append(code)

    def names(code: str) -> str:
        term = v.regions.get(code)
        if term is None:
            return code
        official = (str(term.extra[k]) for k in ("official", "official_latn") if term.extra.get(k))
        return " | ".join(dict.fromkeys([code, *term.label.values(), *official]))

    def node(code: str) -> dict[str, Any]:
        kids = [node(c) for c in sorted(children.get(code, ()), key=lambda c: fold(by_code[c].label))]
        link = by_code[code]
        term = v.regions.get(code)
        return {
            "link": link,
            "level": term.extra.get("level", 0) if term else 0,
            "names": names(code),
            "children": kids,
            "open": link.selected or any(k["open"] or k["link"].selected for k in kids),
        }

    return [node(c) for c in sorted(children.get(None, ()), key=lambda c: fold(by_code[c].label))]


def chips(results: Results, state: dict[str, list[str]]) -> list[Link]:
    out = []
    for facet in REGISTRY:
        for value in results.facets.get(facet.name, ()):
            if value.selected:
                rest = [v for v in state.get(facet.name, []) if v != value.value]
                out.append(
                    Link(
                        _("%(facet)s: %(value)s", facet=_(facet.title), value=value.label),
                        _url(state, **{facet.name: rest, "page": None}),
                    )
                )
    return out


def describe(results: Results) -> str:
    """The filters in words, for the page title and heading."""
    parts = []
    for facet in REGISTRY:
        labels = [v.label for v in results.facets.get(facet.name, ()) if v.selected]
        if labels:
            parts.append(_("%(facet)s is %(values)s", facet=_(facet.in_text), values=_(" or ").join(labels)))
    text = results.query.text.strip()
    where = _(" and ").join(parts)
    if text and where:
        return _("Practices matching “%(text)s” where %(filters)s", text=text, filters=where)
    if text:
        return _("Practices matching “%(text)s”", text=text)
    if where:
        return _("Practices where %(filters)s", filters=where)
    return _("All practices")


def pagination(results: Results, state: dict[str, list[str]]) -> list[Link]:
    page, pages = results.query.page, results.pages
    if pages <= 1:
        return []
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links, previous = [], 0
    for n in numbers:
        if n - previous > 1:
            links.append(Link("…", ""))
        links.append(Link(str(n), _url(state, page=[str(n)] if n > 1 else None), selected=n == page))
        previous = n
    return links


@bp.route("/")
def search():
    params = request_params()
    params["lang"] = [current()]
    results = run(params, searcher())
    query = results.query
    state = _state(params)
    page, pages = results.query.page, results.pages
    if results.page_problem:  # past the last page: a 404 that links to the last one
        last = _url(state, page=[str(pages)] if pages > 1 else None)
        message = Markup('<a href="{}">{}</a>').format(last, results.page_problem.sentence)
        return render_template("error.html", status=404, title=_("Page not found"), message=message), 404
    return render_template(
        "search.html",
        results=results,
        notes=results.notes,
        describe=describe(results),
        facets=facet_view(results, state),
        chips=chips(results, state),
        clear_url=_url({k: v for k, v in state.items() if k in ("q", "sort", "lang")}),
        sorts=[
            Link(_(SORT_LABELS[s]), _url(state, sort=[s], page=None), selected=s == query.sort, value=s) for s in SORTS
        ],
        pages=pagination(results, state),
        previous_url=_url(state, page=[str(page - 1)] if page > 2 else None) if 1 < page <= pages else None,
        next_url=_url(state, page=[str(page + 1)]) if page < pages else None,
        suggestion_url=_url(state, q=[results.suggestion], page=None) if results.suggestion else None,
        corrected=Markup(", ").join(Markup("<em>{}</em>").format(found) for _, found in results.corrected),
        exact_url=_url(state, exact=["1"], page=None),
        hidden={k: v for k, v in state.items() if k not in ("q", "exact")},  # a new query is corrected again
        map_url=url_for("maps.map_page", **dict(_only(state, ("q", *FACETS)))),
        first=(page - 1) * query.per_page + 1,
        facet_url=lambda facet, value: _url({}, **{facet: [value]}),
        label=label,
    )


def _months(months: int | None) -> str | None:
    if months is None:
        return None
    years, rest = divmod(months, 12)
    parts = [
        ngettext("%(num)d year", "%(num)d years", years) if years else "",
        ngettext("%(num)d month", "%(num)d months", rest) if rest else "",
    ]
    return " ".join(p for p in parts if p) or _("under a month")


@bp.route("/practices/<practice_id>")
def practice(practice_id: str):
    found = searcher().get(practice_id) if len(practice_id) <= 100 else None
    if found is None:
        abort(404)
    p: Practice = found
    original = p.language
    show_original = request.args.get("original") == "1"
    lang = original if show_original else current()
    order = list(vocabs()["criteria"].terms)
    evaluation = [
        {
            "criterion": label("criteria", c),
            "id": c,
            "level": a.level,
            "level_label": label("levels", a.level),
            "inspiring": rich(a.inspiring, lang, original),
            "improvement": rich(a.improvement, lang, original),
            "evidence_gaps": rich(a.evidence_gaps, lang, original),
        }
        for c, a in sorted(p.evaluation.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99)
    ]
    path = searcher().path_of(practice_id)
    rate = p.funding.co_financing_rate if p.funding else None
    return render_template(
        "practice.html",
        p=p,
        text_lang=lang,
        show_original=show_original,
        translated=current() in p.summary,
        original_url=url_for("pages.practice", practice_id=practice_id, original="1"),
        translated_url=url_for("pages.practice", practice_id=practice_id),
        title=plain(p.title, lang, original),
        summary=plain(p.summary, lang, original),
        original_title=p.title.get(original),
        texts=[  # the first two before the results, the others after them
            (heading, rich(getattr(p, key), lang, original))
            for key, heading in (
                ("objectives", _("Objectives")),
                ("description", _("Description")),
                ("lessons_learnt", _("Lessons learnt")),
                ("transferability", _("Tips for transferability")),
                ("challenges", _("Challenges")),
            )
        ],
        role=rich(p.regional_role.detail, lang, original),
        results=rich(p.results.text, lang, original) if p.results else None,
        figures=p.results.figures if p.results else [],
        reach_note=plain(p.reach.note, lang, original) if p.reach else None,
        source_numbers={s.url: n for n, s in enumerate(p.sources, 1)},
        plain=plain,
        evaluation=evaluation,
        funding=p.funding,
        rate=percent(rate) if rate is not None else None,
        duration=_months(p.duration_months),
        start=long_date(p.period.start, p.period.precision),
        end=long_date(p.period.end, p.period.precision),
        added=long_date(p.added),
        reviewed=long_date(p.reviewed),
        assessed=long_date(p.assessment.date) if p.assessment else None,
        assessed_by=(_(EDITORS) if p.assessment.by == EDITORS else p.assessment.by) if p.assessment else None,
        languages=[(code, label("languages", code)) for code in sorted(set(p.title) | set(p.summary))],
        similar=searcher().similar(practice_id, limit=5, lang=current()),
        edit_url=f"{current_app.config['REPOSITORY_URL']}/{path}" if path else None,
        facet_url=lambda facet, value: url_for("pages.search", **{facet: value}),
        label=label,
    )
