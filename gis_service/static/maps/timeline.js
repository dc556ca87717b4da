/* Timeline on the progress page: a slider over the days with recorded progress changes.
 * Moving it redraws the choropleth, the markers and the summary for that day without a page
 * load: unit numbers come from the one roll-up (GET /stats/progress?as_of=), marker colours
 * from the items at that day (items?as_of=). The query string's as_of follows the slider, so
 * a share link carries it. Uses window.gisMap (maps.js). */
(function () {
  "use strict";
  var state = window.gisMap;
  if (!state) return;
  var cfg = state.config, tl = cfg.interactions.timeline, labels = cfg.labels;
  var panel = document.getElementById("map-panel");
  if (!tl || !panel || !cfg.progress) return;
  var stops = tl.days.concat([null]);  // null: now
  var seq = 0, slider, label;

  var el = state.draw.el;  // maps.js's DOM builder (no innerHTML: strict CSP)

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " " + url);
      return r.json();
    });
  }

  function stats(grouping, collections, day) {
    var q = "group_by=" + grouping + "&collection=" + collections.join(",") + (day ? "&as_of=" + day : "");
    return getJson(cfg.base + "/stats/progress?" + q);
  }

  function statuses(collection, day) {
    var q = "f=json&skipGeometry=true&properties=status&limit=" + cfg.interactions.table.limit + (day ? "&as_of=" + day : "");
    return getJson(cfg.base + "/collections/" + collection + "/items?" + q).then(function (doc) {
      var out = {};
      doc.features.forEach(function (f) { out[f.id] = f.properties.status; });
      return out;
    });
  }

  function unitStat(group) {
    var unknown = group.total - group.reported;
    return { id: group.key, name: group.name, total: group.total, known: group.reported, done: group.finished,
             unknown: unknown, rate: group.reported ? group.finished / group.reported : null,
             unknown_share: group.total ? unknown / group.total : null };
  }

  function merge(docs) {
    var by = {};
    docs.forEach(function (doc) {
      doc.groups.concat(doc.unlocated ? [doc.unlocated] : []).forEach(function (g) {
        var m = by[g.key] || (by[g.key] = { key: g.key, name: g.name, total: 0, reported: 0, finished: 0 });
        m.total += g.total; m.reported += g.reported; m.finished += g.finished;
      });
    });
    return by;
  }

  function redrawUnits(kind, groups) {
    var entry = state.layers["rate_" + kind];
    Object.keys(cfg.progress.units[kind]).forEach(function (id) {
      if (groups[id]) cfg.progress.units[kind][id] = unitStat(groups[id]);
    });
    if (!entry) return;
    entry.group.eachLayer(function (g) {
      if (!g.eachLayer) return;
      g.eachLayer(function (layer) {
        var stat = cfg.progress.units[kind][layer.feature.id];
        if (!stat) return;
        layer.setStyle({ fillColor: state.draw.rateColour(stat.rate) });
        if (layer.getTooltip()) layer.setTooltipContent(state.draw.rateTooltip(stat));
      });
    });
  }

  function redrawMarkers(byCollection) {
    cfg.layers.forEach(function (spec) {
      var entry = state.layers[spec.key];
      if (!entry || !entry.cluster) return;
      var now = byCollection[spec.collection] || {};
      entry.cluster.eachLayer(function (marker) {
        var status = now[marker.feature.id] || "unknown";
        marker.feature.properties.status = status;
        marker.setStyle({ fillColor: (spec.classes[status] || spec.classes.unknown).fillColor });
      });
      if (entry.cluster.refreshClusters) entry.cluster.refreshClusters();
    });
  }

  function redrawSummary(admin, byCollectionDocs) {
    var overall = { total: 0, reported: 0, finished: 0 };
    Object.keys(admin).forEach(function (k) {
      overall.total += admin[k].total; overall.reported += admin[k].reported; overall.finished += admin[k].finished;
    });
    var stat = unitStat(Object.assign({ key: "all", name: "all" }, overall));
    var rate = document.getElementById("overall-rate");
    if (rate) rate.textContent = state.draw.pct(stat.rate);
    var tables = document.querySelectorAll("#progress-summary table.counts");
    tl.collections.forEach(function (c, i) {
      if (!tables[i]) return;
      var totals = {};
      var doc = byCollectionDocs[i];
      doc.groups.concat(doc.unlocated ? [doc.unlocated] : []).forEach(function (g) {
        Object.keys(g.by_status).forEach(function (s) { totals[s] = (totals[s] || 0) + g.by_status[s]; });
      });
      var codes = Object.keys(labels.status[c]);
      tables[i].querySelectorAll("tr").forEach(function (tr, j) {
        var num = tr.querySelector("td.num");
        if (num && codes[j]) num.textContent = totals[codes[j]] || 0;
      });
    });
    var kind = new URLSearchParams(location.search).get("by") || "admin_units";
    var units = cfg.progress.units[kind];
    document.querySelectorAll("#progress-summary table.units tr").forEach(function (tr) {
      var cells = tr.querySelectorAll("td");
      if (cells.length < 4) return;
      var name = cells[0].textContent;
      Object.keys(units).forEach(function (id) {
        var s = units[id];
        if (s.name !== name) return;
        cells[1].textContent = s.rate === null ? "无数据" : state.draw.pct(s.rate);
        cells[2].textContent = state.draw.pct(s.unknown_share);
        cells[3].textContent = s.total;
      });
    });
  }

  function rememberDay(day) {
    cfg.asOf = day;
    var url = new URL(location.href);
    if (day) url.searchParams.set("as_of", day); else url.searchParams.delete("as_of");
    history.replaceState(history.state, "", url.toString());
    var input = document.querySelector("#progress-filters input[name=as_of]");
    if (input) input.value = day || "";
    var banner = document.querySelector(".banner.asof");
    if (banner) banner.textContent = day ? "截至 As of " + day + "（系统记录状态 / state as recorded）" : "当前状态 Current state";
  }

  function show(index) {
    var day = stops[index], mine = ++seq;
    label.textContent = day ? "截至 " + day : "现在 now";
    document.documentElement.setAttribute("data-timeline", "loading");
    var both = tl.collections;
    var work = [stats(tl.groupings.admin_units, [both[0]], day), stats(tl.groupings.admin_units, [both[1]], day),
                stats(tl.groupings.sub_areas, both, day)].concat(both.map(function (c) { return statuses(c, day); }));
    return Promise.all(work).then(function (r) {
      if (mine !== seq) return;
      var admin = merge([r[0], r[1]]);
      redrawUnits("admin_units", admin);
      redrawUnits("sub_areas", merge([r[2]]));
      var byCollection = {};
      both.forEach(function (c, i) { byCollection[c] = r[3 + i]; });
      redrawMarkers(byCollection);
      redrawSummary(admin, [r[0], r[1]]);
      rememberDay(day);
      if (state.print) state.print.setDay(day);
      state.timeline.day = day;
      document.documentElement.setAttribute("data-timeline", "ready");
    }).catch(function (error) {
      label.textContent = "读取失败 / failed: " + error.message;
      document.documentElement.setAttribute("data-timeline", "error");
    });
  }

  function startIndex() {
    if (!cfg.asOf) return stops.length - 1;
    var best = 0;
    tl.days.forEach(function (d, i) { if (d <= cfg.asOf) best = i; });
    return best;
  }

  var block = el("section", "panel-block timeline");
  block.id = "timeline";
  block.appendChild(el("h2", null, "时间轴 Timeline"));
  slider = el("input");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(stops.length - 1);
  slider.step = "1";
  slider.value = String(startIndex());
  slider.setAttribute("aria-label", "截至日期 As of");
  label = el("output", "timeline-day", stops[startIndex()] ? "截至 " + stops[startIndex()] : "现在 now");
  block.appendChild(slider);
  block.appendChild(label);
  block.appendChild(el("p", "hint", tl.disabled
    ? "筛选类别/专栏时时间轴不可用（统计接口不按类别筛选）/ not available with a category or 专栏 filter"
    : "记录进展变化的日期（北京时间）；拖动即重绘，无需刷新 / days with recorded changes"));
  slider.disabled = tl.disabled || stops.length < 2;
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  panel.insertBefore(block, panel.firstChild);
  state.timeline = { show: show, stops: stops, day: cfg.asOf };
})();
