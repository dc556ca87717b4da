/* Swipe between two map panes: vector layers have no container of their own to clip, so each
   date's layers live in a custom pane and the panes are clipped (the pane is the container). */
(function () {
  "use strict";
  function Swipe(map, leftPane, rightPane, range) {
    this.map = map; this.left = leftPane; this.right = rightPane; this.range = range;
    this.divider = L.DomUtil.create("div", "swipe-divider", map.getContainer());
    const update = () => this.update();
    map.on("move zoom resize", update);
    range.addEventListener("input", update);
    this.update();
  }
  Swipe.prototype.ratio = function () { return Number(this.range.value) / 100; };
  Swipe.prototype.update = function () {
    const size = this.map.getSize();
    const nw = this.map.containerPointToLayerPoint([0, 0]);
    const se = this.map.containerPointToLayerPoint(size);
    const x = nw.x + size.x * this.ratio();
    this.left.style.clip = `rect(${nw.y}px, ${x}px, ${se.y}px, ${nw.x}px)`;
    this.right.style.clip = `rect(${nw.y}px, ${se.x}px, ${se.y}px, ${x}px)`;
    this.divider.style.left = `${size.x * this.ratio()}px`;
    this.position = size.x * this.ratio();
  };
  window.GisSwipe = Swipe;
})();
