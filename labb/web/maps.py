"""The map (/map) and the region pages (/regions/<code>).

The map is a choropleth drawn server-side as inline SVG: the NUTS 2 regions of
``static/map/nuts2-2024.json`` (GISCO's NUTS 2024 at 1:60 million, projected,
simplified and quantised by ``scripts/nuts_regions.py``) over the country outlines of
``static/map/europe.svg`` (``scripts/build_map.py``), each region shaded by the number
of practices of the current search in it or in its NUTS 3 regions. Practices that
name a whole NUTS 1 region or a country are listed beside the map and their area is
outlined. Each shaded region is a link to its region page; the list below the map says
the same in words. Everything works without JavaScript; ``static/map/map.js`` only
opens a region's panel next to the map instead of leaving the page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for

from ..facets import FACETS
from ..model import Query, Results, fold
from ..search import run
from .i18n import current, ngettext, number, percent, say
from .pages import describe
from .views import request_params, searcher, vocabs

bp = Blueprint("maps", __name__)

MAP_DIR = Path(__file__).with_name("static") / "map"


def laea(lon: float, lat: float, p: Mapping[str, Any]) -> tuple[float, float]:
    """Lambert azimuthal equal-area (spherical) centred on p's lon0/lat0, then to SVG
    units: x grows east, y grows south."""
    lam, phi = math.radians(lon - p["lon0"]), math.radians(lat)
    phi0 = math.radians(p["lat0"])
    cos_c = math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam)
    k = math.sqrt(2 / max(1 + cos_c, 1e-12))
    x = k * math.cos(phi) * math.sin(lam)
    y = k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam))
    return (x - p["x0"]) * p["scale"], (p["y0"] - y) * p["scale"]


def inset_of(lon: float, lat: float, p: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The inset (Azores, Madeira, Canaries) whose lon/lat box holds the point, if any."""
    for inset in p.get("insets", ()):
        west, south, east, north = inset["bbox"]
        if west <= lon <= east and south <= lat <= north:
            return inset
    return None


def project(
    lon: float, lat: float, p: Mapping[str, Any], inset: Mapping[str, Any] | None = None
) -> tuple[float, float]:
    """A point's place on the map, moved into its inset when it lies in one.
    Shared with scripts/build_map.py, so markers sit where the outlines are."""
    x, y = laea(lon, lat, p)
    inset = inset or inset_of(lon, lat, p)
    if inset:
        x, y = x * inset["k"] + inset["dx"], y * inset["k"] + inset["dy"]
    return x, y


@cache
def projection() -> dict[str, Any]:
    return json.loads((MAP_DIR / "europe.json").read_text(encoding="utf-8"))


@cache
def outline() -> dict[str, Any]:
    """The NUTS 2 shapes as SVG path data (see scripts/nuts_regions.py)."""
    return json.loads((MAP_DIR / OUTLINE).read_text(encoding="utf-8"))


OUTLINE = "nuts2-2024.json"
CLASSES: tuple[tuple[int, int | None], ...] = ((1, 1), (2, 2), (3, 4), (5, 9), (10, None))
"""Practices per region of each colour class (1-5; 0 is none). Colours: static/map/map.css."""
COLOURS = {0: "#f1f3f5", 1: "#5183c0", 2: "#3a6aa8", 3: "#27528f", 4: "#183c72", 5: "#0a244c"}
"""The fill of each class, as in map.css (tests/test_map.py checks their contrast)."""


def shade(count: int) -> int:
    """The colour class of a region with `count` practices."""
    for n, (low, high) in enumerate(CLASSES, 1):
        if count >= low and (high is None or count <= high):
            return n
    return 0


def _plural(n: int) -> str:
    return ngettext("%(num)d practice", "%(num)d practices", n)


