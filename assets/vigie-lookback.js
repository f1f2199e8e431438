/* Looking back and sharing a view (situation and sector pages):
 * - copy(n, statusId): put the page's address, which holds the view, on the clipboard; the status element
 *   (its data-copied / data-failed attributes, from the message catalogue) says how it went;
 * - the look-back slider reads its time in words to screen readers (aria-valuetext from its <output>). */
(function () {
  "use strict";
  window.vigie = window.vigie || {};

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }

  function copy(n, statusId) {
    if (!n) { return window.dash_clientside.no_update; }
    var status = document.getElementById(statusId);
    var said = function (ok) {
      return (status && status.getAttribute(ok ? "data-copied" : "data-failed")) || (ok ? "OK" : "");
    };
    var url = window.location.href;
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(url).then(function () { return said(true); },
                                                     function () { return said(fallbackCopy(url)); });
    }
    return said(fallbackCopy(url));
  }

  function describeSliders(root) {
    root.querySelectorAll("output.lookback-time[for]").forEach(function (out) {
      var slider = document.getElementById(out.getAttribute("for"));
      var text = out.textContent.trim();
      if (slider && text && slider.getAttribute("aria-valuetext") !== text) {
        slider.setAttribute("aria-valuetext", text);
      }
    });
  }

  var scheduled = false;
  new MutationObserver(function () {
    if (scheduled) { return; }
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; describeSliders(document); });
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true});

  window.vigie.lookback = {copy: copy};
})();
