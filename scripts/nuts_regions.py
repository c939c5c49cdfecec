"""Regenerate the regions vocabulary (and the map's outlines) from Eurostat's NUTS classification.

    python scripts/nuts_regions.py FOLDER [FOLDER...] [--out labb/vocabularies/regions]
                                                    [--map labb/web/static/map/nuts2-2024.json]

Each FOLDER holds some of these source files; give as many folders as needed:

1. **GISCO's NUTS 2024 regions** (EPSG:4326, 1:60 million), as published by Eurostat/GISCO
   (https://ec.europa.eu/eurostat/web/gisco/geodata/statistical-units/territorial-units-statistics)
   and mirrored, unchanged, by the data package https://github.com/datasets/geo-nuts-administrative-boundaries
   (PDDL, source GISCO): ``NUTS_RG_60M_2024_4326_LEVL_<level>.geojson`` for levels 1-3, found
   in FOLDER or ``FOLDER/data``. Each feature has ``NUTS_ID``, ``LEVL_CODE``, ``CNTR_CODE``,
   ``NUTS_NAME`` (the official name in its own script, Greek or Cyrillic included) and
   ``NAME_LATN`` (its Latin form), and the region's polygon. From them come the official
   names, the representative points of regions that (2) lacks, and the map outline.
   Fetch them with

       git clone --depth 1 https://github.com/datasets/geo-nuts-administrative-boundaries gisco
       python scripts/nuts_regions.py gisco/data [nuts2json]

2. **The JRC NUTS converter's matrices** (https://urban.jrc.ec.europa.eu/nutsconverter, European
   Commission, Joint Research Centre; also in https://github.com/ropensci/nuts under
   ``data-raw/_JRC_NUTSconverter_Matrices_rel.2025.08/``): ``n<level>_cm_v<year>_v2024.csv`` for
   levels 1-3 and the years 2016 and 2021, in FOLDER or a folder or two below it. Each row is an
   old code, a new code and the area they share (``areaKm``): from them come the recodes.

3. **Nuts2json** (https://github.com/eurostat/Nuts2json, Eurostat/GISCO's NUTS as GeoJSON,
   about 1.7 GB; a sparse clone is enough:
   ``git clone --depth 1 --filter=blob:none --sparse https://github.com/eurostat/Nuts2json`` then
   ``git sparse-checkout set pub/v2/2016/4326 pub/v2/2021/4326 pub/v2/2024/4326``):
   ``pub/v2/<year>/4326/nutspt_<level>.json`` (levels 0-3), one point per region with ``id``
   and ``na`` (the Latin name). The 2024 points are the regions' representative points (and
   give level 0, which (1) lacks); without (2), the 2016 and 2021 points give the recodes. Each is looked
   for as ``FOLDER/pub/v2/<year>/4326/<file>``, ``FOLDER/<year>/4326/<file>``,
   ``FOLDER/<year>/<file>`` and, for 2024, ``FOLDER/<file>``.

(1) or (3) alone is enough for the vocabulary: without (1) the names are Latin only and
there is no map; without (3) level-0 points are computed from the level-1 polygons; without
(2) and (3) there are no recodes from older versions.

What it writes:

- ``<out>/<CC>.yaml``, one per country that NUTS 2024 divides (EU, EFTA and candidate
  countries; Greece is ``GR.yaml``, its NUTS codes start with EL), every code of levels 0-3
  with ``official`` (the name in its own script), ``official_latn`` (its Latin form, when it
  differs), ``level``, ``parent``, ``country`` and ``point``. Only hand-written ``label``s are
  written: the loader (``labb.vocab``) labels a region in its country's language by its official
  name when the country has one language, a level-0 region as its country, and falls back
  to the official name in every other language. Hand-written labels, keywords, descriptions
  and statistics already in those files are kept; codes that left NUTS are kept only if they
  carry hand-written data (and are reported).
- ``<out>/recodes.yaml``: codes of older versions that no longer exist and that NUTS 2024
  recoded (by (2): most of the old region's area in one new region made mostly of it; by
  (3): the same level and country, and the same name or a point less than 2 km away); also
  codes of labb's own files that NUTS dropped, matched by name (``from: [labb]``), which stay
  in their country file with ``recoded_to`` so that practices naming them keep working.
- ``--map``: the NUTS 2 regions as SVG paths in the map's projection (``static/map/europe.json``),
  simplified (Douglas-Peucker on shared boundaries, so neighbours still meet) and rounded to
  0.1 unit, with the country borders and the outline of every level-0 and level-1 region.

Eurostat asks that the NUTS boundaries be credited "© EuroGeographics for the administrative
boundaries"; every written file says so. Standard library and PyYAML only, plus labb itself
for the map's projection.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

YEAR = 2024
OLD_YEARS = (2016, 2021)
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "labb" / "vocabularies" / "regions"
COUNTRIES = ROOT / "labb" / "vocabularies" / "countries.yaml"
MAP = ROOT / "labb" / "web" / "static" / "map" / f"nuts2-{YEAR}.json"

SOURCE = "Eurostat/GISCO, NUTS {year} (https://ec.europa.eu/eurostat/web/gisco)"
ATTRIBUTION = "© EuroGeographics for the administrative boundaries"
NOT_NUTS = {"XK", "BA", "UA"}
"""Shown in Eurostat's files for context, but not divided by the NUTS classification itself."""
RECODE_KM = 2.0
MATRIX_SHARE = 0.85
"""How much of an old region a recode's new region must hold, and be made of (by area)."""
TOLERANCE = 0.5
"""Douglas-Peucker tolerance of the map outline, in SVG units (the map is 1,000 units wide)."""


