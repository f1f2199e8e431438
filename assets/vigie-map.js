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
