/* Keep the operator informed when the server side goes away:
 * - a callback answered 401: the session expired, go to the login page (otherwise the map
 *   would freeze silently), which brings the user back here (path and query string) after;
 * - a heartbeat asks /session every few seconds (the server does not count it as a user
 *   action), so a lost server is noticed within 10 s even when nobody touches the page and no
 *   refresh is due: the "connexion perdue" banner shows, the freshness badge turns grey with the
 *   time since the loss; its answer is the time the session has left, handed to the idle
 *   warning (vigie-idle.js), and a 401 means the session is over: the login page;
 * - when the server answers again, the page reloads, so every panel (map colours, legend,
 *   figures, clock) comes back together from one consistent state. */
window.vigie = window.vigie || {};
(function () {
  "use strict";
  var HEARTBEAT_MS = 4000, TIMEOUT_MS = 4000;
  var originalFetch = window.fetch;
  var lostSince = null;

  function byId(id) { return document.getElementById(id); }

  function elapsed(ms) {
    var s = Math.floor(ms / 1000), m = Math.floor(s / 60);
    return String(m).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }

  function showLost() {
    var banner = byId("shell-connection-lost"), badge = byId("shell-freshness");
    if (banner) { banner.hidden = false; }
    if (badge) {
      var template = badge.getAttribute("data-lost") || "Connexion perdue depuis {elapsed}";
      badge.textContent = template.replace("{elapsed}", elapsed(Date.now() - lostSince));
      badge.className = "shell-freshness badge freshness-lost";
    }
  }

  function lost() {
    if (lostSince === null) { lostSince = Date.now(); }
    showLost();
  }

  function recovered() {
    if (lostSince !== null) {
      lostSince = null;
      window.location.reload();
    }
  }

  var leaving = false;

  function toLogin() {
    // Leave for the login page, keeping where the user was (path and query string: the view).
    // Once: the heartbeat and a callback may both meet the 401, and a second navigation would
    // abort the first.
    if (leaving) { return; }
    leaving = true;
    var back = window.location.pathname + window.location.search;
    window.location.assign("/login?expired=1&next=" + encodeURIComponent(back));
  }

  function answered(response) {
    // Any answer of the application (even a 500: database down) means the server is there;
    // only no answer, or a gateway error of the reverse proxy, means it is lost.
    if (response.status === 401) { toLogin(); return; }
    if (response.status >= 502 && response.status <= 504) { lost(); return; }
    recovered();
    if (response.ok && window.vigie.idle) {
      response.json().then(window.vigie.idle.update, function () { /* not the answer expected: next beat */ });
    }
  }

  function beat() {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    originalFetch.call(window, "/session", {cache: "no-store", credentials: "same-origin", signal: controller.signal,
                                            headers: {"Accept": "application/json"}})
      .then(answered, lost)
      .finally(function () { clearTimeout(timer); });
  }

  beat();
  setInterval(function () {
    beat();
    if (lostSince !== null) { showLost(); }
  }, HEARTBEAT_MS);

  window.fetch = function (input, init) {
    var url = (typeof input === "string") ? input : (input && input.url) || "";
    var isDash = url.indexOf("/_dash-") >= 0;
    return originalFetch.apply(this, arguments).then(function (response) {
      if (isDash) {
        if (response.status === 401) {
          // The session is over: leave for the login page, and give Dash nothing to process
          // meanwhile (it would report the refused answer as an error).
          toLogin();
          return new Promise(function () {});
        }
        if (response.status >= 502 && response.status <= 504) { lost(); }
      }
      return response;
    }, function (error) {
      if (isDash) { lost(); }
      throw error;
    });
  };
  window.vigie.session = {toLogin: toLogin};
})();
