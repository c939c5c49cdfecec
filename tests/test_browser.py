"""The real thing: `labb serve` in a subprocess, driven by a real Chromium.

Skipped when /usr/bin/chromium or the playwright package is missing. The browser
is never downloaded: Playwright drives the system's Chromium.
"""

from __future__ import annotations

import re
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import CHROMIUM, REPO, Server, write_web_corpus

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from labb import index


@pytest.fixture(scope="module")
def server(tmp_path_factory, vocabs):
    """25 practices (the four multilingual ones and 21 generated), served for real."""
    sys.path.insert(0, str(REPO / "bench"))
    import corpus as generator

    root = tmp_path_factory.mktemp("served")
    practices = write_web_corpus(root / "practices")
    generator.generate(21, practices / "bench", seed=11)
    index.build(practices, root / "index", vocabs)
    served = Server(practices, root / "index")
    yield served
    status = served.stop()
    assert status == 0, served.log
    assert "labb stopped" in served.log
    assert "Traceback" not in served.log, served.log
    assert not re.search(r'" 5\d\d ', served.log), served.log  # no request answered with a 5xx


class Watched:
    """A page whose console errors, page errors and requested URLs are recorded."""

    def __init__(self, browser, base: str, javascript: bool = True):
        self.context = browser.new_context(java_script_enabled=javascript, locale="en-GB", base_url=base)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def check(self) -> None:
        assert self.errors == []
        assert self.requests
        for url in self.requests:
            parts = urlsplit(url)
            assert parts.scheme == "http" and parts.hostname == "127.0.0.1", url
        self.context.close()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def watched(request, browser, server):
    w = Watched(browser, server.url, javascript=request.param)
    yield w
    w.check()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def chips(page) -> list[str]:
    return [t.strip() for t in page.locator("a.chip").all_inner_texts()]


def facet_link(page, title: str, nth: int = 0):
    """The nth unselected value of the facet group titled `title` (opened if closed)."""
    group = page.locator("details.facet", has=page.locator("summary", has_text=title))
    if group.get_attribute("open") is None:
        group.locator("summary").click()
    return group.locator("a.facet-value:not(.selected)").nth(nth)


def test_search_facets_chips_pages_practice_and_back(watched):
    page = watched.page
    page.goto("/?per_page=5")
    page.fill("#q", "integration")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=integration"))
    assert query(page)["per_page"] == ["5"]  # kept by the form's hidden field
    assert page.locator("h1").inner_text() == "Practices matching “integration”"
    total = int(re.match(r"\d+", page.locator("p.total").inner_text()).group(0))
    assert total > 5
    assert page.locator("ol.hits > li").count() == 5

    # paginate
    first_page = page.locator("ol.hits h3 a").all_inner_texts()
    page.click("nav.pagination a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("nav.pagination [aria-current=page]").inner_text() == "2"
    assert not set(page.locator("ol.hits h3 a").all_inner_texts()) & set(first_page)

    # two facets: two chips, and a new filter starts on page 1
    facet_link(page, "Area of integration").click()
    page.wait_for_url(lambda url: "dimension=" in url)
    assert "page" not in query(page) and len(chips(page)) == 1
    facet_link(page, "Country").click()
    page.wait_for_url(lambda url: "country=" in url)
    assert len(chips(page)) == 2
    assert page.locator("a.clear").is_visible()
    assert page.locator("a.facet-value.selected").count() == 2
    heading = page.locator("h1").inner_text()
    assert "where" in heading and " and " in heading and page.title().startswith(heading)

    # remove one chip
    dimension_chip = page.locator("a.chip", has_text="Area of integration")
    dimension_chip.click()
    page.wait_for_url(lambda url: "dimension=" not in url)
    assert len(chips(page)) == 1 and chips(page)[0].startswith("Country:")
    assert query(page)["q"] == ["integration"]

    # open a practice, then come back: the search is restored from the URL
    before = {
        "url": page.url,
        "chips": chips(page),
        "h1": page.locator("h1").inner_text(),
        "hits": page.locator("ol.hits h3 a").all_inner_texts(),
    }
    hit = page.locator("ol.hits h3 a").first
    title = hit.inner_text()
    hit.click()
    page.wait_for_url(re.compile(r"/practices/"))
    assert page.locator("h1").inner_text() == title
    page.go_back()
    page.wait_for_url(before["url"])
    assert page.input_value("#q") == "integration"
    after = {
        "url": page.url,
        "chips": chips(page),
        "h1": page.locator("h1").inner_text(),
        "hits": page.locator("ol.hits h3 a").all_inner_texts(),
    }
    assert after == before


def test_clear_all_and_did_you_mean(watched):
    page = watched.page
    page.goto("/?q=Pudasjarvu&country=FI")
    assert page.locator("ol.hits h3 a").all_inner_texts() == ["A good start in Pudasjärvi"]  # the word corrected
    page.click("a[href*='exact=1']")  # search exactly as typed: nothing, and a suggestion
    page.wait_for_url(re.compile(r"exact=1"))
    page.click("p.suggestion a")
    page.wait_for_url(re.compile(r"q=pudasj"))
    assert query(page)["country"] == ["FI"]
    assert page.locator("ol.hits h3 a").all_inner_texts() == ["A good start in Pudasjärvi"]
    page.click("a.clear")
    page.wait_for_url(lambda url: "country=" not in url)
    assert chips(page) == [] and page.input_value("#q") == "pudasjärvi"


def test_unknown_practice_page(watched):
    response = watched.page.goto("/practices/no-such-practice")
    assert response is not None and response.status == 404
    assert watched.page.locator("h1").inner_text() == "Page not found"
    watched.errors[:] = [e for e in watched.errors if "404" not in e]  # the page itself was a 404
    watched.page.fill("#q", "Napoli")
    watched.page.press("#q", "Enter")
    watched.page.wait_for_url(re.compile(r"q=Napoli"))
    assert "Work and integration in Campania" in watched.page.locator("ol.hits h3 a").all_inner_texts()


def test_keyboard_skip_link_then_main(browser, server):
    """On the search page the skip link leads to the results; on the others to the main content."""
    w = Watched(browser, server.url)
    page = w.page
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.textContent]")
    assert focused == ["skip", "Skip to results"]
    box = page.locator("a.skip").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'results'")
    assert page.url.endswith("#results")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#results') !== null")
    page.goto("/map")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'main'")
    w.check()


