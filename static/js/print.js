// Stand-alone print pages (no base.html): <button data-print> prints the page. No inline handler (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-print]")) { window.print(); }
  });
})();
