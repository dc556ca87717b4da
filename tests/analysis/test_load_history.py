"""Loads are history too: every feature a load adds, changes or retires gets a ``load`` event,
so ``as_of`` reproduces earlier loads and a day before the first load is refused."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from gis_service.errors import InvalidInput
from gis_service.loader.load import load_layers
from gis_service.queries.progress import table_as_of_sql
from gis_service.services.progress.history import check_as_of, first_load_day

from ..conftest import backdate_loads
from ..foundation.layer_fixtures import default_layers, feature, square, write_layers


def _state(conn, collection: str, day: dt.date | None) -> dict:
    source, params = (collection, {}) if day is None else table_as_of_sql(collection, day)
    source = source if day is None else f"({source})"
    rows = conn.execute(text(f"SELECT t.id, t.note, ST_AsText(t.geom) AS wkt FROM {source} t "
                             "WHERE NOT t.retired ORDER BY t.id"), params)
    return {r.id: (r.note, r.wkt) for r in rows}


def test_each_load_is_recorded_and_time_travel_sees_it(migrated_db, engine_for, tmp_path):
    engine = engine_for(migrated_db)
    load_layers(engine, default_layers(tmp_path / "a"))
    with engine.begin() as conn:
        first = {c: _state(conn, c, None) for c in ("projects", "urban_village_sites")}
        backdate_loads(conn, "2019-05-01 12:00+08")
    moved = [feature("p1", "晋城国际物流园", {"type": "Point", "coordinates": [112.86, 35.51]}, note="surveyed"),
             feature("p3", "新项目", {"type": "Point", "coordinates": [112.87, 35.52]})]
    load_layers(engine, write_layers(tmp_path / "b", moved, [feature("v1", "北石店村", square(112.89, 35.54, 0.02))]))
    with engine.begin() as conn:
        events = conn.execute(text(
            "SELECT feature_id, old_values, new_values FROM progress_events WHERE action = 'load' "
            "AND recorded_at > '2020-01-01' ORDER BY feature_id")).all()
        by_id = {e.feature_id: e for e in events}
        assert set(by_id) == {"p1", "p2", "p3", "v1"}  # changed, retired, added, changed
        assert by_id["p1"].old_values["note"] is None and by_id["p1"].new_values["note"] == "surveyed"
        assert "geometry" in by_id["p1"].new_values and "name" not in by_id["p1"].new_values
        assert (by_id["p2"].old_values, by_id["p2"].new_values) == ({"retired": False}, {"retired": True})
        assert (by_id["p3"].old_values, by_id["p3"].new_values) == ({"retired": True}, {"retired": False})
        # Before the second load, the first load's state; before the first, nothing.
        for collection in ("projects", "urban_village_sites"):
            assert _state(conn, collection, dt.date(2019, 6, 1)) == first[collection]
            assert _state(conn, collection, dt.date(2019, 4, 30)) == {}
        assert set(_state(conn, "projects", None)) == {"p1", "p3"}
        assert first_load_day(conn) == dt.date(2019, 5, 1)
        check_as_of(conn, dt.date(2019, 5, 1))
        with pytest.raises(InvalidInput) as refused:
            check_as_of(conn, dt.date(2019, 4, 30))
        assert "2019-05-01" in refused.value.message_zh and "first recorded load" in refused.value.message_en


def test_an_unchanged_reload_records_nothing(migrated_db, engine_for, tmp_path):
    engine = engine_for(migrated_db)
    layers = default_layers(tmp_path / "a")
    load_layers(engine, layers)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM progress_events WHERE action = 'load'")).scalar()
    assert count == 3  # p1, p2, v1 added
    load_layers(engine, layers)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM progress_events")).scalar() == count


def test_every_as_of_refuses_a_day_before_the_first_load(make_client):
    client = make_client()
    for path in ("/collections/projects/items?as_of=2015-12-31", "/stats/progress?as_of=2015-12-31",
                 "/maps/progress?as_of=2015-12-31"):
        response = client.get(path)
        assert response.status_code == 400, path
        body = response.json()
        assert body["detail"]["parameter"] == "as_of" and "2016-01-01" in body["message_zh"], path
    assert client.get("/collections/projects/items?as_of=2016-01-01").status_code == 200
