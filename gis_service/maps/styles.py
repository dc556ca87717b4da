"""House symbology for the web maps and the static images (docs/DOMAIN.md, Progress vocabularies and Symbology)."""
from __future__ import annotations

from dataclasses import dataclass

# code -> (中文, English, colour)
PROJECT_STATUS = {
    "unknown": ("未知", "unknown", "#BDBDBD"),
    "planned": ("谋划/储备", "planned", "#9E9E9E"),
    "preliminary": ("前期", "preliminary", "#1E88E5"),
    "new_start": ("新开工", "new start", "#FB8C00"),
    "ongoing": ("在建/续建", "ongoing", "#FDD835"),
    "completed": ("竣工/建成", "completed", "#43A047"),
    "operating": ("投产/运营", "operating", "#00897B"),
    "suspended": ("暂停/缓建", "suspended", "#E53935"),
}
VILLAGE_STATUS = {
    "unknown": ("未知", "unknown", "#BDBDBD"),
    "survey": ("摸底调查", "survey", "#9E9E9E"),
    "plan_approved": ("方案编制/审批", "plan approved", "#1E88E5"),
    "signing": ("征收签约", "signing", "#8E24AA"),
    "demolition": ("腾空拆除", "demolition", "#FB8C00"),
    "resettlement_build": ("安置房建设", "resettlement housing", "#FDD835"),
    "returning": ("回迁安置", "returning", "#7CB342"),
    "done": ("完成/销号", "done", "#43A047"),
}
STATUS_VOCABULARY = {"projects": PROJECT_STATUS, "urban_village_sites": VILLAGE_STATUS,
                     "ecology_sites": PROJECT_STATUS, "green_corridors": PROJECT_STATUS}
# Statuses that count as finished in the completion rate.
DONE_STATUSES = {"projects": {"completed", "operating"}, "urban_village_sites": {"done"}}

ZONE_CLASSES = {  # code -> (中文, English, colour, hatched)
    "optimized": ("优化开发区", "optimized development", "#E53935", False),
    "key": ("重点开发区", "key development", "#FB8C00", False),
    "restricted": ("限制开发区", "restricted development", "#7CB342", False),
    "prohibited": ("禁止开发区", "prohibited development", "#1B5E20", True),
}
UNDESIGNATED = ("未划定", "not designated by the plan", "#37474F")
WATER_COLOUR = "#1E88E5"
NO_DATA_COLOUR = "#BDBDBD"
# Completion rate classes: upper bound (inclusive) -> colour, light to dark green.
RATE_CLASSES = ((0.2, "#E8F5E9"), (0.4, "#A5D6A7"), (0.6, "#66BB6A"), (0.8, "#388E3C"), (1.0, "#1B5E20"))

CATEGORY_LABELS = {
    "service": "服务业", "agriculture": "农业", "industry": "工业", "education": "教育",
    "health": "医疗卫生", "utilities": "市政公用", "housing": "住房", "urban_village": "城中村",
}
QUALITY_LABELS = {"official": "官方", "approximate": "近似", "schematic": "示意"}
BASIS_LABELS = {
    "official": "官方数据", "surveyed": "实测", "user": "用户提供",
    "gazetteer": "按地名录位置放置（示意）", "area_hint": "按规划所述片区放置（示意）",
    "unlocated": "规划未给出位置",
}


@dataclass(frozen=True)
class LayerStyle:
    colour: str
    fill_colour: str
    fill_opacity: float
    weight: float
    dash: str | None = None
    radius: float | None = None  # point layers: circle markers

    def leaflet(self) -> dict:
        return {"color": self.colour, "fillColor": self.fill_colour, "fillOpacity": self.fill_opacity,
                "weight": self.weight, "dashArray": self.dash, "radius": self.radius}


# Layer symbols for the overview (function_zones are styled by class instead).
LAYER_STYLES = {
    "admin_units": LayerStyle("#37474F", "#37474F", 0.0, 2),
    "sub_areas": LayerStyle("#6A1B9A", "#6A1B9A", 0.0, 2, "8 4"),
    "admin_context": LayerStyle("#78909C", "#78909C", 0.0, 1.5, "2 4"),
    "function_zones": LayerStyle("#616161", "#616161", 0.35, 1.5),
    "agri_areas": LayerStyle("#9E9D24", "#9E9D24", 0.15, 1.5, "2 4"),
    "urban_village_sites": LayerStyle("#8E24AA", "#8E24AA", 0.45, 1),
    "ecology_sites": LayerStyle("#2E7D32", "#66BB6A", 0.3, 1.5),
    "green_corridors": LayerStyle("#2E7D32", "#2E7D32", 0.0, 3),
    "projects": LayerStyle("#263238", "#BDBDBD", 0.9, 1, radius=6),
    "other_places": LayerStyle("#5D4037", "#A1887F", 0.9, 1, radius=5),
}
LAYER_TITLES = {
    "function_zones": "主体功能区", "admin_units": "行政区划", "sub_areas": "四片区",
    "admin_context": "周边行政区", "urban_village_sites": "城中村改造", "ecology_sites": "生态项目与公园",
    "green_corridors": "绿道与河流", "agri_areas": "农业片区", "projects": "重点项目", "other_places": "其他地点",
}
# The overview's grouped layer control: (group, collections), non-exclusive.
OVERVIEW_GROUPS = (
    ("规划分区", ("function_zones",)),
    ("行政与片区", ("admin_units", "sub_areas", "admin_context")),
    ("城中村", ("urban_village_sites",)),
    ("生态", ("ecology_sites", "green_corridors")),
    ("农业", ("agri_areas",)),
    ("项目", ("projects",)),
    ("其他", ("other_places",)),
)
OVERVIEW_COLLECTIONS = tuple(c for _, cs in OVERVIEW_GROUPS for c in cs)
WATER_CATEGORIES = {"ecology_sites": ("reservoir",), "green_corridors": ("river", "river_works")}


def status_colour(collection_id: str, status: str | None) -> str:
    vocab = STATUS_VOCABULARY.get(collection_id, PROJECT_STATUS)
    return vocab.get(status or "unknown", vocab["unknown"])[2]


def rate_colour(rate: float | None) -> str:
    if rate is None:
        return NO_DATA_COLOUR
    return next(colour for bound, colour in RATE_CLASSES if rate <= bound + 1e-9)


def rate_legend() -> list[tuple[str, str]]:
    """(label, colour) rows for the completion-rate legend, grey 'no data' last."""
    rows, low = [], 0
    for bound, colour in RATE_CLASSES:
        rows.append((f"{low:.0f}–{bound * 100:.0f} %", colour))
        low = bound * 100
    rows.append(("无数据 no data", NO_DATA_COLOUR))
    return rows
METRES_PER_DEGREE = 111_320  # display simplification tolerances are given in metres
