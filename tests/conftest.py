"""Shared fixtures: real files in tmp_path, the shipped vocabularies."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from labb import vocab

DATA = Path(__file__).with_name("data")
GOOD = DATA / "xx-good-practice.yaml"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def vocabs() -> vocab.Vocabularies:
    return vocab.default()


@pytest.fixture
def good_text() -> str:
    return GOOD.read_text(encoding="utf-8")


@pytest.fixture
def write(tmp_path: Path):
    """Write a practice file named after its id (or `name`) into tmp_path."""

    def _write(text: str | bytes, name: str = "xx-good-practice.yaml") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


# -- the web front end: a small multilingual site, built once per module --------------

FI_SUMMARY = "  fi: Neuvontaa ja suomen kielen iltakursseja maahanmuuttajille.\n"
WEB_VARIANTS = {
    "xx-swedish-health": {
        "  fi: Hyvä alku Pudasjärvellä\n": "  sv: Hälsokommunikatörer för nyanlända i Skåne\n",
        "  en: A good start in Pudasjärvi": "  en: Health communicators in Skåne",
        FI_SUMMARY: "  sv: Hälsokommunikatörerna informerar nyanlända om vården på deras eget språk.\n",
        "language: fi": "language: sv",
        "country: FI": "country: SE",
        "region: FI1D9": "region: SE224",
        "[language, reception-orientation]": "[health]",
        "places: [Oulu, Pudasjärvi]": "places: [Malmö]",
    },
    "xx-italian-work": {
        "  fi: Hyvä alku Pudasjärvellä\n": "  it: Lavoro e integrazione in Campania\n",
        "  en: A good start in Pudasjärvi": "  en: Work and integration in Campania",
        FI_SUMMARY: "  it: Percorsi di integrazione lavorativa per i lavoratori stranieri.\n",
        "language: fi": "language: it",
        "country: FI": "country: IT",
        "region: FI1D9": "region: ITF3",
        "[language, reception-orientation]": "[labour-market]",
        "  innovation:\n    level: strong": "  sustainability:\n    level: weak",
        "places: [Oulu, Pudasjärvi]": "places: [Napoli]",
        "start: 2016-01-01": "start: 2022-03-01",
        "end: 2018-12-31": "end: 2025-12-31",
        "total_eur: 1090474": "total_eur: 5000000",
    },
    "xx-greek-reception": {
        "  fi: Hyvä alku Pudasjärvellä\n": "  el: Κοινωνική ΕΝΤΑΞΗ μεταναστών στην Αττική\n",
        "  en: A good start in Pudasjärvi": "  en: Social inclusion of migrants in Attica",
        FI_SUMMARY: "  el: Υποστήριξη για την ένταξη των προσφύγων.\n",
        "language: fi": "language: el",
        "country: FI": "country: GR",
        "region: FI1D9": "region: EL30",
        "type: indirect": "type: direct",
        "funds: [esf]": "funds: [eea-norway-grants]",
        "places: [Oulu, Pudasjärvi]": "places: [Athens]",
    },
}


def write_web_corpus(root: Path) -> Path:
    """The four-practice multilingual corpus of test_search, written under root/xx/."""
    good = GOOD.read_text(encoding="utf-8")
    (root / "xx").mkdir(parents=True, exist_ok=True)
    (root / "xx" / "xx-good-practice.yaml").write_text(good, encoding="utf-8")
    for pid, replace in WEB_VARIANTS.items():
        text = good.replace("id: xx-good-practice", f"id: {pid}").replace(
            "partners: [City of Pudasjärvi]", "partners: []"
        )
        for old, new in replace.items():
            assert old in text, old
            text = text.replace(old, new)
        (root / "xx" / f"{pid}.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def web_site(tmp_path_factory, vocabs) -> tuple[Path, Path]:
    """(practices folder, built index folder) of the small multilingual corpus."""
    from labb import index

    root = tmp_path_factory.mktemp("web")
    practices = write_web_corpus(root / "practices")
    index.build(practices, root / "index", vocabs)
    return practices, root / "index"


@pytest.fixture(scope="module")
def app(web_site):
    """The web app on the small multilingual corpus (modules with their own corpus override it)."""
    from labb.web import create_app

    _, index_dir = web_site
    return create_app({"INDEX": index_dir, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


# -- a real browser and a real server on loopback

CHROMIUM = Path(os.environ.get("LABB_CHROMIUM", "/usr/bin/chromium"))
"""Debian's Chromium, or the Chromium-based browser LABB_CHROMIUM names; Playwright never downloads one."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVING = re.compile(r"labb serving on (http://[\d.]+:\d+/)")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (which skips
    itself first when either is missing)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Server:
    """`python -m labb serve --port 0` in a subprocess; its stderr is collected in a thread.
    `command` replaces `python -m labb` (e.g. an installed `labb` script), `cwd` and `env`
    are those of the subprocess (default: the checkout, this process's environment);
    `options` are more options of `labb serve`."""

    def __init__(
        self,
        practices: Path,
        index_dir: Path,
        command: list[str] | None = None,
        cwd: Path = REPO,
        env: dict[str, str] | None = None,
        options: tuple[str, ...] = (),
    ):
        self.process = subprocess.Popen(
            [
                *(command or [sys.executable, "-m", "labb"]),
                "serve",
                "--port",
                "0",
                "--practices",
                str(practices),
                "--index",
                str(index_dir),
                *options,
            ],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.url = ""
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._ready.wait(60) or not self.url:
            self.stop()
            raise RuntimeError("labb serve did not start:\n" + "".join(self.lines))
        self._wait_until_it_answers()

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            found = SERVING.search(line)
            if found and not self.url:
                self.url = found.group(1)
                self._ready.set()
        self._ready.set()  # the process ended

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        """Stop as Ctrl-C does; the server must exit by itself, with status 0."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                self.process.wait(15)
        time.sleep(0.1)  # let the drain thread read the last lines
        return self.process.returncode
