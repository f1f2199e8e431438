/* The warning before the session ends, on every page.
 * The time left always comes from the server: the heartbeat of vigie-session.js hands over each
 * answer of GET /session (which the server does not count as a user action); this file only counts
 * down between two answers. The warning shows when the time left drops under the server's lead (two
 * minutes by default). When a user action pushes the end back, it offers "Rester connecté", which
 * POSTs /session/extend: a user action. At the session's absolute end it only says so. When the
 * session is over, the heartbeat's 401 takes the page to the login, which brings it back here. */
window.vigie = window.vigie || {};
(function () {
  "use strict";
  var status = null, receivedAt = 0;

  function byId(id) { return document.getElementById(id); }

  function secondsLeft() {
    return Math.max(0, status.remaining - Math.floor((Date.now() - receivedAt) / 1000));
  }

  function duration(seconds) {
    var minutes = Math.floor(seconds / 60), rest = seconds % 60;
    if (!minutes) { return rest + " s"; }
    return rest ? minutes + " min " + String(rest).padStart(2, "0") + " s" : minutes + " min";
  }

  function offerFocus() {
    // Nobody is typing anywhere: the button takes the focus, so one key press keeps the session.
    var active = document.activeElement;
    if (status.extendable && (!active || active === document.body)) { byId("shell-idle-stay").focus(); }
  }

  function render() {
    var box = byId("shell-idle");
    if (!box || status === null) { return; }
    var left = secondsLeft();
    if (left > status.warning) { box.hidden = true; return; }
    var kind = status.extendable ? "idle" : "ending";
    byId("shell-idle-title").textContent = box.getAttribute("data-" + kind + "-title");
    byId("shell-idle-text").textContent = box.getAttribute("data-" + kind + "-text").replace("{left}", duration(left));
    byId("shell-idle-stay").hidden = !status.extendable;
    if (box.hidden) {
      box.hidden = false;
      offerFocus();
    }
  }

  function update(answer) {
    status = answer;
    receivedAt = Date.now();
    render();
  }

  function stay() {
    var box = byId("shell-idle");
    fetch("/session/extend", {method: "POST", cache: "no-store", credentials: "same-origin",
                              headers: {"Accept": "application/json", "X-CSRF-Token": box.getAttribute("data-csrf")}})
      .then(function (response) {
        if (response.status === 401) { window.vigie.session.toLogin(); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (answer) { if (answer) { update(answer); } }, function () { /* the heartbeat reports a loss */ });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#shell-idle-stay")) { stay(); }
  });
  setInterval(render, 1000);
  window.vigie.idle = {update: update};
})();
