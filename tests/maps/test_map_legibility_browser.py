"""What a planner reads at a glance on the map pages, checked on the rendered page in headless
Chromium (every non-local request blocked): cluster icons, unit labels, the layer control, the
embedded source line, favicon and console, and the items and indicator pages."""
from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from zoneinfo import ZoneInfo

import httpx
import pytest
import shapely
from sqlalchemy import create_engine, text

from gis_service.auth.keys import create_key
from gis_service.vocab import PROJECT_STATUS, STATUS_VOCABULARY, VILLAGE_STATUS
from tests.browser import chromium, offline_page
from tests.live import live_server

from ..conftest import cloned_db

DESKTOP = (1400, 900)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAP_PAGES = ("/maps/overview", "/maps/progress", "/maps/zones")
UNKNOWN_COLOURS = {PROJECT_STATUS["unknown"].colour, VILLAGE_STATUS["unknown"].colour}


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def plain(pg, loaded_template, tmp_path_factory):
    """A loaded database without demo progress (every status unknown), served live, and its URL."""
    keys = {}

    def editor(engine):
        with engine.begin() as conn:
            keys["editor"] = create_key(conn, "editor-legibility", "editor", created_by="test")[0]

    with cloned_db(pg, loaded_template, prepare=editor) as url, \
            live_server(url, tmp_path_factory.mktemp("plain") / "server.log") as base:
        yield {"base": base, "url": url, "editor": keys["editor"]}


@pytest.fixture(scope="module")
def demo_base(demo_url, tmp_path_factory):
    with live_server(demo_url, tmp_path_factory.mktemp("demo") / "server.log") as base:
        yield base


def open_map(browser, url: str, size=DESKTOP):
    page, problems = offline_page(browser, width=size[0], height=size[1])
    page.goto(url)
    page.wait_for_selector("html[data-map-ready]", state="attached", timeout=30_000)
    assert page.get_attribute("html", "data-map-ready") == "1", problems
    page.wait_for_timeout(200)  # the label pass runs after the last layer
    return page, problems


CLUSTERS_JS = """() => {
    const map = window.gisMap.map, out = [];
    for (const entry of Object.values(window.gisMap.layers)) {
        if (!entry.cluster || !map.hasLayer(entry.cluster)) continue;
        const groups = new Map();
        entry.cluster.getLayers().forEach(m => {
            const parent = entry.cluster.getVisibleParent(m);
            if (!parent || parent === m) return;
            if (!groups.has(parent)) groups.set(parent, []);
            groups.get(parent).push(m.feature.id);
        });
        groups.forEach((ids, cluster) => {
            const icon = cluster.getElement();
            out.push({collection: entry.spec.collection, ids,
                      default: icon.classList.contains('marker-cluster'),
                      ring: [...icon.querySelectorAll('circle[data-status]')].map(c => ({
                          status: c.dataset.status, stroke: c.getAttribute('stroke'),
                          length: parseFloat(c.getAttribute('stroke-dasharray'))})),
                      label: icon.querySelector('text').textContent});
        });
    }
    return out;
}"""


def test_cluster_icons_are_neutral_when_every_status_is_unknown(browser, plain):
    page, problems = open_map(browser, f"{plain['base']}/maps/progress")
    clusters = page.evaluate(CLUSTERS_JS)
    assert clusters, "the default view should show clusters"
    for cluster in clusters:
        assert not cluster["default"]  # markercluster's own green/yellow/orange bubbles
        assert [r["status"] for r in cluster["ring"]] == ["unknown"]
        assert {r["stroke"] for r in cluster["ring"]} <= UNKNOWN_COLOURS
        assert cluster["label"] == str(len(cluster["ids"]))
    assert page.locator(".marker-cluster-small, .marker-cluster-medium, .marker-cluster-large").count() == 0
    assert problems == []
    page.close()


def test_cluster_icons_show_the_statuses_of_their_members(browser, demo_base, demo_url):
    engine = create_engine(demo_url)
    with engine.connect() as conn:
        status = {(cid, r.id): r.status for cid in ("projects", "urban_village_sites")
                  for r in conn.execute(text(f"SELECT id, status FROM {cid} WHERE NOT retired"))}
    engine.dispose()
    page, problems = open_map(browser, f"{demo_base}/maps/progress")
    clusters = page.evaluate(CLUSTERS_JS)
    assert clusters
    mixed = 0
    for cluster in clusters:
        expected = Counter(status[(cluster["collection"], i)] for i in cluster["ids"])
        vocabulary = STATUS_VOCABULARY[cluster["collection"]]
        assert [r["status"] for r in cluster["ring"]] == [s for s in vocabulary if s in expected]
        assert {r["status"]: r["stroke"] for r in cluster["ring"]} == {s: vocabulary[s].colour for s in expected}
        # Each status's arc is its share of the ring.
        whole = sum(r["length"] for r in cluster["ring"])
        for r in cluster["ring"]:
            assert r["length"] / whole == pytest.approx(expected[r["status"]] / sum(expected.values()), abs=1e-3)
        mixed += any(s != "unknown" for s in expected)
    assert mixed > 0, "the demo progress should colour at least one cluster"
    assert problems == []
    page.close()


