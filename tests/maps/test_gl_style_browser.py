"""The MapLibre style of /styles, drawn by the vendored maplibre-gl in headless Chromium with every
non-local request blocked: it validates against the style spec, loads with no error, and the
function zones draw in their house colours (pixels read at each zone's interior)."""
from __future__ import annotations

import io
import json
import shutil
import subprocess

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from gis_service.maps.cdn import VENDOR_DIR
from gis_service.vocab import ZONE_CLASSES
from tests.browser import CHROMIUM, CHROMIUM_ARGS, offline_page
from tests.live import live_server

STYLE_SPECS = sorted((VENDOR_DIR / "@maplibre").glob("maplibre-gl-style-spec@*/dist/index.cjs"))
# WebGL in headless Chromium: ANGLE over SwiftShader instead of the (absent) GPU.
WEBGL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + ["--use-angle=swiftshader",
                                                                   "--enable-unsafe-swiftshader"]
BACKGROUND = (0xFA, 0xFA, 0xFA)
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/vendor/{vendor}/dist/maplibre-gl.css">
<script src="/static/vendor/{vendor}/dist/maplibre-gl.js"></script>
<style>html,body,#map{{margin:0;width:100%;height:100%}}</style></head>
<body><div id="map"></div><script>
fetch({style_url!r}).then(r => r.json()).then(style => {{
  const map = new maplibregl.Map({{container: 'map', style, attributionControl: false, fadeDuration: 0,
    localIdeographFontFamily: "'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif"}});
  window.map = map;
  map.on('load', () => {{
    map.fitBounds({bounds}, {{padding: 20, animate: false, maxZoom: 11.9}});
    map.once('idle', () => {{ document.documentElement.dataset.ready = '1'; }});
  }});
  map.on('error', e => console.error('maplibre: ' + (e.error && e.error.message || e)));
}});
</script></body></html>"""


@pytest.fixture(scope="module")
def base(demo_url, tmp_path_factory):
    with live_server(demo_url, tmp_path_factory.mktemp("glstyle") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def webgl_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=WEBGL_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def zones(demo_url) -> list[tuple[str, float, float]]:
    """(zone class, lon, lat) at the centre of each zone's largest inscribed circle, by PostGIS."""
    engine = create_engine(demo_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT zone_class, ST_X(c), ST_Y(c) FROM (SELECT zone_class, (ST_MaximumInscribedCircle(geom)).center AS c "
            "FROM function_zones WHERE NOT retired AND zone_class IS NOT NULL) z ORDER BY zone_class")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def validation_errors(style: dict) -> list[str]:
    """The style spec's own validator under node; without node, the members it requires."""
    if shutil.which("node") and STYLE_SPECS:
        script = ("const spec = require(process.argv[1]); let s = ''; process.stdin.on('data', d => s += d);"
                  "process.stdin.on('end', () => console.log(JSON.stringify("
                  "spec.validateStyleMin(JSON.parse(s)).map(e => e.message))));")
        out = subprocess.run(["node", "-e", script, str(STYLE_SPECS[-1])], input=json.dumps(style), text=True,
                             capture_output=True, check=True)
        return json.loads(out.stdout)
    missing = [m for m in ("version", "sources", "layers") if m not in style]
    return missing + [f"layer {layer.get('id')} lacks {k}" for layer in style.get("layers", [])
                      for k in ("id", "type") if k not in layer]


@pytest.mark.parametrize("path", ["/styles/plan?f=mapbox", "/collections/function_zones/styles/default?f=mapbox",
                                  "/collections/projects/styles/default?f=mapbox"])
def test_styles_validate_against_the_style_spec(base, path):
    style = httpx.get(f"{base}{path}", timeout=30).json()
    assert validation_errors(style) == []


def vendored_maplibre() -> str:
    found = sorted(p.name for p in VENDOR_DIR.glob("maplibre-gl@*"))
    assert found, "maplibre-gl is not vendored: run scripts/fetch-assets.sh"
    return found[-1]


def render(browser, base: str, style_path: str, zones):
    lons, lats = [z[1] for z in zones], [z[2] for z in zones]
    bbox = httpx.get(f"{base}/collections/function_zones", timeout=30).json()["extent"]["spatial"]["bbox"][0]
    html = PAGE.format(vendor=vendored_maplibre(), style_url=style_path,
                       bounds=json.dumps([[bbox[0], bbox[1]], [bbox[2], bbox[3]]]))
    page, problems = offline_page(browser, width=1000, height=800)
    page.route(f"{base}/gl-style-test.html", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(f"{base}/gl-style-test.html")
    page.wait_for_selector("html[data-ready]", state="attached", timeout=60_000)
    assert problems == []
    points = page.evaluate("pts => pts.map(p => { const q = window.map.project(p); return [q.x, q.y]; })",
                           [[lo, la] for lo, la in zip(lons, lats)])
    return page, problems, points


def blended(colour: str, opacity: float) -> tuple[int, ...]:
    rgb = tuple(int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return tuple(round(c * opacity + b * (1 - opacity)) for c, b in zip(rgb, BACKGROUND))


def test_zones_draw_in_their_house_colours(webgl_browser, base, zones, screenshots):
    style = httpx.get(f"{base}/collections/function_zones/styles/default?f=mapbox", timeout=30).json()
    opacity = {layer["metadata"]["class"]: layer["paint"]["fill-opacity"] for layer in style["layers"]
               if layer["type"] == "fill"}
    page, problems, points = render(webgl_browser, base, "/collections/function_zones/styles/default?f=mapbox", zones)
    shot = page.screenshot(path=str(screenshots / "gl_style_zones.png"))
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    assert {z[0] for z in zones} == set(ZONE_CLASSES)
    for (zone_class, _, _), (x, y) in zip(zones, points):
        got = image.getpixel((round(x), round(y)))
        want = blended(ZONE_CLASSES[zone_class].colour, opacity[zone_class])
        assert max(abs(g - w) for g, w in zip(got, want)) <= 12, (zone_class, got, want)
    assert problems == []


def test_plan_style_renders_offline_with_the_zone_layers_on_top(webgl_browser, base, zones):
    page, problems, points = render(webgl_browser, base, "/styles/plan?f=mapbox", zones)
    for (zone_class, _, _), (x, y) in zip(zones, points):
        hits = page.evaluate("p => window.map.queryRenderedFeatures(p).map(f => [f.layer.id, "
                             "f.properties.zone_class, f.layer.paint['fill-color']])", [x, y])
        zone_hits = [h for h in hits if h[0] == f"function_zones-{zone_class}-fill"]
        assert zone_hits and zone_hits[0][1] == zone_class, (zone_class, hits)
    drawn = page.evaluate("() => window.map.getStyle().layers.map(l => l.id)")
    assert "projects-label" in drawn and "function_zones-prohibited-hatch" in drawn
    assert problems == []


def test_the_validator_rejects_a_broken_style(base):
    style = httpx.get(f"{base}/styles/plan?f=mapbox", timeout=30).json()
    del style["sources"]["function_zones"]
    style["layers"][1]["type"] = "polygon"
    assert len(validation_errors(style)) >= 2