# --------------------------------------------------------------------------- reading


def find(sources: Iterable[Path], year: int, name: str) -> Path | None:
    for source in sources:
        candidates = [
            source / "pub" / "v2" / str(year) / "4326" / name,
            source / str(year) / "4326" / name,
            source / str(year) / name,
        ]
        if year == YEAR:
            candidates.append(source / name)
        found = next((p for p in candidates if p.is_file()), None)
        if found:
            return found
    return None


def clean(name: str) -> str:
    """The names carry stray spaces ("Hautes-Alpes ", "Paros,  Syros", "Αττική ")."""
    return re.sub(r"\s+", " ", name).strip()


def points(sources: Iterable[Path], year: int) -> dict[str, dict[str, Any]] | None:
    """Nuts2json's points: code -> {name, level, lon, lat} for every level, or None when the year is absent."""
    found: dict[str, dict[str, Any]] = {}
    for level in range(4):
        path = find(sources, year, f"nutspt_{level}.json")
        if path is None:
            return None
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            code = feature["properties"]["id"]
            if code in found:  # the 2024 file lists LV00C twice
                continue
            lon, lat = feature["geometry"]["coordinates"][:2]
            found[code] = {"name": clean(feature["properties"]["na"] or code), "level": level, "lon": lon, "lat": lat}
    return found


def gisco_file(sources: Iterable[Path], level: int) -> Path | None:
    """GISCO's ``NUTS_RG_<scale>_2024_4326_LEVL_<level>.geojson``, the coarsest scale found."""
    for source in sources:
        for folder in (source, source / "data"):
            for scale in ("60M", "20M", "10M", "03M", "01M"):
                path = folder / f"NUTS_RG_{scale}_{YEAR}_4326_LEVL_{level}.geojson"
                if path.is_file():
                    return path
    return None


def shapes(sources: Iterable[Path]) -> dict[str, dict[str, Any]] | None:
    """GISCO's regions of levels 1-3: code -> {name (Latin), official (own script), level,
    rings}, or None when no level's file is there."""
    found: dict[str, dict[str, Any]] = {}
    for level in (1, 2, 3):
        path = gisco_file(sources, level)
        if path is None:
            continue
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            props = feature["properties"]
            code = props["NUTS_ID"]
            found[code] = {
                "name": clean(props.get("NAME_LATN") or props.get("NUTS_NAME") or code),
                "official": clean(props.get("NUTS_NAME") or props.get("NAME_LATN") or code),
                "level": int(props.get("LEVL_CODE", level)),
                "rings": rings_of(feature["geometry"]),
            }
    return found or None


