"""The one domain vocabulary: collection titles, progress statuses and their groups, zone
classes, category / quality / basis labels, house colours and the demo label.

Pages, reports, exports, styles and API responses take every such word from here, so a
title or a status reads the same wherever it shows. Collection titles come from
``layers/manifest.yml`` (the layer registry); everything else is written once below.
Pure: no database, no I/O beyond reading the manifest once.
"""
from __future__ import annotations

from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from gis_service.manifest import Manifest, read_manifest
from gis_service.settings import Settings

# Every date and time a user reads, and every "day" of as_of, is Beijing time.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# --- collection titles (from the manifest) ---------------------------------------------


@cache
def manifest() -> Manifest:
    return read_manifest(Settings().layers_dir)


def collection_title(collection_id: str, lang: str = "zh") -> str:
    """The manifest's title of a plan collection; other ids (user layers) read as themselves."""
    spec = manifest().get(collection_id)
    if spec is None:
        return collection_id
    return spec.title_en if lang == "en" else spec.title_zh


def bilingual_title(collection_id: str) -> str:
    """"中文 English", as map legends and headings show a collection."""
    return f"{collection_title(collection_id)} {collection_title(collection_id, 'en')}"


def plan_source() -> str:
    """The source line (依据《城区“十三五”规划纲要》…) from the manifest."""
    return manifest().attribution


def collection_titles(lang: str = "zh") -> dict[str, str]:
    return {c.id: collection_title(c.id, lang) for c in manifest().collections}


# --- progress statuses ---------------------------------------------------------------

# Status groups: what a status means for roll-ups and warnings.
FINISHED, ACTIVE, UNKNOWN, SUSPENDED = "finished", "active", "unknown", "suspended"
STATUS_GROUPS = (UNKNOWN, ACTIVE, SUSPENDED, FINISHED)


class Status(NamedTuple):
    zh: str
    en: str
    colour: str
    group: str


PROJECT_STATUS = {  # projects and the ecological works held in ecology_sites / green_corridors
    "unknown": Status("未知", "unknown", "#BDBDBD", UNKNOWN),
    "planned": Status("谋划/储备", "planned", "#9E9E9E", ACTIVE),
    "preliminary": Status("前期", "preliminary", "#1E88E5", ACTIVE),
    "new_start": Status("新开工", "new start", "#FB8C00", ACTIVE),
    "ongoing": Status("在建/续建", "ongoing", "#FDD835", ACTIVE),
    "completed": Status("竣工/建成", "completed", "#43A047", FINISHED),
    "operating": Status("投产/运营", "operating", "#00897B", FINISHED),
    "suspended": Status("暂停/缓建", "suspended", "#E53935", SUSPENDED),
}
VILLAGE_STATUS = {  # urban-village redevelopment
    "unknown": Status("未知", "unknown", "#BDBDBD", UNKNOWN),
    "survey": Status("摸底调查", "survey", "#9E9E9E", ACTIVE),
    "plan_approved": Status("方案编制/审批", "plan approved", "#1E88E5", ACTIVE),
    "signing": Status("征收签约", "signing", "#8E24AA", ACTIVE),
    "demolition": Status("腾空拆除", "demolition", "#FB8C00", ACTIVE),
    "resettlement_build": Status("安置房建设", "resettlement housing", "#FDD835", ACTIVE),
    "returning": Status("回迁安置", "returning", "#7CB342", ACTIVE),
    "done": Status("完成/销号", "done", "#43A047", FINISHED),
}
STATUS_VOCABULARY = {"projects": PROJECT_STATUS, "urban_village_sites": VILLAGE_STATUS,
                     "ecology_sites": PROJECT_STATUS, "green_corridors": PROJECT_STATUS}


def statuses(collection_id: str) -> dict[str, Status]:
    """The status vocabulary of a progress collection (the project one for any other id)."""
    return STATUS_VOCABULARY.get(collection_id, PROJECT_STATUS)


def status_codes(collection_id: str) -> tuple[str, ...]:
    return tuple(statuses(collection_id))


def all_status_codes() -> list[str]:
    return list(dict.fromkeys([*PROJECT_STATUS, *VILLAGE_STATUS]))


def codes_in_group(group: str, collection_id: str | None = None) -> frozenset[str]:
    """Status codes of one group, for one collection or across all of them."""
    vocabularies = [statuses(collection_id)] if collection_id else [PROJECT_STATUS, VILLAGE_STATUS]
    return frozenset(code for vocab in vocabularies for code, s in vocab.items() if s.group == group)


def is_finished(collection_id: str, status: str | None) -> bool:
    return status in codes_in_group(FINISHED, collection_id)


def status_label(collection_id: str, status: str | None, lang: str = "zh") -> str:
    term = statuses(collection_id).get(status or "unknown")
    if term is None:
        return str(status)
    return term.en if lang == "en" else term.zh