def region_counts(results: Results) -> dict[str, int]:
    """Practices of the results per region, each counted in its region and every region
    above it (the region facet's counts, narrowed to the selected regions if any)."""
    counts = {v.value: v.count for v in results.facets.get("region", ()) if v.count}
    selected = results.query.filters.get("region")
    if not selected:
        return counts
    out, above = {}, vocabs().ancestors
    for code, n in counts.items():
        if any(s == code or s in above(code) for s in selected):
            out[code] = n  # under a selected region: all of its practices are results
            continue
        below = [s for s in selected if code in above(s)]
        outer = [s for s in below if not any(o in above(s) for o in below)]
        if total := sum(counts.get(s, 0) for s in outer):
            out[code] = total
    return out


def _own(counts: Mapping[str, int]) -> dict[str, int]:
    """Practices that name the region itself, not one under it."""
    v = vocabs()
    own = dict(counts)
    for code, n in counts.items():
        parent = v.parent(code)
        if parent in own:
            own[parent] -= n
    return {c: n for c, n in own.items() if n > 0}


def _format(value: Any, unit: str | None) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value).replace("-", " ").replace("_", " ").capitalize()
    if unit == "percent":
        return percent(value / 100)
    return number(value)


def region_view(code: str, lang: str) -> dict[str, Any]:
    """A region's panel as plain data; 404 for a code not in the vocabulary."""
    v = vocabs()
    term = v.regions.terms.get(code) if len(code) <= 10 else None
    if term is None:
        abort(404)
    country = v.countries.get(term.extra["country"])
    name = term.label_in(lang)
    languages = list(country.extra.get("languages", ())) if country else []
    native = [
        text
        for text in (
            *(term.label.get(code) for code in languages),
            term.extra.get("official"),
            term.extra.get("official_latn"),
        )
        if text and text != name
    ]
    name_lang = term.label_lang(lang)
    if name_lang is None:  # the official name
        own = languages[0] if languages else "en"
        name_lang = own if name == term.extra.get("official") else f"{own}-Latn"
    stats = []
    kinds = v["statistics"]
    for kind in kinds:
        stat = (term.extra.get("statistics") or {}).get(kind.id)
        if not stat:
            continue
        source = stat.get("source") or {}
        stats.append(
            {
                "label": kind.label_in(lang),
                "description": kind.description_in(lang),
                "value": _format(stat.get("value"), kind.extra.get("unit")),
                "year": stat.get("year"),
                "source": source.get("title") or source.get("url"),
                "source_url": source["url"] if str(source.get("url")).startswith(("https://", "http://")) else None,
            }
        )
    current_code = v.recode(code)  # an older code's practices are indexed under its NUTS 2024 code
    results = searcher().search(
        Query(filters={"region": frozenset({current_code})}, sort="title", per_page=100, lang=lang)
    )
    counts = {value.value: value.count for value in results.facets.get("region", ())}
    parents = list(reversed(vocabs().ancestors(code)))
    return {
        "level": term.extra.get("level"),
        "parents": [
            {"code": c, "name": v.regions.label(c, lang), "url": url_for("maps.region", code=c)} for c in parents
        ],
        "children": sorted(
            (
                {
                    "code": c,
                    "name": v.regions.label(c, lang),
                    "count_text": _plural(counts[c]),
                    "url": url_for("maps.region", code=c),
                }
                for c in v.children(code)
                if counts.get(c)
            ),
            key=lambda child: fold(child["name"]),
        ),
        "code": code,
        "name": name,
        "name_lang": name_lang,
        "native": list(dict.fromkeys(native)),
        "country": country.label_in(lang) if country else term.extra["country"],
        "stats": stats,
        "total": results.total,
        "practices": [
            {"title": h.title, "lang": h.title_lang, "url": url_for("pages.practice", practice_id=h.id)}
            for h in results.hits
        ],
        "search_url": url_for("pages.search", region=code),
        "page_url": url_for("maps.region", code=code),
        "map_url": url_for("maps.map_page", show=code),
    }


def _search_state() -> dict[str, Any]:
    """The search's state in the map's URL: words and filters (not the page or the sort)."""
    params = request_params()
    return {k: v for k, v in params.items() if k in ("q", *FACETS) and v and v != [""]}


