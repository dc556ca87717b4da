/* 框选统计: draw a polygon on a map page and show the overlay statistics inside it
   (POST /analysis/statistics, group_by=polygon). Click to add vertices, 完成 to close. */
(function () {
  "use strict";
  var state = window.gisMap;
  if (!state || !state.map) return;
  var map = state.map, base = state.config.base;
  var COLLECTIONS = ["projects", "urban_village_sites", "ecology_sites", "green_corridors"];
  var css = document.createElement("link");
  css.rel = "stylesheet"; css.href = base + "/static/analysis/analysis.css";
  document.head.appendChild(css);

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  var tool = { drawing: false, points: [], line: null, shape: null, result: null };
  state.boxStats = tool;

  var Control = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var box = el("div", "leaflet-bar box-stats-control");
      tool.start = el("a", "box-stats-start", "框选统计");
      tool.start.href = "#"; tool.start.title = "框选统计 / statistics in a drawn polygon";
      tool.finish = el("a", "box-stats-finish", "完成");
      tool.finish.href = "#"; tool.finish.title = "完成 / finish the polygon";
      box.appendChild(tool.start); box.appendChild(tool.finish);
      tool.panel = el("div", "box-stats-panel");
      tool.panel.hidden = true;
      box.appendChild(tool.panel);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(tool.start, "click", function (e) { L.DomEvent.preventDefault(e); begin(); });
      L.DomEvent.on(tool.finish, "click", function (e) { L.DomEvent.preventDefault(e); finish(); });
      return box;
    },
  });

  function begin() {
    if (tool.shape) map.removeLayer(tool.shape);
    tool.drawing = true; tool.points = []; tool.shape = null;
    tool.line = L.polyline([], { color: "#FF6F00", weight: 2, dashArray: "4 4" }).addTo(map);
    map.getContainer().style.cursor = "crosshair";
  }
  // Capture phase: the plan's features (zones cover the district) would take the click for
  // their popups; while drawing, every click on the map is a vertex.
  map.getContainer().addEventListener("click", function (e) {
    if (!tool.drawing || (e.target.closest && e.target.closest(".leaflet-control"))) return;
    e.stopPropagation();
    tool.points.push(map.mouseEventToLatLng(e));
    tool.line.setLatLngs(tool.points);
  }, true);
  function finish() {
    if (!tool.drawing || tool.points.length < 3) return;
    tool.drawing = false;
    map.getContainer().style.cursor = "";
    map.removeLayer(tool.line);
    tool.shape = L.polygon(tool.points, { color: "#FF6F00", weight: 2, fillOpacity: 0.1 }).addTo(map);
    var ring = tool.points.map(function (p) { return [p.lng, p.lat]; });
    ring.push(ring[0]);
    fetch(base + "/analysis/statistics", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ collections: COLLECTIONS, group_by: "polygon",
                             measures: ["count", "area_m2", "area_ha", "length_m"],
                             geometry: { type: "Polygon", coordinates: [ring] } }),
    }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (r) { show(r.ok ? r.body : null, r.ok ? null : r.body); });
  }
  function show(result, error) {
    tool.result = result; tool.error = error;
    var panel = tool.panel;
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    panel.hidden = false;
    if (!result) {
      panel.appendChild(el("p", "box-stats-error", (error && (error.message_zh || error.message)) || "统计失败"));
      return;
    }
    var table = el("table", "box-stats-table"), head = el("tr");
    ["图层 Layer", "个数 Count", "面积 m²", "公顷 ha", "长度 m"].forEach(function (t) { head.appendChild(el("th", null, t)); });
    table.appendChild(head);
    var cells = result.groups.length ? result.groups[0].cells : {};
    COLLECTIONS.forEach(function (c) {
      var cell = cells[c] || {}, row = el("tr");
      var name = el("td"), link = el("a", null, c);
      link.href = base + "/collections/" + c + "?f=html";
      name.appendChild(link); row.appendChild(name);
      [cell.count, cell.area_m2, cell.area_ha, cell.length_m].forEach(function (v) {
        row.appendChild(el("td", null, v === undefined || v === null ? "—" : Math.round(v * 100) / 100));
      });
      table.appendChild(row);
    });
    panel.appendChild(el("p", null, "框选统计（面积按多边形裁剪，EPSG:4547）"));
    panel.appendChild(table);
  }
  new Control().addTo(map);
})();
