"""Who listens to db.post_write: the registers that re-evaluate after every write.

``register_all`` is called once by the app factory and by the CLI, before any write.
Each capability adds its subscriber here, so the list of what runs after a write is
readable in one place.
"""
from __future__ import annotations

import functools

from gis_service.db import post_write
from gis_service.settings import Settings


def register_all(settings: Settings | None = None) -> None:
    settings = settings or Settings()
    from gis_service.services.monitoring import evaluate

    post_write.subscribe("monitoring", evaluate.on_write)

    from gis_service.services.analysis import conflict_register

    post_write.subscribe("conflicts", conflict_register.on_write)

    from gis_service.services.ogc import tile_detail, tile_seeds

    post_write.subscribe("tiles", functools.partial(
        tile_detail.on_write, min_features=settings.tile_generalise_min_features, wake=tile_seeds.WAKE.set))
