/* Legibility of the map pages without a basemap: cluster icons that show the
 * statuses they hold (grey alone = all unknown), permanent unit labels with a
 * hierarchy (district > 片区 > 街道 > zone) scaled by zoom, and collision
 * avoidance that hides lower-ranked labels whose boxes overlap.
 * DOM calls only (strict CSP: no style attributes in markup). */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function svgEl(tag, attrs) {
    var node = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  // Counts per status in vocabulary order; the unknown colour alone means "all unknown".
  function clusterIcon(cluster, classes) {
    var counts = {}, total = 0;
    cluster.getAllChildMarkers().forEach(function (m) {
      var s = m.options.status || "unknown";
      counts[s] = (counts[s] || 0) + 1;
      total += 1;
    });
    var size = total < 10 ? 34 : total < 50 ? 40 : 46, r = size / 2 - 4, c = 2 * Math.PI * r;
    var svg = svgEl("svg", { width: size, height: size, viewBox: "0 0 " + size + " " + size, "class": "cluster-ring" });
    svg.appendChild(svgEl("circle", { cx: size / 2, cy: size / 2, r: r + 3, fill: "#ffffff", "fill-opacity": "0.9",
      stroke: "#455A64", "stroke-width": "1" }));
    var offset = 0, statuses = [];
    Object.keys(classes).forEach(function (code) {
      var n = counts[code];
      if (!n) return;
      statuses.push(code + ":" + n);
      var len = c * n / total;
      svg.appendChild(svgEl("circle", { cx: size / 2, cy: size / 2, r: r, fill: "none", stroke: classes[code].fillColor,
        "stroke-width": "6", "stroke-dasharray": len + " " + (c - len), "stroke-dashoffset": String(-offset),
        transform: "rotate(-90 " + size / 2 + " " + size / 2 + ")", "data-status": code }));
      offset += len;
    });
    var label = svgEl("text", { x: size / 2, y: size / 2 + 4, "text-anchor": "middle", "font-size": "12",
      "font-weight": "bold", fill: "#263238" });
    label.textContent = String(total);
    svg.appendChild(label);
    var holder = document.createElement("div");
    holder.className = "status-cluster";
    holder.setAttribute("data-statuses", statuses.join(","));
    holder.setAttribute("title", statuses.join(" · "));
    holder.appendChild(svg);
    return L.divIcon({ html: holder, className: "status-cluster-icon", iconSize: L.point(size, size) });
  }

  function labelText(name) {
    return String(name || "").replace(/城乡一体化发展.{0,4}（片）区$/, "片区").replace(/(街道办事处|街道)$/, "");
  }

  // Labels sit above the areas and point markers but under cluster icons (the marker pane, 600).
  var PANE = "unit-labels";
  function labelPane(map) {
    if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = 560;
    return PANE;
  }

  // A permanent label; rank 1 is the district, then 片区, 街道/镇, zones.
  function bindLabel(layer, content, rank, extraClass) {
    layer.bindTooltip(content, { permanent: true, direction: "center", interactive: false, pane: PANE,
      className: (extraClass ? extraClass + " " : "") + "map-label rank-" + rank });
  }

  function rankOf(tooltip) {
    var m = /rank-(\d)/.exec(tooltip.options.className || "");
    return m ? Number(m[1]) : 9;
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function rectsOf(nodes) {
    return Array.prototype.map.call(nodes, function (n) { return n.getBoundingClientRect(); });
  }

  // Higher ranks first, larger features first within a rank. A label tries its place, then
  // nearby ones, to clear kept labels and cluster icons; one that cannot clear another
  // label is hidden (one that only meets an icon stays in place, under it).
  function declutter(map) {
    var labels = [];
    map.eachLayer(function (layer) {
      var tip = layer.getTooltip && layer.getTooltip();
      if (!tip || !tip.options.permanent || !map.hasLayer(tip) || !tip.getElement()) return;
      var area = layer.getBounds ? map.latLngToLayerPoint(layer.getBounds().getNorthEast())
        .distanceTo(map.latLngToLayerPoint(layer.getBounds().getSouthWest())) : 0;
      labels.push({ el: tip.getElement(), rank: rankOf(tip), area: area, layer: layer });
    });
    labels.sort(function (a, b) { return a.rank - b.rank || b.area - a.area; });
    var container = map.getContainer(), box = container.getBoundingClientRect(), kept = [];
    var icons = rectsOf(container.querySelectorAll(".leaflet-marker-pane .leaflet-marker-icon"));
    function padded(r) { return { left: r.left - 2, right: r.right + 2, top: r.top - 2, bottom: r.bottom + 2 }; }
    function hits(r, list) { return list.some(function (k) { return overlaps(k, r); }); }
    // A moved label must stay over its own feature's extent, or it would name the wrong place.
    function within(layer, r) {
      if (!layer.getBounds) return false;
      var centre = map.containerPointToLatLng([(r.left + r.right) / 2 - box.left, (r.top + r.bottom) / 2 - box.top]);
      return layer.getBounds().contains(centre);
    }
    labels.forEach(function (label) {
      var el = label.el;
      el.classList.remove("label-hidden");
      el.style.marginTop = el.style.marginLeft = "0px";
      var home = padded(el.getBoundingClientRect()), placed = null;
      var h = home.bottom - home.top, w = (home.right - home.left) * 0.6;
      if (home.right < box.left || home.left > box.right || home.bottom < box.top || home.top > box.bottom) {
        el.classList.add("label-hidden");
        return;
      }
      [[0, 0], [0, -h], [0, h], [-w, 0], [w, 0], [0, -2 * h], [0, 2 * h]].some(function (d) {
        var r = { left: home.left + d[0], right: home.right + d[0], top: home.top + d[1], bottom: home.bottom + d[1] };
        if (hits(r, kept) || hits(r, icons) || !within(label.layer, r)) return false;
        placed = { rect: r, d: d };
        return true;
      });
      if (!placed && !hits(home, kept)) placed = { rect: home, d: [0, 0] };
      if (!placed) { el.classList.add("label-hidden"); return; }
      el.style.marginLeft = placed.d[0] + "px";
      el.style.marginTop = placed.d[1] + "px";
      kept.push(placed.rect);
    });
    container.setAttribute("data-labels-shown", String(kept.length));
  }

  // Label size follows the zoom: small at the district view, larger when zoomed in.
  // A new size re-centres every label (Leaflet centres a tooltip by its size).
  function scaleLabels(map) {
    var scale = Math.max(0.8, Math.min(1.5, 1 + (map.getZoom() - 12) * 0.15)).toFixed(2);
    var box = map.getContainer();
    if (box.style.getPropertyValue("--label-scale") === scale) return;
    box.style.setProperty("--label-scale", scale);
    map.eachLayer(function (layer) {
      var tip = layer.getTooltip && layer.getTooltip();
      if (tip && tip.options.permanent && map.hasLayer(tip)) tip.update();
    });
  }

  function watch(map) {
    var pending = null;
    function run() {
      pending = null;
      scaleLabels(map);
      declutter(map);
    }
    function later() { if (!pending) pending = setTimeout(run, 0); }
    map.on("zoomend moveend overlayadd overlayremove layeradd", later);
    run();
    return run;
  }

  window.gisLegibility = { clusterIcon: clusterIcon, bindLabel: bindLabel, labelText: labelText, labelPane: labelPane,
    declutter: declutter, watch: watch };
})();
