/* Share link with the view state. The hash holds the centre, zoom and visible layers
 * (#zoom/lat/lng/layer,layer); as_of, filters and basemap stay in the query string, which the
 * server renders. Opening such a link restores that view; the share box offers the link and
 * the embed (iframe) code. Loaded after maps.js; uses window.gisMap. */
(function () {
  "use strict";
  var state = window.gisMap;
  if (!state) return;
  var map = state.map;
  var keys = state.config.layers.map(function (s) { return s.key; });
  var writing = false;

  function groupOf(key) { return window[state.config.layers.filter(function (s) { return s.key === key; })[0].group]; }

  function visibleKeys() {
    return keys.filter(function (k) { return map.hasLayer(groupOf(k)); });
  }

  function formatHash() {
    var c = map.getCenter();
    return "#" + Math.round(map.getZoom() * 100) / 100 + "/" + c.lat.toFixed(6) + "/" + c.lng.toFixed(6) + "/" + visibleKeys().join(",");
  }

  function parseHash(hash) {
    var parts = (hash || "").replace(/^#/, "").split("/");
    if (parts.length < 3) return null;
    var zoom = parseFloat(parts[0]), lat = parseFloat(parts[1]), lng = parseFloat(parts[2]);
    if (!isFinite(zoom) || !isFinite(lat) || !isFinite(lng)) return null;
    var layers = parts.length > 3 ? parts[3].split(",").filter(function (k) { return keys.indexOf(k) >= 0; }) : null;
    return { zoom: zoom, center: [lat, lng], layers: layers };
  }

  function apply(view) {
    // Leaflet drops a setView made while a zoom animation runs (the page's first fit may still
    // be animating): apply the shared view once it ends.
    if (map._animatingZoom) { map.once("zoomend", function () { apply(view); }); return; }
    writing = true;
    if (view.layers) {
      keys.forEach(function (k) {
        var group = groupOf(k), on = view.layers.indexOf(k) >= 0;
        if (on && !map.hasLayer(group)) map.addLayer(group);
        if (!on && map.hasLayer(group)) map.removeLayer(group);
      });
    }
    map.setView(view.center, view.zoom, { animate: false });
    writing = false;
    write();
  }

  function shareUrl() {
    return location.href.split("#")[0] + formatHash();
  }

  function embedUrl() {
    var url = new URL(shareUrl());
    url.searchParams.set("embed", "1");
    return url.toString();
  }

  function embedCode() {
    return '<iframe src="' + embedUrl() + '" width="800" height="600" style="border:0" ' +
      'title="' + document.title + '" loading="lazy"></iframe>';
  }

  var box;
  function refreshBox() {
    var embedLink = document.querySelector(".map-header nav a[href*='embed=1']");
    if (embedLink) embedLink.href = embedUrl();
    if (!box) return;
    box.querySelector("#share-link").value = shareUrl();
    box.querySelector("#share-embed").value = embedCode();
  }

  function write() {
    if (writing) return;
    history.replaceState(history.state, "", formatHash());
    refreshBox();
  }

  function field(parent, id, label) {
    var wrap = document.createElement("label");
    wrap.textContent = label;
    var input = document.createElement(id === "share-embed" ? "textarea" : "input");
    input.id = id;
    input.readOnly = true;
    input.addEventListener("focus", function () { input.select(); });
    wrap.appendChild(input);
    var copy = document.createElement("button");
    copy.type = "button";
    copy.textContent = "复制 Copy";
    copy.addEventListener("click", function () {
      input.select();
      if (navigator.clipboard) navigator.clipboard.writeText(input.value).catch(function () {});
    });
    wrap.appendChild(copy);
    parent.appendChild(wrap);
  }

  // One bar for the reader tools (share, table, print); each script adds its button to it.
  var Toolbar = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var bar = L.DomUtil.create("div", "leaflet-bar leaflet-control reader-tools");
      L.DomEvent.disableClickPropagation(bar);
      L.DomEvent.disableScrollPropagation(bar);
      return bar;
    }
  });
  var toolbar = new Toolbar();
  map.addControl(toolbar);

  state.toolButton = function (label, title, className, onClick) {
    var button = L.DomUtil.create("a", "tool-toggle " + className, toolbar.getContainer());
    button.href = "#";
    button.title = title;
    button.setAttribute("role", "button");
    button.textContent = label;
    L.DomEvent.on(button, "click", function (e) {
      L.DomEvent.preventDefault(e);
      onClick();
    });
    return button;
  };

  function buildBox() {
    box = L.DomUtil.create("div", "tool-box share-box", map.getContainer());
    box.id = "share-box";
    box.hidden = true;
    var note = document.createElement("p");
    note.className = "hint";
    note.textContent = "链接保存当前中心、缩放和图层；截至日期、筛选与底图在查询参数中 / the link keeps centre, zoom and layers";
    box.appendChild(note);
    field(box, "share-link", "分享链接 Share link");
    field(box, "share-embed", "嵌入代码 Embed code");
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
  }

  var initial = parseHash(location.hash);
  if (initial) apply(initial);
  buildBox();
  state.toolButton("享", "分享链接与嵌入代码 Share link and embed code", "share-toggle", function () {
    box.hidden = !box.hidden;
    refreshBox();
  });
  var pending = null;
  function later() {
    if (pending === null) pending = setTimeout(function () { pending = null; write(); }, 50);
  }
  map.on("moveend overlayadd overlayremove", later);
  window.addEventListener("hashchange", function () {
    var view = parseHash(location.hash);
    if (view && location.hash !== formatHash()) apply(view);
  });
  state.share = { formatHash: formatHash, parseHash: parseHash, shareUrl: shareUrl, embedUrl: embedUrl,
                  visibleKeys: visibleKeys };
  write();
})();
