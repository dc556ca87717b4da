"""Run Alembic programmatically so the CLI and tests share one code path."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from gis_service.settings import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate filter: PostGIS's own tables are not ours; spatial indexes via geoalchemy2."""
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and name == "spatial_ref_sys":
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
