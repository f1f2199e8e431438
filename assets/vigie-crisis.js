/* The crisis map (/crise) zooms to the sectors in crisis and the stations that send vehicles.
 *
 * Its polygons go through vigie.crisis.onEachFeature, which hands them to vigie.map.onEachFeature
 * (tooltips, labels and the deferred fit of assets/vigie-map.js) and keeps the Leaflet map. The
 * deferred fit then aims at the focus, [[south, west], [north, east]] from the page's
 * `crisis-focus` store, instead of the whole département; with no sector in crisis (focus null)
 * it shows the département again. A new focus (other sectors in crisis) refits the map at once;
 * the same focus on the next refresh leaves a map the user moved where it is. A move's label that
 * would cover another one is hidden (its arrow's tooltip says it on hover). */
window.vigie = window.vigie || {};
(function () {
  "use strict";
  var state = {map: null, focus: null, key: "null"};
  var OPTIONS = {padding: [28, 28], maxZoom: 13, animate: false};

  function attached(map) {
    return !!(map && map._loaded && map.getContainer().isConnected);
  }

  function target(map, fallback) {
    return state.focus || fallback || map._vigieBounds;
  }

  /* Permanent labels do not avoid each other in Leaflet: show them in the plan's order and hide one that
   * would cover a label already shown (the arrow's hover tooltip still says what it carries). */
  function declutter(map) {
    if (!attached(map)) { return; }
    var shown = [];
    map.getContainer().querySelectorAll(".crisis-arrow-label").forEach(function (label) {
      label.style.visibility = "";
      var r = label.getBoundingClientRect();
      var covers = shown.some(function (s) {
        return r.left < s.right + 2 && s.left < r.right + 2 && r.top < s.bottom + 2 && s.top < r.bottom + 2;
      });
      if (covers) { label.style.visibility = "hidden"; } else { shown.push(r); }
    });
  }

  function watchLabels(map) {
    var pending = null;
    var later = function () { clearTimeout(pending); pending = setTimeout(function () { declutter(map); }, 60); };
    map.on("zoomend moveend resize", later);
    if (window.MutationObserver) {
      // at once (before the labels a refresh redraws are painted), then again once they have settled
      var observer = new MutationObserver(function () { declutter(map); later(); });
      observer.observe(map.getPane("tooltipPane"), {childList: true, subtree: true, characterData: true});
      map.on("unload", function () { observer.disconnect(); clearTimeout(pending); });
    }
  }

  function keep(map) {
    if (state.map === map) { return; }
    state.map = map;
    watchLabels(map);
    var own = L.Map.prototype.fitBounds;
    // The fit of vigie-map.js (polygons arriving, the panel resized) aims at the focus when there is one.
    map.fitBounds = function (bounds, options) {
      return own.call(this, target(this, bounds), state.focus ? OPTIONS : options);
    };
    map.on("unload", function () { if (state.map === map) { state.map = null; } });
    if (state.focus) { refit(); }
  }

  function refit() {
    var map = state.map;
    if (!attached(map)) { return; }
    var bounds = target(map);
    if (bounds) {
      map.invalidateSize();
      map.fitBounds(bounds, {animate: false});
    }
  }

  function onEachFeature(feature, layer, context) {
    window.vigie.map.onEachFeature(feature, layer, context);
    layer.on("add", function () { if (layer._map) { keep(layer._map); } });
  }

  /* Called with every new focus (clientside callback): remember it, refit when it changed. */
  function focus(bounds) {
    var key = JSON.stringify(bounds || null);
    state.focus = bounds ? L.latLngBounds(bounds) : null;
    if (key !== state.key) {
      state.key = key;
      refit();
    }
    return key;
  }

  /* What the map shows now, [[south, west], [north, east]] (null before the map is there). */
  function shown() {
    if (!attached(state.map)) { return null; }
    var b = state.map.getBounds();
    return [[b.getSouth(), b.getWest()], [b.getNorth(), b.getEast()]];
  }

  /* The focus asked for, in the same form (null: the whole département). */
  function focused() {
    var f = state.focus;
    return f ? [[f.getSouth(), f.getWest()], [f.getNorth(), f.getEast()]] : null;
  }

  window.vigie.crisis = {onEachFeature: onEachFeature, focus: focus, shown: shown, focused: focused};
})();
