"""The wheel is the product: built from the repository, installed into a fresh venv
outside the checkout, its `labb serve` serves every page from what the wheel holds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import REPO, Server

FULL = "fi/fi-sosku-social-rehabilitation.yaml"  # funding with total_eur and eu_eur
SPARSE = "fi/fi-ulpo-haapavesi-one-stop-model.yaml"  # no funding at all
ITALIAN = "it/it-studio-in-puglia-insieme.yaml"  # total_eur only
CANARY = "<!-- labb: the installed templates -->"

# Not copied into the build folder: version control, virtual environments, build
# by-products and bulky folders the wheel never holds.
TOP_LEVEL_SKIPPED = {".git", ".venv", "venv", "build", "dist", "index", ".ci", ".pytest_cache", ".hypothesis", "bench"}


def test_every_package_is_in_the_explicit_package_list():
    packages = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    found = {".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "labb").rglob("__init__.py")}
    assert found <= set(packages), f"add {sorted(found - set(packages))} to [tool.setuptools] packages"
    assert "labb.templates" in packages


def _copy_ignore(folder: str, names: list[str]) -> set[str]:
    skipped = {n for n in names if n == "__pycache__" or n.endswith((".egg-info", ".pyc"))}
    if Path(folder) == REPO:
        skipped |= TOP_LEVEL_SKIPPED & set(names)
    return skipped


def _clean_env(venv: Path) -> dict[str, str]:
    """This process's environment without anything that could lead Python to the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(args: list, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel built from the checkout installed."""
    root = tmp_path_factory.mktemp("install")
    assert REPO not in root.parents
    venv = root / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"python -m venv is not available here: {made.stderr.strip()}")
    # Built from a copy, so that the build leaves nothing in the checkout (build/, *.egg-info)
    # and no stale file of an earlier build/ can slip into the wheel.
    source = root / "source"
    shutil.copytree(REPO, source, ignore=_copy_ignore)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--disable-pip-version-check",
            "-w",
            root / "dist",
            source,
        ],
        cwd=root,
    )
    (wheel,) = (root / "dist").glob("labb-*.whl")
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], cwd=root, env=_clean_env(venv))
    return venv


def test_the_wheel_installs_and_imports_from_the_venv(installed):
    elsewhere = installed.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    out = _run(
        [
            installed / "bin" / "python",
            "-c",
            "import json, sysconfig, labb, labb.web; print(json.dumps([sysconfig.get_path('purelib'), "
            "labb.__file__, str(labb.web.TEMPLATES)]))",
        ],
        cwd=elsewhere,
        env=_clean_env(installed),
    )
    purelib, init, templates = (Path(p).resolve() for p in json.loads(out))
    assert installed.resolve() in purelib.parents
    assert init == purelib / "labb" / "__init__.py"
    assert templates == purelib / "labb" / "templates"
    assert (templates / "search.html").is_file() and (templates / "base.html").is_file()
    for data in (
        "vocabularies/criteria.yaml",
        "vocabularies/regions",
        "web/static/labb.css",
        "web/static/map/map.js",
        "web/translations/fr/LC_MESSAGES/messages.po",
    ):
        assert (purelib / "labb" / data).exists(), data


def test_the_installed_labb_serves_the_site(installed, tmp_path):
    practices, index_dir, cwd = tmp_path / "practices", tmp_path / "index", tmp_path / "cwd"
    cwd.mkdir()
    for name in (FULL, SPARSE, ITALIAN):
        (practices / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "practices" / name, practices / name)
    purelib = Path(
        _run(
            [installed / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            cwd=cwd,
            env=_clean_env(installed),
        ).strip()
    )
    # A mark in the installed copy of base.html: the pages must show it, so they cannot
    # come from the checkout's templates/.
    base = purelib / "labb" / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8") + CANARY + "\n", encoding="utf-8")

    server = Server(practices, index_dir, command=[str(installed / "bin" / "labb")], cwd=cwd, env=_clean_env(installed))
    try:
        sparse = Path(SPARSE).stem
        pages = ["/", "/?lang=fr", "/map", *(f"/practices/{Path(name).stem}" for name in (FULL, SPARSE, ITALIAN))]
        for path in pages:
            status, kind, body = _get(server.url + path.lstrip("/"))
            assert status == 200, f"{path}: {status}\n{body[:2000]}\n{server.log}"
            assert kind.startswith("text/html") and "<!doctype html>" in body.lower(), path
            assert CANARY in body, path
        assert "Aller aux résultats" in _get(server.url + "?lang=fr")[2]  # the translations (search page skip link)
        status, kind, body = _get(server.url + f"api/practices/{sparse}")
        assert status == 200 and kind.startswith("application/json"), body
        assert json.loads(body)["id"] == sparse
        for asset, kind_wanted in (("static/labb.css", "text/css"), ("static/map/map.js", "javascript")):
            status, kind, body = _get(server.url + asset)
            assert status == 200 and kind_wanted in kind and body, asset
    finally:
        status = server.stop()
    assert status == 0, server.log
    assert "Traceback" not in server.log, server.log
    assert list(cwd.iterdir()) == []  # nothing written where it was started
