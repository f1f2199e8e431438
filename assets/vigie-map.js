/* Leaflet style functions for the sector maps, fed by the GeoJSON `hideout`:
 *   {classes: {code: classIndex|-1}, colors: [...], labels: {code: text},
 *    selected: code|null, highlight: [codes], below: [codes] (optional),
 *    tags: [[code, text], ...] (optional: the only labels of that map, first ones first)}
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
      opacity: 1,
      className: "vigie-sector-" + code  // set when the polygon is created: where a sector is on screen
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
    if (window.vigie.map.tag) { window.vigie.map.tag(e.layers, hideout); }
    return e.layers.length;
  }

  function hoverStyle() {
    return {weight: 3, color: "#ffd54f"};
  }

  function hideoutOf(id) { return (maps[id] && maps[id].hideout) || null; }

  window.vigie.map = {style: style, onEachFeature: onEachFeature, hoverStyle: hoverStyle, apply: apply,
                      hideoutOf: hideoutOf};
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
    layer._vigieLabel = marker;
    layer.on("add", function () {
      var map = layer._map;
      marker.addTo(map);
      tag([layer], window.vigie.map.hideoutOf(layer._vigieMap), true);
      map._vigieBounds = map._vigieBounds ? map._vigieBounds.extend(layer.getBounds()) : L.latLngBounds(
        layer.getBounds().getSouthWest(), layer.getBounds().getNorthEast());
      if (!map._vigieLabels) {
        map._vigieLabels = true;
        var toggle = function () {
          map.getContainer().classList.toggle("show-sector-labels", map.getZoom() >= LABEL_ZOOM);
        };
        map.on("zoomend", toggle);
        map.on("zoomend moveend resize", function () { declutter(map); });
        toggle();
        keepFitted(map);
      }
      map._vigieFit();
    });
    layer.on("remove", function () { marker.remove(); });
  }

  /* Tagged labels (hideout.tags, the wall): only those sectors are named, with their own text; a label
   * that would cover one placed before it (a higher rank) is not shown. */
  function tag(layers, hideout, later) {
    var tags = hideout && hideout.tags;
    if (!tags) { return; }
    var order = {};
    tags.forEach(function (pair, i) { order[pair[0]] = [i, pair[1]]; });
    var map = null;
    layers.forEach(function (layer) {
      var marker = layer._vigieLabel, found = order[layer.feature.properties.code];
      var el = marker && marker.getElement();
      if (!el) { return; }
      map = map || layer._map;
      marker._vigieRank = found ? found[0] : null;
      el.classList.toggle("sector-tagged", !!found);
      if (found) { el.firstChild.textContent = found[1]; }
    });
    if (!map) { return; }
    map._vigieTagged = true;
    map.getContainer().classList.add("vigie-map-tagged");
    if (!later) { declutter(map); }  // else the fit that follows the polygons' arrival does it
  }

  function declutter(map) {
    if (!map._vigieTagged) { return; }
    var shown = [];
    map.eachLayer(function (marker) { if (marker._vigieRank != null && marker.getElement()) { shown.push(marker); } });
    shown.sort(function (a, b) { return a._vigieRank - b._vigieRank; });
    shown.forEach(function (m) { m.getElement().classList.remove("sector-label-covered"); });
    var placed = [];
    shown.forEach(function (m) {
      var box = m.getElement().firstChild.getBoundingClientRect();
      var hit = placed.some(function (p) {
        return box.left < p.right && p.left < box.right && box.top < p.bottom && p.top < box.bottom;
      });
      if (hit) { m.getElement().classList.add("sector-label-covered"); } else { placed.push(box); }
    });
  }

  /* Where the legend lies over the map (bottom left), the fit keeps the polygons out of it: on the side
   * that costs the least zoom. */
  function legendPadding(map, bounds) {
    var box = map.getContainer().getBoundingClientRect();
    var panel = map.getContainer().closest(".vigie-map-box");
    var legend = panel && panel.parentElement && panel.parentElement.querySelector(".vigie-legend");
    var over = legend && legend.getBoundingClientRect();
    if (!over || over.width === 0 || over.left >= box.right || over.right <= box.left || over.top >= box.bottom ||
        over.bottom <= box.top) { return {}; }
    var side = L.point(over.right - box.left + 8, 0), below = L.point(0, box.bottom - over.top + 8);
    var wide = map.getBoundsZoom(bounds, false, side) >= map.getBoundsZoom(bounds, false, below);
    return wide ? {paddingTopLeft: side} : {paddingBottomRight: below};  // Leaflet pads these two corners
  }

  /* Panels change size (rotation on the wall, a tablet turned, a side panel filled): keep
   * the whole département in view until the user pans or zooms the map themselves. */
  function keepFitted(map) {
    var container = map.getContainer();
    var touched = false;
    ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (name) {
      container.addEventListener(name, function () { touched = true; }, {passive: true});
    });
    var pending = null, removed = false, observer = null, legendWatch = null;
    map._vigieFit = function () {  // also called as polygons arrive: the view fits the data, any département
      clearTimeout(pending);
      pending = setTimeout(function () {
        // The page may have moved on meanwhile: a removed map has no panes to size ("_leaflet_pos").
        if (removed || !container.isConnected) { return; }
        map.invalidateSize();
        if (!touched && map._vigieBounds) {
          map.fitBounds(map._vigieBounds, L.extend({animate: false}, legendPadding(map, map._vigieBounds)));
        }
        declutter(map);
      }, 150);
    };
    if (window.ResizeObserver) {
      observer = new ResizeObserver(map._vigieFit);
      observer.observe(container);
    }
    // the legend beside it, which may arrive after the polygons (legendPadding)
    var box = container.closest(".vigie-map-box");
    if (window.MutationObserver && box && box.parentElement) {
      legendWatch = new MutationObserver(map._vigieFit);
      Array.prototype.forEach.call(box.parentElement.children, function (el) {
        if (el !== box) { legendWatch.observe(el, {childList: true, subtree: true}); }
      });
    }
    map.on("unload", function () {
      removed = true;
      clearTimeout(pending);
      if (observer) { observer.disconnect(); }
      if (legendWatch) { legendWatch.disconnect(); }
    });
  }

  var bindTooltip = window.vigie.map.onEachFeature;
  window.vigie.map.onEachFeature = function (feature, layer, context) {
    bindTooltip(feature, layer, context);
    label(feature, layer);
  };
  window.vigie.map.tag = tag;
})();
