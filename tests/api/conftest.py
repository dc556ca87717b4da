"""API fixtures: a TestClient over a cloned, loaded database, shared per module
by read-only tests; writers use their own ``loaded_db``."""
import pytest
from fastapi.testclient import TestClient

from gis_service.api.app import create_app

from ..conftest import test_settings


@pytest.fixture(scope="module")
def shared_loaded_url(pg, loaded_template):
    name, url = pg.clone(loaded_template)
    yield url
    pg.drop_db(name)


@pytest.fixture(scope="module")
def client(shared_loaded_url):
    with TestClient(create_app(test_settings(shared_loaded_url)), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def snapshot_db(shared_loaded_url):
    """Row counts and data versions, to prove a request changed nothing."""
    from sqlalchemy import create_engine, text

    engine = create_engine(shared_loaded_url)

    def take():
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT collection_id, data_version, feature_count FROM layer_meta ORDER BY 1")).all()

    yield take
    engine.dispose()
