// labb: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var store = {
    get: function (key) { try { return window.sessionStorage.getItem(key); } catch (e) { return null; } },
    set: function (key, value) { try { window.sessionStorage.setItem(key, value); } catch (e) { /* storage may be off */ } }
  };

  // The filter panel: closed in the HTML (a phone shows the results first); opened on a
  // wide screen unless the reader folded it away. Escape or "show results" closes it.
  var panel = document.querySelector("details.filter-panel");
  if (panel) {
    var wide = window.matchMedia("(min-width: 50.01rem)");
    var place = function () {
      if (wide.matches) {
        panel.open = store.get("labb.filters") !== "folded";
        panel.classList.toggle("folded", !panel.open);
      }
    };
    place();
    wide.addEventListener("change", place);
    panel.addEventListener("toggle", function () {
      if (wide.matches) {
        store.set("labb.filters", panel.open ? "open" : "folded");
        panel.classList.toggle("folded", !panel.open);
      }
    });
    var summary = panel.querySelector("summary");
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && panel.open && !wide.matches) {
        panel.open = false;
        summary.focus();
      }
    });
    var show = panel.querySelector(".show-results");
    if (show) {
      show.addEventListener("click", function (event) {
        event.preventDefault();
        panel.open = false;
        var results = document.getElementById("results");
        results.scrollIntoView();
        results.focus();
      });
    }
  }

  // Comparing practices: at most data-max ticked; the ticks last while the reader pages
  // through results (session storage), and go with the form to /compare.
  var form = document.querySelector("form.compare-form");
  if (form) {
    var max = parseInt(form.getAttribute("data-max"), 10) || 4;
    var bar = form.querySelector(".compare-bar");
    var button = bar.querySelector("button");
    var label = button.textContent;
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=ids]"));
    var chosen = (store.get("labb.compare") || "").split(",").filter(Boolean);
    boxes.forEach(function (box) { box.checked = chosen.indexOf(box.value) >= 0; });
    var update = function () {
      boxes.forEach(function (box) {
        var at = chosen.indexOf(box.value);
        if (box.checked && at < 0) { chosen.push(box.value); }
        if (!box.checked && at >= 0) { chosen.splice(at, 1); }
      });
      chosen = chosen.slice(0, max);
      store.set("labb.compare", chosen.join(","));
      boxes.forEach(function (box) { box.disabled = !box.checked && chosen.length >= max; });
      bar.classList.toggle("active", chosen.length > 0);
      button.textContent = label + " (" + chosen.length + "/" + max + ")";
    };
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
      var target = form.getAttribute("action");
      window.location.href = target + (target.indexOf("?") >= 0 ? "&" : "?") + "ids=" + chosen.map(encodeURIComponent).join(",");
    });
    update();
  }
  // Remember which facet groups a reader opened or closed.
  document.querySelectorAll("details.facet").forEach(function (el, i) {
    var key = "labb.facet." + i;
    try {
      var saved = window.sessionStorage.getItem(key);
      if (saved === "open") { el.open = true; }
    } catch (e) { /* storage may be disabled */ }
    el.addEventListener("toggle", function () {
      try { window.sessionStorage.setItem(key, el.open ? "open" : "closed"); } catch (e) { /* ignore */ }
    });
  });

  // The region filter's find box: keeps the regions whose name, in any language, holds
  // what is typed (case and accents ignored), with the branches that lead to them.
  var box = document.querySelector(".region-find");
  var tree = document.querySelector(".region-tree");
  if (!box || !tree) { return; }
  var fold = function (text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  };
  var input = box.querySelector("input");
  var status = box.querySelector("[role=status]");
  var nodes = Array.prototype.slice.call(tree.querySelectorAll("li[data-names]"));
  nodes.forEach(function (li) {
    li.labbNames = fold(li.getAttribute("data-names"));
    var details = li.querySelector(":scope > details");
    if (details) { li.labbOpen = details.open; }
  });
  box.hidden = false;
  var timer = null;
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var q = fold(input.value.trim());
      var found = 0;
      for (var i = nodes.length - 1; i >= 0; i--) { // children before their parents
        var li = nodes[i];
        var hit = !q || li.labbNames.indexOf(q) >= 0;
        var details = li.querySelector(":scope > details");
        var below = details && Array.prototype.some.call(
          details.querySelectorAll(":scope > ul > li[data-names]"), function (c) { return !c.hidden; });
        li.hidden = !(hit || below);
        if (details) { details.open = q ? Boolean(below) || li.labbOpen : li.labbOpen; }
        if (q && hit) { found += 1; }
      }
      status.textContent = q ? box.getAttribute("data-found") + " " + found : "";
    }, 120);
  });
})();
