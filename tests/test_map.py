"""The map (/map), the region panels (/regions/<code>) and the vendored outline."""

from __future__ import annotations

import itertools
import json
import re
from html import escape
from pathlib import Path

import pytest
import yaml

from labb import index
from labb.web import create_app
from labb.web.maps import MAP_DIR, project

from .conftest import GOOD

ATTRIBUTION = {
    "https://www.naturalearthdata.com/",
    "https://github.com/topojson/world-atlas",
    "https://ec.europa.eu/eurostat/web/gisco",
}


def _variant(pid: str, **replace: str) -> str:
    text = GOOD.read_text(encoding="utf-8").replace("id: xx-good-practice", f"id: {pid}")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def site(tmp_path_factory, vocabs) -> Path:
    """A small corpus: two practices in Campania, one each in North Ostrobothnia and Skåne."""
    root = tmp_path_factory.mktemp("map")
    practices = root / "practices" / "xx"
    practices.mkdir(parents=True)
    files = {
        "xx-good-practice": GOOD.read_text(encoding="utf-8"),
        "xx-swedish-health": _variant(
            "xx-swedish-health",
            **{
                "en: A good start in Pudasjärvi": "en: Health communicators in Skåne",
                "language: fi": "language: en",
                "  fi: Hyvä alku Pudasjärvellä\n": "",
                "  fi: Neuvontaa ja suomen kielen iltakursseja maahanmuuttajille.\n": "",
                "country: FI": "country: SE",
                "region: FI1D9": "region: SE224",
            },
        ),
    }
    for n in (1, 2):
        files[f"xx-campania-{n}"] = _variant(
            f"xx-campania-{n}",
            **{
                "en: A good start in Pudasjärvi": f"en: Work in Campania {n}",
                "language: fi": "language: en",
                "  fi: Hyvä alku Pudasjärvellä\n": "",
                "  fi: Neuvontaa ja suomen kielen iltakursseja maahanmuuttajille.\n": "",
                "country: FI": "country: IT",
                "region: FI1D9": "region: ITF3",
            },
        )
    for pid, text in files.items():
        (practices / f"{pid}.yaml").write_text(text, encoding="utf-8")
    index.build(root / "practices", root / "index", vocabs)
    return root


