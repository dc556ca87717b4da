// Small map preview for OGC HTML pages: draws the page's own GeoJSON, no basemap
// (works offline; basemaps belong to the map pages).
(function () {
  var script = document.currentScript;
  var el = document.getElementById("map");
  if (!el || !script) return;
  var map = L.map(el, { attributionControl: false });
  window.ogcPreviewMap = map;
  var extent = JSON.parse(script.dataset.extent || "null");
  if (extent) map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
  else map.setView([35.5, 112.85], 11);
  fetch(script.dataset.items, { headers: { Accept: "application/geo+json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: { color: "#1E88E5", weight: 2, fillOpacity: 0.2 },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 5 }); },
        onEachFeature: function (f, l) {
          var p = f.properties || {};
          var div = document.createElement("div");
          div.textContent = (p.name || f.id) + (p.plan_ref ? " · " + p.plan_ref : "");
          l.bindPopup(div);
        }
      }).addTo(map);
      if (!extent && layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
      el.dataset.loaded = String(layer.getLayers().length);
    });
})();
