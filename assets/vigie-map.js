/* Leaflet style functions for the sector maps, fed by the GeoJSON `hideout`:
 *   {classes: {code: classIndex|-1}, colors: [...], labels: {code: text},
 *    selected: code|null, highlight: [codes], below: [codes] (optional)}
 * Sectors far below their usual value (`below`) get a dashed cyan outline.
 * Tooltips and labels are built as DOM text nodes: sector names never reach an HTML sink.
 *
 * The geometry arrives from its URL after the first hideout may already have: the last
 * hideout of each map is kept here (`apply`, called by a clientside callback) and the
 * polygons take it when they are created, whatever the order. */
window.vigie = window.vigie || {};
(function () {
  "use strict";
  var NO_DATA = "#5b6570";
  var maps = {};  // GeoJSON component id -> {hideout, layers}

  function entry(id) {
    if (!maps[id]) { maps[id] = {hideout: null, layers: []}; }
    return maps[id];
  }

  function current(context) {
    var id = context && context.id;
    return (id && maps[id] && maps[id].hideout) || (context && context.hideout) || {};
  }

  function paint(feature, h) {
    var code = feature.properties.code;
    var cls = h.classes ? h.classes[code] : undefined;
    var fill = (cls === undefined || cls === null || cls < 0) ? NO_DATA : h.colors[cls];
    var selected = h.selected === code;
    var highlighted = !!(h.highlight && h.highlight.indexOf(code) >= 0);
    var below = !!(h.below && h.below.indexOf(code) >= 0);
    return {
      fillColor: fill,
      fillOpacity: 0.82,
      color: selected ? "#ffffff" : (highlighted ? "#ff6d00" : (below ? "#4fc3f7" : "#10161d")),
      weight: selected ? 4 : (highlighted || below ? 3 : 1),
      dashArray: below && !highlighted ? "6 4" : null,
      opacity: 1
    };
  }

  function style(feature, context) {
    return paint(feature, current(context));
  }

  function tooltipContent(layer) {
    var p = layer.feature.properties;
    var h = (maps[layer._vigieMap] && maps[layer._vigieMap].hideout) || {};
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = p.name;
    box.appendChild(name);
    var label = h.labels && h.labels[p.code];
    if (label) {
      String(label).split("\n").forEach(function (text) {
        var line = document.createElement("div");
        line.textContent = text;
        box.appendChild(line);
      });
    }
    return box;
  }

  function onEachFeature(feature, layer, context) {
    var id = context && context.id;
    layer._vigieMap = id;
    if (id) {
      entry(id).layers.push(layer);
      if (maps[id].hideout) { layer.setStyle(paint(feature, maps[id].hideout)); }
    }
    layer.bindTooltip(tooltipContent, {sticky: true, direction: "top", className: "vigie-tooltip"});
  }

  /* Called with every new hideout of a map: remember it and restyle the polygons already there. */
  function apply(id, hideout) {
    var e = entry(id);
    e.hideout = hideout;
    e.layers = e.layers.filter(function (layer) { return !!layer._map; });
    e.layers.forEach(function (layer) { layer.setStyle(paint(layer.feature, hideout)); });
    return e.layers.length;
  }

  function hoverStyle() {
    return {weight: 3, color: "#ffd54f"};
  }

  window.vigie.map = {style: style, onEachFeature: onEachFeature, hoverStyle: hoverStyle, apply: apply};
})();

/* Sector names as map labels from zoom 11 on (the offline map's place names).
 * Labels are DOM text (textContent): a name can never inject markup. */
(function () {
  "use strict";
  var LABEL_ZOOM = 11;

  function label(feature, layer) {
    var text = document.createElement("span");
    text.textContent = feature.properties.name;
    var marker = L.marker(layer.getBounds().getCenter(), {
      icon: L.divIcon({className: "sector-label", html: text, iconSize: null}),
      interactive: false, keyboard: false
    });
    layer.on("add", function () {
      var map = layer._map;
      marker.addTo(map);
      map._vigieBounds = map._vigieBounds ? map._vigieBounds.extend(layer.getBounds()) : L.latLngBounds(
        layer.getBounds().getSouthWest(), layer.getBounds().getNorthEast());
      if (!map._vigieLabels) {
        map._vigieLabels = true;
        var toggle = function () {
          map.getContainer().classList.toggle("show-sector-labels", map.getZoom() >= LABEL_ZOOM);
        };
        map.on("zoomend", toggle);
        toggle();
        keepFitted(map);
      }
      map._vigieFit();
    });
    layer.on("remove", function () { marker.remove(); });
  }

  /* Panels change size (rotation on the wall, a tablet turned, a side panel filled): keep
   * the whole département in view until the user pans or zooms the map themselves. */
  function keepFitted(map) {
    var container = map.getContainer();
    var touched = false;
    ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (name) {
      container.addEventListener(name, function () { touched = true; }, {passive: true});
    });
    var pending = null, removed = false, observer = null;
    map._vigieFit = function () {  // also called as polygons arrive: the view fits the data, any département
      clearTimeout(pending);
      pending = setTimeout(function () {
        // The page may have moved on meanwhile: a removed map has no panes to size ("_leaflet_pos").
        if (removed || !container.isConnected) { return; }
        map.invalidateSize();
        if (!touched && map._vigieBounds) { map.fitBounds(map._vigieBounds, {animate: false}); }
      }, 150);
    };
    if (window.ResizeObserver) {
      observer = new ResizeObserver(map._vigieFit);
      observer.observe(container);
    }
    map.on("unload", function () {
      removed = true;
      clearTimeout(pending);
      if (observer) { observer.disconnect(); }
    });
  }

  var bindTooltip = window.vigie.map.onEachFeature;
  window.vigie.map.onEachFeature = function (feature, layer, context) {
    bindTooltip(feature, layer, context);
    label(feature, layer);
  };
})();
