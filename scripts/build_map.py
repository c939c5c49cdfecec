#!/usr/bin/env python3
"""Build labb's offline outline map of Europe.

Writes, into labb/web/static/map/:
  europe.svg   the country outlines (EU, EEA, Switzerland and the UK filled white,
               neighbours grey for context), a static SVG of about 200 KB;
  europe.json  the projection and frame, which labb.web.maps uses to place the
               region markers on top of the outline.

Source: Natural Earth 1:50m admin-0 countries (public domain,
https://www.naturalearthdata.com), as TopoJSON from the npm package `world-atlas`
(ISC licence), decoded to GeoJSON with `topojson-client`. Both are installed,
pinned, into a scratch folder outside the repository; node_modules is never
committed. The app itself never needs node or the network.

Usage (from the repository root, with node and npm on the PATH):

    python scripts/build_map.py                  # installs into /tmp/mapbuild, then builds
    python scripts/build_map.py --workdir DIR    # another scratch folder
    python scripts/build_map.py --scale 110m     # coarser outlines

The projection is a spherical Lambert azimuthal equal-area centred on 10°E 52°N
(the centre of EPSG:3035, the projection Eurostat uses for European maps). The
frame covers Iceland, the North Cape, Portugal and Cyprus; the Azores, Madeira
and the Canaries are drawn in insets in a column on the left, as on Eurostat's
maps (labb.web.maps.project moves region points into them the same way).
Outlines are clipped to the frame, simplified (Douglas-Peucker) and rounded to
0.1 SVG unit. Re-running gives the same files byte for byte; commit both.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from labb.web.maps import inset_of, laea, project  # noqa: E402  (one projection for the build and the app)

OUT = REPO / "labb" / "web" / "static" / "map"
PACKAGES = ("world-atlas@2.0.2", "topojson-client@3.1.0")
CENTRE = {"lon0": 10.0, "lat0": 52.0}
WIDTH = 1000.0
MARGIN = 12.0
FRAME = [
    (-24.8, 66.6),
    (-13.2, 66.6),
    (-10.6, 51.8),
    (-9.6, 37.0),
    (-5.6, 35.9),
    (25.8, 71.3),
    (32.0, 70.0),
    (24.0, 34.8),
    (35.2, 34.5),
    (34.6, 35.7),
]
"""Points the main frame must show: Iceland, Ireland, Portugal, North Cape, eastern Finland, Crete, Cyprus."""
INSETS = [
    ("Açores", (-31.6, 36.8, -24.8, 40.0)),
    ("Madeira", (-17.4, 32.3, -16.1, 33.3)),
    ("Canarias", (-18.4, 27.5, -13.3, 29.5)),
]
"""Island groups drawn in insets, top to bottom: name and lon/lat box (west, south, east, north)."""
COLUMN = 150.0  # width of the inset column on the left, SVG units
GAP = 10.0  # between insets
WINDOW = (-75.0, 15.0, 90.0, 88.0)
"""lon/lat box kept before projecting (keeps far-away coordinates out of the projection)."""
TOLERANCE = 0.25  # Douglas-Peucker tolerance, SVG units
MIN_AREA = 0.15  # smaller rings (islets) are dropped, square SVG units
# ISO 3166-1 numeric -> alpha-2 of the EU, EEA, Switzerland and the United Kingdom.
EUROPE = {
    "040": "AT",
    "056": "BE",
    "100": "BG",
    "191": "HR",
    "196": "CY",
    "203": "CZ",
    "208": "DK",
    "233": "EE",
    "246": "FI",
    "250": "FR",
    "276": "DE",
    "300": "GR",
    "348": "HU",
    "372": "IE",
    "380": "IT",
    "428": "LV",
    "440": "LT",
    "442": "LU",
    "470": "MT",
    "528": "NL",
    "616": "PL",
    "620": "PT",
    "642": "RO",
    "703": "SK",
    "705": "SI",
    "724": "ES",
    "752": "SE",
    "352": "IS",
    "438": "LI",
    "578": "NO",
    "756": "CH",
    "826": "GB",
    "248": "AX",
}
NODE = """
const {feature} = require("topojson-client");
const topo = require("world-atlas/countries-%s.json");
process.stdout.write(JSON.stringify(feature(topo, topo.objects.countries)));
"""


def geojson(workdir: Path, scale: str) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    if not (workdir / "package.json").exists():
        (workdir / "package.json").write_text('{"name": "labb-mapbuild", "private": true}\n')
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", *PACKAGES], cwd=workdir, check=True)
    out = subprocess.run(["node", "-e", NODE % scale], cwd=workdir, check=True, capture_output=True)
    return json.loads(out.stdout)


def clip(ring: list[tuple[float, float]], box: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """Sutherland-Hodgman against an axis-aligned box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    edges = [(0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False)]
    for axis, limit, lower in edges:
        if not ring:
            break

        def inside(p, axis=axis, limit=limit, lower=lower):
            return p[axis] >= limit if lower else p[axis] <= limit

        out = []
        prev = ring[-1]
        for cur in ring:
            if inside(cur) != inside(prev):
                t = (limit - prev[axis]) / (cur[axis] - prev[axis])
                cross = (prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1]))
                out.append((limit, cross[1]) if axis == 0 else (cross[0], limit))
            if inside(cur):
                out.append(cur)
            prev = cur
        ring = out
    return ring


