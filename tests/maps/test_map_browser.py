"""The map pages in real headless Chromium, as an offline intranet sees them:
every request not to 127.0.0.1 is aborted; console errors, page errors and
failed requests fail the test. Screenshots go to test-output/maps/."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from tests.browser import chromium, offline_page
from tests.live import live_server

MAP_IS_LEAFLET = "window[document.querySelector('.folium-map').id] instanceof L.Map"
COUNTS = "Object.fromEntries(Object.entries(window.gisMap.layers).map(([k, v]) => [k, v.count]))"
NO_DATA = "#BDBDBD"


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def demo_base(demo_url, tmp_path_factory):
    with live_server(demo_url, tmp_path_factory.mktemp("maps") / "server.log") as base:
        yield base


def open_map(browser, url: str, width: int = 1280, height: int = 850):
    page, problems = offline_page(browser, width=width, height=height)
    page.goto(url)
    page.wait_for_selector("html[data-map-ready]", state="attached", timeout=30_000)
    assert page.get_attribute("html", "data-map-ready") == "1", problems
    assert page.evaluate(MAP_IS_LEAFLET)
    return page, problems


def located_counts(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    tables = ("function_zones", "admin_units", "sub_areas", "admin_context", "urban_village_sites",
              "ecology_sites", "green_corridors", "agri_areas", "projects", "other_places")
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t} WHERE NOT retired AND geom IS NOT NULL")).scalar()
                  for t in tables}
    engine.dispose()
    return counts


def visible_in(page, key: str) -> int:
    """Leaf layers of a group that are on the map right now."""
    return page.evaluate("""key => {
        const entry = window.gisMap.layers[key], map = window.gisMap.map;
        let n = 0;
        entry.group.eachLayer(l => {
            if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) { if (map.hasLayer(l)) n += l.getLayers().length; }
            else if (l.getLayers) l.getLayers().forEach(x => { n += map.hasLayer(x) ? 1 : 0; });
            else n += map.hasLayer(l) ? 1 : 0;
        });
        return n;
    }""", key)


def test_overview(browser, demo_base, demo_url, screenshots):
    page, problems = open_map(browser, f"{demo_base}/maps/overview")
    assert page.evaluate(COUNTS) == located_counts(demo_url)
    assert page.locator("#map-legend").is_visible()
    assert page.locator("#map-legend").inner_text().count("禁止开发区") == 1
    assert page.locator("#demo-banner").is_visible()
    assert page.locator("#unlocated-list li").count() > 0
    for control in (".leaflet-control-zoom-fullscreen", ".measure-control", ".leaflet-control-search",
                    ".leaflet-control-scale", ".leaflet-control-mouseposition", ".leaflet-control-minimap"):
        assert page.locator(control).count() == 1, control
    # The prohibited zone is hatched with the SVG pattern.
    assert page.locator("path[fill='url(#hatch-prohibited)']").count() == 1
    page.screenshot(path=str(screenshots / "overview.png"))

    # Toggling the 项目 group in the layer control hides and shows its features.
    projects = visible_in(page, "projects")
    assert projects > 0
    page.locator(".leaflet-control-layers").hover()  # collapsed until the reader opens it
    group_box = page.locator(".leaflet-control-layers").get_by_role("checkbox", name="项目", exact=True)
    assert group_box.is_checked()
    group_box.click()
    assert visible_in(page, "projects") == 0
    assert visible_in(page, "function_zones") == 4  # other groups untouched
    group_box.click()
    assert visible_in(page, "projects") == projects

    # Clicking a project opens its popup, with its quality, basis and JSON link.
    page.evaluate("""() => {
        const entry = window.gisMap.layers.projects, map = window.gisMap.map;
        let target;
        entry.group.eachLayer(g => g.eachLayer(l => { if (l.feature.id === 'wan-da-guang-chang') target = l; }));
        map.setView(target.getLatLng(), 15, {animate: false});
    }""")
    page.wait_for_timeout(300)
    point = page.evaluate("""() => {
        let target;
        window.gisMap.layers.projects.group.eachLayer(g => g.eachLayer(l => {
            if (l.feature.id === 'wan-da-guang-chang') target = l; }));
        const p = window.gisMap.map.latLngToContainerPoint(target.getLatLng());
        const box = window.gisMap.map.getContainer().getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""")
    page.mouse.click(*point)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    content = popup.inner_text()
    assert "万达广场" in content and "专栏" in content and "示意" in content and "投产/运营" in content
    href = popup.locator("a.popup-link").get_attribute("href")
    assert href.endswith("/collections/projects/items/wan-da-guang-chang?f=json")
    assert httpx.get(href).json()["id"] == "wan-da-guang-chang"
    page.screenshot(path=str(screenshots / "overview-popup.png"))

    # Search by name finds a feature.
    page.locator(".leaflet-control-search .search-button").click()
    search = page.locator(".leaflet-control-search input")
    search.press_sequentially("白马寺", delay=30)
    search.press("F2")  # CJK text arrives without keyup (an IME sends one); the search listens on keyup
    page.locator(".leaflet-control-search .search-tip").first.wait_for(timeout=5000)
    assert "白马寺山" in page.locator(".leaflet-control-search .search-tooltip").inner_text()
    assert problems == []
    page.close()


def test_progress(browser, demo_base, screenshots):
    page, problems = open_map(browser, f"{demo_base}/maps/progress")
    counts = page.evaluate(COUNTS)
    config = page.evaluate("window.gisMap.config")
    markers = sum(1 for m in config["progress"]["markers"] if m["collection"] == "projects")
    assert counts["projects"] == markers > 0
    assert counts["rate_admin_units"] == 8 and counts["rate_sub_areas"] == 4
    assert visible_in(page, "rate_admin_units") == 8 and visible_in(page, "rate_sub_areas") == 0
    fills = page.evaluate("""() => {
        const out = {};
        window.gisMap.layers.rate_admin_units.group.eachLayer(g => g.eachLayer(l => {
            out[l.feature.id] = l.options.fillColor; }));
        return out; }""")
    # 矿区 has only unknown items in the demo data: grey "no data", never 0 %.
    assert fills["kuangqu"] == NO_DATA
    assert fills["beijie"] != NO_DATA
    # (text_content: at the default view the 矿区 label may be hidden where it would overlap another)
    assert "无数据" in page.locator(".rate-tooltip", has_text="矿区").text_content()
    assert page.locator("#progress-summary").is_visible() and page.locator("#demo-banner").is_visible()
    assert page.locator("#map-legend").inner_text().count("无数据") == 1
    page.screenshot(path=str(screenshots / "progress.png"))
    # Switch the choropleth to the 4 片区 in the layer control (an exclusive group).
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers label", has_text="按片区").locator("input").click()
    assert visible_in(page, "rate_sub_areas") == 4 and visible_in(page, "rate_admin_units") == 0
    assert problems == []
    page.close()

    # Filter by 专栏: only that column's projects are drawn.
    page, problems = open_map(browser, f"{demo_base}/maps/progress?zhuanlan=专栏6&by=sub_areas")
    counts = page.evaluate(COUNTS)
    assert 0 < counts["projects"] < markers and counts["urban_village_sites"] == 0
    assert visible_in(page, "rate_sub_areas") == 4
    assert problems == []
    page.close()


def test_zones(browser, demo_base, screenshots):
    page, problems = open_map(browser, f"{demo_base}/maps/zones")
    counts = page.evaluate(COUNTS)
    assert all(counts[f"zone_{c}"] == 1 for c in ("optimized", "key", "restricted", "prohibited"))
    assert counts["undesignated"] == 1 and counts["reservoirs"] >= 1 and counts["rivers"] >= 1
    assert page.locator("path[fill='url(#hatch-prohibited)']").count() == 1
    undesignated_fill = page.evaluate("""() => {
        let fill; window.gisMap.layers.undesignated.group.eachLayer(g => g.eachLayer(l => {
            fill = l.options.fill; })); return fill; }""")
    assert undesignated_fill is False  # outlined, no fill
    assert page.locator("#demo-banner").count() == 0
    page.screenshot(path=str(screenshots / "zones.png"))
    assert problems == []
    page.close()


def test_embed_has_no_chrome(browser, demo_base, screenshots):
    page, problems = open_map(browser, f"{demo_base}/maps/overview?embed=1&layers=function_zones,projects",
                              width=800, height=600)
    assert page.locator(".map-header").count() == 0 and page.locator("#map-panel").count() == 0
    box = page.locator(".folium-map").bounding_box()
    assert box["width"] >= 790 and box["height"] >= 560  # fills the frame
    assert visible_in(page, "projects") > 0 and visible_in(page, "function_zones") == 4
    for hidden in ("admin_units", "sub_areas", "admin_context", "urban_village_sites", "ecology_sites",
                   "green_corridors", "agri_areas", "other_places"):
        assert visible_in(page, hidden) == 0, hidden
    page.screenshot(path=str(screenshots / "overview-embed.png"))
    assert problems == []
    page.close()


def test_as_of_shows_the_earlier_state_and_unknown_units_are_grey(browser, loaded_db, engine_for, screenshots):
    """A progress update today; as_of yesterday still shows what a review saw then."""
    engine = engine_for(loaded_db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE projects SET status = 'completed', percent_complete = 100, "
                          "status_date = DATE '2020-06-30', version = version + 1 WHERE id = 'wan-da-guang-chang'"))
        conn.execute(text(
            "INSERT INTO progress_events (collection_id, feature_id, actor, action, old_values, new_values, reason) "
            "VALUES ('projects', 'wan-da-guang-chang', 'test', 'update', "
            "'{\"status\": \"unknown\", \"percent_complete\": null, \"status_date\": null}', "
            "'{\"status\": \"completed\", \"percent_complete\": 100, \"status_date\": \"2020-06-30\"}', 'browser test')"))
        unit = conn.execute(text(
            "SELECT a.id FROM admin_units a, projects p WHERE p.id = 'wan-da-guang-chang' AND a.id <> 'chengqu' "
            "AND ST_Intersects(a.geom, p.geom)")).scalar()
    fills_js = """() => { const out = {};
        window.gisMap.layers.rate_admin_units.group.eachLayer(g => g.eachLayer(l => {
            out[l.feature.id] = l.options.fillColor; })); return out; }"""
    with live_server(loaded_db) as base:
        page, problems = open_map(browser, f"{base}/maps/progress")
        now = page.evaluate(fills_js)
        assert now[unit] != NO_DATA and "100 %" in page.locator("#overall-rate").inner_text()
        assert all(colour == NO_DATA for uid, colour in now.items() if uid != unit)  # only unknown items
        page.close()

        page, problems2 = open_map(browser, f"{base}/maps/progress?as_of=2016-01-01")
        before = page.evaluate(fills_js)
        assert set(before.values()) == {NO_DATA}
        assert page.locator("#overall-rate").inner_text().strip() == "—"
        assert page.locator("input[name=as_of]").input_value() == "2016-01-01"
        page.screenshot(path=str(screenshots / "progress-as-of.png"))
        page.close()

        page, problems3 = open_map(browser, f"{base}/maps/overview?as_of=2016-01-01&layers=projects")
        status = page.evaluate("""() => { let s; window.gisMap.layers.projects.group.eachLayer(g => g.eachLayer(l => {
            if (l.feature.id === 'wan-da-guang-chang') s = l.options.fillColor; })); return s; }""")
        assert status == NO_DATA  # unknown then, completed (#43A047) now
        page.close()
    assert problems == problems2 == problems3 == []


def test_overview_page_weight(demo_base):
    response = httpx.get(f"{demo_base}/maps/overview")
    assert response.status_code == 200 and len(response.content) < 1_000_000
