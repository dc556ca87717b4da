"""The reader tools on the rendered map pages, in headless Chromium with every non-local request
blocked: share link, browser print, identify, attribute table (and its XLSX) and the progress
timeline. Each is checked against an independent source: a second page opened from the link,
the printed PDF's text, shapely over the API's layers, the items GeoJSON, the roll-up's JSON."""
from __future__ import annotations

import io
import re
import subprocess

import httpx
import openpyxl
import pytest
import shapely
from sqlalchemy import text

from gis_service.vocab import PROJECT_STATUS, VILLAGE_STATUS, collection_title
from tests.browser import chromium
from tests.live import live_server

from ..conftest import RESEAL_HISTORY_CHAIN, cloned_db
from .test_identify_api import expected_hits
from .test_map_browser import open_map, visible_in

# Progress recorded on two later days (Asia/Shanghai), after the seed load of 2016-01-01.
DAY_1, DAY_2 = "2018-05-10", "2019-09-20"
CHANGES = [  # (day, collection, status, percent)
    (DAY_1, "projects", "completed", 100),
    (DAY_2, "projects", "ongoing", 40),
    (DAY_2, "urban_village_sites", "done", None),
]


def record_history(engine) -> list[tuple[str, str]]:
    """Three progress changes on two days, written as an edit writes them, then dated."""
    targets = []
    with engine.begin() as conn:
        for i, (day, cid, status, percent) in enumerate(CHANGES):
            fid = conn.execute(text(
                f"SELECT id FROM {cid} WHERE NOT retired AND geom IS NOT NULL "
                f"AND location_basis NOT IN ('unlocated', 'area_hint') ORDER BY id OFFSET {i} LIMIT 1")).scalar()
            targets.append((cid, fid))
            conn.execute(text(f"UPDATE {cid} SET status = :s, percent_complete = :p, version = version + 1 "
                              f"WHERE id = :id"), {"s": status, "p": percent, "id": fid})
            conn.execute(text(
                "INSERT INTO progress_events (collection_id, feature_id, actor, action, old_values, new_values, "
                "reason) VALUES (:c, :f, 'test', 'update', CAST(:old AS jsonb), CAST(:new AS jsonb), 'timeline')"),
                {"c": cid, "f": fid, "old": '{"status": "unknown", "percent_complete": null}',
                 "new": f'{{"status": "{status}", "percent_complete": {percent or "null"}}}'})
            conn.execute(text("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only"))
            conn.execute(text("UPDATE progress_events SET recorded_at = CAST(:at AS timestamptz) "
                              "WHERE id = (SELECT max(id) FROM progress_events)"), {"at": f"{day} 10:00+08"})
            conn.execute(text("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only"))
        conn.execute(text("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only"))
        conn.execute(text(RESEAL_HISTORY_CHAIN))
        conn.execute(text("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only"))
        conn.execute(text("UPDATE layer_meta SET data_version = data_version + 1 "
                          "WHERE collection_id IN ('projects', 'urban_village_sites')"))
    return targets


@pytest.fixture(scope="module")
def history(pg, loaded_template, tmp_path_factory):
    found = {}

    def prepare(engine):
        found["targets"] = record_history(engine)

    with cloned_db(pg, loaded_template, prepare=prepare) as url:
        with live_server(url, tmp_path_factory.mktemp("interact") / "server.log") as base:
            yield base, found["targets"]


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def view_of(page) -> dict:
    return page.evaluate("""() => { const m = window.gisMap.map, c = m.getCenter();
        return {lat: c.lat, lng: c.lng, zoom: m.getZoom(), layers: window.gisMap.share.visibleKeys(),
                asOf: window.gisMap.config.asOf}; }""")


