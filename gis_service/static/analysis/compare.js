/* /maps/compare: the plan as recorded on two dates, side by side in one view with a swipe.
   Left pane: features as of ``left``; right pane: as of ``right``; changed features highlighted
   above both; the change table zooms to a feature and links to it. */
(function () {
  "use strict";
  const root = document.getElementById("compare-map");
  const cfg = JSON.parse(document.getElementById("compare-config").textContent);
  const map = L.map(root, { zoomControl: true, preferCanvas: false, zoomSnap: 0.25 }).setView([35.5, 112.87], 12);
  map.attributionControl.setPrefix(cfg.source);
  const panes = {};
  for (const [name, z] of [["left", 410], ["right", 420], ["changes", 450]]) {
    panes[name] = map.createPane(name);
    panes[name].style.zIndex = z;
  }
  const style = (colour) => ({ color: colour, weight: 1.5, fillOpacity: 0.25 });
  function layer(geojson, pane, colour) {
    const renderer = L.svg({ pane: pane });
    return L.geoJSON(geojson, {
      pane: pane, style: () => Object.assign(style(colour), { renderer: renderer }),
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { pane: pane, renderer: renderer, radius: 4,
                                                         color: colour, weight: 1, fillOpacity: 0.7 }),
    });
  }
  async function items(collection, day) {
    const r = await fetch(`${cfg.base}/collections/${collection}/items?as_of=${day}&limit=${cfg.limit}`);
    if (!r.ok) throw new Error(`${collection} ${r.status}`);
    return r.json();
  }
  window.gisCompare = { map: map, panes: panes, layers: {}, changes: null };
  async function load() {
    for (const [side, day, colour] of [["left", cfg.left, "#1565C0"], ["right", cfg.right, "#2E7D32"]]) {
      const group = L.featureGroup();
      for (const c of cfg.collections) group.addLayer(layer(await items(c, day), side, colour));
      group.addTo(map);
      window.gisCompare.layers[side] = group;
    }
    const r = await fetch(cfg.compareUrl);
    if (!r.ok) throw new Error(`compare ${r.status}`);
    const changes = await r.json();
    const byId = {};
    const highlight = L.geoJSON(changes, {
      pane: "changes", style: () => ({ color: "#FF6F00", weight: 4, fillOpacity: 0.05, renderer: L.svg({ pane: "changes" }) }),
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { pane: "changes", radius: 8, color: "#FF6F00", weight: 3 }),
      onEachFeature: (f, l) => { byId[f.id] = l; l.bindTooltip(`${f.properties.name || f.properties.id}（${f.properties.change}）`); },
    }).addTo(map);
    window.gisCompare.changes = highlight;
    document.querySelectorAll("#change-table a.zoom").forEach((a) => a.addEventListener("click", (e) => {
      e.preventDefault();
      const l = byId[a.dataset.feature];
      if (!l) return;
      if (l.getBounds) map.fitBounds(l.getBounds(), { maxZoom: 16 }); else map.setView(l.getLatLng(), 16);
      l.openTooltip && l.openTooltip();
      window.gisCompare.zoomed = a.dataset.feature;
    }));
    // The 城区 outline on both sides orients the reader (there is no basemap).
    const outline = await (await fetch(`${cfg.base}/collections/admin_units/items?id=chengqu`)).json();
    L.geoJSON(outline, { pane: "changes", interactive: false, style: { color: "#263238", weight: 2, dashArray: "6 4",
                                                                      fill: false } }).addTo(map);
    const district = window.gisCompare.layers.right.getBounds();
    // Not animated, as in maps.js: Leaflet drops a zoom asked for during a zoom animation, so a reader's
    // first 缩放 click right after the page is ready would do nothing.
    if (district.isValid()) map.fitBounds(district, { animate: false });
    window.gisCompare.swipe = new window.GisSwipe(map, panes.left, panes.right, document.getElementById("swipe"));
  }
  load().then(() => document.documentElement.setAttribute("data-map-ready", "1"))
        .catch((e) => { console.warn(e); document.documentElement.setAttribute("data-map-ready", "error"); });
})();
