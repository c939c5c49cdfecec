"""Rendering practice texts: the plain-text path gives what the full renderer and the
sanitiser give."""

from __future__ import annotations

import nh3
from hypothesis import given, settings
from hypothesis import strategies as st

from labb import markup

_PLAIN = st.sampled_from(
    ["word", "Zürich", " ", "\n", "\n\n", '"quoted"', "it's", "\u00a0", "\u2028", "\x7f", "2020", ":", "!", "|", "é"]
)
_MARKUP = st.sampled_from(
    ["-", "1.", "2)", "#", ">", "=", "+", "*", "_", "`", "&amp;", "&", "<b>", "[a](https://example.org)"]
    + ["https://example.org", "\\", "~~~", "\t", "    "]
)
_TEXTS = st.lists(st.one_of(_PLAIN, _PLAIN, _PLAIN, _MARKUP), max_size=40).map("".join)


def _full(text: str) -> str:
    return nh3.clean(
        markup._renderer().render(text),
        tags=markup._TAGS,
        attributes={"a": {"href"}},
        url_schemes=set(markup.SAFE_SCHEMES),
        link_rel="nofollow noopener noreferrer",
    )


@settings(max_examples=500, deadline=None)
@given(_TEXTS)
def test_the_plain_path_renders_as_the_full_renderer_and_sanitiser(text):
    plain = markup._plain(text)
    if plain is not None:
        assert plain == _full(text)
    assert markup.to_html(text) == _full(text)


def test_plain_texts_take_the_plain_path():
    text = 'A "buddy" for each family.\nTwo lines,\u00a0one paragraph.\n\nAnd 2020: a second one!'
    assert markup._plain(text) == (
        '<p>A "buddy" for each family.\nTwo lines,&nbsp;one paragraph.</p>\n<p>And 2020: a second one!</p>\n'
    )
    assert markup._plain("- a list") is None and markup._plain("*stress*") is None
