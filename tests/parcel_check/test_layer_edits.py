"""A check after an edit of the plan layers reads the edited layers: the features a report names
(kept between checks while the layers are unchanged) follow renames and retirements, and every
overlap and distance stays attached to its own feature (against shapely in EPSG:4547)."""
from __future__ import annotations

import pytest
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