def test_language_switch_keeps_the_search_and_the_language(watched):
    page = watched.page
    page.goto("/?q=integration&country=IT")
    page.click("nav.languages a[hreflang='el']")
    page.wait_for_url(re.compile(r"lang=el"))
    assert page.evaluate("() => document.documentElement.lang") == "el"
    assert query(page)["q"] == ["integration"] and query(page)["country"] == ["IT"]
    assert page.locator("label[for=q]").inner_text() == "Αναζήτηση πρακτικών ένταξης"
    assert "Ιταλία" in chips(page)[0]  # vocabulary labels in the chosen language
    page.locator("ol.hits h3 a").first.click()
    page.wait_for_url(re.compile(r"/practices/.*lang=el"))
    assert page.evaluate("() => document.documentElement.lang") == "el"


@pytest.fixture(scope="module")
def shipped_server(tmp_path_factory, vocabs):
    """The shipped practices, served for real."""
    root = tmp_path_factory.mktemp("shipped-served")
    index.build(REPO / "practices", root / "index", vocabs)
    served = Server(REPO / "practices", root / "index")
    yield served
    assert served.stop() == 0, served.log


def test_no_shipped_practice_page_is_wider_than_a_phone(browser, shipped_server):
    """At 390 px nothing widens the page: long words, tables and figures scroll or wrap in their boxes."""
    ids = sorted(p.stem for p in (REPO / "practices").rglob("*.yaml"))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    wide = {}
    for practice_id in ids:
        page.goto(f"{shipped_server.url}/practices/{practice_id}?lang=el")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[practice_id] = width
    page.close()
    assert len(ids) > 60 and wide == {}


# -- the search page as an officer uses it: on a phone, by keyboard, comparing ------------------


def _phone(browser, base: str, javascript: bool = True):
    context = browser.new_context(
        base_url=base, java_script_enabled=javascript, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10_000)
    return context


def _first_result_top(page) -> float:
    return page.evaluate("() => document.querySelector('ol.hits > li').getBoundingClientRect().top")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_on_a_phone_the_first_result_is_on_the_first_screen(browser, shipped_server, javascript):
    context = _phone(browser, shipped_server.url, javascript)
    page = context.new_page()
    try:
        page.goto("/?q=language")
        assert page.locator("ol.hits > li").count() == 20
        assert _first_result_top(page) < 844
        assert not page.locator("details.filter-panel").evaluate("d => d.open")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_the_filter_panel_opens_filters_and_closes_by_keyboard_on_a_phone(browser, shipped_server):
    context = _phone(browser, shipped_server.url)
    page = context.new_page()
    focused = "() => document.activeElement && document.activeElement.className"
    try:
        page.goto("/?q=language")
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(focused) == "filter-toggle":
                break
        else:
            raise AssertionError("the Filters button is not reached by Tab")
        page.keyboard.press("Enter")
        assert page.locator("details.filter-panel").evaluate("d => d.open")
        for _ in range(20):  # the first value of the first facet, area of integration
            page.keyboard.press("Tab")
            if "facet-value" in (page.evaluate(focused) or ""):
                break
        href = page.evaluate("() => document.activeElement.getAttribute('href')")
        assert "dimension=" in href
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"[?&]dimension="))
        assert len(chips(page)) == 1
        panel = page.locator("details.filter-panel")
        assert not panel.evaluate("d => d.open")  # the filtered results come first again
        assert "1" in page.locator("summary.filter-toggle .badge").inner_text()
        page.locator("summary.filter-toggle").focus()
        page.keyboard.press("Enter")
        assert panel.evaluate("d => d.open")
        page.keyboard.press("Tab")
        page.keyboard.press("Escape")  # closes the panel and gives the focus back to its button
        assert not panel.evaluate("d => d.open")
        assert page.evaluate(focused) == "filter-toggle"
    finally:
        context.close()


