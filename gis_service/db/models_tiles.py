"""Tile side tables for large collections: Web Mercator copies per zoom band, and seeds.

Derived data only: every row can be rebuilt from the collection's own table. Each
side is labelled with the ``data_version`` it was cut from, and is served only while
that equals the collection's current ``layer_meta.data_version``.
"""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, DateTime, Float, Index, Integer, LargeBinary, SmallInteger, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_service.db.models import Base


class TileGeom(Base):
    """One feature's geometry in EPSG:3857 for one zoom band (simplified to that band's pixel)."""
    __tablename__ = "tile_geoms"
    collection_id: Mapped[str] = mapped_column(Text, primary_key=True)
    zoom: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    feature_id: Mapped[str] = mapped_column(Text, primary_key=True)
    size_m: Mapped[float] = mapped_column(Float, nullable=False)  # on-screen size (queries.tile_bands.SIZE_SQL)
    attrs: Mapped[dict] = mapped_column(JSONB, nullable=False)  # the tile attributes (queries.tile_bands.attrs_sql)
    geom = mapped_column(Geometry("GEOMETRY", srid=3857, spatial_index=False), nullable=False)
    __table_args__ = (Index("tile_geoms_band_gist", "collection_id", "zoom", "geom", postgresql_using="gist"),)


class TileState(Base):
    """Which data_version the collection's tile_geoms were built from (or patched to)."""
    __tablename__ = "tile_state"
    collection_id: Mapped[str] = mapped_column(Text, primary_key=True)
    data_version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    features: Mapped[int] = mapped_column(Integer, nullable=False)
    built_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                  server_default=func.now())


class TileAggregate(Base):
    """Counts per unit and class (or grid cell) of a large collection, for the lowest zooms."""
    __tablename__ = "tile_aggregates"
    collection_id: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    admin_unit: Mapped[str] = mapped_column(Text, nullable=False)
    land_use: Mapped[str] = mapped_column(Text, nullable=False)
    land_use_name: Mapped[str] = mapped_column(Text, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    geom = mapped_column(Geometry("POINT", srid=3857, spatial_index=False), nullable=False)


class TileSeed(Base):
    """A pre-rendered tile of the default (auto) detail, valid for one data_version."""
    __tablename__ = "tile_seeds"
    collection_id: Mapped[str] = mapped_column(Text, primary_key=True)
    data_version: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    z: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    x: Mapped[int] = mapped_column(Integer, primary_key=True)
    y: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