LABELS_JS = """() => [...document.querySelectorAll('.leaflet-tooltip.map-label')].map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.textContent, hidden: e.classList.contains('label-hidden')
                                         || getComputedStyle(e).visibility === 'hidden',
            rank: Number(/rank-(\\d)/.exec(e.className)[1]), size: parseFloat(getComputedStyle(e).fontSize),
            box: [r.left, r.top, r.right, r.bottom]};
})"""


def _overlapping(labels):
    shown = [lab for lab in labels if not lab["hidden"]]
    return [(a["text"], b["text"]) for a, b in itertools.combinations(shown, 2)
            if shapely.box(*a["box"]).intersection(shapely.box(*b["box"])).area > 0]


@pytest.mark.parametrize("path, ranks", [("/maps/overview", {2: 4, 3: 8, 4: 4}), ("/maps/progress", {3: 8})])
def test_unit_labels_never_overlap(browser, plain, path, ranks):
    page, problems = open_map(browser, plain["base"] + path)
    labels = page.evaluate(LABELS_JS)
    assert Counter(lab["rank"] for lab in labels) == ranks  # every unit is labelled; some may be hidden
    assert _overlapping(labels) == []
    shown = [lab for lab in labels if not lab["hidden"]]
    assert len(shown) >= 4
    if path == "/maps/overview":
        # The hierarchy: all four 片区 are named, and larger than the 街道/镇 names.
        assert sorted(lab["text"] for lab in shown if lab["rank"] == 2) == ["东北部片区", "中部片区", "南部片区", "西北部片区"]
        assert min(lab["size"] for lab in labels if lab["rank"] == 2) > max(lab["size"] for lab in labels if lab["rank"] == 3)
    # Zoomed in, the labels grow, more of them fit, and still none overlap.
    page.evaluate("window.gisMap.map.setZoom(window.gisMap.map.getZoom() + 2, {animate: false})")
    page.wait_for_timeout(300)
    zoomed = page.evaluate(LABELS_JS)
    assert _overlapping(zoomed) == []
    assert max(lab["size"] for lab in zoomed) > max(lab["size"] for lab in labels)
    assert problems == []
    page.close()


OUTLINE_JS = """key => {
    let path;
    window.gisMap.layers[key].group.eachLayer(g => g.eachLayer(l => {
        if (l.feature && l.feature.id === 'chengqu') path = l.getElement(); }));
    const m = path.getScreenCTM(), svg = path.ownerSVGElement, rings = [];
    for (const part of path.getAttribute('d').split(/(?=M)/)) {
        const nums = part.match(/-?\\d+(\\.\\d+)?/g).map(Number), ring = [];
        for (let i = 0; i + 1 < nums.length; i += 2) {
            const p = svg.createSVGPoint(); p.x = nums[i]; p.y = nums[i + 1];
            const q = p.matrixTransform(m); ring.push([q.x, q.y]);
        }
        rings.push(ring);
    }
    const r = document.querySelector('.leaflet-control-layers').getBoundingClientRect();
    return {rings, control: [r.left, r.top, r.right, r.bottom],
            expanded: document.querySelectorAll('.leaflet-control-layers-expanded').length};
}"""


@pytest.mark.parametrize("path, key", [("/maps/overview", "admin_units"), ("/maps/progress", "district"),
                                       ("/maps/zones", "admin_units")])
def test_the_layer_control_covers_no_segment_of_the_district_outline(browser, plain, path, key):
    page, problems = open_map(browser, plain["base"] + path)
    found = page.evaluate(OUTLINE_JS, key)
    assert found["expanded"] == 0  # collapsed until the reader opens it
    control = shapely.box(*found["control"])
    segments = [shapely.LineString([a, b]) for ring in found["rings"] for a, b in zip(ring, ring[1:] + ring[:1])]
    assert len(segments) > 50
    assert [s for s in segments if s.intersects(control)] == []
    # The outline is on screen (the check is not vacuous): most of the map's width holds it.
    outline = shapely.MultiLineString(segments)
    assert outline.bounds[0] >= 0 and outline.bounds[2] <= DESKTOP[0]
    assert problems == []
    page.close()