def rings_of(geometry: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Every ring of a (Multi)Polygon, open (the closing point dropped), outer rings and holes alike."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    out = []
    for polygon in polygons:
        for ring in polygon:
            pts = [(float(x), float(y)) for x, y, *_ in ring]
            if len(pts) > 1 and pts[0] == pts[-1]:
                pts.pop()
            if len(pts) >= 3:
                out.append(pts)
    return out


def ring_area(ring: list[tuple[float, float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def inner_point(rings: list[list[tuple[float, float]]]) -> tuple[float, float]:
    """A point inside the largest ring: the middle of the widest span of the horizontal line
    through the ring's centroid (a centroid alone may fall outside a crescent-shaped region)."""
    ring = max(rings, key=lambda r: abs(ring_area(r)))
    area = ring_area(ring) or 1e-12
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))
    y = cy / (6 * area)
    xs = sorted(
        x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
        if (y0 <= y < y1) or (y1 <= y < y0)
    )
    spans = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    if not spans:
        return ring[0]
    west, east = max(spans, key=lambda s: s[1] - s[0])
    return (west + east) / 2, y


def regions_of(sources: list[Path], countries: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every NUTS 2024 region: code -> {name, official, level, lon, lat}. The points are
    Nuts2json's where it has them, else computed from GISCO's polygons; names are GISCO's."""
    pts = points(sources, YEAR)
    rg = shapes(sources)
    if pts is None and rg is None:
        raise SystemExit(
            f"neither GISCO's NUTS_RG_*_{YEAR}_4326_LEVL_<n>.geojson nor Nuts2json's nutspt_0..3.json "
            f"for {YEAR} under {', '.join(map(str, sources))}: see this script's docstring"
        )
    out: dict[str, dict[str, Any]] = {}
    for code, r in (pts or {}).items():
        out[code] = {"name": r["name"], "official": r["name"], "level": r["level"], "lon": r["lon"], "lat": r["lat"]}
    for code, shape in (rg or {}).items():
        region = out.get(code)
        if region is None:
            lon, lat = inner_point(shape["rings"])
            region = out[code] = {"level": shape["level"], "lon": lon, "lat": lat}
        region["name"], region["official"] = shape["name"], shape["official"]
    for cc in {c[:2] for c, r in out.items() if r["level"] == 1} - set(out):
        # no level-0 points: the country, placed inside its largest level-1 region
        children = [s for c, s in (rg or {}).items() if c[:2] == cc and s["level"] == 1]
        lon, lat = inner_point([ring for child in children for ring in child["rings"]])
        name = countries.get(cc, cc)
        out[cc] = {"name": name, "official": name, "level": 0, "lon": lon, "lat": lat}
    return out


def matrix_file(sources: Iterable[Path], level: int, year: int) -> Path | None:
    """The JRC NUTS converter's matrix from `year` to YEAR at `level`: ``n<level>_cm_v<year>_v2024.csv``."""
    name = f"n{level}_cm_v{year}_v{YEAR}.csv"
    for source in sources:
        for path in (source / name, *sorted(source.glob(f"*/{name}")), *sorted(source.glob(f"*/*/{name}"))):
            if path.is_file():
                return path
    return None


def matrix_recodes(sources: Iterable[Path], year: int) -> dict[str, tuple[str, float]] | None:
    """Codes of NUTS `year` that NUTS 2024 recoded, from the JRC NUTS converter's matrices (rows
    old code, new code, shared area in km²): an old code no longer in use whose area lies for at
    least MATRIX_SHARE in one new code, itself made for at least MATRIX_SHARE of it (a recode,
    perhaps with a municipality moved), with the smaller of the two shares; None without matrices."""
    found: dict[str, tuple[str, float]] = {}
    any_file = False
    for level in (1, 2, 3):
        path = matrix_file(sources, level, year)
        if path is None:
            continue
        any_file = True
        out: dict[str, float] = {}
        into: dict[str, float] = {}
        flows: dict[tuple[str, str], float] = {}
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                old, new, area = row[f"code_v{year}"].strip(), row[f"code_v{YEAR}"].strip(), float(row["areaKm"] or 0)
                out[old] = out.get(old, 0.0) + area
                into[new] = into.get(new, 0.0) + area
                flows[old, new] = flows.get((old, new), 0.0) + area
        for (old, new), area in flows.items():
            if old in into or not out[old] or not into[new]:
                continue  # still a NUTS 2024 code (with the same or another meaning)
            share = min(area / out[old], area / into[new])
            if share >= MATRIX_SHARE:
                found[old] = (new, round(share, 2))
    return found if any_file else None


def nuts_countries(regions: dict[str, dict[str, Any]]) -> list[str]:
    """NUTS country codes that are divided into level-1 regions."""
    return sorted({c[:2] for c, r in regions.items() if r["level"] == 1} - NOT_NUTS)


# --------------------------------------------------------------------------- building


def country_table(path: Path = COUNTRIES) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
    """NUTS country code -> labb country id (EL -> GR, UK -> GB), id -> languages, and NUTS
    country code -> the country's name in its first language (or English)."""
    terms = yaml.safe_load(path.read_text(encoding="utf-8"))["terms"]
    ids = {str(body.get("nuts", cc)): cc for cc, body in terms.items()}
    names = {}
    for cc, body in terms.items():
        languages = list(body.get("languages") or [])
        label = body.get("label") or {}
        names[str(body.get("nuts", cc))] = next((label[lang] for lang in languages if lang in label), label.get("en"))
    return ids, {cc: list(body.get("languages") or []) for cc, body in terms.items()}, names


def term(code: str, region: dict[str, Any], country: str, old: dict[str, Any] | None) -> dict[str, Any]:
    """A region's entry: GISCO's data, and what was written by hand (labels that are not one
    of the region's official names, keywords, statistics...)."""
    old = dict(old or {})
    derived = {region["official"], region["name"], old.get("official"), old.get("official_latn")}
    written = {k: v for k, v in (old.pop("label", None) or {}).items() if v not in derived}
    body: dict[str, Any] = {"label": written} if written else {}
    body["official"] = region["official"]
    if region["name"] != region["official"]:
        body["official_latn"] = region["name"]
    body |= {"country": country, "level": region["level"]}
    if region["level"]:
        body["parent"] = code[:-1]
    body["point"] = {"lat": round(region["lat"], 2), "lon": round(region["lon"], 2)}
    for key in ("official", "official_latn", "country", "level", "parent", "point"):
        old.pop(key, None)
    body.update(old)  # keywords, description, statistics, aliases...
    return body


def recodes(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Old codes gone from `new` that match exactly one code new in `new` (same level and
    country prefix; same name, or points under RECODE_KM apart), matched by no other."""
    fresh = [c for c in new if c not in old]
    found: dict[str, list[str]] = {}
    for code, region in old.items():
        if code in new:
            continue
        matches = [
            c
            for c in fresh
            if new[c]["level"] == region["level"]
            and c[:2] == code[:2]
            and (new[c]["name"].casefold() == region["name"].casefold() or km(new[c], region) < RECODE_KM)
        ]
        if len(matches) == 1:
            found.setdefault(matches[0], []).append(code)
    return {olds[0]: target for target, olds in found.items() if len(olds) == 1}


def legacy_target(code: str, body: dict[str, Any], new: dict[str, dict[str, Any]]) -> str | None:
    """For a hand-written code that NUTS no longer has: the one new code of the same country
    and level, itself absent from the files, whose official name is one of its labels."""
    names = {str(v).casefold() for v in (body.get("label") or {}).values()}
    matches = [
        c
        for c, r in new.items()
        if c[:2] == code[:2] and r["level"] == body.get("level", len(code) - 2) and r["name"].casefold() in names
    ]
    return matches[0] if len(matches) == 1 else None


def km(a: dict[str, Any], b: dict[str, Any]) -> float:
    la1, la2 = math.radians(a["lat"]), math.radians(b["lat"])
    dlat, dlon = la2 - la1, math.radians(b["lon"] - a["lon"])
    h = math.sin(dlat / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# --------------------------------------------------------------------------- writing YAML

_PLAIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF][^:#,\[\]{}\"'\n]*$")
_SPECIAL = {"yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"}


def scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and text == text.strip() and text.lower() not in _SPECIAL and ": " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in mapping.items()) + "}"


def dump_extra(key: str, value: Any) -> str:
    text = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, default_flow_style=None, width=10**6)
    return "".join("    " + line + "\n" for line in text.splitlines())


def country_file(cc: str, title: dict[str, str], terms: dict[str, dict[str, Any]], year: int = YEAR) -> str:
    lines = [
        f"# Generated by scripts/nuts_regions.py from NUTS {year}: codes, levels, parents, points and",
        "# official names come from Eurostat; hand-written labels, keywords and statistics are kept.",
        f"nuts: {year}",
        f"source: {scalar(SOURCE.format(year=year))}",
        f"attribution: {scalar(ATTRIBUTION)}",
        f"title: {flow(title)}",
        "terms:",
    ]
    for code in sorted(terms):
        body = terms[code]
        lines.append(f"  {scalar(code)}:")
        for key, value in body.items():
            if key in ("label", "point"):
                lines.append(f"    {key}: {flow(value)}")
            elif isinstance(value, (dict, list)):
                lines.append(dump_extra(key, value).rstrip("\n"))
            else:
                lines.append(f"    {key}: {scalar(value)}")
    return "\n".join(lines) + "\n"


def recodes_file(table: dict[str, dict[str, Any]], year: int = YEAR) -> str:
    lines = [
        "# Generated by scripts/nuts_regions.py: codes of older NUTS versions (`from`) that no longer",
        f"# exist in NUTS {year} and that NUTS {year} recoded: by the JRC NUTS converter's matrices, the old",
        f"# region lies for at least {MATRIX_SHARE:.0%} of its area in the new one, made for at least as much of",
        "# it (`area`: the smaller share, when under 99%, as when a municipality moved); without the",
        f"# matrices, the same level and country and the same name or points under {RECODE_KM:g} km apart.",
        "# `labb` marks a code known from labb's own region files, matched by its name.",
        f"nuts: {year}",
        f"source: {scalar(SOURCE.format(year=year) + '; JRC NUTS converter (https://urban.jrc.ec.europa.eu/nutsconverter)')}",
        f"attribution: {scalar(ATTRIBUTION)}",
        "recodes:" + (" {}" if not table else ""),
    ]
    for code in sorted(table):
        entry = table[code]
        years = ", ".join(map(str, entry["from"]))
        area = f", area: {entry['area']}" if "area" in entry else ""
        lines.append(f"  {code}: {{to: {entry['to']}, from: [{years}]{area}}}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the map outline

Point = tuple[float, float]


def chains(rings: dict[str, list[list[Point]]]) -> tuple[list[list[Point]], list[set[str]], dict[str, list[list[int]]]]:
    """Cut every ring where the set of regions sharing its boundary changes, so that a boundary
    two regions share is one chain, simplified once and drawn the same for both.

    Returns the chains (points in order; a closed chain ends where it starts), the regions
    each chain bounds, and each region's rings as lists of chain numbers (~n: reversed)."""
    owners: dict[frozenset[Point], set[str]] = {}
    for code, code_rings in rings.items():
        for ring in code_rings:
            for i, a in enumerate(ring):
                owners.setdefault(frozenset((a, ring[(i + 1) % len(ring)])), set()).add(code)
    found: dict[tuple[Point, ...], int] = {}
    out: list[list[Point]] = []
    bounds: list[set[str]] = []
    layout: dict[str, list[list[int]]] = {}
    for code, code_rings in rings.items():
        for ring in code_rings:
            n = len(ring)
            side = [frozenset(owners[frozenset((ring[i], ring[(i + 1) % n]))]) for i in range(n)]
            cuts = [i for i in range(n) if side[i - 1] != side[i]]
            if not cuts:  # an island, or a ring shared whole (an enclave and its hole)
                start = min(range(n), key=lambda i: ring[i])
                turned = ring[start:] + ring[:start]
                forward = (*turned, turned[0])
                backward = (turned[0], *reversed(turned[1:]), turned[0])
                pieces = [(forward, backward)]
            else:
                pieces = []
                for k, cut in enumerate(cuts):
                    end = cuts[(k + 1) % len(cuts)]
                    idx = list(range(cut, end + 1)) if end > cut else list(range(cut, n)) + list(range(0, end + 1))
                    piece = tuple(ring[i % n] for i in idx)
                    pieces.append((piece, piece[::-1]))
            numbers = []
            for forward, backward in pieces:
                key, flipped = (forward, False) if forward <= backward else (backward, True)
                if key not in found:
                    found[key] = len(out)
                    out.append(list(key))
                    bounds.append(set())
                index = found[key]
                bounds[index].add(code)
                numbers.append(~index if flipped else index)
            layout.setdefault(code, []).append(numbers)
    return out, bounds, layout


def simplify(line: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative; both ends are kept."""
    if len(line) < 3:
        return line
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = line[a], line[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for i in range(a + 1, b):
            px, py = line[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else math.hypot(px - ax, py - ay)
            if d > best:
                best, index = d, i
        if best > tolerance:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(line, keep, strict=True) if k]


def tenths(n: int) -> str:
    sign, n = ("-" if n < 0 else ""), abs(n)
    whole, frac = divmod(n, 10)
    text = f"{whole}.{frac}" if frac else f"{whole}"
    return sign + (text[1:] if text.startswith("0.") else text)


def _moves(points: list[tuple[int, int]]) -> str:
    out, (x, y) = [], points[0]
    for nx, ny in points[1:]:
        out.append(f"{tenths(nx - x)} {tenths(ny - y)}")
        x, y = nx, ny
    return " ".join(out)


def svg_path(lines: list[list[tuple[int, int]]], closed: bool) -> str:
    """Relative path data in tenths of a unit: M x y l dx dy ... (z for rings)."""
    parts = []
    for line in lines:
        if len(line) < 2:
            continue
        parts.append(f"M{tenths(line[0][0])} {tenths(line[0][1])}l{_moves(line)}{'z' if closed else ''}")
    return "".join(parts).replace(" -", "-")


def outline(
    regions: dict[str, dict[str, Any]],
    project: Callable[[float, float], tuple[float, float]],
    size: tuple[float, float],
    tolerance: float = TOLERANCE,
) -> dict[str, Any]:
    """The map's shapes from GISCO's NUTS 2 polygons, in SVG units (tenths): each NUTS 2
    region's path; the country borders and coasts; and the outline of each level-0 and
    level-1 region (for practices of a whole country or NUTS 1 region). Shared boundaries
    are simplified once, so neighbours meet; shapes wholly outside the frame are left out."""
    level2 = {c: r["rings"] for c, r in sorted(regions.items()) if r["level"] == 2 and c[:2] not in NOT_NUTS}
    lines, bounds, layout = chains(level2)
    width, height = size
    drawn: list[list[tuple[int, int]]] = []
    for line in lines:
        projected = [project(lon, lat) for lon, lat in line]
        closed = line[0] == line[-1]
        if closed and len(projected) > 3:  # a loop: keep two far points fixed so it stays a shape
            far = max(range(len(projected)), key=lambda i: math.dist(projected[0], projected[i]))
            kept = simplify(projected[: far + 1], tolerance)[:-1] + simplify(projected[far:], tolerance)
        else:
            kept = simplify(projected, tolerance)
        q = [(round(x * 10), round(y * 10)) for x, y in kept]
        drawn.append([p for i, p in enumerate(q) if i == 0 or p != q[i - 1]])

    def visible(points: list[tuple[int, int]]) -> bool:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return max(xs) >= 0 and min(xs) <= width * 10 and max(ys) >= 0 and min(ys) <= height * 10

    paths: dict[str, str] = {}
    for code, code_rings in layout.items():
        rings = []
        for numbers in code_rings:
            ring: list[tuple[int, int]] = []
            for n in numbers:
                part = drawn[n] if n >= 0 else drawn[~n][::-1]
                ring += part if not ring else part[1:]
            if len(ring) > 1 and ring[0] == ring[-1]:
                ring.pop()
            if len(ring) >= 3 and abs(ring_area([(float(x), float(y)) for x, y in ring])) >= 100 and visible(ring):
                rings.append(ring)  # an island under a square unit is left out
        if rings:
            paths[code] = svg_path(rings, closed=True)

    def edge(index: int, depth: int) -> bool:
        """Whether a chain bounds two different regions at `depth` code characters (or is a coast)."""
        return len({c[:depth] for c in bounds[index]}) > 1 or len(bounds[index]) == 1

    def outline_of(prefix: str) -> str:
        depth = len(prefix)
        picked = [
            drawn[i]
            for i in range(len(drawn))
            if any(c.startswith(prefix) for c in bounds[i]) and edge(i, depth) and visible(drawn[i])
        ]
        return svg_path(picked, closed=False)

    outlines = {}
    for code in sorted({c[:2] for c in paths} | {c[:3] for c in paths}):
        d = outline_of(code)
        if d:
            outlines[code] = d
    borders = svg_path([drawn[i] for i in range(len(drawn)) if edge(i, 2) and visible(drawn[i])], closed=False)
    return {"regions": paths, "borders": borders, "outlines": outlines}


def write_map(path: Path, regions: dict[str, dict[str, Any]], source: Path) -> None:
    """The NUTS 2 outline, projected as labb.web.maps projects the region points."""
    sys.path.insert(0, str(ROOT))
    from labb.web.maps import project, projection  # the app's projection, insets included

    frame = projection()
    shapes_ = outline(regions, lambda lon, lat: project(lon, lat, frame), (frame["width"], frame["height"]))
    doc = {
        "nuts": YEAR,
        "source": SOURCE.format(year=YEAR) + f", 1:60 million ({source.name})",
        "attribution": ATTRIBUTION,
        "projection": "static/map/europe.json",
        "width": frame["width"],
        "height": frame["height"],
        "tolerance": TOLERANCE,
        **shapes_,
    }
    path.write_text(
        json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n", encoding="utf-8"
    )


# --------------------------------------------------------------------------- main


def build(
    sources: list[Path] | Path,
    out: Path = OUT,
    map_path: Path | None = MAP,
    countries: Path = COUNTRIES,
    log: Callable[..., Any] = print,
) -> dict[str, Any]:
    sources = [sources] if isinstance(sources, Path) else list(sources)
    ids, _languages, names = country_table(countries)
    new = regions_of(sources, names)
    nuts_ccs = nuts_countries(new)
    missing = [cc for cc in nuts_ccs if cc not in ids]
    if missing:
        raise SystemExit(f"countries.yaml has no entry for NUTS countries {missing}: add them first")
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    legacy: dict[str, dict[str, Any]] = {}
    for nuts_cc in nuts_ccs:
        cc = ids[nuts_cc]
        path = out / f"{cc}.yaml"
        old_doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
        old_terms = dict((old_doc or {}).get("terms") or {})
        terms = {code: term(code, r, cc, old_terms.pop(code, None)) for code, r in new.items() if code[:2] == nuts_cc}
        for code, body in old_terms.items():  # gone from NUTS: kept for the practices naming it
            target = legacy_target(code, body, new)
            body = dict(body) | ({"parent": code[:-1]} if code[:-1] in terms else {})
            if target:
                body["recoded_to"] = target
                legacy.setdefault(code, {"to": target, "from": ["labb"]})
            log(
                f"note: {cc}.yaml: {code} is not a NUTS {YEAR} code; kept as written"
                + (f", recoded to {target}" if target else "")
            )
            terms[code] = body
        title = (old_doc or {}).get("title") or {"en": f"NUTS regions of {nuts_cc}"}
        text = country_file(cc, title, terms)
        if yaml.safe_load(text)["terms"] != terms:
            raise SystemExit(f"{path}: the written YAML does not read back as built")
        path.write_text(text, encoding="utf-8")
        written[cc] = len(terms)
    table: dict[str, dict[str, Any]] = dict(legacy)
    for year in OLD_YEARS:
        found: dict[str, tuple[str, float | None]] = {}
        matrix = matrix_recodes(sources, year)
        old = points(sources, year)
        if matrix is not None:
            found = {code: (target, share) for code, (target, share) in matrix.items() if target in new}
        elif old is not None:
            found = {code: (target, None) for code, target in recodes(old, new).items()}
        else:
            log(f"note: no JRC matrices nor Nuts2json points for NUTS {year}; no recodes from {year}")
            continue
        for code, (target, share) in found.items():
            entry = table.setdefault(code, {"to": target, "from": []})
            if entry["to"] == target:
                entry["from"] = [y for y in entry["from"] if y != "labb"] + [year]
                if share is not None and share < 0.99:
                    entry["area"] = min(share, entry.get("area", 1.0))
    (out / "recodes.yaml").write_text(recodes_file(table), encoding="utf-8")
    level2 = gisco_file(sources, 2)
    if map_path is not None and level2 is not None:
        write_map(map_path, shapes(sources) or {}, level2)
        log(f"{map_path}: {map_path.stat().st_size:,} bytes")
    elif map_path is not None:
        log(f"note: no GISCO NUTS_RG_*_{YEAR}_4326_LEVL_2.geojson; {map_path.name} not written")
    levels = [sum(1 for c, r in new.items() if r["level"] == lvl and c[:2] in nuts_ccs) for lvl in range(4)]
    return {"files": written, "levels": levels, "recodes": len(table)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("sources", type=Path, nargs="+", help="folders of GISCO's and/or Nuts2json's files")
    parser.add_argument("--out", type=Path, default=OUT, help="where the <CC>.yaml files go")
    parser.add_argument("--map", type=Path, default=MAP, help="the map outline (JSON of SVG paths) to write")
    args = parser.parse_args(argv)
    summary = build(args.sources, args.out, args.map)
    print(f"{len(summary['files'])} countries; codes per level 0-3: {summary['levels']}; {summary['recodes']} recodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
