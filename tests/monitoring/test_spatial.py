"""Spatial indicators equal an independent pandas/shapely computation over rows exported through
the API (not a second copy of the SQL), and each value links to the rows it came from."""
from __future__ import annotations

import pandas as pd
import shapely
from pyproj import Transformer
from shapely.ops import transform

from .conftest import bearer, etag, first_ids

TO_4547 = Transformer.from_crs(4490, 4547, always_xy=True).transform


def _items(client, collection: str) -> list[dict]:
    r = client.get(f"/collections/{collection}/items", params={"limit": 5000})
    assert r.status_code == 200
    return r.json()["features"]


def _edit(client, key, collection, fid, body):
    item = f"/collections/{collection}/items/{fid}"
    r = client.patch(item, json=body, headers={**bearer(key), "If-Match": etag(client, item)})
    assert r.status_code == 200, r.text


def test_village_and_investment_indicators_match_shapely_and_pandas(make_client, keys, db):
    client = make_client()
    villages = first_ids(db, "urban_village_sites", 6)
    for n, vid in enumerate(villages):
        _edit(client, keys["editor"], "urban_village_sites", vid,
              {"status": "done" if n % 2 else "signing", "signing_rate": 50 + n * 7, "vacated_rate": 10 * n})
    projects = first_ids(db, "projects", 4)
    for n, pid in enumerate(projects[:3]):
        _edit(client, keys["editor"], "projects", pid,
              {"investment_planned_wan": 1000 + n * 500, "investment_completed_wan": 300 + n * 100})
    _edit(client, keys["editor"], "projects", projects[3], {"investment_planned_wan": 999})  # one amount only
    body = client.get("/monitoring/spatial").json()
    got = {i["code"]: i for i in body["indicators"]}

    rows = pd.DataFrame([{**f["properties"], "id": f["id"],
                          "area": transform(TO_4547, shapely.geometry.shape(f["geometry"])).area
                          if f["geometry"] else None} for f in _items(client, "urban_village_sites")])
    done = rows["status"].isin(["done"])
    assert got["village_completion_count"]["value"] == round(done.sum() / len(rows), 4)
    expected_area = rows.loc[done, "area"].sum() / rows["area"].sum()
    assert abs(got["village_completion_area"]["value"] - expected_area) < 1e-4
    assert abs(got["village_completion_area"]["denominator"] - rows["area"].sum()) / rows["area"].sum() < 1e-6
    assert got["village_mean_signing_rate"]["value"] == round(rows["signing_rate"].dropna().astype(float).mean(), 2)
    assert got["village_mean_vacated_rate"]["value"] == round(rows["vacated_rate"].dropna().astype(float).mean(), 2)
    prov = got["village_mean_signing_rate"]["provenance"]["features"]
    assert sorted(p["id"] for p in prov) == sorted(villages)
    assert all(p["events"] and p["link"].endswith(p["id"]) for p in prov)

    projects_rows = pd.DataFrame([{**f["properties"], "id": f["id"]} for f in _items(client, "projects")])
    both = projects_rows.dropna(subset=["investment_planned_wan", "investment_completed_wan"])
    expected = both["investment_completed_wan"].astype(float).sum() / both["investment_planned_wan"].astype(float).sum()
    assert got["investment_completion"]["value"] == round(expected, 4)
    assert sorted(p["id"] for p in got["investment_completion"]["provenance"]["features"]) == sorted(projects[:3])


def test_nothing_reported_is_no_data_and_as_of_sees_the_past(make_client, keys, db):
    client = make_client()
    got = {i["code"]: i for i in client.get("/monitoring/spatial").json()["indicators"]}
    assert got["village_completion_count"]["value"] is None
    assert got["village_mean_signing_rate"]["value"] is None and got["investment_completion"]["value"] is None
    vid = first_ids(db, "urban_village_sites")[0]
    _edit(client, keys["editor"], "urban_village_sites", vid, {"status": "done"})
    now = {i["code"]: i for i in client.get("/monitoring/spatial").json()["indicators"]}
    assert now["village_completion_count"]["numerator"] == 1
    past = {i["code"]: i for i in client.get("/monitoring/spatial", params={"as_of": "2020-01-01"}).json()["indicators"]}
    assert past["village_completion_count"]["value"] is None and past["village_completion_count"]["numerator"] == 0


def test_overdue_per_unit_follows_plans_and_location(make_client, keys, db):
    client = make_client()
    unhinted = [r[0] for r in db("SELECT id FROM projects WHERE NOT retired AND geom IS NOT NULL "
                                 "AND coalesce(area_hint, '') = '' ORDER BY id LIMIT 3")]
    for pid in unhinted:
        item = f"/collections/projects/items/{pid}"
        r = client.patch(f"{item}/stages", json={"stages": {"construction": {"planned_end": "2019-06-30"}}},
                         headers={**bearer(keys["editor"]), "If-Match": etag(client, item)})
        assert r.status_code == 200
    body = client.get("/monitoring/spatial").json()
    by_sub = body["overdue_by_sub_area"]
    assert sum(g["overdue"] for g in by_sub) == len(unhinted)
    assert sum(g["overdue"] for g in body["overdue_by_admin_unit"]) == len(unhinted)
    subs = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in _items(client, "sub_areas")}
    points = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in _items(client, "projects") if f["id"] in unhinted}
    for group in by_sub:
        for link in group["features"]:
            pid = link.rsplit("/", 1)[-1]
            containing = sorted(k for k, g in subs.items() if g.covers(points[pid]))
            assert group["key"] == (containing[0] if containing else "unlocated"), (pid, group["key"], containing)
