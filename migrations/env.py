"""Alembic environment: the URL comes from the caller (CLI/tests) or GIS_ settings."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from geoalchemy2 import alembic_helpers

from gis_service.db.migrate import include_object
from gis_service.db.all_models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from gis_service.db.embedded import resolved_database_url
    from gis_service.settings import Settings

    return resolved_database_url(Settings())


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(_url(), poolclass=pool.NullPool)
        with engine.connect() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
