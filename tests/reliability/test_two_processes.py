"""Two app processes on one database behave as one: no in-process state answers stale."""
import httpx
from sqlalchemy import create_engine, text

from gis_service.auth.keys import create_key

from ..live import live_server


def test_write_through_one_is_seen_by_the_other_at_once(loaded_db):
    engine = create_engine(loaded_db)
    with engine.begin() as conn:
        key = create_key(conn, "two-proc", "editor")[0]
        fid = conn.execute(text("SELECT min(id) FROM urban_village_sites")).scalar()
    engine.dispose()
    item = f"/collections/urban_village_sites/items/{fid}"
    page = "/collections/urban_village_sites/items?limit=100"
    with live_server(loaded_db) as a, live_server(loaded_db) as b:
        # Warm both: page ETags, extents and tiles cached by each process before the write.
        before = {base: httpx.get(base + page).headers["etag"] for base in (a, b)}
        tile_before = {base: httpx.get(base + "/collections/urban_village_sites/tiles/WebMercatorQuad/11/829/1664")
                       .headers["etag"] for base in (a, b)}
        assert before[a] == before[b] and tile_before[a] == tile_before[b]
        etag = httpx.get(a + item).headers["etag"]
        written = httpx.patch(a + item, json={"status": "survey"},
                              headers={"Authorization": f"Bearer {key}", "If-Match": etag})
        assert written.status_code == 200, written.text
        seen = httpx.get(b + item)
        assert seen.json()["properties"]["status"] == "survey"
        assert seen.headers["etag"] == httpx.get(a + item).headers["etag"] != etag
        after = {base: httpx.get(base + page).headers["etag"] for base in (a, b)}
        assert after[a] == after[b] != before[a]
        revalidated = httpx.get(b + page, headers={"If-None-Match": before[b]})
        assert revalidated.status_code == 200  # the old ETag no longer matches anywhere
        tile_after = httpx.get(b + "/collections/urban_village_sites/tiles/WebMercatorQuad/11/829/1664")
        assert tile_after.headers["etag"] != tile_before[b]
