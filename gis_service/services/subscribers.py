"""Who listens to db.post_write: the registers that re-evaluate after every write.

``register_all`` is called once by the app factory and by the CLI, before any write.
Each capability adds its subscriber here, so the list of what runs after a write is
readable in one place.
"""
from __future__ import annotations

from gis_service.db import post_write


def register_all() -> None:
    from gis_service.services.monitoring import evaluate

    post_write.subscribe("monitoring", evaluate.on_write)

    from gis_service.services.analysis import conflict_register

    post_write.subscribe("conflicts", conflict_register.on_write)
