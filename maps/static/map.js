/* Pasar Antar's maps: draws every map data block of the page with Leaflet.
 *
 * maps/render.py writes each map as a <div class="antar-map" id="map_..."> and a
 * <script type="application/json" id="map_...-data" class="antar-map-data"> holding its
 * tiles, lines, dots and markers (popups and tooltips as escaped HTML, titles as text).
 * This script runs after the data block; it draws each map once (a map already drawn is
 * left alone) and leaves the drawn map in window[<div id>], as Folium's maps did.
 * window.AntarMap.drawAll() draws maps whose blocks were added to the page later.
 */
(function () {
  "use strict";

  function draw(block) {
    var id = block.id.replace(/-data$/, "");
    var el = document.getElementById(id);
    if (!el || !window.L || el.getAttribute("data-drawn") === "1") {
      return null;
    }
    var data = JSON.parse(block.textContent);
    var L = window.L;
    var map = L.map(el, { center: data.centre, zoom: data.zoom, zoomControl: true });
    L.control.scale({ metric: true, imperial: false }).addTo(map);
    L.tileLayer(data.tiles.url, {
      attribution: data.tiles.attribution,
      maxZoom: data.tiles.maxZoom,
      maxNativeZoom: data.tiles.maxZoom
    }).addTo(map);
    var popup = data.popup || {};
    data.lines.forEach(function (line) {
      L.polyline(line.points, {
        color: line.colour,
        weight: 5,
        opacity: 0.85,
        dashArray: line.dash,
        className: line.className
      }).addTo(map).bindTooltip(line.tooltip, { sticky: true });
    });
    data.dots.forEach(function (dot) {
      L.circleMarker(dot.at, {
        radius: dot.radius,
        color: dot.colour,
        weight: 2,
        fill: true,
        fillColor: dot.fill,
        fillOpacity: 0.95,
        className: dot.className
      }).addTo(map).bindPopup(dot.popup, popup);
    });
    data.markers.forEach(function (marker) {
      var icon = L.divIcon({
        html: marker.html,
        iconSize: marker.size,
        iconAnchor: marker.anchor,
        className: marker.className
      });
      L.marker(marker.at, { icon: icon, title: marker.title, zIndexOffset: marker.z })
        .addTo(map)
        .bindPopup(marker.popup, popup);
    });
    if (data.fit) {
      map.fitBounds(data.fit.bounds, { padding: data.fit.padding, maxZoom: data.fit.maxZoom });
    }
    el.setAttribute("data-drawn", "1");
    window[id] = map;
    return map;
  }

  function drawAll() {
    var blocks = document.querySelectorAll("script.antar-map-data");
    for (var i = 0; i < blocks.length; i += 1) {
      draw(blocks[i]);
    }
  }

  window.AntarMap = { draw: draw, drawAll: drawAll };
  drawAll();
})();
