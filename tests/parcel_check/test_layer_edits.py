"""A check after an edit of the plan layers reads the edited layers: the features a report names
(kept between checks while the layers are unchanged) follow renames and retirements, and every
overlap and distance stays attached to its own feature (against shapely in EPSG:4547)."""
from __future__ import annotations

import pytest
import shapely.affinity
from sqlalchemy import create_engine, text

from .builders import as_4547, near_line, straddling, to_body
from .test_correctness import check, hit

# Retired between checks: first in the screening features' order, so the later ones move up.
FIRST_FOREST_PARK = "bai-ma-si-shan-sen-lin-gong-yuan"


@pytest.fixture(scope="module")
def engine(pc_url):
    engine = create_engine(pc_url)
    yield engine
    engine.dispose()


def assert_matches_shapely(report, parcel, layers, river_id):
    shares = {s["id"]: s for s in report["admin_units"]}
    for unit_id in ("beishidian", "xishangzhuang"):
        expected = parcel.intersection(as_4547(layers[("admin_units", unit_id)])).area / parcel.area * 100
        assert abs(shares[unit_id]["percent"] - expected) <= 0.1, unit_id
    river = as_4547(layers[("green_corridors", river_id)])
    assert report["distances"]["river"]["feature_id"] == river_id
    assert abs(report["distances"]["river"]["distance_m"] - parcel.distance(river)) <= 0.5
    for kind, layer in (("forest_park", "ecology_sites"), ("reservoir", "ecology_sites")):
        nearest = report["distances"][kind]
        feature = as_4547(layers[(layer, nearest["feature_id"])])
        assert abs(nearest["distance_m"] - parcel.distance(feature)) <= 0.5, kind


def test_renamed_and_retired_features_are_read_at_once(pc_client, layers, engine):
    units = [as_4547(layers[("admin_units", u)]) for u in ("beishidian", "xishangzhuang")]
    parcel = straddling(*units, 0.3)
    # The nearest river of this parcel, and a second parcel 5 m from it (a buffer hit to follow).
    river_id = min(("shu-yuan-he", "bei-shi-dian-he", "bai-shui-he"),
                   key=lambda r: parcel.distance(as_4547(layers[("green_corridors", r)])))
    before = check(pc_client, to_body(parcel))
    assert_matches_shapely(before, parcel, layers, river_id)
    assert {s["id"] for s in before["sub_areas"]} == {"dongbeibu", "xibeibu"}
    near = near_line(as_4547(layers[("green_corridors", "shu-yuan-he")]), gap=5.0)
    assert hit(check(pc_client, to_body(near)), "green_corridors", "shu-yuan-he", "buffer")

    with engine.begin() as conn:
        conn.execute(text("UPDATE sub_areas SET name = name || '（改）' WHERE id = 'xibeibu'"))
    renamed = {s["id"]: s["name"] for s in check(pc_client, to_body(parcel))["sub_areas"]}
    assert renamed["xibeibu"].endswith("（改）") and not renamed["dongbeibu"].endswith("（改）")

    with engine.begin() as conn:
        conn.execute(text("UPDATE sub_areas SET retired = true WHERE id = 'dongbeibu'"))
        conn.execute(text("UPDATE ecology_sites SET retired = true WHERE id = :id"), {"id": FIRST_FOREST_PARK})
    after = check(pc_client, to_body(parcel))
    assert {s["id"] for s in after["sub_areas"]} == {"xibeibu"}
    assert after["distances"]["forest_park"]["feature_id"] != FIRST_FOREST_PARK
    assert_matches_shapely(after, parcel, layers, river_id)
    moved = hit(check(pc_client, to_body(near)), "green_corridors", "shu-yuan-he", "buffer")
    assert abs(moved["distance_m"] - 5.0) <= 0.5


def test_a_moved_feature_is_measured_where_it_now_lies(pc_client, layers, engine):
    """The measured layers are kept between checks (queries.check_layers); a geometry edit must
    still be seen by the next check, and the kept set must follow it."""
    river = as_4547(layers[("green_corridors", "shu-yuan-he")])
    near = near_line(river, gap=5.0)
    check(pc_client, to_body(near))  # builds and keeps the layers if nothing is kept yet
    assert hit(check(pc_client, to_body(near)), "green_corridors", "shu-yuan-he", "buffer")
    stamps = "SELECT count(*), count(DISTINCT stamp), min(stamp) FROM check_screen"
    with engine.connect() as conn:
        count, distinct, before = conn.execute(text(stamps)).one()
    assert count > 0 and distinct == 1
    try:
        with engine.begin() as conn:  # 300 m east in EPSG:4547, stored back in EPSG:4490
            conn.execute(text("UPDATE green_corridors SET geom = ST_Transform(ST_Translate("
                              "ST_Transform(geom, 4547), 300, 0), 4490) WHERE id = 'shu-yuan-he'"))
        for _ in range(2):  # built live and kept, then read from the kept set
            report = check(pc_client, to_body(near))
            assert not [h for h in report["hits"] if h["feature_id"] == "shu-yuan-he" and h["type"] == "buffer"]
            rivers = [d for d in report["distances"].values() if d.get("feature_id") == "shu-yuan-he"]
            assert all(abs(d["distance_m"] - near.distance(shapely.affinity.translate(river, 300))) <= 0.5
                       for d in rivers)
        with engine.connect() as conn:
            count, distinct, after = conn.execute(text(stamps)).one()
        assert count > 0 and distinct == 1 and after != before
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE green_corridors SET geom = ST_Transform(ST_Translate("
                              "ST_Transform(geom, 4547), -300, 0), 4490) WHERE id = 'shu-yuan-he'"))


