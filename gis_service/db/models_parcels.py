"""The cadastre (宗地) working layer. A working layer, not a constraint layer:
the parcel check never treats it as a rule. Synthetic data says so in metadata."""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Integer, Numeric, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_service.db.models import STORAGE_SRID, Base


class Parcel(Base):
    __tablename__ = "parcels"
    id: Mapped[str] = mapped_column(Text, primary_key=True)  # 宗地编码-like code
    land_use: Mapped[str] = mapped_column(Text, nullable=False)  # GB/T 21010 class code
    land_use_name: Mapped[str] = mapped_column(Text, nullable=False)
    area_m2: Mapped[float] = mapped_column(Numeric(14, 2), nullable=False)
    admin_unit: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    properties: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=True), nullable=True)


WORKING_MODELS = {"parcels": Parcel}
