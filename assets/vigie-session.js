/* Keep the operator informed when the server side goes away:
 * - a callback answered 401: the session expired, go to the login page (otherwise the map
 *   would freeze silently);
 * - the server does not answer at all: show the "connexion perdue" banner until it does. */
(function () {
  "use strict";
  var originalFetch = window.fetch;
  var failures = 0;

  function banner(show) {
    var el = document.getElementById("shell-connection-lost");
    if (el) { el.hidden = !show; }
  }

  window.fetch = function (input, init) {
    var url = (typeof input === "string") ? input : (input && input.url) || "";
    var isDash = url.indexOf("/_dash-") >= 0;
    return originalFetch.apply(this, arguments).then(function (response) {
      if (isDash) {
        if (response.status === 401) {
          window.location.assign("/login?expired=1");
        }
        var down = response.status >= 502 && response.status <= 504;
        failures = down ? failures + 1 : 0;
        banner(down);
      }
      return response;
    }, function (error) {
      if (isDash) {
        failures += 1;
        banner(true);
      }
      throw error;
    });
  };
})();
