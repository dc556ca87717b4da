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
  function popupContent(id, p) {
    var div = document.createElement("div");
    div.className = "feature-popup";
    div.textContent = (p.name || p.land_use_name || id) + (p.plan_ref ? " · " + p.plan_ref : "") +
      (p.area_m2 ? " · " + p.area_m2 + " m²" : "") +
      // Zoomed out, a large layer's tile holds counts per 街道 and land use instead of features.
      (p.count ? " · " + p.admin_unit + " " + p.count + " 宗 parcels" : "");
    var code = document.createElement("code");
    code.textContent = " " + id;
    div.appendChild(code);
    return div;
  }
  // The 城区 outline orients the preview (there is no basemap).
  if (script.dataset.district) {
    fetch(script.dataset.district, { headers: { Accept: "application/geo+json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        // Its own pane under the features, so it never takes their clicks.
        map.createPane("district-outline").style.zIndex = 350;
        var outline = L.geoJSON(data, { interactive: false, pane: "district-outline",
          style: { color: "#37474F", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
        window.ogcPreviewDistrict = outline;
        el.dataset.district = "1";
      });
  }
  if (script.dataset.tiles) {
    // Large layers come as vector tiles, never as one huge GeoJSON.
    var grid = L.vectorGrid.protobuf(script.dataset.tiles, {
      // Canvas draws thousands of parcels far faster than SVG; its click handler is
      // the one that needed vectorgrid-patch.js.
      rendererFactory: L.canvas.tile, interactive: true, maxNativeZoom: 18,
      getFeatureId: function (f) { return f.properties.id; },
      vectorTileLayerStyles: {}
    }).addTo(map);
    grid.options.vectorTileLayerStyles[script.dataset.layer] = {
      color: "#795548", weight: 0.6, fill: true, fillColor: "#D7CCC8", fillOpacity: 0.4
    };
    grid.on("click", function (e) {
      var p = e.layer.properties || {};
      L.popup().setLatLng(e.latlng).setContent(popupContent(p.id, p)).openOn(map);
    });
    grid.on("load", function () { el.dataset.tilesLoaded = String(Date.now()); });
    window.ogcPreviewGrid = grid;
    el.dataset.loaded = "tiles";
    return;
  }
  fetch(script.dataset.items, { headers: { Accept: "application/geo+json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: { color: "#1E88E5", weight: 2, fillOpacity: 0.2 },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 5 }); },
        onEachFeature: function (f, l) { l.bindPopup(popupContent(f.id, f.properties || {})); }
      }).addTo(map);
      if (!extent && layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
      el.dataset.loaded = String(layer.getLayers().length);
    });
})();
