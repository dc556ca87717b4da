"""API fixtures: a TestClient over a cloned, loaded database, shared per module
by read-only tests; writers use their own ``loaded_db``."""
import pytest

from ..conftest import app_client, cloned_db


@pytest.fixture(scope="module")
def shared_loaded_url(pg, loaded_template):
    with cloned_db(pg, loaded_template) as url:
        yield url


@pytest.fixture(scope="module")
def client(shared_loaded_url):
    with app_client(shared_loaded_url) as c:
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
