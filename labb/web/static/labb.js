// labb: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
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
