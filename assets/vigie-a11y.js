/* Accessibility fixes for markup that Dash components build themselves (no prop reaches it):
 * - dcc.Dropdown keeps a hidden, read-only focus target in the tab order: take it out;
 * - dcc.Upload renders a bare <input type=file>: give it the name of its drop zone. */
(function () {
  "use strict";
  function fix(root) {
    root.querySelectorAll(".dash-dropdown-focus-target[aria-hidden='true']").forEach(function (el) {
      if (el.getAttribute("tabindex") !== "-1") { el.setAttribute("tabindex", "-1"); }
    });
    root.querySelectorAll(".vigie-upload input[type='file']:not([aria-label])").forEach(function (el) {
      var zone = el.closest(".vigie-upload");
      el.setAttribute("aria-label", (zone && (zone.getAttribute("data-label") || zone.textContent.trim())) || "Fichier");
    });
  }
  var scheduled = false;
  new MutationObserver(function () {
    if (scheduled) { return; }
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; fix(document); });
  }).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", function () { fix(document); });
})();
