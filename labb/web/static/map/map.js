// labb map: choosing a region shows its panel next to the map without leaving the page.
// Without this file every region of the map and of the list is a plain link to /regions/<code>.
(function () {
  "use strict";
  var panel = document.getElementById("region-panel");
  if (!panel || !window.fetch || !window.history || !window.history.pushState) { return; }
  var mapPath = window.location.pathname;
  var empty = panel.querySelector(".region-panel") ? null : panel.innerHTML;

  function mark(code) {
    document.querySelectorAll(".map-region, .region-link").forEach(function (m) {
      var on = m.getAttribute("data-region") === code;
      m.classList.toggle("current", on);
      if (on) { m.setAttribute("aria-current", "true"); } else { m.removeAttribute("aria-current"); }
    });
  }

  function partialUrl(href) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("partial", "1");
    return url.toString();
  }

  function mapUrl(code) {
    var url = new URL(window.location.href);
    url.pathname = mapPath;
    if (code) { url.searchParams.set("show", code); } else { url.searchParams.delete("show"); }
    url.hash = "";
    return url.toString();
  }

  function show(code, href, push) {
    panel.classList.add("loading");
    return fetch(partialUrl(href), { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var section = doc.querySelector(".region-panel");
        if (!section) { throw new Error("no panel"); }
        panel.replaceChildren(document.importNode(section, true));
        panel.classList.remove("loading");
        panel.scrollTop = 0;
        mark(code);
        if (push) { window.history.pushState({ region: code, href: href }, "", mapUrl(code)); }
        var heading = panel.querySelector("[tabindex='-1']");
        if (heading) {
          heading.focus({ preventScroll: true });
          if (heading.getBoundingClientRect().top < 0 || heading.getBoundingClientRect().bottom > window.innerHeight) {
            heading.scrollIntoView({ block: "nearest" });
          }
        }
      });
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    var link = event.target.closest ? event.target.closest("a[data-region]") : null;
    if (!link) { return; }
    var href = link.getAttribute("href");
    event.preventDefault();
    show(link.getAttribute("data-region"), href, true).catch(function () { window.location.href = href; });
  });

  window.addEventListener("popstate", function (event) {
    var state = event.state;
    if (state && state.region) {
      show(state.region, state.href, false).catch(function () { window.location.reload(); });
    } else if (empty !== null) {
      panel.innerHTML = empty;
      mark(null);
    } else {
      window.location.reload();
    }
  });

  var chosen = panel.querySelector(".region-panel");
  if (chosen) {
    var code = chosen.getAttribute("data-region");
    var link = document.querySelector("a[data-region='" + code + "']");
    window.history.replaceState({ region: code, href: link ? link.getAttribute("href") : "/regions/" + code }, "");
  }
})();
