"""Write rate limits are per key and shared by every app process (kept in PostgreSQL)."""
from sqlalchemy import create_engine, text

from gis_service.auth.keys import create_key

from ..conftest import app_client


def test_two_processes_share_one_budget_per_key(loaded_db, tmp_path):
    engine = create_engine(loaded_db)
    with engine.begin() as conn:
        alice = create_key(conn, "alice", "editor")[0]
        bob = create_key(conn, "bob", "editor")[0]
        fid = conn.execute(text("SELECT min(id) FROM projects")).scalar()
    engine.dispose()
    settings = dict(writes_per_minute=3, require_if_match=False, upload_dir=tmp_path / "uploads")
    with app_client(loaded_db, **settings) as one, app_client(loaded_db, **settings) as two:
        def patch(client, key, note):
            return client.patch(f"/collections/projects/items/{fid}", json={"progress_note": note},
                                headers={"Authorization": f"Bearer {key}"})

        answers = [patch(c, alice, f"n{i}").status_code for i, c in enumerate((one, two, one))]
        refused = patch(two, alice, "n3")
        other_key = patch(two, bob, "by bob")
    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1 and refused.json()["message_zh"]
    assert other_key.status_code == 200
