"""A short, bounded load run in the suite: zero 5xx, zero connection failures."""
import asyncio

from sqlalchemy import create_engine, text

from gis_service.auth.keys import create_key

from ..live import live_server
from .loadgen import run


def test_short_mixed_load_has_no_errors(loaded_db, tmp_path):
    engine = create_engine(loaded_db)
    with engine.begin() as conn:
        key = create_key(conn, "load-editor", "editor")[0]
        fid = conn.execute(text("SELECT min(id) FROM projects")).scalar()
    engine.dispose()
    with live_server(loaded_db, log_path=tmp_path / "server.log") as base:
        report = asyncio.run(run(base, duration_s=8, connections=8, max_requests=400, editor_key=key,
                                 write_target=f"/collections/projects/items/{fid}"))
    print(report)
    assert report["errors"] == 0, report
    assert {"items_limit10", "tiles", "parcel_check", "write"} <= set(report["endpoints"])
    assert all(e.get("ok", 0) + e.get("intended", 0) == e["count"] for e in report["endpoints"].values()), report
