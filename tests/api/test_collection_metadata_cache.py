"""The built collection is reused only while its layer_meta row is unchanged: a change made by
another process (here: another connection, as another app process or the loader would) is seen
by the next request, titles and counts alike; nothing waits for a time-to-live."""
from __future__ import annotations

from sqlalchemy import text

from gis_service.queries.registry import get_collection
from tests.conftest import app_client


def _live_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM projects WHERE NOT retired")).scalar_one()


def test_title_change_by_another_process_is_seen_at_once(loaded_db, engine_for):
    other = engine_for(loaded_db)
    with app_client(loaded_db) as client:
        before = client.get("/collections/projects", params={"f": "json"}).json()
        client.get("/collections/projects/items", params={"limit": 2})  # built and kept
        with other.begin() as conn:
            conn.execute(text("UPDATE layer_meta SET title_zh = title_zh || '（改）' WHERE collection_id = 'projects'"))
        after = client.get("/collections/projects", params={"f": "json"}).json()
    assert after["title"] != before["title"] and after["title"].endswith("（改）")


def test_edit_by_another_process_changes_counts_and_etag(loaded_db, engine_for):
    other = engine_for(loaded_db)
    with app_client(loaded_db) as client:
        first = client.get("/collections/projects/items", params={"limit": 2})
        assert first.json()["numberMatched"] == _live_count(other)
        with other.begin() as conn:
            conn.execute(text("UPDATE projects SET retired = true WHERE id = (SELECT min(id) FROM projects "
                              "WHERE NOT retired)"))
        second = client.get("/collections/projects/items", params={"limit": 2})
    assert second.json()["numberMatched"] == _live_count(other) == first.json()["numberMatched"] - 1
    assert second.headers["ETag"] != first.headers["ETag"]


def test_unchanged_row_reuses_the_built_collection_and_two_updates_in_one_transaction_do_not(
        loaded_db, engine_for):
    engine = engine_for(loaded_db)
    with engine.connect() as conn:
        assert get_collection(conn, "projects") is get_collection(conn, "projects")
        titles = []
        for suffix in ("甲", "乙"):
            conn.execute(text("UPDATE layer_meta SET title_zh = :t WHERE collection_id = 'projects'"),
                         {"t": f"项目{suffix}"})
            titles.append(get_collection(conn, "projects").title_zh)
        conn.rollback()
        assert titles == ["项目甲", "项目乙"]
        assert get_collection(conn, "projects").title_zh not in titles  # the rolled-back rows are not served
