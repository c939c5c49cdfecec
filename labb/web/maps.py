"""The map (/map) and the region panels (/regions/<code>).

The map is an inline SVG: the country outlines as an <image> of the vendored
``static/map/europe.svg`` (built by ``scripts/build_map.py``), and one link per
region that has practices, placed with the projection in ``static/map/europe.json``.
Everything works without JavaScript; ``static/map/map.js`` only opens a region's
panel next to the map instead of leaving the page.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from flask import Blueprint, abort, render_template, request, url_for

from ..model import Query
from .i18n import current, ngettext, number, percent
from .pages import searcher, vocabs

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


def project(lon: float, lat: float, p: Mapping[str, Any], inset: Mapping[str, Any] | None = None) -> tuple[float, float]:
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


def _plural(n: int) -> str:
    return ngettext("%(num)d practice", "%(num)d practices", n)


def _counts() -> tuple[dict[str, int], int]:
    """Practices per region, from the facet counts of the empty search."""
    results = searcher().search(Query(per_page=1))
    return {v.value: v.count for v in results.facets.get("region", ()) if v.count}, results.total


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
    native = [term.label[l] for l in (country.extra.get("languages", ()) if country else ())
              if term.label.get(l) and term.label[l] != name]
    stats = []
    kinds = v["statistics"]
    for kind in kinds:
        stat = (term.extra.get("statistics") or {}).get(kind.id)
        if not stat:
            continue
        source = stat.get("source") or {}
        stats.append({"label": kind.label_in(lang), "description": kind.description_in(lang),
                      "value": _format(stat.get("value"), kind.extra.get("unit")), "year": stat.get("year"),
                      "source": source.get("title") or source.get("url"),
                      "source_url": source["url"] if str(source.get("url")).startswith(("https://", "http://")) else None})
    results = searcher().search(Query(filters={"region": frozenset({code})}, sort="title", per_page=100, lang=lang))
    return {
        "code": code, "name": name, "name_lang": lang if lang in term.label else "en",
        "native": list(dict.fromkeys(native)),
        "country": country.label_in(lang) if country else term.extra["country"],
        "stats": stats, "total": results.total,
        "practices": [{"title": h.title, "lang": h.title_lang, "url": url_for("pages.practice", practice_id=h.id)}
                      for h in results.hits],
        "search_url": url_for("pages.search", region=code),
        "page_url": url_for("maps.region", code=code),
        "map_url": url_for("maps.map_page", region=code),
    }


def _markers(counts: dict[str, int], lang: str) -> tuple[list[dict[str, Any]], set[str]]:
    """One marker per region with practices, biggest first so small ones stay on top."""
    p, v = projection(), vocabs()
    markers, off_map = [], set()
    for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        term = v.regions.terms.get(code)
        point = term.extra.get("point") if term else None
        if not point:
            off_map.add(code)
            continue
        x, y = project(point["lon"], point["lat"], p)
        if not (0 <= x <= p["width"] and 0 <= y <= p["height"]):
            off_map.add(code)
            continue
        name = f"{term.label_in(lang)}, {v.countries.label(term.extra['country'], lang)}"
        markers.append({"code": code, "px": round(x, 1), "py": round(y, 1), "x": x, "y": y, "count": count,
                        "r": round(6 + 3.5 * math.sqrt(count), 1), "name": f"{name}: {_plural(count)}",
                        "url": url_for("maps.region", code=code)})
    _spread(markers)
    return markers, off_map


def _spread(markers: list[dict[str, Any]], rounds: int = 40) -> None:
    """Push overlapping circles apart (a leader line then points at the true place)."""
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(markers):
            for b in markers[i + 1:]:
                dx, dy = b["x"] - a["x"], b["y"] - a["y"]
                dist = math.hypot(dx, dy)
                gap = a["r"] + b["r"] + 1 - dist
                if gap > 0.05:
                    ux, uy = (dx / dist, dy / dist) if dist > 1e-6 else (1.0, 0.0)
                    a["x"], a["y"] = a["x"] - ux * gap / 2, a["y"] - uy * gap / 2
                    b["x"], b["y"] = b["x"] + ux * gap / 2, b["y"] + uy * gap / 2
                    moved = True
        if not moved:
            break
    for m in markers:
        m["x"], m["y"] = round(m["x"], 1), round(m["y"], 1)
        m["leader"] = math.hypot(m["x"] - m["px"], m["y"] - m["py"]) > 2


def _groups(counts: dict[str, int], off_map: set[str], lang: str) -> list[dict[str, Any]]:
    """The list view: regions with practices grouped by country, both sorted by name."""
    v = vocabs()
    groups: dict[str, list[dict[str, Any]]] = {}
    for code, count in counts.items():
        term = v.regions.terms.get(code)
        if term is None:
            continue
        groups.setdefault(v.countries.canonical(term.extra["country"]), []).append({
            "code": code, "label": term.label_in(lang), "count": count, "count_text": _plural(count),
            "url": url_for("maps.region", code=code), "search_url": url_for("pages.search", region=code),
            "off_map": code in off_map})
    return [{"country": v.countries.label(cc, lang), "regions": sorted(rs, key=lambda r: r["label"])}
            for cc, rs in sorted(groups.items(), key=lambda kv: v.countries.label(kv[0], lang))]


@bp.route("/map")
def map_page():
    lang = current()
    counts, total = _counts()
    markers, off_map = _markers(counts, lang)
    chosen = request.args.get("region", "")[:10]
    panel = region_view(chosen, lang) if chosen and chosen in vocabs().regions.terms else None
    p = projection()
    return render_template(
        "map.html", markers=markers, groups=_groups(counts, off_map, lang), panel=panel,
        width=p["width"], height=p["height"], attribution=p["attribution"],
        outline_url=url_for("static", filename="map/europe.svg"),
        regions=len(counts), placed=sum(counts.values()), total=total,
    )


@bp.route("/regions/<code>")
def region(code: str):
    panel = region_view(code, current())
    if request.args.get("partial"):
        return render_template("_region_panel.html", r=panel, page=False)
    return render_template("region.html", r=panel)
