"""The HTML pages: the search page and a practice's page.

Every facet link, chip and page link is built here as plain data (value, label,
count, selected, URL); templates only lay it out. The whole search state lives
in the URL, so any page can be bookmarked and works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup

from .. import markup
from ..model import FACETS, SORTS, Practice, Results, pick_text
from .i18n import current, long_date, ngettext, percent
from .i18n import gettext as _
from ..search import NoIndex, Searcher, run
from ..vocab import Vocabularies

bp = Blueprint("pages", __name__)

def N_(message: str) -> str:
    """Marks a message for translation; translated where it is shown."""
    return message


FACET_TITLES = {
    "region": N_("Region"), "country": N_("Country"), "dimension": N_("Area of integration"),
    "criterion": N_("Evaluation criterion"), "target_group": N_("Target group"), "indicator": N_("Indicator"),
    "fund": N_("Fund"), "language": N_("Available in"), "role": N_("Regional authority's role"),
    "period": N_("Started in"),
}
FACET_IN_TEXT = {
    "region": N_("region"), "country": N_("country"), "dimension": N_("area of integration"),
    "criterion": N_("evaluation criterion"), "target_group": N_("target group"), "indicator": N_("indicator"),
    "fund": N_("fund"), "language": N_("available in"), "role": N_("regional authority's role"),
    "period": N_("started in"),
}
"""The facets' names inside a sentence ("practices where country is Italy")."""
SORT_LABELS = {"relevance": N_("Relevance"), "newest": N_("Newest first"), "budget": N_("Largest budget"),
               "title": N_("Title (A-Z)")}
FACETS_OPEN = ("region", "dimension", "criterion")


def searcher() -> Searcher:
    return current_app.extensions["labb.searcher"]


def vocabs() -> Vocabularies:
    return current_app.extensions["labb.vocabs"]


def request_params() -> dict[str, list[str]]:
    """The query string as lists, with every value bounded and free of control characters."""
    params: dict[str, list[str]] = {}
    for key in request.args:
        values = [v.replace("\x00", "")[:1000] for v in request.args.getlist(key)[:50]]
        params[key[:50]] = values
    return params


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    count: int | None = None
    selected: bool = False
    value: str = ""


def _state(params: dict[str, list[str]]) -> dict[str, list[str]]:
    keep = ("q", "sort", "per_page", *FACETS)  # `lang` is kept by i18n's url_defaults
    return {k: v for k, v in params.items() if k in keep and v and v != [""]}


def _url(state: dict[str, list[str]], **changes: list[str] | None) -> str:
    new = {**state, **changes}
    new = {k: v for k, v in new.items() if v}
    if new.get("sort") == ["relevance"]:
        del new["sort"]
    return url_for("pages.search", **new)


