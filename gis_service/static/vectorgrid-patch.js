// Leaflet.VectorGrid 1.3 calls L.DomEvent.fakeStop, which Leaflet >= 1.8 removed
// (VectorGrid #274), so every click on a tile feature threw. Restore the old behaviour.
if (window.L && L.DomEvent && !L.DomEvent.fakeStop) {
  L.DomEvent.fakeStop = function (e) { e._stopped = true; };
}
