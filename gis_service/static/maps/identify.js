/* Identify: a click on the map lists every collection's features at that point, from
 * GET /analysis/point (polygons containing the point; points and lines within a few pixels).
 * Not while the measuring tool is active. Uses window.gisMap (maps.js). */
(function () {
  "use strict";
  var state = window.gisMap;
  if (!state) return;
  var map = state.map, cfg = state.config;
  var REACH_PX = 6;
  var panel, list, marker, seq = 0;

  var el = state.draw.el;  // maps.js's DOM builder (no innerHTML: strict CSP)

  function metresPerPixel(latlng) {
    var p = map.latLngToContainerPoint(latlng);
    return map.containerPointToLatLng(p).distanceTo(map.containerPointToLatLng(p.add([REACH_PX, 0]))) / REACH_PX;
  }

  function shownCollections() {
    var shown = {};
    cfg.layers.forEach(function (s) { if (s.collection && map.hasLayer(window[s.group])) shown[s.collection] = true; });
    return shown;
  }

  function render(doc, latlng) {
    list.textContent = "";
    var shown = shownCollections();
    var head = el("div", "identify-head",
      "此处要素 Features here · " + latlng.lat.toFixed(6) + ", " + latlng.lng.toFixed(6));
    list.appendChild(head);
    if (!doc.collections.length) list.appendChild(el("p", "hint", "此处无要素 / nothing here"));
    doc.collections.forEach(function (c) {
      var section = el("section", "identify-collection");
      section.setAttribute("data-collection", c.collection);
      var title = el("div", "identify-title", c.title + " " + c.title_en + "（" + c.hits.length + "）");
      if (!shown[c.collection]) title.appendChild(el("span", "meta", " 未显示 not shown"));
      section.appendChild(title);
      var ul = el("ul");
      c.hits.forEach(function (h) {
        var li = el("li");
        li.setAttribute("data-id", h.id);
        var a = el("a", null, h.name || h.id);
        a.href = h.link;
        a.target = "_blank";
        a.rel = "noopener";
        li.appendChild(a);
        if (!h.contains) li.appendChild(el("span", "meta", " " + Math.round(h.distance_m) + " m"));
        ul.appendChild(li);
      });
      section.appendChild(ul);
      list.appendChild(section);
    });
    panel.hidden = false;
  }

  function identify(latlng) {
    var mine = ++seq;
    var tolerance = Math.min(500, Math.max(1, metresPerPixel(latlng) * REACH_PX));
    var url = cfg.base + "/analysis/point?x=" + latlng.lng.toFixed(7) + "&y=" + latlng.lat.toFixed(7) +
      "&tolerance_m=" + tolerance.toFixed(1);
    if (marker) marker.remove();
    marker = L.circleMarker(latlng, { radius: 5, color: "#D81B60", weight: 2, fill: false, interactive: false }).addTo(map);
    document.documentElement.setAttribute("data-identify", "pending");
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (doc) {
      if (mine !== seq) return;
      state.identify.last = doc;
      render(doc, latlng);
      document.documentElement.setAttribute("data-identify", "done");
    }).catch(function (error) {
      list.textContent = "";
      list.appendChild(el("p", "popup-warning", "查询失败 / identify failed: " + error.message));
      panel.hidden = false;
      document.documentElement.setAttribute("data-identify", "error");
    });
  }

  var IdentifyPanel = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () {
      panel = L.DomUtil.create("div", "leaflet-control identify-panel");
      panel.id = "identify-panel";
      panel.hidden = true;
      var close = L.DomUtil.create("button", "tool-close", panel);
      close.type = "button";
      close.title = "关闭 Close";
      close.textContent = "×";
      list = L.DomUtil.create("div", "identify-list", panel);
      L.DomEvent.disableClickPropagation(panel);
      L.DomEvent.disableScrollPropagation(panel);
      L.DomEvent.on(close, "click", function () {
        panel.hidden = true;
        if (marker) marker.remove();
      });
      return panel;
    }
  });

  map.addControl(new IdentifyPanel());
  // A feature's popup stops its click before the map sees it, so the layer groups listen too;
  // the same DOM click reaching both is answered once.
  var lastClick = null;
  function onClick(e) {
    if (state.measure && state.measure._active) return;
    if (e.originalEvent && e.originalEvent === lastClick) return;
    lastClick = e.originalEvent;
    identify(e.latlng);
  }
  map.on("click", onClick);
  cfg.layers.forEach(function (spec) { window[spec.group].on("click", onClick); });
  state.identify = { run: identify, last: null };
})();