def facet_view(results: Results, state: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Each facet as plain data: its values with counts and toggle URLs, grouped where useful."""
    out = []
    countries = vocabs().countries
    for facet in FACETS:
        chosen = list(state.get(facet, []))
        links = []
        for value in results.facets.get(facet, ()):
            toggled = [v for v in chosen if v != value.value] if value.selected else [*chosen, value.value]
            links.append((value.group, Link(value.label, _url(state, **{facet: toggled, "page": None}),
                                            value.count, value.selected, value.value)))
        if not links:
            continue
        groups: dict[str | None, list[Link]] = {}
        for group, link in links:
            groups.setdefault(group, []).append(link)
        grouped = [(countries.label(g) if g else None, items) for g, items in
                   sorted(groups.items(), key=lambda kv: countries.label(kv[0]) if kv[0] else "")]
        out.append({"name": facet, "title": _(FACET_TITLES[facet]), "groups": grouped,
                    "open": facet in FACETS_OPEN or any(l.selected for _, l in links),
                    "selected": sum(1 for _, l in links if l.selected)})
    return out


def chips(results: Results, state: dict[str, list[str]]) -> list[Link]:
    out = []
    for facet in FACETS:
        for value in results.facets.get(facet, ()):
            if value.selected:
                rest = [v for v in state.get(facet, []) if v != value.value]
                out.append(Link(_("%(facet)s: %(value)s", facet=_(FACET_TITLES[facet]), value=value.label),
                                _url(state, **{facet: rest, "page": None})))
    return out


def describe(results: Results) -> str:
    """The filters in words, for the page title and heading."""
    parts = []
    for facet in FACETS:
        labels = [v.label for v in results.facets.get(facet, ()) if v.selected]
        if labels:
            parts.append(_("%(facet)s is %(values)s", facet=_(FACET_IN_TEXT[facet]),
                           values=_(" or ").join(labels)))
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
        results=results, notes=results.notes, describe=describe(results),
        facets=facet_view(results, state), chips=chips(results, state),
        clear_url=_url({k: v for k, v in state.items() if k in ("q", "sort", "lang")}),
        sorts=[Link(_(SORT_LABELS[s]), _url(state, sort=[s], page=None), selected=s == query.sort, value=s)
               for s in SORTS],
        pages=pagination(results, state),
        previous_url=_url(state, page=[str(page - 1)] if page > 2 else None) if 1 < page <= pages else None,
        next_url=_url(state, page=[str(page + 1)]) if page < pages else None,
        suggestion_url=_url(state, q=[results.suggestion], page=None) if results.suggestion else None,
        hidden={k: v for k, v in state.items() if k not in ("q",)},
        first=(page - 1) * query.per_page + 1,
        facet_url=lambda facet, value: _url({}, **{facet: [value]}),
        label=label,
    )


def label(kind: str, value: str) -> str:
    return vocabs()[kind].label(value, current())


def rich(texts: Mapping[str, str] | None, lang: str, original: str) -> dict[str, Any] | None:
    picked = pick_text(texts, lang, original)
    if picked is None:
        return None
    text_lang, text = picked
    return {"lang": text_lang, "html": Markup(markup.to_html(text))}


def plain(texts: Mapping[str, str] | None, lang: str, original: str) -> dict[str, str] | None:
    picked = pick_text(texts, lang, original)
    return {"lang": picked[0], "text": picked[1]} if picked else None


def _months(months: int | None) -> str | None:
    if months is None:
        return None
    years, rest = divmod(months, 12)
    parts = [ngettext("%(num)d year", "%(num)d years", years) if years else "",
             ngettext("%(num)d month", "%(num)d months", rest) if rest else ""]
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
        {"criterion": label("criteria", c), "id": c, "level": a.level, "level_label": label("levels", a.level),
         "inspiring": rich(a.inspiring, lang, original), "improvement": rich(a.improvement, lang, original)}
        for c, a in sorted(p.evaluation.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99)
    ]
    path = searcher().path_of(practice_id)
    rate = p.funding.co_financing_rate if p.funding else None
    return render_template(
        "practice.html",
        p=p, text_lang=lang, show_original=show_original,
        translated=current() in p.summary,
        original_url=url_for("pages.practice", practice_id=practice_id, original="1"),
        translated_url=url_for("pages.practice", practice_id=practice_id),
        title=plain(p.title, lang, original),
        summary=plain(p.summary, lang, original),
        original_title=p.title.get(original),
        texts=[(heading, rich(getattr(p, key), lang, original)) for key, heading in (
            ("description", _("Description")), ("lessons_learnt", _("Lessons learnt")),
            ("transferability", _("Tips for transferability")), ("challenges", _("Challenges")))],
        role=rich(p.regional_role.detail, lang, original),
        evaluation=evaluation,
        funding=p.funding,
        rate=percent(rate) if rate is not None else None,
        duration=_months(p.duration_months),
        start=long_date(p.period.start), end=long_date(p.period.end),
        added=long_date(p.added), reviewed=long_date(p.reviewed),
        assessed=long_date(p.assessment.date) if p.assessment else None,
        assessed_by=p.assessment.by if p.assessment else None,
        languages=[(code, label("languages", code)) for code in sorted(set(p.title) | set(p.summary))],
        similar=searcher().similar(practice_id, limit=5, lang=current()),
        edit_url=f"{current_app.config['REPOSITORY_URL']}/{path}" if path else None,
        facet_url=lambda facet, value: url_for("pages.search", **{facet: value}),
        label=label,
    )


@bp.app_errorhandler(404)
def not_found(error):
    return render_template("error.html", status=404, title=_("Page not found"),
                           message=_("There is no page at this address. It may have moved, or the link may be "
                                     "mistyped.")), 404


@bp.app_errorhandler(400)
def bad_request(error):
    return render_template("error.html", status=400, title=_("Bad request"),
                           message=_("The request could not be understood.")), 400


@bp.app_errorhandler(NoIndex)
def no_index(error):
    return render_template("error.html", status=503, title=_("The search index is being prepared"),
                           message=_("Please try again in a minute.")), 503


@bp.app_errorhandler(500)
def server_error(error):
    return render_template("error.html", status=500, title=_("Something went wrong"),
                           message=_("The page could not be shown. Please try again later.")), 500
