"""Shared fixtures: real files in tmp_path, the shipped vocabularies."""

from __future__ import annotations

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
