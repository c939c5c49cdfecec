"""Addresses of the search page for changed search states, built without routing.

A search page has hundreds of links (a toggle per facet value, a tag per result
card, pages, sorts); routing each with `url_for` cost as much as the search. The
page is routed once and the query strings are joined from parts encoded once.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, urlencode

from flask import url_for


class Urls:
    """Addresses of one page (the search page by default) for changed search states.
    The interface language, when the URL chose it, stays last, as `url_for` would put it."""

    def __init__(self, state: dict[str, list[str]], endpoint: str = "pages.search"):
        self.state = state
        self.path, _, self.kept = url_for(endpoint).partition("?")
        self.encoded = {k: self._encode(k, v) for k, v in state.items()}
        self._around: dict[str, tuple[str, str]] = {}

    @staticmethod
    def _encode(name: str, values: list[str] | None) -> str:
        if not values or (name == "sort" and values == ["relevance"]):
            return ""
        return "&".join(_pair(name, value) for value in values)

    def __call__(self, **changes: list[str] | None) -> str:
        """The address with `changes` (a parameter set to None or [] is dropped); each
        parameter of the state is encoded once, however many links are built from it."""
        if len(changes) == 1:
            return self.one(*next(iter(changes.items())))
        parts = [self.encoded[k] if k not in changes else self._encode(k, changes[k]) for k in self.state]
        parts += [self._encode(k, v) for k, v in changes.items() if k not in self.state]
        query = "&".join(part for part in (*parts, self.kept) if part)
        return f"{self.path}?{query}" if query else self.path

    def one(self, name: str, values: list[str] | None) -> str:
        """The address with one parameter changed, as `__call__` writes it: what stands
        before and after that parameter is joined once per parameter, not per link."""
        return self._join(name, self._encode(name, values))

    def toggle(self, name: str, value: str, selected: bool) -> str:
        """The address after a click on a facet value: `value` added to the facet's
        parameter, or taken out of it when it is `selected` (as `one` writes it)."""
        if selected:
            return self.one(name, [v for v in self.state.get(name, ()) if v != value])
        encoded = self.encoded.get(name)
        return self._join(name, f"{encoded}&{_pair(name, value)}" if encoded else _pair(name, value))

    def _join(self, name: str, encoded: str) -> str:
        around = self._around.get(name)
        if around is None:
            keys = list(self.state)
            at = keys.index(name) if name in self.state else len(keys)
            before = "&".join(self.encoded[k] for k in keys[:at] if self.encoded[k])
            after = "&".join(p for p in (*(self.encoded[k] for k in keys[at + 1 :]), self.kept) if p)
            around = self._around[name] = (before, after)
        before, after = around
        query = f"{before}&{encoded}" if before and encoded else before or encoded
        if after:
            query = f"{query}&{after}" if query else after
        return f"{self.path}?{query}" if query else self.path


@lru_cache(maxsize=8192)
def _pair(name: str, value: str) -> str:
    """`name=value` as a query string has it (vocabulary codes recur on every page)."""
    return urlencode([(name, value)], quote_via=quote, safe=":,")


def attribute(url: str) -> str:
    """An address from `Urls` as a double-quoted HTML attribute value: its parts are
    percent-encoded, so `&` is the only character left to escape (and `"`, should a
    deployment's path hold one)."""
    return url.replace("&", "&amp;").replace('"', "&#34;")
