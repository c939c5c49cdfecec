"""Every message of the interface is translated in every interface language."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from labb.web.i18n import LANGUAGES, TRANSLATIONS

from .conftest import REPO

METHODS = [
    ("labb/web/**.py", "python"),
    ("labb/facets.py", "python"),
    ("labb/search/**.py", "python"),
    ("templates/**.html", "jinja2"),
]
"""As babel.cfg says (tests/test_catalogs.py checks the two agree)."""


def _messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(REPO), METHODS, options_map={"templates/**.html": {}}):
        singular = message[0] if isinstance(message, tuple) else message  # a plural is filed under its singular
        if singular:
            found.add(singular)
    return found


def _translated(catalog, message: str) -> bool:
    entry = catalog.get(message)
    if entry is None:
        return False
    strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return all(strings)


def test_babel_cfg_names_the_same_files():
    cfg = (REPO / "babel.cfg").read_text(encoding="utf-8")
    for pattern, method in METHODS:
        assert f"[{method}: {pattern}]" in cfg


def test_every_message_is_translated_in_every_language():
    messages = _messages()
    assert "People reached" in messages and "Area of integration" in messages  # the extraction itself works
    missing = {}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = read_po(handle)
        gaps = sorted(m for m in messages if not _translated(catalog, m))
        if gaps:
            missing[lang] = gaps
    assert missing == {}, "translate these in labb/web/translations/<lang>/LC_MESSAGES/messages.po"
