"""Re-evaluation runs in the write's transaction; when it fails the write still lands and the
event waits in post_write_queue until drain succeeds."""
from __future__ import annotations

from sqlalchemy import create_engine

from gis_service.db.post_write import drain

from .conftest import bearer, etag, first_ids


def test_failed_reevaluation_keeps_the_write_and_is_retried(make_client, keys, db, loaded_db):
    client = make_client()
    fid = first_ids(db, "projects")[0]
    item = f"/collections/projects/items/{fid}"
    db("ALTER TABLE warnings ADD CONSTRAINT warnings_refuse_ck CHECK (false) NOT VALID")
    r = client.patch(f"{item}/stages", json={"stages": {"construction": {"planned_end": "2019-06-30"}}},
                     headers={**bearer(keys["editor"]), "If-Match": etag(client, item)})
    assert r.status_code == 200, r.text
    assert db("SELECT count(*) FROM lifecycle_plans WHERE feature_id = :f", f=fid)[0][0] == 1
    assert db("SELECT count(*) FROM warnings")[0][0] == 0
    assert [tuple(x) for x in db("SELECT subscriber, done_at IS NULL FROM post_write_queue")] == [("monitoring", True)]
    db("ALTER TABLE warnings DROP CONSTRAINT warnings_refuse_ck")
    engine = create_engine(loaded_db)
    with engine.begin() as conn:
        assert drain(conn) == 1
    engine.dispose()
    assert [tuple(x) for x in db("SELECT rule, subject_id FROM warnings")] == [("overdue", f"projects/{fid}")]
