/* Map pages of 城区规划一张图: fills Folium's empty layer groups from the
 * service's own OGC API (no inlined GeoJSON), styles them with the house
 * colours, and adds popups, search and the minimap outline.
 * Configuration comes from the JSON block #map-config. No inline handlers
 * and no innerHTML with data: everything is built with DOM calls (strict CSP). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var map = window[cfg.map];
  var labels = cfg.labels;
  var state = { map: map, layers: {}, errors: [], config: cfg };
  window.gisMap = state;
  var searchIndex = [];  // {name, layer}

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function addHatchPatterns() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "svg-defs");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    var defs = document.createElementNS(ns, "defs");
    svg.appendChild(defs);
    cfg.layers.forEach(function (spec) {
      spec.hatch.forEach(function (code) {
        var id = "hatch-" + code;
        if (document.getElementById(id)) return;
        var colour = (spec.classes[code] || spec.style).color || "#1B5E20";
        var pattern = document.createElementNS(ns, "pattern");
        pattern.setAttribute("id", id);
        pattern.setAttribute("patternUnits", "userSpaceOnUse");
        pattern.setAttribute("width", "8");
        pattern.setAttribute("height", "8");
        pattern.setAttribute("patternTransform", "rotate(45)");
        var back = document.createElementNS(ns, "rect");
        back.setAttribute("width", "8");
        back.setAttribute("height", "8");
        back.setAttribute("fill", "#ffffff");
        back.setAttribute("fill-opacity", "0.4");
        var line = document.createElementNS(ns, "line");
        line.setAttribute("x1", "0"); line.setAttribute("y1", "0");
        line.setAttribute("x2", "0"); line.setAttribute("y2", "8");
        line.setAttribute("stroke", colour);
        line.setAttribute("stroke-width", "3");
        pattern.appendChild(back);
        pattern.appendChild(line);
        defs.appendChild(pattern);
      });
    });
    document.body.appendChild(svg);
  }

  function itemHref(collection, id) {
    return cfg.base + "/collections/" + encodeURIComponent(collection) + "/items/" +
      encodeURIComponent(id) + "?f=json";
  }

  function pct(value) {
    return value === null || value === undefined ? "—" : Math.round(value * 100) + " %";
  }

  // Progress at as_of replaces the current values, so popups and colours agree with the date.
  function withState(collection, feature) {
    var states = cfg.states && cfg.states[collection];
    var s = states && states[feature.id];
    if (!s) return feature.properties;
    return Object.assign({}, feature.properties, s);
  }

  function popupFor(collection, id, p, title) {
    var box = el("div", "feature-popup");
    box.appendChild(el("div", "popup-title", p.name));
    var rows = el("dl");
    function row(term, value) {
      if (value === null || value === undefined || value === "") return;
      rows.appendChild(el("dt", null, term));
      rows.appendChild(el("dd", null, value));
    }
    row("图层 Layer", title);
    row("专栏 / 出处 Plan ref", p.plan_ref || p.zhuanlan);
    row("几何质量 Geometry", (labels.quality[p.geometry_quality] || p.geometry_quality || "") +
      (p.geometry_quality ? " (" + p.geometry_quality + ")" : ""));
    row("位置依据 Location", (labels.basis[p.location_basis] || p.location_basis || "") +
      (p.location_basis ? " (" + p.location_basis + ")" : ""));
    if (p.status) {
      var vocab = labels.status[collection] || labels.status.projects;
      var status = vocab[p.status] || p.status;
      if (p.percent_complete !== null && p.percent_complete !== undefined) status += " · " + p.percent_complete + " %";
      if (p.status_date) status += " · " + p.status_date;
      row("进展 Status", status);
    }
    box.appendChild(rows);
    if (p.geometry_quality === "schematic" || p.location_basis === "gazetteer" || p.location_basis === "area_hint") {
      box.appendChild(el("p", "popup-warning", "示意位置，非实测边界 / schematic location, not surveyed"));
    }
    if (p.demo_progress || p.demo) box.appendChild(el("p", "popup-demo", "演示数据 demo data"));
    var link = el("a", "popup-link", "要素 JSON / feature JSON");
    link.href = itemHref(collection, id);
    link.target = "_blank";
    link.rel = "noopener";
    box.appendChild(link);
    return box;
  }

  function rateFor(spec, feature) {
    var kind = spec.collection;
    var units = cfg.progress && cfg.progress.units[kind];
    return units ? units[feature.id] : undefined;
  }

  function rateColour(rate) {
    if (rate === null || rate === undefined) return labels.noData;
    for (var i = 0; i < labels.rateClasses.length; i++) {
      if (rate <= labels.rateClasses[i][0] + 1e-9) return labels.rateClasses[i][1];
    }
    return labels.noData;
  }

  function styleFor(spec, feature) {
    var style = Object.assign({}, spec.style);
    var p = spec.collection ? withState(spec.collection, feature) : feature.properties;
    if (spec.style_by === "zone_class" && spec.classes[p.zone_class]) {
      Object.assign(style, spec.classes[p.zone_class]);
      if (spec.hatch.indexOf(p.zone_class) >= 0) style.fillColor = "url(#hatch-" + p.zone_class + ")";
    } else if (spec.style_by === "status") {
      Object.assign(style, spec.classes[p.status] || spec.classes.unknown || {});
    } else if (spec.style_by === "rate") {
      var stat = rateFor(spec, feature);
      style.fillColor = rateColour(stat ? stat.rate : null);
    }
    return style;
  }

  function keep(spec, feature) {
    if (spec.style_by === "rate" && !rateFor(spec, feature)) return false;
    return Object.keys(spec.where).every(function (key) {
      return spec.where[key].indexOf(feature.properties[key]) >= 0;
    });
  }

  // The unknown share is drawn too (a hatched bar), not only written.
  function rateTooltip(stat) {
    var box = el("div", "rate-label");
    box.appendChild(el("div", "rate-name", window.gisLegibility.labelText(stat.name)));
    box.appendChild(el("div", "rate-value", stat.rate === null ? "无数据" : pct(stat.rate)));
    var bar = el("div", "unknown-bar");
    var share = el("div", "unknown-share");
    share.style.width = Math.round((stat.unknown_share || 0) * 100) + "%";
    bar.appendChild(share);
    box.appendChild(bar);
    box.appendChild(el("div", "rate-unknown", "未知 " + pct(stat.unknown_share)));
    return box;
  }

  function fetchAll(url, acc) {
    return fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status + " " + url);
      return response.json();
    }).then(function (doc) {
      var features = doc.type === "Feature" ? [doc] : (doc.features || []);
      acc = (acc || []).concat(features);
      var next = (doc.links || []).filter(function (l) { return l.rel === "next"; })[0];
      return next ? fetchAll(next.href, acc) : acc;
    });
  }

  function geojsonLayer(spec, features) {
    return L.geoJSON(features, {
      filter: function (f) { return keep(spec, f); },
      style: function (f) { return styleFor(spec, f); },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, styleFor(spec, f)); },
      onEachFeature: function (f, layer) {
        if (spec.popup && spec.collection) {
          layer.bindPopup(popupFor(spec.collection, f.id, withState(spec.collection, f), spec.title), { maxWidth: 320 });
        }
        if (spec.style_by === "rate") {
          window.gisLegibility.bindLabel(layer, rateTooltip(rateFor(spec, f)), spec.label, "rate-tooltip");
        } else if (spec.search && f.properties && f.properties.name) {
          searchIndex.push({ name: f.properties.name, layer: layer });
        }
        if (spec.label && spec.style_by !== "rate" && f.properties && f.properties.name &&
            f.properties.level !== "district") {
          window.gisLegibility.bindLabel(layer, window.gisLegibility.labelText(f.properties.name), spec.label);
        }
      }
    });
  }

  function markerLayer(spec) {
    var cluster = L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false,
      iconCreateFunction: function (c) { return window.gisLegibility.clusterIcon(c, spec.classes); } });
    (cfg.progress ? cfg.progress.markers : []).forEach(function (m) {
      if (m.collection !== spec.collection) return;
      var colour = (spec.classes[m.status] || spec.classes.unknown).fillColor;
      var marker = L.circleMarker([m.lat, m.lon], { radius: 7, color: "#263238", weight: 1, fillColor: colour,
        fillOpacity: 0.95, status: m.status });
      marker.feature = { type: "Feature", id: m.id, properties: { name: m.name } };
      var props = { name: m.name, plan_ref: m.plan_ref, geometry_quality: m.quality, location_basis: m.basis,
        status: m.status, percent_complete: m.percent, status_date: m.status_date, demo: m.demo };
      marker.bindPopup(popupFor(spec.collection, m.id, props, spec.title), { maxWidth: 320 });
      cluster.addLayer(marker);
      searchIndex.push({ name: m.name, layer: marker });
    });
    return cluster;
  }

  function load(spec) {
    var group = window[spec.group];
    var entry = { group: group, count: 0, spec: spec };
    state.layers[spec.key] = entry;
    if (spec.kind === "marker") {
      var cluster = markerLayer(spec);
      group.addLayer(cluster);
      entry.count = cluster.getLayers().length;
      entry.cluster = cluster;
      return Promise.resolve();
    }
    return fetchAll(spec.url).then(function (features) {
      var layer = geojsonLayer(spec, features);
      group.addLayer(layer);
      entry.count = layer.getLayers().length;
    });
  }

  function minimapOutline() {
    var holder = window[cfg.minimap];
    if (!holder || holder.getLayers().length) return Promise.resolve();  // it has tiles
    return fetchAll(cfg.district).then(function (features) {
      holder.addLayer(L.geoJSON(features, { style: { color: "#37474F", weight: 1.5, fillColor: "#90A4AE", fillOpacity: 0.2 } }));
    });
  }

  // leaflet-groupedlayercontrol leaves group boxes unticked; tick a group when all its layers show.
  function syncGroupCheckboxes() {
    document.querySelectorAll(".leaflet-control-layers-group").forEach(function (groupBox) {
      var selector = groupBox.querySelector("input.leaflet-control-layers-group-selector");
      var inputs = groupBox.querySelectorAll("input.leaflet-control-layers-selector");
      if (!selector || !inputs.length) return;
      selector.checked = Array.prototype.every.call(inputs, function (i) { return i.checked; });
    });
  }

  // Search reads names from an index, not from the layers themselves: leaflet-search
  // adds the layer it is given to the map, which would show hidden groups.
  function addSearch() {
    var control = new L.Control.Search({
      sourceData: function (text, callResponse) {
        callResponse(searchIndex.map(function (entry) {
          var ll = entry.layer.getLatLng ? entry.layer.getLatLng() : entry.layer.getBounds().getCenter();
          return { name: entry.name, loc: [ll.lat, ll.lng] };
        }));
        return { abort: function () {} };
      },
      propertyName: "name", propertyLoc: "loc", initial: false, marker: false, zoom: 15,
      position: "topleft", textPlaceholder: "搜索名称 Search by name", textErr: "未找到 Not found",
      textCancel: "取消 Cancel", autoCollapse: true
    });
    control.on("search:locationfound", function (e) {
      searchIndex.forEach(function (entry) {
        if (entry.name === e.text && map.hasLayer(entry.layer) && entry.layer.openPopup) entry.layer.openPopup();
      });
    });
    map.addControl(control);
    state.search = control;
  }

  // The default view fits 城区 beside the legend (it floats over the map's west) on a wide
  // screen; on a phone or in a small frame the legend starts folded.
  function fitDefault() {
    var legend = document.getElementById("map-legend");
    var panel = document.getElementById("map-panel");
    var box = map.getContainer().getBoundingClientRect();
    if (legend && panel && box.width >= 700 && cfg.page !== "progress") {
      panel.insertBefore(legend, panel.firstChild);  // the side panel has room; the map stays clear
      legend = null;
    } else if (legend) {  // inside the map, so it stays on the map when the page scrolls (a phone)
      map.getContainer().appendChild(legend);
      L.DomEvent.disableClickPropagation(legend);
      L.DomEvent.disableScrollPropagation(legend);
    }
    // A share link's hash (#zoom/lat/lon/…) sets the view itself (share.js): no default fit then.
    if (!cfg.fit || /^#\d+(\.\d+)?\/-?\d/.test(location.hash)) return;
    if (legend && (box.width < 700 || box.height < 650)) legend.open = false;  // small frame: folded
    var left = legend && box.width >= 700 ? legend.getBoundingClientRect().right - box.left : 0;
    map.options.zoomSnap = 0.25;  // 城区 fills the frame instead of the next whole zoom level down
    map.fitBounds(cfg.fit, { paddingTopLeft: [left + 8, 8], paddingBottomRight: [8, 24], animate: false });
  }

  fitDefault();
  window.gisLegibility.labelPane(map);
  // For the reader tools (timeline.js redraws the choropleth with these).
  state.draw = { el: el, rateColour: rateColour, rateTooltip: rateTooltip, pct: pct };
  addHatchPatterns();
  state.measure = new L.Control.PlanMeasure();
  map.addControl(state.measure);
  var loads = cfg.layers.map(load);
  loads.push(minimapOutline());
  syncGroupCheckboxes();
  map.on("overlayadd overlayremove", function () { setTimeout(syncGroupCheckboxes, 0); });
  if (map.attributionControl) {
    map.attributionControl.setPrefix("Leaflet");  // no flag and no off-site link
    if (cfg.source) map.attributionControl.addAttribution(cfg.source);
  }
  state.ready = Promise.all(loads).then(function () {
    addSearch();
    state.relabel = window.gisLegibility.watch(map);
    document.documentElement.setAttribute("data-map-ready", "1");
  }, function (error) {
    state.errors.push(String(error));
    document.documentElement.setAttribute("data-map-ready", "error");
    console.error("地图数据加载失败 / map data failed to load:", error);
  });
})();