def simplify(ring: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative; the ring's first point is kept."""
    if len(ring) < 4:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = ring[a], ring[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, index = -1.0, -1
        for i in range(a + 1, b):
            px, py = ring[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > best:
                best, index = d, i
        if best > tolerance:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(ring, keep) if k]


def area(ring: list[tuple[int, int]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]))) / 200.0


def tenths(n: int) -> str:
    sign, n = ("-" if n < 0 else ""), abs(n)
    whole, frac = divmod(n, 10)
    text = f"{whole}.{frac}" if frac else f"{whole}"
    return sign + (text[1:] if text.startswith("0.") else text)


def path(rings: list[list[tuple[int, int]]]) -> str:
    """Relative path data in tenths of a unit: M x y l dx dy ... z."""
    parts = []
    for ring in rings:
        (x, y), cmds = ring[0], []
        for nx, ny in ring[1:]:
            cmds.append(f"{tenths(nx - x)} {tenths(ny - y)}")
            x, y = nx, ny
        parts.append(f"M{tenths(ring[0][0])} {tenths(ring[0][1])}l" + " ".join(cmds) + "z")
    return "".join(parts).replace(" -", "-")


def frame() -> dict:
    unit = {**CENTRE, "x0": 0.0, "y0": 0.0, "scale": 1.0}
    xs, ys = zip(*(laea(lon, lat, unit) for lon, lat in FRAME))
    # laea() flips y; with scale 1 and offsets 0 it returns (x, -y).
    xmin, xmax, ymin, ymax = min(xs), max(xs), -max(ys), -min(ys)
    scale = (WIDTH - 2 * MARGIN - COLUMN - GAP) / (xmax - xmin)
    left = (MARGIN + COLUMN + GAP) / scale
    height = round((ymax - ymin) * scale + 2 * MARGIN)
    params = {
        "projection": "Lambert azimuthal equal-area (sphere)",
        **CENTRE,
        "x0": round(xmin - left, 6),
        "y0": round(ymax + MARGIN / scale, 6),
        "scale": round(scale, 4),
        "width": int(WIDTH),
        "height": height,
        "insets": [],
    }
    # Insets: each island group scaled down (never up) to the column's width, stacked from the bottom.
    bottom = height - MARGIN
    for name, box in reversed(INSETS):
        west, south, east, north = box
        edge = [(west + (east - west) * i / 20, lat) for i in range(21) for lat in (south, north)]
        edge += [(lon, south + (north - south) * i / 20) for i in range(21) for lon in (west, east)]
        bx, by = zip(*(laea(lon, lat, params) for lon, lat in edge))
        k = min(1.0, (COLUMN - 2 * GAP) / (max(bx) - min(bx)))
        w, h = (max(bx) - min(bx)) * k + 2 * GAP, (max(by) - min(by)) * k + 2 * GAP
        top = bottom - h
        params["insets"].insert(
            0,
            {
                "name": name,
                "bbox": list(box),
                "k": round(k, 4),
                "dx": round(MARGIN + GAP - min(bx) * round(k, 4), 2),
                "dy": round(top + GAP - min(by) * round(k, 4), 2),
                "rect": [MARGIN, round(top, 1), round(w, 1), round(h, 1)],
            },
        )
        bottom = top - GAP
    return params


