"""Parcel-check fixtures: a module-scoped app over a loaded database, and the plan
layers in EPSG:4547 as shapely geometries for independent expectations."""
from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from sqlalchemy import create_engine, text

from ..conftest import app_client, cloned_db

TO_4547 = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
TO_4490 = pyproj.Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True)


def project(geom, transformer):
    return shapely.transform(geom, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1])))


@pytest.fixture(scope="module")
def pc_url(pg, loaded_template):
    with cloned_db(pg, loaded_template) as url:
        yield url


@pytest.fixture(scope="module")
def pc_client(pc_url):
    with app_client(pc_url) as client:
        yield client


@pytest.fixture(scope="module")
def layers(pc_url):
    """{(table, id): shapely geometry in EPSG:4490} for the plan layers the check uses."""
    engine = create_engine(pc_url)
    found = {}
    with engine.connect() as conn:
        for table in ("function_zones", "admin_units", "green_corridors", "ecology_sites", "sub_areas"):
            for row in conn.execute(text(f"SELECT id, ST_AsBinary(geom) FROM {table} WHERE geom IS NOT NULL")):
                found[(table, row[0])] = shapely.from_wkb(bytes(row[1]))
    engine.dispose()
    return found
