#!/usr/bin/env bash
# Vendor the pinned front-end assets (assets/package-lock.json) into
# gis_service/static/vendor/<package>@<version>/ so that map pages and /docs
# load nothing from a CDN. The output is gitignored and baked into the wheel.
# gis_service/maps/cdn.py maps each CDN URL to a file copied here.
# Idempotent: a no-op while the lockfile and this script are unchanged.
# FORCE=1 re-fetches.
set -euo pipefail
cd "$(dirname "$0")/.."

ASSETS=assets
OUT=gis_service/static/vendor
STAMP=$OUT/.stamp

key=$(cat "$ASSETS/package.json" "$ASSETS/package-lock.json" scripts/fetch-assets.sh | sha256sum | cut -d' ' -f1)
if [ "${FORCE:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$key" ]; then
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "npm is missing. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y nodejs npm" >&2
    exit 1
  fi
  echo ">> installing nodejs and npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

echo ">> fetching front-end assets (npm ci) into $OUT"
# --ignore-scripts: nothing from the registry runs here (swagger-ui-dist's
# analytics postinstall, Font Awesome's). The lockfile's integrity hashes are checked.
(cd "$ASSETS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

NM=$ASSETS/node_modules
TMP=$OUT.tmp.$$
rm -rf "$TMP"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT

# vend PACKAGE PATH...: copy PATHs (relative to the package) to
# $TMP/PACKAGE@VERSION/PATH, keeping the layout so the CSS's relative
# url(...) references (images, fonts) still resolve. Licences go along.
vend() {
  local pkg=$1; shift
  local ver
  ver=$(node -p "require('./$NM/$pkg/package.json').version")
  local dest=$TMP/$pkg@$ver
  mkdir -p "$dest"
  (cd "$NM/$pkg" && cp -R --parents "$@" "$OLDPWD/$dest/")
  find "$NM/$pkg" -maxdepth 1 -type f -iname '*licen[cs]e*' -exec cp {} "$dest/" \;
}

vend leaflet dist/leaflet.js dist/leaflet.js.map dist/leaflet.css dist/images
vend jquery dist/jquery.min.js dist/jquery.min.map
vend bootstrap dist/js/bootstrap.bundle.min.js dist/js/bootstrap.bundle.min.js.map \
  dist/css/bootstrap.min.css dist/css/bootstrap.min.css.map
vend @fortawesome/fontawesome-free css/all.min.css css/all.css webfonts
vend drmonty-leaflet-awesome-markers js/leaflet.awesome-markers.js \
  js/leaflet.awesome-markers.min.js css/leaflet.awesome-markers.css css/images
# Stands in for folium's bootstrap-3.0.0 glyphicons CSS (default folium.Icon prefix).
vend glyphicons-only-bootstrap css/bootstrap.min.css css/bootstrap.css fonts
vend d3 d3.min.js d3.js
vend leaflet.markercluster dist/leaflet.markercluster.js dist/leaflet.markercluster-src.js \
  dist/MarkerCluster.css dist/MarkerCluster.Default.css
vend leaflet-minimap dist/Control.MiniMap.min.js dist/Control.MiniMap.min.css dist/images
vend leaflet.fullscreen Control.FullScreen.js Control.FullScreen.css icon-fullscreen.svg
vend leaflet-measure dist/leaflet-measure.min.js dist/leaflet-measure.js \
  dist/leaflet-measure.css dist/images
vend leaflet-groupedlayercontrol dist/leaflet.groupedlayercontrol.min.js \
  dist/leaflet.groupedlayercontrol.min.js.map dist/leaflet.groupedlayercontrol.min.css
vend leaflet-mouse-position src/L.Control.MousePosition.js src/L.Control.MousePosition.css
vend leaflet-search dist/leaflet-search.min.js dist/leaflet-search.src.js \
  dist/leaflet-search.min.css dist/leaflet-search.src.css images
vend leaflet.vectorgrid dist/Leaflet.VectorGrid.bundled.min.js dist/Leaflet.VectorGrid.bundled.js \
  dist/Leaflet.VectorGrid.min.js dist/Leaflet.VectorGrid.js
vend echarts dist/echarts.min.js
# MapLibre GL JS: renders the style.json of /styles (the style's own test draws it offline).
vend maplibre-gl dist/maplibre-gl.js dist/maplibre-gl.js.map dist/maplibre-gl.css
# Drawing a parcel on the clerk's parcel-check page.
vend leaflet-draw dist/leaflet.draw.js dist/leaflet.draw-src.js dist/leaflet.draw.css dist/images
# Its style spec (self-contained UMD build): the tests validate style.json with it under node.
vend @maplibre/maplibre-gl-style-spec dist/index.cjs
vend swagger-ui-dist swagger-ui-bundle.js swagger-ui.css swagger-ui-standalone-preset.js \
  oauth2-redirect.html oauth2-redirect.js favicon-16x16.png favicon-32x32.png

# folium's fa-rotate-N classes (Icon(angle=N)) are not published on npm; they are
# one generated rule per degree, so generate them.
extras=$TMP/folium-extras@1.0.0
mkdir -p "$extras"
for deg in $(seq 0 359); do
  printf '.fa-rotate-%d{-ms-transform:rotate(%ddeg);-webkit-transform:rotate(%ddeg);transform:rotate(%ddeg)}\n' \
    "$deg" "$deg" "$deg" "$deg"
done >"$extras/leaflet.awesome.rotate.min.css"

echo "$key" >"$TMP/.stamp"
# Swap in whole so a failed run never leaves a half-filled vendor dir.
rm -rf "$OUT"
mv "$TMP" "$OUT"
trap - EXIT
echo ">> assets ready: $(du -sh "$OUT" | cut -f1) in $OUT"