def test_the_criteria_matrix_toggles_a_cell(browser, shipped_server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{shipped_server.url}/?q=integration")
        cell = page.locator(".criteria-matrix a.cell").first
        label = cell.locator(".visually-hidden").first.inner_text()
        count = int(re.sub(r"\D", "", cell.inner_text().replace(label, "")))
        cell.click()
        page.wait_for_url(re.compile(r"criterion="))
        [value] = query(page)["criterion"]
        criterion, _, level = value.partition(":")
        assert criterion and level in ("strong", "moderate", "weak")
        selected = page.locator(".criteria-matrix a.cell.selected")
        assert selected.count() == 1 and selected.get_attribute("aria-current") == "true"
        assert page.locator("p.total").inner_text().startswith(f"{count} practice")
        selected.click()
        page.wait_for_url(lambda url: "criterion=" not in url)
        assert page.locator(".criteria-matrix a.cell.selected").count() == 0
    finally:
        page.close()


def test_compare_three_practices_in_columns(browser, shipped_server):
    ids = sorted(p.stem for p in (REPO / "practices").rglob("*.yaml"))[:3]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        titles = []
        for practice_id in ids:
            page.goto(f"{shipped_server.url}/practices/{practice_id}")
            titles.append(page.locator("h1").inner_text())
        page.goto(f"{shipped_server.url}/compare?ids={','.join(ids)}")
        assert page.locator("table.compare thead th[scope=col]").all_inner_texts() == titles
        rows = page.locator("table.compare tbody tr:not(.group)")
        assert rows.count() > 12
        assert all(rows.nth(i).locator("td").count() == 3 for i in range(rows.count()))
        page.set_viewport_size({"width": 390, "height": 844})  # the table scrolls in its box on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        page.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_tick_two_results_and_compare_them(browser, shipped_server, javascript):
    context = browser.new_context(base_url=shipped_server.url, java_script_enabled=javascript)
    page = context.new_page()
    try:
        page.goto("/?q=housing")
        boxes = page.locator("ol.hits input[name=ids]")
        picked = [boxes.nth(0).get_attribute("value"), boxes.nth(2).get_attribute("value")]
        boxes.nth(0).check()
        boxes.nth(2).check()
        page.locator("form.compare-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/compare\?"))
        ids = [i for v in query(page)["ids"] for i in v.split(",")]
        assert ids == picked
        assert page.locator("table.compare thead th[scope=col]").count() == 2
    finally:
        context.close()


def test_at_most_four_can_be_ticked(browser, shipped_server):
    page = browser.new_page()
    try:
        page.goto(f"{shipped_server.url}/?q=language")
        boxes = page.locator("ol.hits input[name=ids]")
        for n in range(4):
            boxes.nth(n).check()
        assert boxes.nth(4).is_disabled()
        assert "(4/4)" in page.locator("form.compare-form button[type=submit]").inner_text()
        boxes.nth(0).uncheck()
        assert not boxes.nth(4).is_disabled()
    finally:
        page.evaluate("() => sessionStorage.clear()")
        page.close()


def test_a_practice_page_prints_its_text_and_facts_without_navigation(browser, shipped_server):
    page = browser.new_page(viewport={"width": 800, "height": 1100})
    try:
        page.emulate_media(media="print")
        page.goto(f"{shipped_server.url}/practices/se-valambassadorer-goteborg")
        hidden = "(s) => [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none')"
        for selector in ("header.site nav", "footer.site .languages", ".crumbs", ".similar"):
            assert page.evaluate(hidden, selector), selector
        assert page.locator("aside.facts").is_visible() and page.locator("h1").is_visible()
        source = page.locator("ol.sources a[href^=http]").first
        after = source.evaluate("a => getComputedStyle(a, '::after').content")
        assert source.get_attribute("href") in after  # a printed source shows its address
    finally:
        page.close()