def choropleth(results: Results, state: dict[str, Any], lang: str) -> dict[str, Any]:
    """The map of `results` as plain data: the NUTS 2 regions with their class, name and link;
    the areas of practices that name a whole country or NUTS 1 region; the list view."""
    v, shapes = vocabs(), outline()
    counts = region_counts(results)
    own = _own(counts)

    def name(code: str) -> str:
        term = v.regions.get(code)
        return f"{term.label_in(lang)}, {v.countries.label(term.extra['country'], lang)}" if term else code

    def links(code: str) -> dict[str, str]:
        return {
            "url": url_for("maps.region", code=code),
            "search_url": url_for("pages.search", **{**state, "region": [code]}),
        }

    regions, blank = [], []
    for code, d in shapes["regions"].items():
        n = counts.get(code, 0)
        if not n:
            blank.append(d)
            continue
        regions.append(
            {"code": code, "d": d, "class": shade(n), "count": n, "name": f"{name(code)}: {_plural(n)}", **links(code)}
        )
    areas = []
    for code, n in sorted(own.items()):
        term = v.regions.get(code)
        if term is None or term.extra.get("level", 2) > 1:
            continue
        areas.append(
            {
                "code": code,
                "d": shapes["outlines"].get(code, ""),
                "count": n,
                "label": term.label_in(lang),
                "level": term.extra["level"],
                "count_text": _plural(n),
                **links(code),
            }
        )
    drawn = {r["code"] for r in regions}
    groups: dict[str, list[dict[str, Any]]] = {}
    for code, n in counts.items():
        term = v.regions.get(code)
        if term is None or term.extra.get("level") != 2:
            continue
        groups.setdefault(v.countries.canonical(term.extra["country"]), []).append(
            {
                "code": code,
                "label": term.label_in(lang),
                "count": n,
                "count_text": _plural(n),
                "off_map": code not in drawn,
                **links(code),
            }
        )
    for area in areas:
        country = v.region_country(area["code"]) or ""
        groups.setdefault(country, []).append({**area, "whole": True, "off_map": False})

    def order(r: dict[str, Any]) -> tuple[bool, str]:
        return not r.get("whole"), fold(r["label"])

    listing: list[dict[str, Any]] = [
        {"country": v.countries.label(cc, lang), "regions": sorted(rs, key=order)}
        for cc, rs in sorted(groups.items(), key=lambda kv: fold(v.countries.label(kv[0], lang)))
    ]
    national = results.total - sum(n for c, n in counts.items() if len(c) == 2)
    legend = [
        {"class": n, "text": str(low) if high == low else (f"{low}–{high}" if high else f"{low}+")}
        for n, (low, high) in enumerate(CLASSES, 1)
    ]
    return {
        "regions": sorted(regions, key=lambda r: r["code"]),
        "blank": blank,
        "borders": shapes["borders"],
        "areas": areas,
        "groups": listing,
        "legend": legend,
        "in_regions": sum(counts.get(c, 0) for c in drawn),
        "national": national,
        "width": shapes["width"],
        "height": shapes["height"],
    }


@bp.route("/map")
def map_page():
    lang = current()
    state = _search_state()
    results = run({**state, "lang": [lang], "per_page": ["1"]}, searcher())
    chosen = request.args.get("show", "")[:10]
    panel = region_view(chosen, lang) if chosen and chosen in vocabs().regions.terms else None
    data = choropleth(results, state, lang)
    filtered = bool(state)
    return render_template(
        "map.html",
        map=data,
        panel=panel,
        total=results.total,
        filtered=filtered,
        describe=describe(results) if filtered else None,
        notes=[say(note) for note in results.notes],
        list_url=url_for("pages.search", **state),
        all_url=url_for("maps.map_page"),
        outline_url=url_for("static", filename="map/europe.svg"),
        attribution=projection()["attribution"],
        source=outline()["source"],
    )


@bp.route("/regions/<code>")
def region(code: str):
    panel = region_view(code, current())
    if request.args.get("partial"):
        return render_template("_region_panel.html", r=panel, page=False)
    return render_template("region.html", r=panel)
