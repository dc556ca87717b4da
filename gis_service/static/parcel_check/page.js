/* The clerk's parcel-check page: upload or draw a parcel, check it, list past reports, run a batch.
   Everything comes from this service's own API; words and colours come from the page's JSON block. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("page-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var state = { drawn: null, parcelLayer: null, lastReport: null, job: null };

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function link(href, text) { var a = el("a", text); a.href = href; return a; }
  function num(value, digits) {
    return value === null || value === undefined ? "—" : Number(value).toLocaleString("zh-CN",
      { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function query(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) { if (params[k]) q.set(k, params[k]); });
    var s = q.toString();
    return s ? "?" + s : "";
  }
  function showError(message) {
    var box = $("form-error");
    box.textContent = message || "";
    box.hidden = !message;
  }
  function errorText(body, status) {
    if (body && body.message_zh) return body.message_zh + (body.message ? " / " + body.message : "");
    return "请求失败 request failed (" + status + ")";
  }
  function call(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) throw new Error(errorText(body, response.status));
        return body;
      });
    });
  }

  /* --- map ------------------------------------------------------------------------------ */
  var buttons = L.drawLocal.draw.toolbar.buttons;
  buttons.polygon = "绘制多边形地块 draw a polygon";
  buttons.rectangle = "绘制矩形地块 draw a rectangle";
  L.drawLocal.draw.toolbar.actions.text = "取消";
  L.drawLocal.draw.toolbar.finish.text = "完成";
  L.drawLocal.draw.toolbar.undo.text = "撤销最后一点";
  L.drawLocal.draw.handlers.polygon.tooltip = { start: "单击开始绘制地块", cont: "单击继续绘制", end: "单击第一个点闭合地块" };
  L.drawLocal.edit.toolbar.buttons.edit = "修改地块 edit";
  L.drawLocal.edit.toolbar.buttons.remove = "删除地块 delete";
  var map = L.map("map", { zoomControl: true, minZoom: 7, maxZoom: 19 }).setView([35.5, 112.85], 12);
  L.control.scale({ imperial: false }).addTo(map);
  var drawnItems = new L.FeatureGroup().addTo(map);
  map.addControl(new L.Control.Draw({
    position: "topleft",
    draw: { polygon: { allowIntersection: false, showArea: true, metric: true }, rectangle: true,
            polyline: false, circle: false, marker: false, circlemarker: false },
    edit: { featureGroup: drawnItems, remove: true }
  }));
  map.on(L.Draw.Event.CREATED, function (e) { setDrawn(e.layer.toGeoJSON().geometry); });
  map.on(L.Draw.Event.EDITED, function () {
    var layers = drawnItems.getLayers();
    if (layers.length) state.drawn = layers[0].toGeoJSON().geometry;
  });
  map.on(L.Draw.Event.DELETED, function () { state.drawn = null; updateDrawnState(); });

  function zoneStyle(feature) {
    var colour = cfg.zoneColours[feature.properties.zone_class] || "#607D8B";
    var hatch = cfg.zoneHatch[feature.properties.zone_class];
    return { color: colour, weight: 1, fillColor: hatch || colour, fillOpacity: hatch ? 0.9 : 0.25 };
  }
  call(cfg.endpoints.zones).then(function (fc) {
    L.geoJSON(fc, { style: zoneStyle, interactive: false }).addTo(map).bringToBack();
  }).catch(function () {});
  call(cfg.endpoints.district).then(function (fc) {
    var style = Object.assign({}, cfg.districtStyle, { fillOpacity: 0, interactive: false });
    var outline = L.geoJSON(fc, { style: function () { return style; } }).addTo(map);
    if (!state.parcelLayer && outline.getBounds().isValid()) map.fitBounds(outline.getBounds());
  }).catch(function () {});

  function updateDrawnState() {
    $("drawn-state").textContent = state.drawn ? "已绘制地块 drawn parcel ready" : "未绘制 nothing drawn";
    $("drawn-state").classList.toggle("ready", !!state.drawn);
  }
  /* The drawing hook: the draw tool calls it, and so can a test or another page. */
  function setDrawn(geometry) {
    drawnItems.clearLayers();
    state.drawn = geometry || null;
    if (geometry) {
      L.geoJSON(geometry).eachLayer(function (layer) { drawnItems.addLayer(layer); });
      $("parcel-file").value = "";
    }
    updateDrawnState();
  }
  $("parcel-file").addEventListener("change", function () {
    if ($("parcel-file").files.length) { drawnItems.clearLayers(); state.drawn = null; updateDrawnState(); }
  });

  /* --- one parcel ----------------------------------------------------------------------- */
  function options() {
    return { crs: $("crs").value, proposed_use: $("proposed-use").value };
  }
  function check() {
    showError("");
    var opts = options();
    var file = $("parcel-file").files[0];
    var request;
    if (file) {
      var form = new FormData();
      form.append("file", file, file.name);
      request = call(cfg.endpoints.upload + query(opts), { method: "POST", body: form });
    } else if (state.drawn) {
      var body = { type: "Feature", properties: {}, geometry: state.drawn };
      request = call(cfg.endpoints.check + query({ crs: cfg.drawnCrs, proposed_use: opts.proposed_use }), {
        method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    } else {
      showError("请上传地块文件或在地图上绘制地块 / upload a parcel file or draw one on the map");
      return Promise.resolve(null);
    }
    $("check-button").disabled = true;
    return request.then(function (result) {
      var reports = result.reports || [result];
      showReport(reports[0], reports);
      loadPast();
      return reports[0];
    }).catch(function (err) { showError(err.message); return null; })
      .finally(function () { $("check-button").disabled = false; });
  }

  function reportHref(id, f) { return cfg.base + "/analysis/parcel-check/" + id + "?f=" + f; }

  function showReport(report, all) {
    state.lastReport = report;
    var v = report.verdict;
    $("result").hidden = false;
    $("verdict").dataset.verdict = v.code;
    $("verdict").style.borderLeftColor = cfg.verdictColours[v.code];
    $("verdict-text").textContent = v.zh;
    $("verdict-en").textContent = v.en + (v.outside_share ? "（" + num(v.outside_share * 100, 1) + "% 位于城区外）" : "");
    var reasons = $("verdict-reasons");
    reasons.replaceChildren.apply(reasons, v.reasons.map(function (r) { return el("li", r.zh); }));
    var hints = $("hints");
    hints.replaceChildren.apply(hints, (report.hints || []).map(function (h) { return el("li", "坐标提示：" + h.zh, "hint-" + h.kind); }));
    var links = $("report-links");
    links.replaceChildren(link(reportHref(report.id, "html"), "检查报告 HTML"), link(reportHref(report.id, "pdf"), "PDF"),
                          link(cfg.base + "/maps/parcel/" + report.id, "地块图 map"));
    fillHits(report.hits);
    var more = $("more-reports");
    more.replaceChildren.apply(more, all.length > 1 ? all.map(function (r, i) {
      var li = el("li", "第 " + (i + 1) + " 个地块：" + r.verdict.zh + " ");
      li.appendChild(link(reportHref(r.id, "html"), "报告"));
      return li;
    }) : []);
    call(reportHref(report.id, "json")).then(drawParcel).catch(function () {});
  }

  function fillHits(hits) {
    var body = $("hits").tBodies[0];
    var rows = hits.map(function (h) {
      var tr = document.createElement("tr");
      tr.dataset.severity = h.severity;
      [h.layer_title, h.feature, num(h.overlap_m2, 1), num(h.percent, 2), num(h.distance_m, 1)].forEach(function (t, i) {
        var td = el("td", t);
        if (i >= 2) td.className = "num";
        tr.appendChild(td);
      });
      var sev = el("td", h.severity_zh, "sev");
      sev.style.color = cfg.severityColours[h.severity];
      tr.appendChild(sev);
      tr.appendChild(el("td", h.rule_zh));
      return tr;
    });
    if (!rows.length) {
      var tr = document.createElement("tr");
      var td = el("td", "没有命中任何规划要素 / no plan feature is hit");
      td.colSpan = 7;
      tr.appendChild(td);
      rows.push(tr);
    }
    body.replaceChildren.apply(body, rows);
  }

  function drawParcel(report) {
    if (state.parcelLayer) map.removeLayer(state.parcelLayer);
    state.parcelLayer = L.geoJSON(report.geometry, {
      style: function () { return cfg.parcelStyle; },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, cfg.parcelStyle); }
    }).addTo(map);
    state.parcelLayer.bindTooltip("检查地块 · " + report.verdict.zh);
    var bounds = state.parcelLayer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.5), { maxZoom: 17 });
  }

  /* --- past reports --------------------------------------------------------------------- */
  function loadPast() {
    var params = { code: $("search-code").value.trim(), date_from: $("search-from").value,
                   date_to: $("search-to").value, verdict: $("search-verdict").value, limit: "50" };
    params.f = "json";
    return call(cfg.endpoints.reports + query(params)).then(function (doc) {
      var body = $("past").tBodies[0];
      var rows = doc.reports.map(function (r) {
        var tr = document.createElement("tr");
        tr.dataset.id = r.id;
        [r.created_local, r.parcel_code || "—", r.proposed_use_zh || "未指定", r.verdict_zh].forEach(function (t) {
          tr.appendChild(el("td", t));
        });
        var td = document.createElement("td");
        td.appendChild(link(r.links.html, "HTML"));
        td.appendChild(document.createTextNode(" "));
        td.appendChild(link(r.links.pdf, "PDF"));
        tr.appendChild(td);
        return tr;
      });
      body.replaceChildren.apply(body, rows);
      $("past").dataset.count = String(doc.count);
      return doc;
    }).catch(function (err) { showError(err.message); });
  }

  /* --- batch ---------------------------------------------------------------------------- */
  function startBatch() {
    showError("");
    var file = $("parcel-file").files[0];
    if (!file) {
      showError("批量检查需先选择文件 / choose a file for the batch");
      return Promise.resolve(null);
    }
    var form = new FormData();
    form.append("file", file, file.name);
    $("batch-button").disabled = true;
    return call(cfg.endpoints.batch + query(options()), { method: "POST", body: form }).then(function (job) {
      $("batch").hidden = false;
      $("batch-id").textContent = job.id;
      showJob(job);
      return pollJob(job.id);
    }).catch(function (err) { showError(err.message); })
      .finally(function () { $("batch-button").disabled = false; });
  }
  function showJob(job) {
    state.job = job;
    var percent = Math.round(job.percent || 0);
    $("batch-progress").value = percent;
    $("batch-percent").textContent = percent + " %";
    $("batch-state").textContent = job.state_zh + (job.total !== null && job.total !== undefined
      ? "（" + job.processed + " / " + job.total + "）" : "");
    $("batch").dataset.state = job.state;
    var counts = Object.keys(job.verdict_counts || {}).map(function (code) {
      return (cfg.verdicts[code] || code) + " " + job.verdict_counts[code];
    });
    if (job.error_count) counts.push("错误 " + job.error_count);
    $("batch-summary").textContent = counts.join(" · ");
    var links = $("batch-links");
    links.replaceChildren.apply(links, job.state === "succeeded" ? job.links.filter(function (l) {
      return l.rel === "enclosure";
    }).map(function (l) { return link(l.href, l.title); }) : []);
  }
  function pollJob(id) {
    return new Promise(function (resolve) {
      (function tick() {
        call(cfg.endpoints.jobs + "/" + id).then(function (job) {
          showJob(job);
          if (job.state === "succeeded" || job.state === "failed") {
            if (job.state === "failed") showError(job.error && job.error.message_zh || "批量任务失败 / batch failed");
            loadPast();
            resolve(job);
          } else {
            setTimeout(tick, 400);
          }
        }).catch(function (err) { showError(err.message); resolve(null); });
      })();
    });
  }

  $("check-form").addEventListener("submit", function (e) { e.preventDefault(); check(); });
  $("batch-button").addEventListener("click", startBatch);
  $("search-form").addEventListener("submit", function (e) { e.preventDefault(); loadPast(); });
  $("crs").addEventListener("change", function () {
    $("gcj02-note").classList.toggle("emphasis", $("crs").value === "gcj02");
  });
  loadPast();
  window.parcelCheck = { setDrawn: setDrawn, check: check, search: loadPast, startBatch: startBatch,
                         state: state, map: map };
})();