def test_share_link_restores_centre_zoom_layers_and_as_of(browser, history, screenshots):
    base, _ = history
    page, problems = open_map(browser, f"{base}/maps/overview?as_of={DAY_1}", width=1400, height=900)
    page.evaluate("window.gisMap.map.setView([35.4873, 112.8612], 14, {animate: false})")
    control = page.locator(".leaflet-control-layers")
    control.hover()
    for collection in ("admin_context", "agri_areas"):
        control.locator("label", has_text=collection_title(collection)).first.locator("input").click()
    page.mouse.move(5, 500)
    page.locator(".share-toggle").click()
    link = page.locator("#share-link").input_value()
    embed = page.locator("#share-embed").input_value()
    before = view_of(page)
    assert "admin_context" not in before["layers"] and "function_zones" in before["layers"]
    assert f"as_of={DAY_1}" in link and link.endswith(page.evaluate("location.hash"))
    assert "embed=1" in embed and "#" + link.split("#")[1] in embed
    assert page.locator(".map-header a", has_text="嵌入").get_attribute("href").endswith("#" + link.split("#")[1])
    counts = {key: visible_in(page, key) for key in page.evaluate("Object.keys(window.gisMap.layers)")}
    page.screenshot(path=str(screenshots / "share-before.png"))

    again, problems2 = open_map(browser, link, width=1000, height=700)  # another window size
    after = view_of(again)
    assert after["zoom"] == before["zoom"] == 14
    assert abs(after["lat"] - before["lat"]) < 1e-6 and abs(after["lng"] - before["lng"]) < 1e-6
    assert after["layers"] == before["layers"] and after["asOf"] == DAY_1
    assert f"截至 As of {DAY_1}" in again.locator(".banner.asof").inner_text()
    assert {key: visible_in(again, key) for key in counts} == counts
    # The layer control shows the restored choice.
    again.locator(".leaflet-control-layers").hover()
    box = again.locator(".leaflet-control-layers label", has_text=collection_title("admin_context")).first
    assert not box.locator("input").is_checked()
    assert problems == problems2 == []


