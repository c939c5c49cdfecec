"""Practices side by side: `/compare?ids=a,b,c` and the same table as CSV.

Officers preparing a study visit or a transfer put two to four practices next to
each other. The comparison is one table, a row per fact and a column per practice,
built once as plain data (`Comparison`) that the page lays out and the CSV writes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup

from .. import markup
from ..facets import N_
from ..model import Practice, pick_text
from .i18n import current, long_date, money, number, percent
from .i18n import gettext as _
from .views import error_response, label, searcher, vocabs

bp = Blueprint("compare", __name__)

MAX_COMPARE = 4
"""At most this many practices side by side: more no longer fit a page or a printout."""
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Cell:
    """One practice's value in a row: plain text (what the CSV holds), and HTML when
    the value is Markdown; `lang` is the language of a text, when it has one."""

    text: str = ""
    html: Markup | None = None
    lang: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class Row:
    key: str
    heading: str
    cells: list[Cell]
    group: str = ""


@dataclass
class Comparison:
    practices: list[Practice]
    missing: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def groups(self) -> list[tuple[str, list[Row]]]:
        """The rows under their group headings, in order."""
        out: dict[str, list[Row]] = {}
        for row in self.rows:
            out.setdefault(row.group, []).append(row)
        return list(out.items())


def requested_ids() -> list[str]:
    """`?ids=a,b` or `?ids=a&ids=b` (the search page's check boxes), in order, once each."""
    ids: list[str] = []
    for value in request.args.getlist("ids")[:20]:
        for part in value.split(","):
            part = part.strip()[:100]
            if part and part not in ids:
                ids.append(part)
    return ids


def _text(texts: Any, p: Practice, lang: str) -> Cell:
    picked = pick_text(texts, lang, p.language)
    if picked is None:
        return Cell()
    text_lang, text = picked
    return Cell(text, Markup(markup.to_html(text)), text_lang)


def _facts(p: Practice, lang: str) -> dict[str, Cell]:
    f = p.funding
    rate = f.co_financing_rate if f else None
    end = long_date(p.period.end, p.period.precision) if p.period.end else label("statuses", p.period.status)
    where = ", ".join(x for x in (label("regions", p.region) if p.region else "", label("countries", p.country)) if x)
    return {
        "where": Cell(where),
        "status": Cell(label("statuses", p.period.status)),
        "period": Cell(f"{long_date(p.period.start, p.period.precision)} – {end}"),
        "role": Cell(label("roles", p.regional_role.type)),
        "lead": Cell(p.organisations.lead),
        "funds": Cell(", ".join(label("funds", x) for x in f.funds) if f else ""),
        "total": Cell(money(f.total_eur) or "" if f else ""),
        "eu": Cell(money(f.eu_eur) or "" if f else ""),
        "rate": Cell(percent(rate) if rate is not None else ""),
        "dimensions": Cell(", ".join(label("dimensions", d) for d in p.dimensions)),
        "target_groups": Cell(", ".join(label("target_groups", t) for t in p.target_groups)),
        "reach": Cell(f"{number(p.reach.people)} ({p.reach.year})" if p.reach else ""),
    }


FACT_ROWS = (
    ("where", N_("Where")),
    ("status", N_("Status")),
    ("period", N_("Period")),
    ("role", N_("Regional authority's role")),
    ("lead", N_("Lead organisation")),
    ("funds", N_("Funds")),
    ("total", N_("Total budget")),
    ("eu", N_("EU contribution")),
    ("rate", N_("EU co-financing rate (derived)")),
    ("dimensions", N_("Areas of integration")),
    ("target_groups", N_("Target groups")),
    ("reach", N_("People reached")),
)
"""The facts, as rows: the headings are messages the catalogues translate."""


def compare(ids: list[str], lang: str) -> Comparison:
    """The comparison of the practices `ids` names (the first `MAX_COMPARE` found)."""
    found: list[Practice] = []
    missing, dropped = [], []
    for practice_id in ids:
        practice = searcher().get(practice_id)
        if practice is None:
            missing.append(practice_id)
        elif len(found) >= MAX_COMPARE:
            dropped.append(practice_id)
        else:
            found.append(practice)
    result = Comparison(found, missing, dropped)
    facts = [_facts(p, lang) for p in found]
    result.rows += [Row(key, _(heading), [f[key] for f in facts], _("Facts")) for key, heading in FACT_ROWS]
    result.rows.append(Row("summary", _("Summary"), [_text(p.summary, p, lang) for p in found], _("Facts")))
    heading = _("Evaluation against the REGIN framework")
    for criterion in vocabs()["criteria"].terms:
        assessed = [p.evaluation.get(criterion) for p in found]
        if not any(assessed):
            continue
        name = label("criteria", criterion)
        result.rows.append(
            Row(
                f"{criterion}",
                name,
                [Cell(label("levels", a.level), level=a.level) if a else Cell(_("not assessed")) for a in assessed],
                heading,
            )
        )
        for part, part_heading in (("inspiring", _("Inspiring elements")), ("improvement", _("Room for improvement"))):
            cells = [_text(getattr(a, part), p, lang) if a else Cell() for p, a in zip(found, assessed, strict=True)]
            if any(c.text for c in cells):
                result.rows.append(Row(f"{criterion}.{part}", f"{name}: {part_heading}", cells, heading))
    for key, title in (("lessons_learnt", _("Lessons learnt")), ("transferability", _("Tips for transferability"))):
        result.rows.append(Row(key, title, [_text(getattr(p, key), p, lang) for p in found], _("Lessons")))
    return result


@bp.route("/compare")
def compare_page():
    lang = current()
    ids = requested_ids()
    comparison = compare(ids, lang)
    titles = [p.title_in(lang) for p in comparison.practices]
    kept = ",".join(p.id for p in comparison.practices)
    return render_template(
        "compare.html",
        comparison=comparison,
        titles=titles,
        csv_url=url_for("compare.compare_csv", ids=kept) if kept else None,
        search_url=url_for("pages.search"),
        max_compare=MAX_COMPARE,
        skip_to="main",
    ), (200 if comparison.practices or not ids else 404)


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


@bp.route("/compare.csv")
def compare_csv():
    comparison = compare(requested_ids(), current())
    if not comparison.practices:
        return error_response(404, "None of the practices named in `ids` exists.")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["field", *(p.id for p in comparison.practices)])
    writer.writerow(["title", *(_cell(p.title_in(current())[1]) for p in comparison.practices)])
    for row in comparison.rows:
        writer.writerow([row.key, *(_cell(c.text) for c in row.cells)])
    response = Response(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="labb-comparison.csv"'
    return response
