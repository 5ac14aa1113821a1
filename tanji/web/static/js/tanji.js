// Tanji — a little progressive enhancement; every page works without it.
(function () {
  "use strict";
  var csrf = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
  window.tanji = { csrf: csrf };

  // "Go back" links on error pages (CSP forbids inline javascript: URLs).
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-back]");
    if (back) { event.preventDefault(); history.back(); }
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
