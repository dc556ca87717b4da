"""``/analysis/parcel-check?f=html``: the clerk's parcel-check page (合规性初筛).

Upload a parcel (any batch format, 界址点 lists included) or draw it, choose its CRS and
proposed use, and see the verdict, the map and the hit table together; list past reports;
start a batch and follow its progress. The page is static HTML plus one script
(``static/parcel_check/page.js``) that calls the service's own API; everything it needs to
know (words, colours, endpoints) is one JSON data block, so the strict CSP holds.
"""
from __future__ import annotations

from gis_service.maps.cdn import LEAFLET_CSS, LEAFLET_DRAW_CSS, LEAFLET_DRAW_JS, LEAFLET_JS, vendor_url
from gis_service.maps.chrome import environment_module, legend_html, parcel_legend
from gis_service.maps.elements import json_for_script
from gis_service.maps.styles import LAYER_STYLES, PARCEL_STYLE, SEVERITY_COLOURS, VERDICT_COLOURS, hatch_id
from gis_service.vocab import ZONE_CLASSES, collection_title

# (value, label): the CRSs a clerk meets, the web-map one explained in plain words.
CRS_CHOICES = (
    ("", "WGS84 经纬度（GPS，默认 CRS84）"),
    ("EPSG:4490", "CGCS2000 经纬度（EPSG:4490）"),
    ("gcj02", "高德/腾讯网页地图坐标（GCJ-02）"),
    ("bd09", "百度地图坐标（BD-09）"),
    ("EPSG:4547", "CGCS2000 3度带 中央经线114°E，不含带号（EPSG:4547）"),
    ("EPSG:4526", "CGCS2000 3度带 第38带，东坐标含带号（EPSG:4526）"),
    ("EPSG:4546", "CGCS2000 3度带 中央经线111°E（EPSG:4546）"),
    ("EPSG:4548", "CGCS2000 3度带 中央经线117°E（EPSG:4548）"),
)
GCJ02_NOTE = ("在高德地图、腾讯地图等国内网页地图上点取或导出的坐标是 GCJ-02（俗称“火星坐标”），"
              "与 GPS 测得的 WGS84 坐标在晋城一带相差约 500 米。坐标来自这些网页地图时请选 GCJ-02；"
              "来自 GPS、测绘成果或国土数据时不要选。")
UPLOAD_ACCEPT = ".geojson,.json,.gpkg,.zip,.kml,.csv,.txt,.dxf"


def page_config(base: str, uses: dict, verdicts: dict, severity_zh: dict) -> dict:
    return {
        "base": base,
        "endpoints": {"check": f"{base}/analysis/parcel-check", "upload": f"{base}/analysis/parcel-check/upload",
                      "reports": f"{base}/analysis/parcel-check", "batch": f"{base}/analysis/parcel-check/batch",
                      "jobs": f"{base}/jobs",
                      "district": f"{base}/collections/admin_units/items?f=json&id=chengqu&precision=6",
                      "zones": f"{base}/collections/function_zones/items?f=json&precision=6&limit=100"},
        "drawnCrs": "EPSG:4490",
        "uses": {code: zh for code, (zh, _en) in uses.items()},
        "verdicts": {code: zh for code, (zh, _en) in verdicts.items()},
        "severity": severity_zh, "severityColours": SEVERITY_COLOURS, "verdictColours": VERDICT_COLOURS,
        "zoneColours": {code: c.colour for code, c in ZONE_CLASSES.items()},
        "zoneHatch": {code: f"url(#{hatch_id(code)})" for code, c in ZONE_CLASSES.items() if c.hatched},
        "districtStyle": LAYER_STYLES["admin_units"].leaflet(), "parcelStyle": PARCEL_STYLE,
        "titles": {"function_zones": collection_title("function_zones")},
    }


def render_parcel_check_page(base: str, static: str, *, uses: dict, verdicts: dict, severity_zh: dict) -> str:
    page = environment_module("maps/parcel_check.html")
    assets = {"leaflet_js": vendor_url(LEAFLET_JS, static), "leaflet_css": vendor_url(LEAFLET_CSS, static),
              "draw_js": vendor_url(LEAFLET_DRAW_JS, static), "draw_css": vendor_url(LEAFLET_DRAW_CSS, static),
              "page_js": f"{static}/parcel_check/page.js", "page_css": f"{static}/parcel_check/page.css"}
    config = page_config(base, uses, verdicts, severity_zh)
    return str(page.page(base, assets, CRS_CHOICES, GCJ02_NOTE, uses, verdicts, UPLOAD_ACCEPT,
                         json_for_script(config), legend_html(parcel_legend(layers=("admin_units",))), _hatch_defs()))


def _hatch_defs() -> str:
    """The SVG patterns of the hatched zone classes (禁止开发区), as on the zones map and in the legend."""
    patterns = [(hatch_id(code), c.colour) for code, c in ZONE_CLASSES.items() if c.hatched]
    return str(environment_module("maps/parcel.html").hatch_defs(patterns))
