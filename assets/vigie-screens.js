/* Small screens: a sector touched on the map brings its card into view (on a phone or a tablet the
 * card is under the map, a screen or two down). Only after a touch or a click on the map: a refresh
 * never moves the page. */
(function () {
  "use strict";
  var MAP = "situation-map", CARD = "situation-sector-card", WAIT_MS = 10000;
  var touched = 0;

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("#" + MAP + " path.leaflet-interactive")) { touched = Date.now(); }
  }, true);

  function bring(card) {
    var box = card.getBoundingClientRect();
    var header = document.querySelector(".shell-header");
    var top = header ? header.getBoundingClientRect().bottom : 0;
    if (box.top >= top && box.top < window.innerHeight - 80) { return; }  // already in sight
    card.scrollIntoView({block: "start", behavior: "smooth"});
  }

  new MutationObserver(function () {
    if (!touched || Date.now() - touched > WAIT_MS) { return; }
    var card = document.getElementById(CARD);
    if (card && card.querySelector(".sector-card")) {
      touched = 0;
      bring(card);
    }
  }).observe(document.documentElement, {childList: true, subtree: true});
})();

/* The sticky header's height as --shell-header-h on <html>: the map panels fill the rest of the
 * screen and anything scrolled to stops under the header, whatever the header wraps to. */
(function () {
  "use strict";
  var seen = null, watched = null;

  function measure() {
    var header = document.querySelector(".shell-header");
    if (!header) { return; }
    var height = Math.round(header.getBoundingClientRect().height);
    if (height !== seen) {
      seen = height;
      document.documentElement.style.setProperty("--shell-header-h", height + "px");
    }
  }

  var resize = window.ResizeObserver ? new ResizeObserver(measure) : null;
  new MutationObserver(function () {
    var header = document.querySelector(".shell-header");
    if (header && resize && header !== watched) {  // the shell is drawn once per page load
      watched = header;
      resize.observe(header);
    }
    if (!resize) { measure(); }
  }).observe(document.documentElement, {childList: true, subtree: true});
  window.addEventListener("resize", measure);
})();
