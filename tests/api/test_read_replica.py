"""GIS_DATABASE_READ_URL: anonymous reads go to the replica; editors and ETag reads to the primary.

The "replica" here is a second database that differs on purpose, so the test can
tell which one answered. docs/DEPLOYMENT.md covers real streaming replication.
"""
from sqlalchemy import create_engine, text

from ..conftest import app_client, cloned_db


def test_reads_are_routed(pg, loaded_template):
    with cloned_db(pg, loaded_template) as primary, cloned_db(pg, loaded_template) as replica:
        engine = create_engine(replica)
        with engine.begin() as conn:
            fid = conn.execute(text("SELECT id FROM projects ORDER BY id LIMIT 1")).scalar()
            conn.execute(text("UPDATE projects SET name = '副本' WHERE id = :id"), {"id": fid})
        engine.dispose()
        with app_client(primary, database_read_url=replica) as client:
            def name_in_list(**headers):
                body = client.get("/collections/projects/items", params={"filter": f"id = '{fid}'"},
                                  headers=headers).json()
                return body["features"][0]["properties"]["name"]

            assert name_in_list() == "副本"                                  # anonymous → replica
            assert name_in_list(Cookie="theme=dark") != "副本"                # credentials → primary
            item = client.get(f"/collections/projects/items/{fid}").json()
            assert item["properties"]["name"] != "副本"                       # ETag source → primary
