"""progress_state_sql: the contract the maps use for ``as_of``."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from gis_service.queries.progress import as_of_cutoff, progress_state_sql


def _event(conn, fid, when, old, new):
    conn.execute(text(
        "INSERT INTO progress_events (collection_id, feature_id, recorded_at, actor, action, old_values, "
        "new_values) VALUES ('projects', :f, :at, 'test', 'update', CAST(:o AS jsonb), CAST(:n AS jsonb))"),
        {"f": fid, "at": when, "o": old, "n": new})


def test_state_as_of_undoes_later_changes(loaded_db, engine_for):
    engine = engine_for(loaded_db)
    with engine.begin() as conn:
        fid = conn.execute(text("SELECT id FROM projects ORDER BY id LIMIT 1")).scalar_one()
        conn.execute(text("UPDATE projects SET status = 'completed', percent_complete = 100, "
                          "status_date = '2020-06-30' WHERE id = :f"), {"f": fid})
        # 2019-03-31 (Shanghai): unknown -> ongoing; 2020-07-01: ongoing -> completed.
        _event(conn, fid, dt.datetime(2019, 3, 31, 23, 30, tzinfo=as_of_cutoff(dt.date(2019, 1, 1)).tzinfo),
               '{"status": "unknown", "percent_complete": null, "status_date": null}',
               '{"status": "ongoing", "percent_complete": 40, "status_date": "2019-03-15"}')
        _event(conn, fid, dt.datetime(2020, 7, 1, 9, tzinfo=as_of_cutoff(dt.date(2019, 1, 1)).tzinfo),
               '{"status": "ongoing", "percent_complete": 40, "status_date": "2019-03-15"}',
               '{"status": "completed", "percent_complete": 100, "status_date": "2020-06-30"}')

        def state(as_of):
            sql, params = progress_state_sql("projects", as_of)
            rows = {r.id: r for r in conn.execute(text(sql), params)}
            return rows[fid]

        assert state(None).status == "completed"
        assert state(dt.date(2020, 7, 1)).status == "completed"
        old = state(dt.date(2020, 6, 30))
        assert (old.status, float(old.percent_complete), old.status_date) == ("ongoing", 40.0, dt.date(2019, 3, 15))
        # 23:30 Shanghai on 31 March is still 31 March there, though 15:30 UTC.
        assert state(dt.date(2019, 3, 31)).status == "ongoing"
        first = state(dt.date(2019, 3, 30))
        assert (first.status, first.percent_complete, first.status_date) == ("unknown", None, None)
        count_now = len(conn.execute(text(progress_state_sql("projects", None)[0])).all())
        sql, params = progress_state_sql("projects", dt.date(2019, 1, 1))
        assert len(conn.execute(text(sql), params).all()) == count_now