def build(workdir: Path, scale: str) -> None:
    params = frame()
    params["attribution"] = {
        "text": f"Natural Earth 1:{scale} countries, public domain; via world-atlas",
        "url": "https://www.naturalearthdata.com/",
        "via_url": "https://github.com/topojson/world-atlas",
    }
    box = (-4.0, -4.0, params["width"] + 4.0, params["height"] + 4.0)  # cut edges fall outside the view
    members, context = [], []
    for feat in sorted(geojson(workdir, scale)["features"], key=lambda f: (f.get("id") or "", f["properties"]["name"])):
        geom = feat.get("geometry")
        if not geom:
            continue
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = []
        for polygon in polygons:
            for ring in polygon:
                ring = clip([tuple(p) for p in ring], WINDOW)
                if len(ring) < 3:
                    continue
                insets = {id(inset_of(lon, lat, params)) for lon, lat in ring}
                inset = inset_of(*ring[0], params) if len(insets) == 1 else None
                ring = [project(lon, lat, params, inset) if inset else laea(lon, lat, params) for lon, lat in ring]
                ring = clip(ring, box)
                ring = simplify(ring + ring[:1], TOLERANCE)[:-1] if len(ring) >= 3 else []
                q = [(round(x * 10), round(y * 10)) for x, y in ring]
                q = [p for i, p in enumerate(q) if p != q[i - 1]]
                if len(q) >= 3 and area(q) >= MIN_AREA:
                    rings.append(q)
        if not rings:
            continue
        code = EUROPE.get(feat.get("id") or "")
        element = f'<path id="{code}" d="{path(rings)}"/>' if code else f'<path d="{path(rings)}"/>'
        (members if code else context).append(element)
    w, h = params["width"], params["height"]
    svg = "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}">',
            "<title>Europe</title>",
            f"<desc>Country outlines: {params['attribution']['text']} (www.naturalearthdata.com). "
            f"Lambert azimuthal equal-area projection centred on {CENTRE['lon0']}E {CENTRE['lat0']}N. "
            "Built by scripts/build_map.py.</desc>",
            f'<rect width="{w}" height="{h}" fill="#dce9f4"/>',
            '<g fill="#e4e7eb" stroke="#a3acb7" stroke-width=".5" stroke-linejoin="round">',
            *context,
            "</g>",
            '<g fill="#ffffff" stroke="#7b8794" stroke-width=".6" stroke-linejoin="round">',
            *members,
            "</g>",
            '<g fill="none" stroke="#7b8794" stroke-width=".8">',
            *(
                f'<rect x="{i["rect"][0]}" y="{i["rect"][1]}" width="{i["rect"][2]}" height="{i["rect"][3]}"/>'
                for i in params["insets"]
            ),
            "</g>",
            '<g font-family="sans-serif" font-size="11" fill="#3e4c59">',
            *(f'<text x="{i["rect"][0] + 4}" y="{i["rect"][1] + 13}">{i["name"]}</text>' for i in params["insets"]),
            "</g>",
            "</svg>",
            "",
        ]
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "europe.svg").write_text(svg, encoding="utf-8")
    (OUT / "europe.json").write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT / 'europe.svg'} ({len(svg.encode()) // 1024} KB, {len(members)} European countries, "
        f"{len(context)} neighbours) and europe.json",
        file=sys.stderr,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mapbuild"), help="scratch folder for npm packages")
    parser.add_argument("--scale", choices=("50m", "110m"), default="50m", help="Natural Earth resolution")
    args = parser.parse_args()
    build(args.workdir, args.scale)


if __name__ == "__main__":
    main()