def test_kept_layers_give_the_live_statements_rows(engine, layers):
    """The same parcels checked with the layers built in the statement and read from the kept set:
    every overlap, distance and nearby point equal, and the live branch is really skipped."""
    import numpy as np

    from gis_service.queries.analysis import CHECK_SQL, CHECKED_LAYERS, check_chunk, keep_checked_layers

    from .conftest import TO_4490, project

    district = as_4547(layers[("admin_units", "chengqu")])
    minx, miny, maxx, maxy = district.bounds
    rng = np.random.default_rng(11)
    squares = [shapely.box(x, y, x + 80, y + 60) for x, y in zip(rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300))]
    wkbs = [shapely.to_wkb(project(g, TO_4490)) for g in squares]
    with engine.begin() as conn:
        for table in ("check_polys", "check_screen", "check_points"):
            conn.execute(text(f"DELETE FROM {table}"))
    with engine.begin() as conn:
        live = check_chunk(conn, list(range(len(wkbs))), wkbs)
        keep_checked_layers(conn, live)
    with engine.begin() as conn:
        kept = check_chunk(conn, list(range(len(wkbs))), wkbs)
        plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + CHECK_SQL.text), {
            "ords": [0], "wkbs": wkbs[:1], "nearby_m": 500.0, "layers": list(CHECKED_LAYERS), "known": None}))
    assert (live.kept, kept.kept) == (False, True)
    assert kept.rows == live.rows and kept.context == live.context
    assert sum(bool(r["overlaps"]) for r in kept.rows) > 100 and any(r["nearby"] for r in kept.rows)
    assert "Seq Scan on function_zones (never executed)" in plan


def test_a_small_checks_generic_plan_gives_the_custom_plans_rows(engine, layers):
    """A check of a few parcels runs on the generic plan (queries.analysis.tune_small_check); its rows
    equal those of the custom plans for the same parcels, read live and from the kept set alike."""
    import numpy as np

    from gis_service.queries.analysis import GENERIC_PLAN_MAX_PARCELS, check_chunk, keep_checked_layers, tune_small_check

    from .conftest import TO_4490, project

    district = as_4547(layers[("admin_units", "chengqu")])
    minx, miny, maxx, maxy = district.bounds
    rng = np.random.default_rng(23)
    wkbs = [shapely.to_wkb(project(shapely.box(x, y, x + 90, y + 70), TO_4490))
            for x, y in zip(rng.uniform(minx, maxx, 60), rng.uniform(miny, maxy, 60))]
    groups = [wkbs[i:i + GENERIC_PLAN_MAX_PARCELS] for i in range(0, len(wkbs), GENERIC_PLAN_MAX_PARCELS)]

    def rows(generic: bool) -> list:
        out = []
        with engine.connect() as conn:
            for group in groups * 2:  # again past psycopg's prepare threshold
                with conn.begin():
                    if generic:
                        tune_small_check(conn, len(group))
                    mode = conn.execute(text("SHOW plan_cache_mode")).scalar()
                    out.append((mode, check_chunk(conn, list(range(len(group))), group).rows))
        return out

    for kept in (False, True):
        with engine.begin() as conn:
            for table in ("check_polys", "check_screen", "check_points"):
                conn.execute(text(f"DELETE FROM {table}"))
            if kept:
                keep_checked_layers(conn, check_chunk(conn, [0], wkbs[:1]))
        custom, generic = rows(False), rows(True)
        assert {m for m, _ in custom} == {"auto"} and {m for m, _ in generic} == {"force_generic_plan"}
        assert [r for _, r in generic] == [r for _, r in custom]
        assert sum(bool(r["overlaps"]) for _, group in custom for r in group) > 20
    with engine.begin() as conn:
        tune_small_check(conn, GENERIC_PLAN_MAX_PARCELS + 1)
        assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
