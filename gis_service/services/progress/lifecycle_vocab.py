"""Lifecycle stages (项目全生命周期) and the one mapping from a started stage to ``status``.

A project's ``status`` follows its latest started stage; an urban village's stages are its
statuses. ``suspended`` is never derived: it stays a stored status.
"""
from __future__ import annotations

from gis_service.services.progress.vocab import VILLAGE_STAGES

LIFECYCLE_COLLECTIONS = ("projects", "urban_village_sites")
# stage code -> (中文, English, the status a started stage implies), in lifecycle order.
PROJECT_LIFECYCLE = {
    "reserve": ("储备", "reserve", "planned"),
    "initiation": ("前期/立项", "preliminary work / approval", "preliminary"),
    "land_site": ("用地预审与选址", "land pre-review and siting", "preliminary"),
    "planning_permit": ("规划许可", "planning permit", "preliminary"),
    "construction": ("施工", "construction", "ongoing"),
    "completion": ("竣工/核实", "completion / verification", "completed"),
    "operation": ("投产", "in operation", "operating"),
}
VILLAGE_LIFECYCLE = {code: (label, code.replace("_", " "), code)
                     for code, (label, _) in VILLAGE_STAGES.items() if code != "unknown"}
STAGE_DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")
DATE_RANGE = ("2015-01-01", "2030-12-31")   # what the database accepts for plan dates
NOT_DERIVED = {"suspended"}                 # a stored status a stage edit never overrides


def lifecycle(collection_id: str) -> dict[str, tuple[str, str, str]]:
    return VILLAGE_LIFECYCLE if collection_id == "urban_village_sites" else PROJECT_LIFECYCLE


def derived_status(collection_id: str, stages: dict, current: str) -> str:
    """The status implied by the latest started stage (in lifecycle order); unchanged when no
    stage has started or the stored status is one a stage never overrides."""
    if current in NOT_DERIVED:
        return current
    started = [code for code in lifecycle(collection_id) if (stages.get(code) or {}).get("actual_start")]
    return lifecycle(collection_id)[started[-1]][2] if started else current
