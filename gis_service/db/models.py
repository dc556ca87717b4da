"""Tables only. One table per plan collection, all in EPSG:4490.

Every collection table shares the descriptive columns of ``PlanFeatureMixin``;
the four collections whose items are scheduled works also carry progress.
"""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, Text,
    func, text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from gis_service import vocab

STORAGE_SRID = 4490
GEOMETRY_QUALITIES = ("official", "approximate", "schematic")
LOCATION_BASES = ("official", "gazetteer", "area_hint", "unlocated", "surveyed", "user")
PROJECT_STATUSES = tuple(vocab.PROJECT_STATUS)  # the CHECK constraints take the codes from the vocabulary
VILLAGE_STATUSES = tuple(vocab.VILLAGE_STATUS)


class Base(DeclarativeBase):
    pass


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PlanFeatureMixin:
    """Columns every plan collection has; geometry type is set per table."""

    __geometry_type__: str = "GEOMETRY"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    name_en: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    plan_ref: Mapped[str | None] = mapped_column(Text)
    geometry_quality: Mapped[str] = mapped_column(Text, nullable=False)
    location_basis: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    area_hint: Mapped[str | None] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    properties: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    # 'editor': created through the API; the seed files never retire or overwrite it.
    origin: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'seed'"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    @declared_attr
    def geom(cls) -> Mapped[object | None]:
        return mapped_column(
            Geometry(cls.__geometry_type__, srid=STORAGE_SRID, spatial_index=True), nullable=True
        )

    @declared_attr.directive
    def __table_args__(cls):
        name = cls.__tablename__
        return (
            CheckConstraint(_in("geometry_quality", GEOMETRY_QUALITIES), name=f"{name}_quality_ck"),
            CheckConstraint(_in("location_basis", LOCATION_BASES), name=f"{name}_basis_ck"),
            CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')",
                            name=f"{name}_unlocated_ck"),
            CheckConstraint("origin IN ('seed', 'editor')", name=f"{name}_origin_ck"),
            *cls.__extra_constraints__(name),
        )

    @classmethod
    def __extra_constraints__(cls, name: str) -> tuple:
        return ()


class ProgressMixin:
    """Progress of a scheduled work. Starts ``unknown``; never invented."""

    __statuses__: tuple[str, ...] = PROJECT_STATUSES

    status: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'unknown'"))
    percent_complete: Mapped[float | None] = mapped_column(Numeric(5, 2))
    status_date: Mapped[dt.date | None] = mapped_column(Date)
    progress_note: Mapped[str | None] = mapped_column(Text)
    # Issue 7 (migration 0005): investment in 万元 and the approval number (批复文号).
    investment_planned_wan: Mapped[float | None] = mapped_column(Numeric(14, 2))
    investment_completed_wan: Mapped[float | None] = mapped_column(Numeric(14, 2))
    approval_no: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def __extra_constraints__(cls, name: str) -> tuple:
        return (
            CheckConstraint(_in("status", cls.__statuses__), name=f"{name}_status_ck"),
            CheckConstraint("percent_complete BETWEEN 0 AND 100", name=f"{name}_percent_ck"),
            CheckConstraint("investment_planned_wan >= 0 AND investment_completed_wan >= 0",
                            name=f"{name}_investment_ck"),
        )


class AdminUnit(PlanFeatureMixin, Base):
    __tablename__ = "admin_units"
    __geometry_type__ = "MULTIPOLYGON"
    level: Mapped[str | None] = mapped_column(Text)
    admin_code: Mapped[str | None] = mapped_column(Text)


class AdminContext(PlanFeatureMixin, Base):
    __tablename__ = "admin_context"
    __geometry_type__ = "MULTIPOLYGON"
    level: Mapped[str | None] = mapped_column(Text)
    admin_code: Mapped[str | None] = mapped_column(Text)


class SubArea(PlanFeatureMixin, Base):
    __tablename__ = "sub_areas"
    __geometry_type__ = "MULTIPOLYGON"


class FunctionZone(PlanFeatureMixin, Base):
    __tablename__ = "function_zones"
    __geometry_type__ = "MULTIPOLYGON"
    zone_class: Mapped[str | None] = mapped_column(Text)


class AgriArea(PlanFeatureMixin, Base):
    __tablename__ = "agri_areas"
    __geometry_type__ = "MULTIPOLYGON"


class OtherPlace(PlanFeatureMixin, Base):
    __tablename__ = "other_places"
    __geometry_type__ = "POINT"


