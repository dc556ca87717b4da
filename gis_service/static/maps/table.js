/* Attribute table of the visible features: one layer at a time, the features inside the
 * current view, read from the items API with the map's bbox (the same query its CSV/XLSX
 * export links send, so the download holds exactly the table's rows). Sortable by any column
 * header; the filter box is a CQL2 name LIKE filter, applied by the server to the table and
 * to the exports alike. Uses window.gisMap (maps.js). */
(function () {
  "use strict";
  var state = window.gisMap;
  if (!state) return;
  var map = state.map, cfg = state.config, tools = cfg.interactions;
  var SKIP = { f: 1, limit: 1, precision: 1, simplify: 1 };
  var drawer, select, filterBox, tableEl, countEl, links = {}, rows = [], columns = [], sort = { key: null, dir: 1 };
  var seq = 0;

  var el = state.draw.el;  // maps.js's DOM builder (no innerHTML: strict CSP)

  function tableSpecs() {
    return cfg.layers.filter(function (s) { return s.collection && s.url; });
  }

  function specOf(key) { return tableSpecs().filter(function (s) { return s.key === key; })[0]; }

  function cqlString(value) { return "'" + String(value).replace(/'/g, "''") + "'"; }

  // The layer's own query (e.g. zone_class), its client-side where as CQL2, the view's bbox and as_of.
  function query(spec) {
    var params = new URLSearchParams();
    new URL(spec.url, location.href).searchParams.forEach(function (v, k) { if (!SKIP[k]) params.set(k, v); });
    var b = map.getBounds();
    params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(","));
    var clauses = Object.keys(spec.where).map(function (k) {
      return k + " IN (" + spec.where[k].map(cqlString).join(", ") + ")";
    });
    var text = filterBox.value.trim();
    if (text) clauses.push("name LIKE " + cqlString("%" + text + "%"));
    if (clauses.length) params.set("filter", clauses.join(" AND "));
    if (cfg.asOf) params.set("as_of", cfg.asOf);
    return params;
  }

  function itemsUrl(spec, fmt, extra) {
    var params = query(spec);
    params.set("f", fmt);
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    return cfg.base + "/collections/" + encodeURIComponent(spec.collection) + "/items?" + params.toString();
  }

  function cell(value) {
    if (value === null || value === undefined) return "";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function compare(a, b) {
    var x = a[sort.key], y = b[sort.key];
    if (x === y) return 0;
    if (x === null || x === undefined || x === "") return 1;
    if (y === null || y === undefined || y === "") return -1;
    if (typeof x === "number" && typeof y === "number") return (x - y) * sort.dir;
    return String(x).localeCompare(String(y), "zh-CN") * sort.dir;
  }

  function draw() {
    tableEl.textContent = "";
    var head = el("tr");
    columns.forEach(function (c) {
      var th = el("th", null, c);
      th.setAttribute("data-column", c);
      if (sort.key === c) th.setAttribute("aria-sort", sort.dir > 0 ? "ascending" : "descending");
      th.addEventListener("click", function () {
        sort = { key: c, dir: sort.key === c ? -sort.dir : 1 };
        draw();
      });
      head.appendChild(th);
    });
    var thead = el("thead");
    thead.appendChild(head);
    tableEl.appendChild(thead);
    var body = el("tbody");
    var sorted = sort.key ? rows.slice().sort(compare) : rows;
    sorted.forEach(function (r) {
      var tr = el("tr");
      tr.setAttribute("data-id", r.id);
      columns.forEach(function (c) { tr.appendChild(el("td", null, cell(r[c]))); });
      body.appendChild(tr);
    });
    tableEl.appendChild(body);
    countEl.textContent = rows.length + " 项 features";
  }

  function load() {
    var spec = specOf(select.value);
    if (!spec) return Promise.resolve();
    var mine = ++seq;
    links.csv.href = itemsUrl(spec, "csv");
    links.xlsx.href = itemsUrl(spec, "xlsx");
    document.documentElement.setAttribute("data-table", "loading");
    var url = itemsUrl(spec, "json", { limit: tools.table.limit, skipGeometry: "true" });
    return fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (r) {
      if (!r.ok) return r.json().then(function (e) { throw new Error(e.message || ("HTTP " + r.status)); });
      return r.json();
    }).then(function (doc) {
      if (mine !== seq) return;
      var seen = { id: true, name: true };
      columns = ["id", "name"];  // then the properties in the API's order
      rows = doc.features.map(function (f) {
        var r = Object.assign({ id: f.id }, f.properties);
        Object.keys(f.properties).forEach(function (k) { if (!seen[k]) { seen[k] = true; columns.push(k); } });
        return r;
      });
      draw();
      document.documentElement.setAttribute("data-table", "ready");
    }).catch(function (error) {
      tableEl.textContent = "";
      countEl.textContent = "读取失败 / failed: " + error.message;
      document.documentElement.setAttribute("data-table", "error");
    });
  }

  function fillSelect() {
    var keep = select.value;
    select.textContent = "";
    tableSpecs().forEach(function (s) {
      if (!map.hasLayer(window[s.group])) return;
      var option = el("option", null, s.title);
      option.value = s.key;
      select.appendChild(option);
    });
    if (keep && specOf(keep) && map.hasLayer(window[specOf(keep).group])) select.value = keep;
  }

  function build() {
    drawer = el("section", "attribute-table");
    drawer.id = "attribute-table";
    drawer.hidden = true;
    var bar = el("div", "table-bar");
    bar.appendChild(el("strong", null, "属性表 Attribute table"));
    select = el("select");
    select.setAttribute("aria-label", "图层 Layer");
    filterBox = el("input");
    filterBox.type = "search";
    filterBox.placeholder = "按名称筛选 Filter by name";
    countEl = el("span", "meta");
    bar.appendChild(select);
    bar.appendChild(filterBox);
    bar.appendChild(countEl);
    ["csv", "xlsx"].forEach(function (fmt) {
      links[fmt] = el("a", "table-export", "导出 " + fmt.toUpperCase());
      links[fmt].setAttribute("data-format", fmt);
      bar.appendChild(links[fmt]);
    });
    var close = el("button", "tool-close", "×");
    close.type = "button";
    close.title = "关闭 Close";
    close.addEventListener("click", function () { drawer.hidden = true; });
    bar.appendChild(close);
    drawer.appendChild(bar);
    var scroller = el("div", "table-scroll");
    tableEl = el("table", "feature-table");
    scroller.appendChild(tableEl);
    drawer.appendChild(scroller);
    map.getContainer().appendChild(drawer);
    L.DomEvent.disableClickPropagation(drawer);
    L.DomEvent.disableScrollPropagation(drawer);
    var timer = null;
    filterBox.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 300);
    });
    select.addEventListener("change", function () { sort = { key: null, dir: 1 }; load(); });
  }

  function open() {
    fillSelect();
    drawer.hidden = false;
    return load();
  }

  build();
  state.toolButton("表", "属性表：当前视图内的要素 Attribute table of the features in view", "table-toggle", function () {
    if (drawer.hidden) open(); else drawer.hidden = true;
  });
  map.on("moveend", function () { if (!drawer.hidden) load(); });
  map.on("overlayadd overlayremove", function () { if (!drawer.hidden) { fillSelect(); load(); } });
  state.table = { open: open, load: load, itemsUrl: itemsUrl, rows: function () { return rows; } };
})();
