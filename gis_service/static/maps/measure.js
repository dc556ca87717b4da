/* A CSP-safe measuring tool (leaflet-measure compiles lodash templates with eval,
 * which a strict Content-Security-Policy forbids). Click points on the map:
 * the path length is shown in m / km; with three or more points, the closed
 * area in m² / 公顷 (geodesic, on the GRS80/WGS84 sphere radius). */
(function () {
  "use strict";
  var R = 6378137, D2R = Math.PI / 180;

  function geodesicArea(points) {
    var area = 0, n = points.length;
    for (var i = 0; i < n; i++) {
      var p1 = points[i], p2 = points[(i + 1) % n];
      area += (p2.lng - p1.lng) * D2R * (2 + Math.sin(p1.lat * D2R) + Math.sin(p2.lat * D2R));
    }
    return Math.abs(area * R * R / 2);
  }

  function pathLength(points) {
    var total = 0;
    for (var i = 1; i < points.length; i++) total += points[i - 1].distanceTo(points[i]);
    return total;
  }

  function formatLength(m) {
    return m >= 1000 ? (m / 1000).toFixed(2) + " km" : m.toFixed(1) + " m";
  }

  function formatArea(m2) {
    return Math.round(m2).toLocaleString("zh-CN") + " m²（" + (m2 / 10000).toFixed(2) + " 公顷 ha）";
  }

  L.Control.PlanMeasure = L.Control.extend({
    options: { position: "topleft" },

    onAdd: function (map) {
      this._map = map;
      this._points = [];
      this._layer = L.layerGroup().addTo(map);
      var box = L.DomUtil.create("div", "leaflet-bar leaflet-control measure-control");
      var button = L.DomUtil.create("a", "measure-toggle", box);
      button.href = "#";
      button.title = "测量距离和面积 Measure distance and area";
      button.setAttribute("role", "button");
      button.textContent = "测";
      this._output = L.DomUtil.create("div", "measure-output", box);
      this._output.hidden = true;
      this._button = button;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(button, "click", function (e) {
        L.DomEvent.preventDefault(e);
        this._active ? this.stop() : this.start();
      }, this);
      return box;
    },

    start: function () {
      this._active = true;
      this._points = [];
      this._layer.clearLayers();
      this._map.doubleClickZoom.disable();
      this._map.on("click", this._addPoint, this);
      L.DomUtil.addClass(this._map.getContainer(), "measuring");
      L.DomUtil.addClass(this._button, "active");
      this._show("单击地图添加测点，再次点击“测”结束 / click the map to add points");
    },

    stop: function () {
      this._active = false;
      this._map.off("click", this._addPoint, this);
      this._map.doubleClickZoom.enable();
      this._layer.clearLayers();
      L.DomUtil.removeClass(this._map.getContainer(), "measuring");
      L.DomUtil.removeClass(this._button, "active");
      this._output.hidden = true;
    },

    _show: function (text) {
      this._output.textContent = text;
      this._output.hidden = false;
    },

    _addPoint: function (e) {
      this._points.push(e.latlng);
      this._layer.clearLayers();
      var pts = this._points;
      if (pts.length >= 3) {
        L.polygon(pts, { color: "#D81B60", weight: 2, fillOpacity: 0.1, interactive: false }).addTo(this._layer);
      } else {
        L.polyline(pts, { color: "#D81B60", weight: 2, interactive: false }).addTo(this._layer);
      }
      pts.forEach(function (p) {
        L.circleMarker(p, { radius: 3, color: "#D81B60", interactive: false }).addTo(this._layer);
      }, this);
      var text = "长度 Length " + formatLength(pathLength(pts));
      if (pts.length >= 3) text += " · 面积 Area " + formatArea(geodesicArea(pts));
      this._show(text);
      this.lastResult = { length_m: pathLength(pts), area_m2: pts.length >= 3 ? geodesicArea(pts) : null };
    }
  });

  L.Control.PlanMeasure.geodesicArea = geodesicArea;
})();