class UrbanVillageSite(ProgressMixin, PlanFeatureMixin, Base):
    __tablename__ = "urban_village_sites"
    __geometry_type__ = "MULTIPOLYGON"
    __statuses__ = VILLAGE_STATUSES
    # 签约率 / 腾空率 (% of households) and 拆除面积 (m² of floor area), migration 0005.
    signing_rate: Mapped[float | None] = mapped_column(Numeric(5, 2))
    vacated_rate: Mapped[float | None] = mapped_column(Numeric(5, 2))
    demolished_area_m2: Mapped[float | None] = mapped_column(Numeric(14, 2))

    @classmethod
    def __extra_constraints__(cls, name: str) -> tuple:
        return (*super().__extra_constraints__(name),
                CheckConstraint("signing_rate BETWEEN 0 AND 100 AND vacated_rate BETWEEN 0 AND 100 "
                                "AND demolished_area_m2 >= 0", name=f"{name}_metrics_ck"))


class GreenCorridor(ProgressMixin, PlanFeatureMixin, Base):
    __tablename__ = "green_corridors"
    __geometry_type__ = "MULTILINESTRING"


class EcologySite(ProgressMixin, PlanFeatureMixin, Base):
    __tablename__ = "ecology_sites"
    __geometry_type__ = "MULTIPOLYGON"


class Project(ProgressMixin, PlanFeatureMixin, Base):
    __tablename__ = "projects"
    __geometry_type__ = "POINT"


PLAN_MODELS: dict[str, type[PlanFeatureMixin]] = {
    m.__tablename__: m
    for m in (AdminUnit, SubArea, FunctionZone, AgriArea, UrbanVillageSite, GreenCorridor,
              EcologySite, Project, OtherPlace, AdminContext)
}
PROGRESS_COLLECTIONS = tuple(n for n, m in PLAN_MODELS.items() if issubclass(m, ProgressMixin))


class LayerMeta(Base):
    """One row per collection (plan, user or working layer)."""

    __tablename__ = "layer_meta"
    collection_id: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'plan'"))
    title_zh: Mapped[str] = mapped_column(Text, nullable=False)
    title_en: Mapped[str | None] = mapped_column(Text)
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    geometry_type: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(Text)
    style: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    # Maintained by triggers in the same transaction as every write to the collection.
    data_version: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))
    feature_count: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    __table_args__ = (CheckConstraint("kind IN ('plan', 'user', 'working')", name="layer_meta_kind_ck"),)


class UserFeature(Base):
    """Users' imported layers share one table so importing never changes the schema."""

    __tablename__ = "user_features"
    pk: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(
        Text, ForeignKey("layer_meta.collection_id", ondelete="CASCADE"), nullable=False
    )
    feature_id: Mapped[str] = mapped_column(Text, nullable=False)
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    properties: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    geom = mapped_column(Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=True), nullable=True)
    __table_args__ = (
        Index("user_features_collection_feature_uq", "collection_id", "feature_id", unique=True),
    )


class ProgressEvent(Base):
    """Append-only history of every change to a feature (progress, attributes, geometry)."""

    __tablename__ = "progress_events"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(Text, nullable=False)
    feature_id: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    old_values: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    new_values: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    reason: Mapped[str | None] = mapped_column(Text)
    unconditional: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    version: Mapped[int | None] = mapped_column(Integer)
    # Hash chain, filled by the chain trigger (see db.models_chain).
    chain_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    prev_hash: Mapped[str] = mapped_column(Text, nullable=False)
    row_hash: Mapped[str] = mapped_column(Text, nullable=False)
    __table_args__ = (
        Index("progress_events_feature_idx", "collection_id", "feature_id", "recorded_at"),
        Index("progress_events_chain_seq_uq", "chain_seq", unique=True),
    )


class Indicator(Base):
    """表2 主要指标. Values stay text as the plan writes them; numbers are parsed beside."""

    __tablename__ = "indicators"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    group_name: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    unit: Mapped[str | None] = mapped_column(Text)
    value_2015: Mapped[str | None] = mapped_column(Text)
    target_2020: Mapped[str | None] = mapped_column(Text)
    annual_rate: Mapped[str | None] = mapped_column(Text)
    attribute: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[str | None] = mapped_column(Text)
    target_kind: Mapped[str] = mapped_column(Text, nullable=False)
    value_2015_num: Mapped[float | None] = mapped_column(Numeric)
    target_2020_num: Mapped[float | None] = mapped_column(Numeric)
    # Issue 7 (migration 0005): the CSV's parent row, target comparison and note.
    parent_code: Mapped[str | None] = mapped_column(Text)
    target_op: Mapped[str | None] = mapped_column(Text)
    target_value: Mapped[float | None] = mapped_column(Numeric)
    source_note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("target_kind IN ('numeric', 'text')", name="indicators_target_kind_ck"),
    )
