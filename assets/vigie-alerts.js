/* Attention for new alerts: a short bundled chime and, when allowed, a browser notification.
 *
 * - The sound is on or off per device (localStorage "vigie-alert-sound"); a device that never
 *   chose gets the default the server wrote on the shell's marker (off on display accounts
 *   unless an administrator enabled it).
 * - Browsers play sound only after one user gesture on the page: until then the shell shows
 *   a notice (see noticeHidden) and the first click or key press unlocks the audio.
 * - announce() is handed the newest alert at every refresh; it rings once per new alert and
 *   per device (the stamp of the last alert announced is kept in localStorage).
 */
window.vigie = window.vigie || {};
(function () {
  "use strict";
  var SOUND_KEY = "vigie-alert-sound";
  var LAST_KEY = "vigie-alert-last";
  var SOUND_URL = "/assets/sounds/alert.wav";
  var audio = null;
  var state = {gesture: false, played: 0, rung: 0, notified: 0, lastError: ""};

  function read(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function write(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: this page only */ }
  }

  function serverDefault() {
    var toggle = document.getElementById("shell-alert-announced");
    return toggle && toggle.getAttribute("data-sound-default") === "on";
  }

  function soundOn() {
    var chosen = read(SOUND_KEY);
    return chosen === null ? serverDefault() : chosen === "on";
  }

  function setSound(on) {
    write(SOUND_KEY, on ? "on" : "off");
    return on;
  }

  function toggleSound() {
    return setSound(!soundOn());
  }

  function player() {
    if (audio === null) {
      audio = new Audio(SOUND_URL);
      audio.preload = "auto";
    }
    return audio;
  }

  function play() {
    state.played += 1;
    var result;
    try { result = player().play(); } catch (e) { state.lastError = String(e); return; }
    if (result && result.catch) {
      result.catch(function (e) { state.lastError = String(e && e.name || e); });
    }
  }

  function onGesture() {
    if (state.gesture) { return; }
    state.gesture = true;
    player().load();
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, onGesture, {capture: true, passive: true});
  });

  function notificationsAllowed() {
    return "Notification" in window && window.Notification.permission === "granted";
  }

  function notify(text) {
    if (!notificationsAllowed()) { return; }
    try {
      new window.Notification("Vigie", {body: text, tag: "vigie-alert", icon: "/assets/logo.svg"});
      state.notified += 1;
    } catch (e) { state.lastError = String(e); }
  }

  /* Ring and notify when `newest` (the bar's data) is newer than what this device announced. */
  function announce(newest) {
    if (!newest || !newest.stamp) { return "none"; }
    var last = parseFloat(read(LAST_KEY) || "0");
    if (!(newest.stamp > last)) { return "seen"; }
    write(LAST_KEY, String(newest.stamp));
    state.rung += 1;
    if (soundOn() && state.gesture) { play(); }
    notify(newest.text || "");
    return "announced";
  }

  /* True when the "one gesture first" notice should stay hidden. */
  function noticeHidden() {
    return state.gesture || !soundOn();
  }

  /* Ask for the permission of browser notifications (needs a click); resolves to the answer. */
  function askNotifications() {
    if (!("Notification" in window)) { return Promise.resolve("unsupported"); }
    if (window.Notification.permission !== "default") { return Promise.resolve(window.Notification.permission); }
    return window.Notification.requestPermission();
  }

  function notificationState() {
    return ("Notification" in window) ? window.Notification.permission : "unsupported";
  }

  window.vigie.alerts = {soundOn: soundOn, setSound: setSound, toggleSound: toggleSound, play: play,
                         announce: announce, noticeHidden: noticeHidden, askNotifications: askNotifications,
                         notificationState: notificationState, state: state};
})();
