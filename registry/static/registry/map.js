/* Draws the markers listed in the page's #map-points JSON on a Leaflet map.
   Markers are drawn even when the tile server cannot be reached, so the map
   still shows where sites are on a blank background. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  var data = document.getElementById("map-points");
  if (!element || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent);
  // The view before any marker is placed, from settings (MAP_DEFAULT_CENTER, MAP_DEFAULT_ZOOM).
  var center = (element.dataset.center || "0,0").split(",").map(Number);
  var map = L.map(element, { scrollWheelZoom: false }).setView(center, Number(element.dataset.zoom) || 2);
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution, maxZoom: 18 }).addTo(map);
  }
  var markers = points.map(function (point) {
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.name;
    return L.marker([point.lat, point.lon], { title: point.name, alt: point.name })
      .bindPopup(link).addTo(map);
  });
  if (markers.length === 1) {
    map.setView(markers[0].getLatLng(), points[0].sensitive ? 9 : 13);
  } else if (markers.length > 1) {
    map.fitBounds(L.featureGroup(markers).getBounds().pad(0.2));
  }
  element.dataset.markers = String(markers.length);
})();
