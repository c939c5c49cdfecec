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
})();
