"""The safe Markdown subset practice texts may use: checked, and rendered.

Allowed: paragraphs, line breaks, *emphasis*, **strong**, `code`, lists,
block quotes, headings, and links to http(s) or mailto addresses.
Not allowed: raw HTML, images, and links with any other scheme (javascript:,
data:, file:...). The validator reports what is not allowed; rendering also
passes the HTML through a sanitiser, so even an unvalidated text is inert.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_TAGS = {"p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "h3", "h4", "h5", "h6", "a"}


@dataclass(frozen=True)
class Unsafe:
    """Something a text may not contain: on which line of the text, and what. The
    validator words it as the problem `unsafe-markup` (labb.model.problems), in
    the form named `form` ("" for an HTML block) filled in with `fields`."""

    line: int  # 0-based, within the text
    form: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)


@cache
def _inspector() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # see every link, to report the unsafe ones
    return md


@cache
def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.disable("image")
    return md


def _scheme_ok(href: str) -> bool:
    scheme = urlsplit(href.strip()).scheme.lower()
    return scheme in SAFE_SCHEMES


def problems(text: str) -> Iterator[Unsafe]:
    """Yield what `text` holds that the safe subset does not allow."""
    if "<" not in text and "[" not in text:
        return  # raw HTML, autolinks, links and images all need one of these
    for block in _inspector().parse(text):
        line = block.map[0] if block.map else 0
        if block.type == "html_block":
            yield Unsafe(line)
        for token in block.children or ():
            if token.type == "html_inline":
                yield Unsafe(line, "inline-html", {"html": token.content})
            elif token.type == "image":
                yield Unsafe(line, "image")
            elif token.type == "link_open":
                href = str(token.attrs.get("href", ""))
                if not _scheme_ok(href):
                    yield Unsafe(line, "link", {"href": href})


@lru_cache(maxsize=4096)
def to_html(text: str) -> str:
    """Render the safe subset to HTML, sanitised (the most recent texts kept: a
    practice page renders a dozen, the same each time it is shown)."""
    plain = _plain(text)
    if plain is not None:
        return plain
    return nh3.clean(
        _renderer().render(text),
        tags=_TAGS,
        attributes={"a": {"href"}},
        url_schemes=set(SAFE_SCHEMES),
        link_rel="nofollow noopener noreferrer",
    )


_MARKUP_CHARS = re.compile(r"[`*_\[\]<>\\&~\x00-\x09\x0b-\x1f]")
"""Characters that may start Markdown inline markup, HTML or an entity (and control
characters, which the sanitiser would change)."""
_BLOCK_START = re.compile(r"[#>=+*-]|\d{1,9}[.)]")
"""What may start a heading, a quote, a list, a rule or an underline at a line's start."""


def _plain(text: str) -> str | None:
    """The HTML of a text that is only paragraphs of plain words, as CommonMark renders
    it and the sanitiser writes it out (paragraphs at blank lines, the lines of one
    kept apart by a line break, no-break spaces as `&nbsp;`); None when the text may
    hold any Markdown at all (then it is rendered and sanitised in full). Nearly every
    text is plain, and this costs a tenth of rendering and sanitising."""
    if _MARKUP_CHARS.search(text):
        return None
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        if line[0].isspace() or line[-1].isspace() or _BLOCK_START.match(line):
            return None
        paragraphs[-1].append(line.replace("\u00a0", "&nbsp;"))
    return "".join(f"<p>{chr(10).join(lines)}</p>\n" for lines in paragraphs if lines)
