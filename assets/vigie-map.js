/* Leaflet style functions for the sector maps, fed by the GeoJSON `hideout`:
 *   {classes: {code: classIndex|-1}, colors: [...], labels: {code: text},
 *    selected: code|null, highlight: [codes]}
 * Tooltips are built as DOM text nodes: sector names never reach an HTML sink. */
window.vigie = window.vigie || {};
(function () {
  "use strict";
  var NO_DATA = "#5b6570";
  var latest = {};

  function style(feature, context) {
    var h = (context && context.hideout) || {};
    latest = h;
    var code = feature.properties.code;
    var cls = h.classes ? h.classes[code] : undefined;
    var fill = (cls === undefined || cls === null || cls < 0) ? NO_DATA : h.colors[cls];
    var selected = h.selected === code;
    var highlighted = !!(h.highlight && h.highlight.indexOf(code) >= 0);
    return {
      fillColor: fill,
      fillOpacity: 0.82,
      color: selected ? "#ffffff" : (highlighted ? "#ff6d00" : "#10161d"),
      weight: selected ? 4 : (highlighted ? 3 : 1),
      opacity: 1
    };
  }

  function tooltipContent(layer) {
    var p = layer.feature.properties;
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = p.name;
    box.appendChild(name);
    var label = latest.labels && latest.labels[p.code];
    if (label) {
      String(label).split("\n").forEach(function (text) {
        var line = document.createElement("div");
        line.textContent = text;
        box.appendChild(line);
      });
    }
    return box;
  }

  function onEachFeature(feature, layer) {
    layer.bindTooltip(tooltipContent, {sticky: true, direction: "top", className: "vigie-tooltip"});
  }

  function hoverStyle() {
    return {weight: 3, color: "#ffd54f"};
  }

  window.vigie.map = {style: style, onEachFeature: onEachFeature, hoverStyle: hoverStyle};
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
      if (!map._vigieLabels) {
        map._vigieLabels = true;
        var toggle = function () {
          map.getContainer().classList.toggle("show-sector-labels", map.getZoom() >= LABEL_ZOOM);
        };
        map.on("zoomend", toggle);
        toggle();
      }
    });
    layer.on("remove", function () { marker.remove(); });
  }

  var bindTooltip = window.vigie.map.onEachFeature;
  window.vigie.map.onEachFeature = function (feature, layer) {
    bindTooltip(feature, layer);
    label(feature, layer);
  };
})();
