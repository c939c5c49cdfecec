"""The HTML pages: the search page, a practice's page and how practices are assessed.

Chips, sorts and page links are built here as plain data (label, URL, count,
selected), result cards as HTML (`Cards`) and the filter panel by `facetpanel`;
templates lay them out. The whole search state lives in the URL, so any page can be
bookmarked and works without JavaScript.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup, escape

from ..facets import FACETS, N_, REGISTRY
from ..model import SORTS, Hit, Practice, Query, Results
from ..search import Searcher, parse_params, run
from .compare import MAX_COMPARE
from .facetpanel import REGION_DEPTH, Words, panels
from .i18n import current, long_date, ngettext, percent, say
from .i18n import gettext as _
from .urls import Urls
from .views import Link, escaped_label, label, plain, request_params, rich, searcher, vocabs

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


CARDS = 10_000
"""Result cards kept written per process (then the memory starts afresh): some 2 KB
each, and each holds its practice (as the generation's own cache of practices does)."""
_WRITTEN: dict[tuple, tuple[Practice, str, str]] = {}


class Cards:
    """Writes a result card: the title, meta data, the snippet (which depends on the
    search) and the tags of a practice. A search page has 20 cards of some 15 parts
    each; written here, with labels kept per language and each tag link written once
    per page, a card costs some 50 microseconds (as template macros, 400). What
    surrounds the snippet is kept (`CARDS`) for the practice, the reader's language and
    the addresses it links to: a practice found again is not written again (60 -> 20
    microseconds a card, its snippet's 10 included)."""

    def __init__(self, everything: Urls):
        self.lang = current()
        self.facet_url = lambda facet, value: everything(**{facet: [value]})
        self.compare = escape(_("Compare"))
        self.ongoing = escape(_("ongoing"))
        self.tags = escape(_("Areas of integration and criteria"))
        self.practice_url = url_for("pages.practice", practice_id="\0")  # "%00" in it, for the id
        self._links: dict[tuple[str, str], str] = {}
        self._context = (self.lang, self.practice_url, everything.path, everything.kept)

    def __call__(self, hit: Hit) -> Markup:
        # A practice is immutable, and the entry holds it, so no other object can take its
        # id while the entry is kept: the id and the title chosen for the reader's language
        # stand for everything the card shows.
        p = hit.practice
        key = (self._context, id(p), hit.title, hit.title_lang)
        written = _WRITTEN.get(key)
        if written is None:
            if len(_WRITTEN) >= CARDS:
                _WRITTEN.clear()
            written = _WRITTEN[key] = (p, self.head(hit), self.tail(hit))
        return Markup(f"{written[1]}{self.snippet(hit)}{written[2]}")

    def snippet(self, hit: Hit) -> Markup:
        """The snippet, its matched words marked."""
        parts = (f"<mark>{escape(s.text)}</mark>" if s.hit else str(escape(s.text)) for s in hit.snippet)
        return Markup(f'\n  <p class="snippet" lang="{escape(hit.summary_lang)}">{"".join(parts)}</p>\n  ')

    def label(self, kind: str, value: str) -> str:
        return escaped_label(kind, value, self.lang)

    def head(self, hit: Hit) -> Markup:
        p, title, id_ = hit.practice, escape(hit.title), escape(hit.id)
        where = f"{self.label('regions', p.region)}, " if p.region else ""
        end = p.period.end.year if p.period.end else self.ongoing
        funds = ""
        if p.funding:
            funds = f"<span>{', '.join(self.label('funds', f) for f in p.funding.funds)}</span>"
        url = self.practice_url.replace("%00", quote(hit.id), 1)
        return Markup(
            f'<li class="result">\n  <div class="result-head">\n'
            f'    <h3><a href="{url}" lang="{escape(hit.title_lang)}">{title}</a></h3>\n'
            f'    <span class="compare-pick"><input type="checkbox" name="ids" value="{id_}" id="compare-{id_}">'
            f'<label for="compare-{id_}">{self.compare}<span class="visually-hidden">: {title}</span></label></span>\n'
            f'  </div>\n  <p class="meta">\n    <span>{where}{self.label("countries", p.country)}</span>\n'
            f"    <span>{p.period.start.year}–{end}</span>\n    {funds}\n  </p>"
        )

    def tail(self, hit: Hit) -> Markup:
        p = hit.practice
        tags = [self._tag("dimension", d, "tag", self.label("dimensions", d)) for d in p.dimensions]
        for criterion, assessed in p.evaluation.items():
            level = assessed.level
            text = f"{self.label('criteria', criterion)}: {self.label('levels', level)}"
            tags.append(self._tag("criterion", f"{criterion}:{level}", f"tag tag-{escape(level)}", text))
        return Markup(f'\n  <ul class="tags" aria-label="{self.tags}">{"".join(tags)}</ul>\n</li>')

    def _tag(self, facet: str, value: str, css: str, text: str) -> str:
        """A tag: the link to the search for this one value (written once per page)."""
        key = (facet, value)
        found = self._links.get(key)
        if found is None:
            url = escape(self.facet_url(facet, value))
            found = self._links[key] = f'<li><a class="{css}" href="{url}">{text}</a></li>'
        return found


def chips(results: Results, url: Urls) -> list[Link]:
    out = []
    for facet in REGISTRY:
        for value in results.facets.get(facet.name, ()):
            if value.selected:
                rest = [v for v in url.state.get(facet.name, []) if v != value.value]
                text = _("%(facet)s: %(value)s", facet=_(facet.title), value=value.label)
                out.append(Link(text, url(**{facet.name: rest})))
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


ALSO_SHOWN = 5
"""How many of the glossary labels also searched the search page names (the rest are counted)."""


def also_searched(results: Results) -> list[Markup]:
    """The note that the query also searched the glossary labels of the concepts it names
    ("Also searched: *richiedente asilo*, *turvapaikanhakija* and 31 more labels."), or none."""
    if not results.also_searched:
        return []
    shown = results.also_searched[:ALSO_SHOWN]
    labels = Markup(", ").join(Markup("<em>{}</em>").format(label) for label in shown)
    rest = len(results.also_searched) - len(shown)
    if not rest:
        return [Markup(_("Also searched: %(labels)s.", labels=labels))]
    text = ngettext(
        "Also searched: %(labels)s and %(num)d more label.",
        "Also searched: %(labels)s and %(num)d more labels.",
        rest,
        labels=labels,
    )
    return [Markup(text)]


def pagination(results: Results, url: Urls) -> list[Link]:
    page, pages = results.query.page, results.pages
    if pages <= 1:
        return []
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links, previous = [], 0
    for n in numbers:
        if n - previous > 1:
            links.append(Link("…", ""))
        links.append(Link(str(n), url(page=[str(n)] if n > 1 else None), selected=n == page))
        previous = n
    return links


FEW = 3
"""Fewer results than this, and the page offers wider searches."""
MAX_WIDER = 8


def wider(results: Results, url: Urls) -> list[Link]:
    """When no practice, or very few, match: the same search without each selected
    filter value and without each word (or without the words at all), each with its
    count, most results first; only those that find more than this search does."""
    if results.total >= FEW:
        return []
    options: list[tuple[str, dict[str, list[str] | None]]] = []
    for facet in REGISTRY:
        for value in results.facets.get(facet.name, ()):
            if value.selected:
                rest = [v for v in url.state.get(facet.name, []) if v != value.value]
                what = _("%(facet)s: %(value)s", facet=_(facet.title), value=value.label)
                options.append((_("without the filter “%(filter)s”", filter=what), {facet.name: rest}))
    words = results.query.text.split()
    if len(words) > 1:
        for n, word in enumerate(words):
            options.append((_("without the word “%(word)s”", word=word), {"q": [" ".join(words[:n] + words[n + 1 :])]}))
    elif words and len(options):
        options.append((_("without the words"), {"q": None}))
    found = []
    for text, change in options[:MAX_WIDER]:
        params = {k: v for k, v in {**url.state, **change}.items() if v}
        total = searcher().total(parse_params(params, vocabs())[0])
        if total > results.total:
            found.append(Link(text, url(**change), total))
    return sorted(found, key=lambda link: -(link.count or 0))


def feed_url(state: dict[str, list[str]]) -> str:
    """The Atom feed of this search's newest practices, in the reader's language."""
    language = {"lang": current()} if current() != "en" else {}
    return url_for("exports.feed", **{**_only(state, ("q", *FACETS)), **language})


@bp.route("/")
def search():
    params = request_params()
    params["lang"] = [current()]
    results = run(params, searcher(), depth=REGION_DEPTH)
    query = results.query
    state = _state(params)
    url = Urls(state)
    page, pages = results.query.page, results.pages
    if results.page_problem:  # past the last page: a 404 that links to the last one
        last = url(page=[str(pages)] if pages > 1 else None)
        message = Markup('<a href="{}">{}</a>').format(last, results.page_problem.sentence)
        return render_template("error.html", status=404, title=_("Page not found"), message=message), 404
    words = Words(_("selected"), _("practices"), _("All of %(region)s"), _("any level"))
    facets = panels(results, url, words)
    everything = Urls({})
    return render_template(
        "search.html",
        results=results,
        notes=[*(say(note) for note in results.notes), *also_searched(results)],
        describe=describe(results),
        facets=facets,
        selected=sum(f.selected for f in facets),
        chips=chips(results, url),
        wider=wider(results, url),
        clear_url=url(**{name: None for name in FACETS}),
        sorts=[Link(_(SORT_LABELS[s]), url(sort=[s]), selected=s == query.sort, value=s) for s in SORTS],
        pages=pagination(results, url),
        previous_url=url(page=[str(page - 1)] if page > 2 else None) if 1 < page <= pages else None,
        next_url=url(page=[str(page + 1)]) if page < pages else None,
        suggestion_url=url(q=[results.suggestion]) if results.suggestion else None,
        corrected=Markup(", ").join(Markup("<em>{}</em>").format(found) for _, found in results.corrected),
        exact_url=url(exact=["1"], page=None),
        hidden={k: v for k, v in state.items() if k not in ("q", "exact")},  # a new query is corrected again
        map_url=url_for("maps.map_page", **dict(_only(state, ("q", *FACETS)))),
        feed_url=feed_url(state),
        first=(page - 1) * query.per_page + 1,
        cards=Cards(everything),
        skip_to="results",
        max_compare=MAX_COMPARE,
        levels=[(level, label("levels", level)) for level in vocabs()["levels"].terms],
        legend=any(hit.practice.evaluation for hit in results.hits),
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
    everything = Urls({})
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
        facet_url=lambda facet, value: everything(**{facet: [value]}),
        label=label,
    )


@bp.route("/assessment")
def assessment():
    """How practices are assessed: the REGIN criteria and levels in the reader's
    language, and who assessed the practices and when, from their `assessment`."""
    lang = current()
    v = vocabs()
    total, unassessed, assessors = _assessors(searcher(), searcher().generation())
    return render_template(
        "assessment.html",
        criteria=[(c, t.label_in(lang), t.description_in(lang)) for c, t in v["criteria"].terms.items()],
        levels=[(lv, t.label_in(lang), t.description_in(lang)) for lv, t in v["levels"].terms.items()],
        assessors=[
            {
                "by": _(EDITORS) if by == EDITORS else by,
                "count": seen["count"],
                "first": long_date(seen["first"]),
                "last": long_date(seen["last"]),
            }
            for by, seen in assessors
        ],
        total=total,
        unassessed=unassessed,
        facet_url=lambda facet, value: url_for("pages.search", **{facet: value}),
    )


@lru_cache(maxsize=4)
def _assessors(found: Searcher, generation: str) -> tuple[int, int, list[tuple[str, dict[str, Any]]]]:
    """(practices, practices not assessed, each assessor with how many they assessed and
    when first and last, most first), once per generation: it reads every practice
    (some 4 s at 10,000 practices)."""
    assessors: dict[str, dict[str, Any]] = {}
    unassessed = 0
    total, practices = found.ordered(Query(sort="title"))
    for p in practices:
        if not p.evaluation:
            unassessed += 1
            continue
        by = p.assessment.by if p.assessment else EDITORS
        seen = assessors.setdefault(by, {"count": 0, "first": None, "last": None})
        seen["count"] += 1
        if p.assessment:
            day = p.assessment.date
            seen["first"] = min(seen["first"] or day, day)
            seen["last"] = max(seen["last"] or day, day)
    return total, unassessed, sorted(assessors.items(), key=lambda kv: -kv[1]["count"])