@pytest.fixture(scope="module")
def client(site):
    return create_app({"INDEX": site / "index", "PRACTICES": site / "practices", "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def map_html(client) -> str:
    response = client.get("/map?lang=en")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _regions(html: str) -> dict[str, tuple[str, str, str]]:
    """code -> (class, href, accessible name) of each shaded NUTS 2 region."""
    found = re.findall(
        r'<a class="map-region (c\d)[^"]*" href="([^"]+)" data-region="(\w+)" aria-label="([^"]+)"', html
    )
    return {code: (cls, href, name) for cls, href, code, name in found}


def test_map_shades_each_nuts2_region_with_practices(map_html):
    regions = _regions(map_html)
    assert set(regions) == {"FI1D", "SE22", "ITF3"}  # NUTS 3 practices count for their NUTS 2
    assert regions["ITF3"] == ("c2", "/regions/ITF3?lang=en", "Campania, Italy: 2 practices")
    assert regions["FI1D"][0] == "c1" and regions["FI1D"][2] == "Pohjois- ja Itä-Suomi, Finland: 1 practice"
    assert regions["SE22"][2] == "Sydsverige, Sweden: 1 practice"
    assert 'data-region="EL30"' not in map_html  # no practices: not a link
    # every other NUTS 2 region is drawn, unshaded, in one path hidden from assistive technology
    blank = re.search(r'<path class="nuts-blank" aria-hidden="true" d="([^"]+)"', map_html).group(1)
    assert blank.count("M") > 250
    assert map_html.count("<path") < 20 + len(regions)


def test_map_has_an_equivalent_list_grouped_by_country(map_html):
    listing = map_html[map_html.index('class="region-list"') :]
    for country, code in (("Finland", "FI1D"), ("Italy", "ITF3"), ("Sweden", "SE22")):
        assert f"<h3>{country}</h3>" in listing
        assert f'href="/regions/{code}?lang=en"' in listing
        assert re.search(rf'href="/\?(lang=en&amp;)?region={code}', listing)
    assert listing.index("Finland") < listing.index("Italy") < listing.index("Sweden")
    assert "2 practices" in listing


def test_the_map_of_a_search_applies_its_filters(client):
    html = client.get("/map?lang=en&country=IT").get_data(as_text=True)
    assert set(_regions(html)) == {"ITF3"}
    assert "List of these results" in html and 'href="/?country=IT&amp;lang=en"' in html
    html = client.get("/map?lang=en&region=FI1").get_data(as_text=True)
    assert set(_regions(html)) == {"FI1D"}
    assert 'href="/?region=FI1D&amp;lang=en"' in html or "region=FI1D" in html
    search = client.get("/?lang=en&country=IT").get_data(as_text=True)
    assert re.search(r'<a class="map-link" href="/map\?country=IT&amp;lang=en">Map of these results</a>', search)


def test_the_legend_and_the_colours(map_html):
    from labb.web.maps import CLASSES, COLOURS, shade

    legend = map_html[map_html.index('class="legend"') :]
    for n in range(1, len(CLASSES) + 1):
        assert f'class="swatch c{n}"' in legend
    assert [shade(n) for n in (0, 1, 2, 3, 4, 5, 9, 10, 500)] == [0, 1, 2, 3, 3, 4, 4, 5, 5]

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    css = (MAP_DIR / "map.css").read_text(encoding="utf-8")
    sea = "#dce9f4"
    shades = [COLOURS[n] for n in range(1, len(CLASSES) + 1)]
    for colour in shades:  # WCAG 1.4.11: a shaded region stands out from the unshaded land, the sea, its border
        assert f"fill: {colour}" in css and f"background: {colour}" in css
        for other in (COLOURS[0], sea, "#ffffff"):
            assert contrast(colour, other) >= 3, (colour, other)
    for lighter, darker in itertools.pairwise(shades):  # ordered, light to dark
        assert luminance(lighter) > luminance(darker) and contrast(lighter, darker) >= 1.3


def test_the_outline_is_vendored_small_and_credited():
    data = json.loads((MAP_DIR / "nuts2-2024.json").read_text(encoding="utf-8"))
    assert (MAP_DIR / "nuts2-2024.json").stat().st_size < 200_000
    assert data["nuts"] == 2024 and data["attribution"] == "© EuroGeographics for the administrative boundaries"
    assert "GISCO" in data["source"]
    assert len(data["regions"]) > 270 and {"FI1D", "ITF3", "SE22", "ES70", "PT20"} <= set(data["regions"])
    assert {"FI", "FI1", "EL", "EL3"} <= set(data["outlines"])


def test_map_page_obeys_the_csp(map_html):
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", map_html), "inline script"
    assert not re.search(r"\sstyle=", map_html), "style attribute"
    assert "<style" not in map_html
    assert not re.search(r"\son[a-z]+=", map_html), "event handler attribute"


def test_map_assets_are_served_by_the_app(client, map_html):
    outline = re.search(r'<image href="([^"]+)"', map_html).group(1)
    assert outline.startswith("/static/map/europe.svg")
    response = client.get(outline)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and svg.count("<path") > 30
    assert len(response.get_data()) < 300_000
    for asset in re.findall(r'(?:src|href)="(/static/map/[^"]+)"', map_html):
        assert client.get(asset).status_code == 200, asset


def test_no_asset_from_another_host(client, map_html):
    # Every src= and every href= outside <a> (stylesheets, images, scripts) is local.
    for tag, attr, url in re.findall(r"<(\w+)[^>]*?\s(src|href)=\"([^\"]*)\"", map_html):
        if tag != "a":
            assert not re.match(r"(https?:)?//", url), (tag, attr, url)
    # The only absolute URLs on the page are the attribution links.
    assert set(re.findall(r"https?://[^\"'<> ]+", map_html)) <= ATTRIBUTION
    svg = client.get("/static/map/europe.svg").get_data(as_text=True)
    assert set(re.findall(r"https?://[^\"'<> ]+", svg)) == {"http://www.w3.org/2000/svg"}
    assert "href=" not in svg and "src=" not in svg
    assert "Natural Earth" in map_html and "public domain" in map_html and "world-atlas" in map_html
    assert "© EuroGeographics" in map_html and "Eurostat/GISCO" in map_html


def test_region_page_shows_statistics_with_source_and_year(client, vocabs):
    html = client.get("/regions/FI1D9?lang=en").get_data(as_text=True)
    stat = vocabs.regions.get("FI1D9").extra["statistics"]["population"]
    assert "<h1" in html and "North Ostrobothnia" in html and "Pohjois-Pohjanmaa" in html and "Finland" in html
    assert f"{stat['value']:,}" in html
    assert str(stat["year"]) in html
    assert escape(stat["source"]["title"]) in html
    assert f'href="{escape(stat["source"]["url"])}"' in html
    assert 'href="/practices/xx-good-practice' in html
    assert re.search(r'href="/\?(lang=en&amp;)?region=FI1D9', html)


def test_region_page_formats_percentages(client):
    html = client.get("/regions/ITF3?lang=en").get_data(as_text=True)
    assert re.search(r"17\.1\s?%", html)  # the unemployment rate in the vocabulary
    assert "5,593,906" in html
    assert html.count('href="/practices/xx-campania-') == 2


def test_region_without_practices_or_statistics_still_has_a_page(client):
    response = client.get("/regions/AT13?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vienna" in html and "Wien" in html
    assert "not yet available" in html
    assert "No practice from this region" in html


def test_unknown_region_is_the_apps_404(client):
    response = client.get("/regions/XX999")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert client.get("/regions/" + "X" * 300).status_code == 404


def test_partial_panel_and_chosen_region_on_the_map(client):
    partial = client.get("/regions/ITF3?partial=1&lang=en").get_data(as_text=True)
    assert "<html" not in partial and 'class="region-panel"' in partial and "<h2" in partial
    html = client.get("/map?show=ITF3&lang=en").get_data(as_text=True)
    assert re.search(r'class="map-region c2 current"[^>]*data-region="ITF3"[^>]*aria-current="true"', html)
    assert 'id="region-panel"' in html and "Work in Campania 1" in html


def test_map_in_the_readers_language(client):
    html = client.get("/map?lang=fr").get_data(as_text=True)
    assert "Campanie, Italie" in html


def test_markers_land_inside_the_frame_and_the_azores_in_their_inset(vocabs):
    """Every region a shipped practice names is drawn inside the frame (the vocabulary also
    has all of NUTS, Svalbard and eastern Türkiye included, which the map lists off-map)."""
    params = json.loads((MAP_DIR / "europe.json").read_text(encoding="utf-8"))
    practices = Path(__file__).resolve().parent.parent / "practices"
    named = {
        str(p.get("region"))
        for p in map(yaml.safe_load, (f.read_text(encoding="utf-8") for f in practices.rglob("*.yaml")))
        if isinstance(p, dict) and p.get("region")
    }
    assert named
    for term in (vocabs.regions.terms[code] for code in sorted(named) if code in vocabs.regions.terms):
        x, y = project(term.extra["point"]["lon"], term.extra["point"]["lat"], params)
        assert 0 <= x <= params["width"] and 0 <= y <= params["height"], term.id
    azores = next(i for i in params["insets"] if i["name"] == "Açores")
    left, top, width, height = azores["rect"]
    x, y = project(-25.67, 37.74, params)
    assert left <= x <= left + width and top <= y <= top + height
