/* /maps/site-search: the ranked candidates on a map; the table zooms to each. */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("site-config").textContent);
  const root = document.getElementById("site-map");
  if (!root) { document.documentElement.setAttribute("data-map-ready", "1"); return; }
  const map = L.map(root, { zoomSnap: 0.25 }).setView([35.5, 112.87], 12);
  map.attributionControl.setPrefix(cfg.source);
  const colour = cfg.verdict_colours;
  const byId = {};
  const layer = L.geoJSON(cfg.candidates, {
    style: (f) => ({ color: colour[f.properties.verdict] || "#1565C0", weight: 2, fillOpacity: 0.35 }),
    onEachFeature: (f, l) => { byId[f.id] = l; l.bindTooltip(`#${f.properties.rank} ${f.id}`); },
  }).addTo(map);
  window.gisSites = { map: map, layer: layer, zoomed: null };
  fetch(`${cfg.base}/collections/admin_units/items?id=chengqu`).then((r) => r.json()).then((d) => {
    L.geoJSON(d, { style: { color: "#424242", weight: 1, fill: false } }).addTo(map);
    const bounds = layer.getLayers().length ? layer.getBounds() : L.geoJSON(d).getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 15, animate: false });  // settled before ready (compare.js)
    document.querySelectorAll("#candidate-table a.zoom").forEach((a) => a.addEventListener("click", (e) => {
      e.preventDefault();
      const l = byId[a.dataset.feature];
      if (l) { map.fitBounds(l.getBounds(), { maxZoom: 17 }); l.openTooltip(); window.gisSites.zoomed = a.dataset.feature; }
    }));
    document.documentElement.setAttribute("data-map-ready", "1");
  }).catch((e) => { console.warn(e); document.documentElement.setAttribute("data-map-ready", "error"); });
})();