def _data_date(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        updated = conn.execute(text("SELECT max(updated_at) FROM layer_meta WHERE kind = 'plan'")).scalar()
    engine.dispose()
    return updated.astimezone(SHANGHAI).date().isoformat()


def test_embedded_maps_keep_the_source_line(browser, plain, demo_base, demo_url):
    page, problems = open_map(browser, f"{demo_base}/maps/overview?embed=1", size=(800, 600))
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "依据《城区“十三五”规划纲要》" in attribution and "示意图" in attribution
    assert f"数据日期 {_data_date(demo_url)}" in attribution and "演示数据" in attribution
    box = page.locator(".leaflet-control-attribution").bounding_box()
    assert box["width"] <= 800 and box["height"] < 40  # compact: one line
    page.close()
    page, problems2 = open_map(browser, f"{plain['base']}/maps/progress?embed=1", size=(800, 600))
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "依据《城区“十三五”规划纲要》" in attribution and "演示数据" not in attribution
    page.close()
    # The full page says the same in its banner, with the Beijing date.
    page, problems3 = open_map(browser, f"{plain['base']}/maps/overview")
    assert f"数据日期 Data date {_data_date(plain['url'])}" in page.locator(".banner.note").inner_text()
    assert "天地图" in page.locator("#basemap-note").inner_text()
    page.close()
    assert problems == problems2 == problems3 == []


@pytest.mark.parametrize("path", [*MAP_PAGES, "/maps/overview?embed=1", "/maps/compare", "/maps/site-search",
                                  "/indicators?f=html", "/collections/projects/items?f=html"])
def test_no_console_errors_and_a_favicon(browser, plain, path):
    page, problems = offline_page(browser, width=DESKTOP[0], height=DESKTOP[1])
    page.goto(plain["base"] + path, wait_until="networkidle")
    href = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert href == plain["base"] + "/favicon.ico"
    # Fetched outside the page: Playwright's request routing cannot pass favicon requests on.
    icon = httpx.get(href)
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert problems == []
    page.close()


def test_leaflet_loads_only_where_a_map_is_drawn(browser, plain):
    page, problems = offline_page(browser)
    for path, has_map in (("/indicators?f=html", False), ("/?f=html", False), ("/conformance?f=html", False),
                          ("/collections/projects/items?f=html", True)):
        page.goto(plain["base"] + path, wait_until="networkidle")
        scripts = page.evaluate("[...document.scripts].map(s => s.src).filter(s => s.includes('leaflet.js'))")
        assert bool(scripts) == has_map, path
        assert page.evaluate("typeof window.L !== 'undefined'") == has_map, path
    assert problems == []
    page.close()


def test_items_page_table_and_preview(browser, plain):
    base = plain["base"]
    page, problems = offline_page(browser, width=DESKTOP[0], height=DESKTOP[1])
    page.goto(f"{base}/collections/projects/items?f=html&limit=20", wait_until="networkidle")
    headers = page.locator("table.items thead th").all_inner_texts()
    assert headers.count("id") == 1 and headers[0] == "id"
    assert headers.index("name") < min(headers.index(c) for c in ("status", "percent_complete", "status_date"))
    # The table scrolls inside its box; the page itself does not scroll sideways.
    widths = page.evaluate("""() => {
        const s = document.querySelector('.table-scroll');
        return {page: document.documentElement.scrollWidth, view: window.innerWidth,
                inner: s.scrollWidth, box: s.clientWidth}; }""")
    assert widths["page"] <= widths["view"] and widths["inner"] > widths["box"]
    # The preview draws the 城区 boundary where the API puts it.
    page.wait_for_selector("#map[data-district='1']", state="attached", timeout=10_000)
    drawn = page.evaluate("(() => { const b = window.ogcPreviewDistrict.getBounds(); "
                          "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    district = httpx.get(f"{base}/collections/admin_units/items/chengqu?f=json").json()
    assert drawn == pytest.approx(list(shapely.geometry.shape(district["geometry"]).bounds), abs=1e-6)
    assert page.locator("#map path.leaflet-interactive, #map svg path").count() > 1
    # Codes carry their Chinese label, times are Beijing time to the minute.
    first = httpx.get(f"{base}/collections/projects/items?f=json&limit=1").json()["features"][0]
    row = page.locator("table.items tbody tr").first.locator("td").all_inner_texts()
    cells = dict(zip(headers, row))
    expected = dt.datetime.fromisoformat(first["properties"]["updated_at"]).astimezone(SHANGHAI)
    assert cells["updated_at"] == expected.strftime("%Y-%m-%d %H:%M")
    assert cells["status"] == "未知 (unknown)"
    assert cells["geometry_quality"].endswith(f"({first['properties']['geometry_quality']})")
    assert re.search(r"[\u4e00-\u9fff]", cells["geometry_quality"])
    page.goto(f"{base}/collections/function_zones/items?f=html", wait_until="networkidle")
    zone_cells = page.locator("table.items tbody td:nth-child(1)").all_inner_texts()
    headers = page.locator("table.items thead th").all_inner_texts()
    classes = page.locator(f"table.items tbody td:nth-child({headers.index('zone_class') + 1})").all_inner_texts()
    assert dict(zip(zone_cells, classes))["prohibited"] == "禁止开发区 (prohibited)"
    assert problems == []
    page.close()


def test_progress_legend_counts_units_per_class_and_draws_the_unknown_share(browser, demo_base):
    page, problems = open_map(browser, f"{demo_base}/maps/progress")
    fills = page.evaluate("""() => { const out = [];
        window.gisMap.layers.rate_admin_units.group.eachLayer(g => g.eachLayer(l => out.push(l.options.fillColor)));
        return out; }""")
    legend = page.evaluate("""() => [...document.querySelectorAll('#map-legend li')]
        .filter(li => li.querySelector('.legend-count'))
        .map(li => [li.querySelector('rect').getAttribute('fill'), parseInt(li.querySelector('.legend-count').textContent)])""")
    assert len(fills) == 8 and sum(n for _, n in legend) == 8
    assert {colour: n for colour, n in legend if n} == dict(Counter(fills))
    assert len(set(fills)) > 1  # the demo data colours some units: the check compares real classes
    bars = page.evaluate("""() => [...document.querySelectorAll('.rate-tooltip')].map(t => ({
        width: t.querySelector('.unknown-share').getBoundingClientRect().width,
        whole: t.querySelector('.unknown-bar').clientWidth,
        text: t.querySelector('.rate-unknown').textContent}))""")
    assert len(bars) == 8
    for bar in bars:
        share = int(re.search(r"(\d+) %", bar["text"]).group(1))
        assert bar["width"] == pytest.approx(bar["whole"] * share / 100, abs=1.5), bar
    assert any(0 < int(re.search(r"(\d+) %", b["text"]).group(1)) < 100 for b in bars)
    assert problems == []
    page.close()


def test_indicator_page_draws_no_trend_without_data(browser, plain):
    base = plain["base"]
    r = httpx.post(f"{base}/indicators/1/actuals", json={"year": 2017, "value": 275.0},
                   headers={"Authorization": f"Bearer {plain['editor']}"})
    assert r.status_code in (200, 201), r.text
    indicators = httpx.get(f"{base}/indicators?f=json").json()["indicators"]
    with_data = {i["code"] for i in indicators if any(a["value"] is not None for a in i["actuals"])}
    assert with_data == {"1"}
    page, problems = offline_page(browser, width=DESKTOP[0], height=DESKTOP[1])
    page.goto(f"{base}/indicators?f=html", wait_until="networkidle")
    rows = page.evaluate("""() => [...document.querySelectorAll('table.indicators tbody tr')].map(tr => ({
        code: tr.cells[0].textContent.trim(), trend: tr.cells[8].textContent.trim(),
        svg: tr.cells[8].querySelectorAll('svg').length, dots: tr.cells[8].querySelectorAll('circle').length,
        lines: tr.cells[8].querySelectorAll('polyline').length}))""")
    assert len(rows) == len(indicators)
    for row in rows:
        if row["code"] in with_data:
            assert row["svg"] == 1 and row["dots"] >= 2 and "无数据" not in row["trend"]
        else:
            assert row["svg"] == row["dots"] == row["lines"] == 0 and row["trend"].startswith("无数据"), row
    assert problems == []
    page.close()


def test_a_browser_gets_an_html_error_page_and_clients_keep_json(browser, plain):
    base = plain["base"]
    page, problems = offline_page(browser)
    response = page.goto(f"{base}/maps/overview?basemap=nonsense")
    assert response.status == 400 and response.headers["content-type"].startswith("text/html")
    box = page.locator("#error-page")
    assert box.get_attribute("data-code") == "invalid_parameter"
    assert "basemap" in page.locator(".error-zh").inner_text() and "可选" in page.locator(".error-zh").inner_text()
    assert "use one of" in page.locator(".error-en").inner_text()
    response = page.goto(f"{base}/collections/no-such-layer")
    assert response.status == 404 and page.locator("#error-page").count() == 1
    page.close()
    for accept in ("application/json", "*/*"):
        r = httpx.get(f"{base}/maps/overview?basemap=nonsense", headers={"Accept": accept})
        assert r.status_code == 400 and r.json()["code"] == "invalid_parameter"
    r = httpx.get(f"{base}/collections/no-such-layer?f=json", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    # Only the favicon-less 404s of the two error pages are expected in the log.
    assert [p for p in problems if "status of 40" not in p] == []
