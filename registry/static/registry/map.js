/* Draws the sites on a Leaflet map.
   On the map page (#map with data-url) the markers are fetched for each view:
   the server groups sites into clusters by zoom level and sends only what the
   view shows. On other pages the page's #map-points JSON lists the markers.
   Markers are drawn even when the tile server cannot be reached, so the map
   still shows where sites are on a blank background. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  // The view before any marker is placed, from settings (MAP_DEFAULT_CENTER, MAP_DEFAULT_ZOOM).
  var center = (element.dataset.center || "0,0").split(",").map(Number);
  var map = L.map(element, { scrollWheelZoom: false }).setView(center, Number(element.dataset.zoom) || 2);
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution, maxZoom: 18 }).addTo(map);
  }

  function siteMarker(lat, lon, name, url) {
    var link = document.createElement("a");
    link.href = url;
    link.textContent = name;
    return L.marker([lat, lon], { title: name, alt: name }).bindPopup(link);
  }

  function clusterMarker(lat, lon, count) {
    var label = String(count);
    var icon = L.divIcon({ className: "map-cluster", html: "<span>" + label + "</span>", iconSize: [44, 44] });
    var marker = L.marker([lat, lon], { icon: icon, title: label, alt: label, keyboard: true });
    return marker.on("click", function () { map.setView([lat, lon], Math.min(map.getZoom() + 2, 18)); });
  }

  if (element.dataset.url) {
    var layer = L.layerGroup().addTo(map);
    var pending = null;
    var load = function () {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
      var url = element.dataset.url + "?bbox=" + bbox.join(",") + "&zoom=" + map.getZoom();
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          layer.clearLayers();
          data.features.forEach(function (feature) {
            var lon = feature.geometry.coordinates[0], lat = feature.geometry.coordinates[1];
            var p = feature.properties;
            layer.addLayer(p.url ? siteMarker(lat, lon, p.name, p.url) : clusterMarker(lat, lon, p.count));
          });
          element.dataset.markers = String(data.sites);
          element.dataset.features = String(data.features.length);
        })
        .catch(function (error) { if (error.name !== "AbortError") { throw error; } });
    };
    map.on("moveend", load);
    var bounds = (element.dataset.bounds || "").split(",").map(Number);
    if (bounds.length === 4) {
      map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { padding: [20, 20], maxZoom: 13 });
    }
    load();
    return;
  }

  var data = document.getElementById("map-points");
  if (!data) { return; }
  var points = JSON.parse(data.textContent);
  var markers = points.map(function (point) {
    return siteMarker(point.lat, point.lon, point.name, point.url).addTo(map);
  });
  if (markers.length === 1) {
    map.setView(markers[0].getLatLng(), points[0].sensitive ? 9 : 13);
  } else if (markers.length > 1) {
    map.fitBounds(L.featureGroup(markers).getBounds().pad(0.2));
  }
  element.dataset.markers = String(markers.length);
})();
