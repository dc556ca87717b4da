/* Browser print layout: paper A4/A3, portrait/landscape, a title and subtitle, the legend, the
 * scale bar, a north arrow, the source line and the data date, around the map at the centre
 * and zoom the reader sees. "打印预览" lays the page out as the sheet (the map moves into it);
 * "打印" calls the browser's print, whose @media print rules (interactions.css) keep only the
 * sheet. Ctrl+P without the preview lays the sheet out for that print and puts the page back
 * afterwards. Uses window.gisMap (maps.js). */
(function () {
  "use strict";
  var state = window.gisMap;
  if (!state) return;
  var map = state.map, cfg = state.config.interactions.print;
  var container = map.getContainer();
  var home = { parent: container.parentNode, next: container.nextSibling };
  var sheet, slot, legendSlot, titleEl, subtitleEl, dateEl, dialog, pageRule = null, active = false, byShortcut = false;
  var options = { paper: "A4", orientation: "landscape", title: cfg.title, subtitle: cfg.subtitle };

  var el = state.draw.el;  // maps.js's DOM builder (no innerHTML: strict CSP)

  function svg(tag, attrs, text) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function northArrow() {
    var arrow = svg("svg", { "class": "north-arrow", viewBox: "0 0 40 56", width: "30", height: "42", role: "img",
                             "aria-label": "指北针 North" });
    arrow.appendChild(svg("path", { d: "M20 16 L8 50 L20 42 Z", fill: "#263238" }));
    arrow.appendChild(svg("path", { d: "M20 16 L32 50 L20 42 Z", fill: "#fff", stroke: "#263238" }));
    arrow.appendChild(svg("text", { x: "20", y: "13", "text-anchor": "middle", "font-size": "13", "font-weight": "bold" }, "N"));
    return arrow;
  }

  function buildSheet() {
    sheet = el("div", "print-sheet");
    sheet.id = "print-sheet";
    var head = el("header", "print-head");
    titleEl = el("h1", "print-title");
    subtitleEl = el("p", "print-subtitle");
    head.appendChild(titleEl);
    head.appendChild(subtitleEl);
    var main = el("div", "print-main");
    slot = el("div", "print-map");
    var arrow = el("div", "print-north");
    arrow.appendChild(northArrow());
    slot.appendChild(arrow);
    legendSlot = el("aside", "print-legend");
    main.appendChild(slot);
    main.appendChild(legendSlot);
    var foot = el("footer", "print-foot");
    foot.appendChild(el("span", "print-source", cfg.source));
    dateEl = el("span", "print-date", "数据日期 Data date " + cfg.dataDate);
    foot.appendChild(dateEl);
    if (cfg.demo) foot.appendChild(el("span", "print-demo", "演示数据 Demo data"));
    sheet.appendChild(head);
    sheet.appendChild(main);
    sheet.appendChild(foot);
    document.body.appendChild(sheet);
  }

  function setPageSize() {
    var css = document.querySelector("link[href$='maps/interactions.css']");
    var styleSheet = css && css.sheet;
    if (!styleSheet) return;
    if (pageRule !== null) styleSheet.deleteRule(pageRule);
    pageRule = styleSheet.insertRule("@page { size: " + options.paper + " " + options.orientation + "; margin: 8mm; }",
                                     styleSheet.cssRules.length);
  }

  function enter() {
    var center = map.getCenter(), zoom = map.getZoom();
    map.closePopup();
    titleEl.textContent = options.title;
    subtitleEl.textContent = options.subtitle;
    subtitleEl.hidden = !options.subtitle;
    legendSlot.textContent = "";
    var legend = document.getElementById("map-legend");
    if (legend) {
      var copy = legend.cloneNode(true);
      copy.removeAttribute("id");
      copy.className = "print-legend-body";
      copy.open = true;
      legendSlot.appendChild(copy);
    }
    sheet.className = "print-sheet paper-" + options.paper.toLowerCase() + " " + options.orientation;
    setPageSize();
    slot.insertBefore(container, slot.firstChild);
    document.body.classList.add("print-layout");
    active = true;
    map.invalidateSize({ pan: false });
    map.setView(center, zoom, { animate: false });
    state.print.view = { center: center, zoom: zoom };
  }

  function leave() {
    if (!active) return;
    var center = map.getCenter(), zoom = map.getZoom();
    home.parent.insertBefore(container, home.next);
    document.body.classList.remove("print-layout");
    active = false;
    map.invalidateSize({ pan: false });
    map.setView(center, zoom, { animate: false });
  }

  function choice(parent, name, values, current, labels) {
    var wrap = el("label", null, labels[0]);
    var select = el("select");
    select.name = name;
    values.forEach(function (v, i) {
      var o = el("option", null, labels[i + 1] || v);
      o.value = v;
      if (v === current) o.selected = true;
      select.appendChild(o);
    });
    select.addEventListener("change", function () { options[name] = select.value; if (active) enter(); });
    wrap.appendChild(select);
    parent.appendChild(wrap);
  }

  function text(parent, name, label) {
    var wrap = el("label", null, label);
    var input = el("input");
    input.name = name;
    input.value = options[name];
    input.addEventListener("input", function () { options[name] = input.value; if (active) enter(); });
    wrap.appendChild(input);
    parent.appendChild(wrap);
  }

  function button(parent, label, action, className) {
    var b = el("button", className, label);
    b.type = "button";
    b.addEventListener("click", action);
    parent.appendChild(b);
    return b;
  }

  function buildDialog() {
    dialog = el("div", "print-dialog");
    dialog.id = "print-dialog";
    dialog.hidden = true;
    dialog.appendChild(el("strong", null, "打印 Print"));
    choice(dialog, "paper", cfg.papers, options.paper, ["纸张 Paper"]);
    choice(dialog, "orientation", ["landscape", "portrait"], options.orientation, ["方向 Orientation", "横向 landscape", "纵向 portrait"]);
    text(dialog, "title", "标题 Title");
    text(dialog, "subtitle", "副标题 Subtitle");
    button(dialog, "打印预览 Preview", function () { enter(); }, "print-preview");
    button(dialog, "打印 Print", function () { enter(); window.print(); }, "print-go");
    button(dialog, "关闭 Close", function () { leave(); dialog.hidden = true; }, "print-close");
    document.body.appendChild(dialog);
  }

  buildSheet();
  buildDialog();
  state.toolButton("印", "浏览器打印版式 Print layout", "print-toggle", function () { dialog.hidden = !dialog.hidden; });
  window.addEventListener("beforeprint", function () { if (!active) { byShortcut = true; enter(); } });
  window.addEventListener("afterprint", function () { if (byShortcut) { byShortcut = false; leave(); } });
  // The timeline moved the page to another day: the sheet names that day (the page's own date
  // for "now" is known only when the page was rendered without as_of).
  function setDay(day) {
    var renderedNow = !cfg.subtitle;  // the subtitle is set only on a page rendered with as_of
    options.subtitle = day ? "截至 " + day : "";
    dialog.querySelector("input[name=subtitle]").value = options.subtitle;
    dateEl.textContent = "数据日期 Data date " + (day || (renderedNow ? cfg.dataDate : "—"));
    if (active) enter();
  }

  state.print = { enter: enter, leave: leave, options: options, setDay: setDay };
})();