def status_colour(collection_id: str, status: str | None) -> str:
    vocab = statuses(collection_id)
    return vocab.get(status or "unknown", vocab["unknown"]).colour


# --- function zones and other labels -------------------------------------------------------

class ZoneClass(NamedTuple):
    zh: str
    en: str
    colour: str
    hatched: bool


ZONE_CLASSES = {  # the plan's four classes, in its order; colours are the house colours
    "optimized": ZoneClass("优化开发区", "optimized development", "#E53935", False),
    "key": ZoneClass("重点开发区", "key development", "#FB8C00", False),
    "restricted": ZoneClass("限制开发区", "restricted development", "#7CB342", False),
    "prohibited": ZoneClass("禁止开发区", "prohibited development", "#1B5E20", True),
}
UNDESIGNATED = ("未划定", "not designated by the plan", "#37474F")
UNDESIGNATED_ZONE_ZH = "未划定主体功能区"  # land inside 城区 the plan gives no functional class
WATER_COLOUR = "#1E88E5"

CATEGORY_LABELS = {  # project categories
    "service": "服务业", "agriculture": "农业", "industry": "工业", "education": "教育",
    "health": "医疗卫生", "utilities": "市政公用", "housing": "住房", "urban_village": "城中村",
    "urban_village_cluster": "城中村（连片）",
}
ECOLOGY_CATEGORY_LABELS = {  # green_corridors and ecology_sites categories (their styled classes)
    "river": "河流", "river_works": "河道治理", "greenway": "绿道", "green_belt": "环城生态圈",
    "forest_park": "森林公园", "eco_restoration": "生态修复", "reservoir": "水库",
}
QUALITY_LABELS = {"official": "官方", "approximate": "近似", "schematic": "示意"}
BASIS_LABELS = {
    "official": "官方数据", "surveyed": "实测", "user": "用户提供",
    "gazetteer": "按地名录位置放置（示意）", "area_hint": "按规划所述片区放置（示意）",
    "unlocated": "规划未给出位置",
}


def class_label(attribute: str | None, value: str) -> str:
    """Chinese label of a styled class value (zone class or category); the value when none is known."""
    if attribute == "zone_class" and value in ZONE_CLASSES:
        return ZONE_CLASSES[value].zh
    if attribute != "category":
        return value
    return CATEGORY_LABELS.get(value) or ECOLOGY_CATEGORY_LABELS.get(value, value)


# --- demo data ---------------------------------------------------------------------------

# 城区人民政府 (新市西街), WGS84 lon/lat from layers/sources/anchor_points.csv (a real anchor point):
# the old-town centre for site-search distances and the centre of the schematic green ring.
OLD_TOWN_CENTRE = (112.8472, 35.5018)

DEMO_LABEL = "演示数据 / demo data"
DEMO_NOTICE = "含演示数据，非真实进展 / contains demo data, not real progress"


# --- Lifecycle stages (项目全生命周期) and the one mapping from a started stage to ``status``.
# A project's status follows its latest started stage; ``suspended`` is never derived.
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
VILLAGE_LIFECYCLE = {code: (status.zh, status.en, code)   # an urban village's stages are its statuses
                     for code, status in VILLAGE_STATUS.items() if code != "unknown"}
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


class Signal(NamedTuple):
    """A coloured judgement class: a warning's severity or an indicator's traffic light."""
    zh: str
    en: str
    colour: str


WARNING_SEVERITIES = {"red": Signal("红", "red", "#E53935"), "yellow": Signal("黄", "yellow", "#F9A825"),
                      "info": Signal("提示", "info", "#1E88E5")}
# An indicator against the plan's expected path (thresholds in services.monitoring.grades).
INDICATOR_GRADES = {"green": Signal("绿", "on track", "#43A047"), "yellow": Signal("黄", "behind", "#F9A825"),
                    "red": Signal("红", "far behind", "#E53935"), "no_data": Signal("无数据", "no data", "#9E9E9E")}


# The parcel check: a verdict, and the severity of one hit that decides it.
VERDICTS = {"compliant": Signal("符合", "Compliant", "#43A047"),
            "needs_review": Signal("需论证", "Needs justification", "#FB8C00"),
            "non_compliant": Signal("不符合", "Non-compliant", "#E53935"),
            "outside": Signal("超出规划范围", "Outside the planning area", "#546E7A")}
HIT_SEVERITIES = {"ok": Signal("无影响", "no effect", "#43A047"), "info": Signal("提示", "note", "#757575"),
                  "review": Signal("需论证", "needs justification", "#FB8C00"),
                  "conflict": Signal("不符合", "non-compliant", "#E53935")}


def signal_colours(signals: dict[str, Signal]) -> dict[str, str]:
    return {code: s.colour for code, s in signals.items()}
