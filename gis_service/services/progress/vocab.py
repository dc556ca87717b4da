"""Progress vocabularies (docs/DOMAIN.md, Progress vocabularies) and the fields an editor may change."""
from __future__ import annotations

from dataclasses import dataclass

from gis_service.db.models import PROGRESS_COLLECTIONS

PROJECT_STAGES = {
    "unknown": ("未知", "#BDBDBD"), "planned": ("谋划/储备", "#9E9E9E"),
    "preliminary": ("前期", "#1E88E5"), "new_start": ("新开工", "#FB8C00"),
    "ongoing": ("在建/续建", "#FDD835"), "completed": ("竣工/建成", "#43A047"),
    "operating": ("投产/运营", "#00897B"), "suspended": ("暂停/缓建", "#E53935"),
}
VILLAGE_STAGES = {
    "unknown": ("未知", "#BDBDBD"), "survey": ("摸底调查", "#9E9E9E"),
    "plan_approved": ("方案编制/审批", "#1E88E5"), "signing": ("征收签约", "#8E24AA"),
    "demolition": ("腾空拆除", "#FB8C00"), "resettlement_build": ("安置房建设", "#FDD835"),
    "returning": ("回迁安置", "#7CB342"), "done": ("完成/销号", "#43A047"),
}
# Stages that count as finished in completion rates.
FINISHED = {"completed", "operating", "done"}
DEMO_LABEL = "演示数据 / demo data"


def stages(collection_id: str) -> dict[str, tuple[str, str]]:
    return VILLAGE_STAGES if collection_id == "urban_village_sites" else PROJECT_STAGES


def all_stage_codes() -> list[str]:
    return list(dict.fromkeys([*PROJECT_STAGES, *VILLAGE_STAGES]))


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
