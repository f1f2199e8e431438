/* Light or dark theme, remembered per device (a tablet in the sun, a wall in the dark).
 * The dark Bootswatch theme is linked by the page; the light one replaces it on demand. */
window.vigie = window.vigie || {};
(function () {
  "use strict";
  var KEY = "vigie-theme";

  function current() {
    try { return window.localStorage.getItem(KEY) || "dark"; } catch (e) { return "dark"; }
  }

  function apply(theme) {
    var link = document.querySelector('link[href*="/assets/themes/"]');
    if (link) {
      link.setAttribute("href", "/assets/themes/" + (theme === "light" ? "flatly" : "darkly") + ".min.css");
    }
    document.documentElement.classList.toggle("theme-light", theme === "light");
    document.documentElement.setAttribute("data-bs-theme", theme === "light" ? "light" : "dark");
  }

  function toggle() {
    var next = current() === "light" ? "dark" : "light";
    try { window.localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
    apply(next);
    return next;
  }

  window.vigie.theme = {current: current, toggle: toggle, apply: apply};
  apply(current());
})();
