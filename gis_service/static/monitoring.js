// The /monitoring page: charts (ECharts) and the warning map (Leaflet) from the page's JSON block.
// Nothing is fetched after load; <html data-page-ready="1"> says the page has drawn.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("monitoring-data").textContent);
  var SEVERITY = data.colours.severity, GRADE = data.colours.grade;  // from the one vocabulary
  var charts = [];

  function chart(id, option) {
    var c = echarts.init(document.getElementById(id), null, { renderer: "svg" });
    c.setOption(option);
    charts.push(c);
    return c;
  }

  function trajectoryOption(item) {
    var years = [];
    for (var y = 2015; y <= 2020; y++) years.push(String(y));
    item.actuals.forEach(function (a) { if (years.indexOf(String(a[0])) < 0) years.push(String(a[0])); });
    years.sort();
    var path = years.map(function (y) { return item.trajectory[y] === undefined ? null : item.trajectory[y]; });
    var actual = years.map(function (y) {
      var hit = item.actuals.filter(function (a) { return String(a[0]) === y; });
      return hit.length ? hit[0][1] : null;
    });
    return {
      tooltip: { trigger: "axis" }, legend: { data: ["预期轨迹 trajectory", "实际 actual"] },
      xAxis: { type: "category", data: years }, yAxis: { type: "value", name: item.unit || "", scale: true },
      series: [
        { name: "预期轨迹 trajectory", type: "line", data: path, lineStyle: { type: "dashed" }, connectNulls: true },
        { name: "实际 actual", type: "line", data: actual, connectNulls: true,
          itemStyle: { color: GRADE[item.grade] || GRADE.no_data }, symbolSize: 8 }
      ]
    };
  }

  var select = document.getElementById("indicator-choice");
  data.indicators.forEach(function (item, i) {
    var o = document.createElement("option");
    o.value = String(i);
    o.textContent = item.code + " " + item.name;
    select.appendChild(o);
  });
  var trajectory = data.indicators.length ? chart("chart-trajectory", trajectoryOption(data.indicators[0])) : null;
  select.addEventListener("change", function () {
    trajectory.setOption(trajectoryOption(data.indicators[Number(select.value)]), true);
  });

  var areas = data.completion_by_sub_area;
  var reported = areas.some(function (a) { return a.rate !== null; });
  chart("chart-completion", {
    tooltip: { trigger: "axis" }, grid: { left: 8, right: 24, containLabel: true },
    // Long 片区 names wrap instead of running off the chart.
    xAxis: { type: "value", min: 0, max: 100, name: "%" },
    yAxis: { type: "category", data: areas.map(function (a) { return a.name; }),
             axisLabel: { width: 130, overflow: "break", lineHeight: 14 } },
    graphic: reported ? [] : [{ type: "text", left: "center", top: "middle", silent: true,
      style: { text: "无数据：尚无上报\nno reports yet", fill: "#757575", fontSize: 14, align: "center" } }],
    series: [{ type: "bar", name: "完成率 completion %", data: areas.map(function (a) {
      // No reported item: no bar (无数据), never a 0 %.
      return a.rate === null ? null : Math.round(a.rate * 1000) / 10;
    }), itemStyle: { color: GRADE.green } }]
  });

  var w = data.kpis.warnings;
  chart("chart-warnings", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: [
      { name: data.severity_labels.red + " red", value: w.red, itemStyle: { color: SEVERITY.red } },
      { name: data.severity_labels.yellow + " yellow", value: w.yellow, itemStyle: { color: SEVERITY.yellow } },
      { name: data.severity_labels.info + " info", value: w.info, itemStyle: { color: SEVERITY.info } }
    ] }]
  });

  // The view is set before any layer is added: Leaflet cannot draw vectors on a map without one.
  var map = L.map("warning-map", { attributionControl: false });
  var outlines = L.geoJSON(data.outlines.admin_units, { style: { color: "#616161", weight: 1, fillOpacity: 0.03 } });
  if (outlines.getLayers().length) map.fitBounds(outlines.getBounds());
  else map.setView([35.49, 112.85], 12);
  outlines.addTo(map);
  L.geoJSON(data.outlines.sub_areas, { style: { color: "#1E88E5", weight: 2, dashArray: "4", fill: false } }).addTo(map);
  data.warning_markers.forEach(function (m) {
    var marker = L.circleMarker([m.lat, m.lon], { radius: 7, color: SEVERITY[m.severity], fillOpacity: 0.8 });
    var text = document.createElement("div");
    var title = document.createElement("b");
    title.textContent = m.name + (m.demo ? "（演示数据）" : "");
    text.appendChild(title);
    m.reasons.forEach(function (r) { var p = document.createElement("div"); p.textContent = r; text.appendChild(p); });
    marker.bindPopup(text).addTo(map);
  });
  window.monitoring = { charts: charts, map: map, markers: data.warning_markers.length };
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.documentElement.setAttribute("data-page-ready", "1");
})();
