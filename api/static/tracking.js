// The customer's tracking page: a small map with the runner's last position and the door.
// Everything else on the page works without it.
(function () {
  "use strict";
  var box = document.querySelector("[data-track-map]");
  if (!box || !window.L) { return; }
  var point = function (text) {
    var parts = (text || "").split(",").map(Number);
    return parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1]) ? parts : null;
  };
  var runner = point(box.getAttribute("data-runner"));
  if (!runner) { return; }
  var door = point(box.getAttribute("data-destination"));
  var map = window.L.map(box, { zoomControl: false, attributionControl: true });
  window.L.tileLayer(box.getAttribute("data-tiles"), {
    maxZoom: 18, attribution: box.getAttribute("data-attribution") || "",
  }).addTo(map);
  window.L.control.scale({ imperial: false }).addTo(map);
  var dot = function (at, colour, label) {
    return window.L.circleMarker(at, {
      radius: 9, color: "#ffffff", weight: 3, fillColor: colour, fillOpacity: 1,
    }).bindTooltip(label).addTo(map);
  };
  dot(runner, "#d97706", box.getAttribute("data-runner-label") || "");
  if (door) {
    dot(door, "#14532d", box.getAttribute("data-destination-label") || "");
    map.fitBounds([runner, door], { padding: [30, 30], maxZoom: 16 });
  } else {
    map.setView(runner, 15);
  }
})();