def pdf_words(path) -> list[tuple[str, float, float, float, float]]:
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [(w, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


@pytest.mark.parametrize("paper, orientation, size_pt", [("A4", "landscape", (841.9, 595.0)),
                                                         ("A3", "portrait", (841.9, 1190.6))])
def test_browser_print_has_title_legend_and_scale_bar(browser, history, tmp_path, screenshots,
                                                      paper, orientation, size_pt):
    base, _ = history
    page, problems = open_map(browser, f"{base}/maps/zones", width=1400, height=900)
    page.evaluate("window.gisMap.map.setView([35.50, 112.85], 13, {animate: false})")
    seen = view_of(page)
    page.locator(".print-toggle").click()
    dialog = page.locator("#print-dialog")
    dialog.locator("select[name=paper]").select_option(paper)
    dialog.locator("select[name=orientation]").select_option(orientation)
    dialog.locator("input[name=title]").fill("城区主体功能区 打印测试")
    dialog.locator("input[name=subtitle]").fill("副标题 subtitle")
    dialog.locator(".print-preview").click()
    page.emulate_media(media="print")
    page.wait_for_timeout(500)
    printed = view_of(page)
    # As the reader saw it: the same zoom, the same centre to within a pixel (the sheet's map is another size).
    pixel = page.evaluate("(() => { const m = window.gisMap.map, c = m.getCenter(), p = m.project(c);"
                          " return Math.abs(m.unproject(p.add([0, 1])).lat - c.lat); })()")
    assert printed["zoom"] == seen["zoom"]
    assert abs(printed["lat"] - seen["lat"]) < pixel and abs(printed["lng"] - seen["lng"]) < pixel
    scale_text = page.locator(".print-map .leaflet-control-scale-line").inner_text().strip()
    rects = page.evaluate("""() => { const r = s => { const b = document.querySelector(s).getBoundingClientRect();
        return [b.left, b.top, b.right, b.bottom]; };
        return {map: r('.print-map'), scale: r('.print-map .leaflet-control-scale-line')}; }""")
    path = tmp_path / "print.pdf"
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    page.screenshot(path=str(screenshots / f"print-{paper}-{orientation}.png"))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages_line = next(line for line in info.splitlines() if line.startswith("Pages:"))
    size_line = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (float(v) for v in size_line.split(":")[1].split("pts")[0].split(" x "))
    assert pages_line.split()[-1] == "1" and abs(width - size_pt[0]) < 1 and abs(height - size_pt[1]) < 1
    body = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = body.replace("\n", " ")
    for expected in ("城区主体功能区", "打印测试", "副标题", "图例 Legend", "禁止开发区", "限制开发区", "水库 reservoirs",
                     "数据日期", "规划纲要", "示意性几何"):
        assert expected in flat, expected
    # The scale bar is printed inside the map frame (CSS px -> pt, offset by the 8 mm page margin).
    number, unit = scale_text.split()
    margin = 8 / 25.4 * 72
    map_box = [v * 0.75 + margin for v in rects["map"]]
    hits = [w for w in pdf_words(path) if w[0] == number]
    assert any(map_box[0] <= x0 and x1 <= map_box[2] and map_box[1] <= y0 and y1 <= map_box[3]
               for _, x0, y0, x1, y1 in hits), (scale_text, hits, map_box)
    assert unit in ("m", "km") and rects["scale"][2] - rects["scale"][0] > 20
    assert problems == []


def test_identify_lists_the_hits_of_overlapping_layers(browser, history, screenshots):
    base, _ = history
    with httpx.Client(base_url=base) as api:
        features = {}
        for c in api.get("/collections", params={"f": "json"}).json()["collections"]:
            doc = api.get(f"/collections/{c['id']}/items", params={"f": "json", "limit": 10000}).json()
            features[c["id"]] = [(f["id"], shapely.geometry.shape(f["geometry"])) for f in doc["features"]
                                 if f["geometry"]]
    reservoir = dict(features["ecology_sites"])["hua-yuan-tou-shui-ku"]
    point = reservoir.intersection(dict(features["function_zones"])["prohibited"]).representative_point()
    page, problems = open_map(browser, f"{base}/maps/zones", width=1400, height=900)
    page.evaluate(f"window.gisMap.map.setView([{point.y}, {point.x}], 15, {{animate: false}})")
    x, y = page.evaluate(f"""() => {{ const p = window.gisMap.map.latLngToContainerPoint([{point.y}, {point.x}]);
        return [p.x, p.y]; }}""")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector("html[data-identify=done]", state="attached", timeout=20_000)
    listed = set(page.evaluate("""() => Array.from(document.querySelectorAll('#identify-panel section li')).map(
        li => li.closest('section').dataset.collection + '|' + li.dataset.id)"""))
    answer = page.evaluate("window.gisMap.identify.last")
    clicked = answer["input"]["representative_point"]
    expected = expected_hits(features, clicked[0], clicked[1], answer["tolerance_m"])
    assert {tuple(s.split("|")) for s in listed} == expected
    assert {("ecology_sites", "hua-yuan-tou-shui-ku"), ("function_zones", "prohibited")} <= expected
    panel = page.locator("#identify-panel").inner_text()
    assert collection_title("ecology_sites") in panel and collection_title("function_zones") in panel
    page.screenshot(path=str(screenshots / "identify.png"))
    assert problems == []


def table_column(page, column: str) -> list[str]:
    return page.evaluate("""column => { const i = Array.from(document.querySelectorAll('#attribute-table th'))
        .findIndex(th => th.dataset.column === column);
        return Array.from(document.querySelectorAll('#attribute-table tbody tr')).map(tr => tr.children[i].textContent); }""",
                         column)


def wait_table(page):
    page.wait_for_selector("html[data-table=ready]", state="attached", timeout=20_000)


def test_attribute_table_sorts_filters_and_exports_the_same_rows(browser, history, screenshots):
    base, _ = history
    page, problems = open_map(browser, f"{base}/maps/overview", width=1400, height=900)
    page.evaluate("window.gisMap.map.setView([35.50, 112.84], 13, {animate: false})")
    page.locator(".table-toggle").click()
    wait_table(page)
    page.evaluate("document.documentElement.dataset.table = ''")
    page.locator("#attribute-table select").select_option("projects")
    wait_table(page)
    xlsx_url = page.locator(".table-export[data-format=xlsx]").get_attribute("href")
    query = httpx.URL(xlsx_url).params
    with httpx.Client() as http:
        geojson = http.get(xlsx_url.replace("f=xlsx", "f=json") + "&limit=1000").json()
        ids = table_column(page, "id")
        assert len(ids) == len(geojson["features"]) > 3 and ids == [f["id"] for f in geojson["features"]]
        # Only features in the view: bbox is the map's bounds.
        bounds = page.evaluate("window.gisMap.map.getBounds().toBBoxString()")
        assert [round(float(v), 6) for v in query["bbox"].split(",")] == [round(float(v), 6) for v in bounds.split(",")]
        # Sort by a number, then reversed.
        page.locator("#attribute-table th[data-column=percent_complete]").click()
        numbers = [float(v) for v in table_column(page, "percent_complete") if v]
        assert numbers == sorted(numbers) and len(numbers) == 2
        page.locator("#attribute-table th[data-column=percent_complete]").click()
        assert [float(v) for v in table_column(page, "percent_complete") if v] == sorted(numbers, reverse=True)
        page.locator("#attribute-table th[data-column=id]").click()
        up = table_column(page, "id")
        page.locator("#attribute-table th[data-column=id]").click()
        assert table_column(page, "id") == up[::-1] and sorted(up) == sorted(ids)
        # Filter by name: the server applies it to the table and the exports alike.
        page.evaluate("document.documentElement.dataset.table = ''")
        page.locator("#attribute-table input[type=search]").fill("园")
        wait_table(page)
        names = table_column(page, "name")
        expected = [f["properties"]["name"] for f in geojson["features"] if "园" in f["properties"]["name"]]
        assert sorted(names) == sorted(expected) and 0 < len(names) < len(ids)
        xlsx_url = page.locator(".table-export[data-format=xlsx]").get_attribute("href")
        csv_url = page.locator(".table-export[data-format=csv]").get_attribute("href")
        assert csv_url.replace("f=csv", "f=xlsx") == xlsx_url
        response = http.get(xlsx_url)
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        records = [dict(zip(rows[0], r)) for r in rows[1:]]
        same = http.get(xlsx_url.replace("f=xlsx", "f=json") + "&limit=1000").json()["features"]
        assert [r["id"] for r in records] == [f["id"] for f in same]
        assert sorted(r["name"] for r in records) == sorted(names)
        assert all(r["name"] == f["properties"]["name"] and r["status"] == f["properties"]["status"]
                   for r, f in zip(records, same))
    page.screenshot(path=str(screenshots / "attribute-table.png"))
    assert problems == []


def unit_texts(page) -> dict[str, str]:
    return page.evaluate("""() => { const out = {};
        window.gisMap.layers.rate_admin_units.group.eachLayer(g => g.eachLayer(l => {
            out[l.feature.id] = l.getTooltip().getContent().querySelector('.rate-value').textContent; }));
        return out; }""")


def marker_fills(page) -> dict[str, str]:
    return page.evaluate("""() => { const out = {};
        ['projects', 'urban_village_sites'].forEach(k => window.gisMap.layers[k].cluster.eachLayer(m => {
            out[k + '|' + m.feature.id] = m.options.fillColor; }));
        return out; }""")


def expected_units(base: str, day: str | None) -> dict[str, str]:
    """Each admin unit's rate at ``day`` from the roll-up's JSON (finished / reported)."""
    params = {"group_by": "admin_unit", "collection": "projects,urban_village_sites", **({"as_of": day} if day else {})}
    groups = httpx.get(f"{base}/stats/progress", params=params).json()["groups"]
    return {g["key"]: "无数据" if not g["reported"] else f"{round(g['finished'] / g['reported'] * 100)} %"
            for g in groups}


def press_and_wait(page, key: str) -> str | None:
    """Press a key on the focused slider; the day the timeline then shows."""
    page.evaluate("document.documentElement.dataset.timeline = ''")
    page.keyboard.press(key)
    page.wait_for_selector("html[data-timeline=ready]", state="attached", timeout=20_000)
    return page.evaluate("window.gisMap.timeline.day")


def test_timeline_redraws_an_earlier_state_without_navigation(browser, history, screenshots):
    base, targets = history
    page, problems = open_map(browser, f"{base}/maps/progress", width=1400, height=900)
    loads = []
    page.on("load", lambda _: loads.append(1))
    page.evaluate("window.__sameDocument = 'yes'")
    stops = page.evaluate("window.gisMap.timeline.stops")
    assert stops == ["2016-01-01", DAY_1, DAY_2, None]
    now_units, now_fills = unit_texts(page), marker_fills(page)
    assert now_units == expected_units(base, None)
    page.locator("#timeline input[type=range]").focus()
    assert press_and_wait(page, "ArrowLeft") == DAY_2  # nothing changed after it: the same state
    assert unit_texts(page) == now_units
    assert press_and_wait(page, "ArrowLeft") == DAY_1
    earlier = unit_texts(page)
    assert earlier == expected_units(base, DAY_1) != now_units
    fills = marker_fills(page)
    (p1c, p1), (p2c, p2), (vc, v) = targets
    assert fills[f"{p1c}|{p1}"] == PROJECT_STATUS["completed"].colour
    assert fills[f"{p2c}|{p2}"] == PROJECT_STATUS["unknown"].colour != now_fills[f"{p2c}|{p2}"]
    assert fills[f"{vc}|{v}"] == VILLAGE_STATUS["unknown"].colour != now_fills[f"{vc}|{v}"]
    assert page.locator("#overall-rate").inner_text().strip() == "100 %"
    # No page load: the same document, one navigation entry, no load event; the URL carries as_of.
    assert page.evaluate("window.__sameDocument") == "yes" and loads == []
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.evaluate("location.pathname + location.search") == f"/maps/progress?as_of={DAY_1}"
    page.screenshot(path=str(screenshots / "timeline-earlier.png"))
    # The server's own rendering of that day agrees with the redrawn page.
    server, problems2 = open_map(browser, f"{base}/maps/progress?as_of={DAY_1}", width=1400, height=900)
    assert unit_texts(server) == earlier and marker_fills(server) == fills
    assert server.locator("#overall-rate").inner_text() == page.locator("#overall-rate").inner_text()
    assert press_and_wait(page, "Home") == "2016-01-01"
    assert set(unit_texts(page).values()) == {"无数据"}
    assert problems == problems2 == []
