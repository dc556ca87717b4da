"""Monitoring fixtures: the progress fixtures (a writable loaded database, keys, clients)."""
from __future__ import annotations

from ..progress.conftest import bearer, db, keys, make_client  # noqa: F401  (fixtures)


def first_ids(db, table: str, n: int = 1) -> list[str]:  # noqa: F811
    return [r[0] for r in db(f"SELECT id FROM {table} WHERE NOT retired ORDER BY id LIMIT {n}")]


def etag(client, path: str) -> str:
    return client.get(path).headers["etag"]


import pytest  # noqa: E402


@pytest.fixture(scope="module")
def demo_url(pg, loaded_template):
    """A loaded database with the demo progress and stage plans (演示数据), warnings evaluated."""
    from sqlalchemy import create_engine

    from gis_service.loader.demo import load_demo_progress
    from gis_service.loader.demo_stages import load_demo_stages
    from gis_service.services.monitoring.evaluate import evaluate_all

    from ..conftest import LAYERS_DIR

    name, url = pg.clone(loaded_template)
    engine = create_engine(url)
    load_demo_progress(engine, LAYERS_DIR / "demo" / "progress.csv")
    load_demo_stages(engine, LAYERS_DIR / "demo" / "stages.csv")
    with engine.begin() as conn:
        evaluate_all(conn)
    engine.dispose()
    yield url
    pg.drop_db(name)


@pytest.fixture(scope="module")
def demo_client(demo_url):
    from fastapi.testclient import TestClient

    from gis_service.api.app import create_app

    from ..conftest import test_settings

    with TestClient(create_app(test_settings(demo_url)), base_url="http://127.0.0.1") as client:
        yield client
