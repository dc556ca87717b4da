"""The fields an editor may change on a progress feature (statuses and labels: ``gis_service.vocab``)."""
from __future__ import annotations

from dataclasses import dataclass

from gis_service.db.models import PROGRESS_COLLECTIONS


@dataclass(frozen=True)
class Field:
    name: str
    kind: str            # status | percent | date | text | amount
    label_zh: str
    only: str | None = None  # collection the field exists on, None for all four
    max_length: int = 2000


FIELDS = (
    Field("status", "status", "阶段"),
    Field("percent_complete", "percent", "完成百分比 %"),
    Field("status_date", "date", "状态日期"),
    Field("progress_note", "text", "进展说明"),
    Field("investment_planned_wan", "amount", "计划投资（万元）"),
    Field("investment_completed_wan", "amount", "完成投资（万元）"),
    Field("approval_no", "text", "批复文号", max_length=200),
    Field("signing_rate", "percent", "签约率 %", only="urban_village_sites"),
    Field("vacated_rate", "percent", "腾空率 %", only="urban_village_sites"),
    Field("demolished_area_m2", "amount", "拆除面积（m²）", only="urban_village_sites"),
)
# Set together with a new geometry; the seed files own every other attribute.
GEOMETRY_FIELDS = ("geometry_quality", "location_basis")


def editable_fields(collection_id: str) -> list[Field]:
    return [f for f in FIELDS if f.only in (None, collection_id)]


def is_progress_collection(collection_id: str) -> bool:
    return collection_id in PROGRESS_COLLECTIONS


def table_columns(properties) -> list[str]:
    """Columns of an HTML feature table: name first, progress fields last, ``id`` left out
    (the table's first column is the feature id already)."""
    progress = [f.name for f in FIELDS]
    names = [p for p in properties if p != "id"]
    first = [p for p in ("name", "name_en") if p in names]
    last = [p for p in progress if p in names]
    return first + [p for p in names if p not in first and p not in last] + last
