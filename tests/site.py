"""Helpers for the tests that walk the whole site: corpora made from the shipped
practices (as they are, and thinned to fewer fields), and checks of every page,
API record and export for each practice, in every interface language."""

from __future__ import annotations

import csv
import io
import random
import types
import typing
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree as ET

import yaml
from markupsafe import escape
from pydantic import BaseModel

from labb import index, validate
from labb.model import Funding, Practice
from labb.web import create_app
from labb.web.i18n import LANGUAGES

from .conftest import REPO

SHIPPED = REPO / "practices"
ATOM = "{http://www.w3.org/2005/Atom}"


def built_client(practices_dir: Path, root: Path, vocabs):
    """(the practices, a test client) for an index of `practices_dir` built under `root`."""
    corpus = validate.check_paths([practices_dir], vocabs)
    assert not corpus.errors, "\n".join(f"{p.path}:{p.line}: {p.message}" for p in corpus.errors[:5])
    index.build(practices_dir, root / "index", vocabs)
    app = create_app({"INDEX": root / "index", "PRACTICES": practices_dir, "TESTING": True})
    return sorted(corpus.practices, key=lambda p: p.id), app.test_client()


# -- thinning a practice: only some (or none) of its optional fields -----------------------


def _model_in(annotation: Any) -> tuple[str, type[BaseModel]] | None:
    """The model a field holds, and how: ("one" | "list" | "dict", Model), or None for a plain value."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "one", annotation
    if origin is typing.Annotated:
        return _model_in(args[0])
    if origin in (typing.Union, types.UnionType):
        found = [m for m in (_model_in(a) for a in args) if m]
        return found[0] if found else None
    if origin is list and args:
        inner = _model_in(args[0])
        return ("list", inner[1]) if inner and inner[0] == "one" else None
    if origin is dict and len(args) == 2:
        inner = _model_in(args[1])
        return ("dict", inner[1]) if inner and inner[0] == "one" else None
    return None


def thin(data: dict[str, Any], rng: random.Random, keep: float, model: type[BaseModel] = Practice) -> dict[str, Any]:
    """`data` (a practice as YAML data) with each optional field kept with probability
    `keep`, at every level; the model says which fields are optional, so new fields
    are covered without touching this test."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        field = model.model_fields.get(name)
        if field is None:
            continue
        if not field.is_required() and rng.random() >= keep:
            continue
        held = _model_in(field.annotation)
        if held and held[0] == "one" and isinstance(value, dict):
            value = thin(value, rng, keep, held[1])
        elif held and held[0] == "list" and isinstance(value, list):
            value = [thin(v, rng, keep, held[1]) if isinstance(v, dict) else v for v in value]
        elif held and held[0] == "dict" and isinstance(value, dict):
            value = {k: thin(v, rng, keep, held[1]) if isinstance(v, dict) else v for k, v in value.items()}
        out[name] = value
    if model is Practice and "region" not in out and out.get("scope") in ("local", "regional"):
        out["scope"] = "national"  # a regional practice needs its region: without one it is national
    if model is Funding:
        _coherent_amounts(out)
    return out


def _coherent_amounts(funding: dict[str, Any]) -> None:
    """What the validator asks of amounts in another currency, kept after thinning: the
    original amounts with their currency, and a conversion whenever euros are given too."""
    converted = "total_eur" in funding or "eu_eur" in funding
    if "currency" not in funding or (converted and "conversion" not in funding):
        funding.pop("original_amount", None)
    if "original_amount" not in funding:
        for key in ("currency", "conversion"):
            funding.pop(key, None)


def write_thinned(source: Path, target: Path, keep: float, seed: int) -> Path:
    """Every practice of `source` thinned (`keep` 0: only the required keys) into `target`."""
    for path in sorted(source.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        thinned = thin(data, random.Random(f"{seed}:{path.stem}"), keep)
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(yaml.safe_dump(thinned, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


# -- what every practice must show -----------------------------------------------------------


def html_of(response) -> str:
    assert response.status_code == 200, (response.request.url, response.status_code)
    return response.get_data(as_text=True)


def check_practice(client, p: Practice, languages=LANGUAGES) -> int:
    """The practice's page in each language (translated and original) and its API record;
    returns the number of requests."""
    requests = 0
    for lang in languages:
        for original in (False, True):
            url = f"/practices/{p.id}?lang={lang}" + ("&original=1" if original else "")
            page = html_of(client.get(url))
            title = p.text("title", p.language if original else lang)[1]
            assert str(escape(title)) in page, (url, title)
            assert f'<html lang="{lang}"' in page, url
            requests += 1
    record = client.get(f"/api/practices/{p.id}")
    assert record.status_code == 200
    data = record.get_json()
    assert data == {**p.as_json(), "url": f"/practices/{p.id}"}
    return requests + 1


def check_exports(client, practices: list[Practice]) -> None:
    ids = sorted(p.id for p in practices)
    exported = client.get("/export.json")
    assert exported.status_code == 200
    rows = exported.get_json()["results"]
    assert sorted(r["id"] for r in rows) == ids
    by_id = {p.id: p for p in practices}
    for r in rows:
        p = by_id[r["id"]]
        assert r["title_en"] == p.title.get("en") and r["country"] == p.country and r["region"] == p.region
        assert r["total_eur"] == (p.funding.total_eur if p.funding else None)
    table = client.get("/export.csv")
    assert table.status_code == 200
    lines = list(csv.DictReader(io.StringIO(table.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(line["id"] for line in lines) == ids
    feed = client.get("/feed.atom")
    assert feed.status_code == 200
    entries = ET.fromstring(feed.data).findall(f"{ATOM}entry")
    assert 0 < len(entries) <= 50
    assert {e.find(f"{ATOM}id").text.rsplit(":", 1)[-1] for e in entries} <= set(ids)


# -- following links ----------------------------------------------------------------------------


class Links(HTMLParser):
    """Every link and asset address of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "href" or (name == "src" and tag in ("script", "img"))):
                self.found.append(value)


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.found


def crawl(client, starts: list[str], expand, fetch=None) -> Iterator[tuple[str, str, Any]]:
    """Breadth first from `starts`: yields (url, the page it was found on, response) for every
    same-site address once (that `fetch(url)` accepts, if given); follows the links of the
    pages `expand(url)` accepts."""
    seen = set(starts)
    queue = [(url, "(start)") for url in starts]
    while queue:
        url, found_on = queue.pop(0)
        response = client.get(url)
        yield url, found_on, response
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()  # exports stream: end them before the next request
        if not body or response.status_code != 200 or not expand(url):
            continue
        for link in links(body):
            target = urljoin("http://localhost" + url, link)
            parts = urlsplit(target)
            if parts.netloc != "localhost" or parts.scheme != "http":
                continue
            address = parts.path + (f"?{parts.query}" if parts.query else "")
            if address not in seen and (fetch is None or fetch(address)):
                seen.add(address)
                queue.append((address, url))
