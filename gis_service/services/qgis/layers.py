"""Which collections go into the QGIS project, and in which Chinese layer-tree group."""
from __future__ import annotations

from sqlalchemy import Connection

from gis_service.maps.styles import collection_style
from gis_service.queries.registry import Collection, list_collections
from gis_service.services.qgis.project import build_qgis_project

# Plan layers by theme; anything else (user imports, later plan layers) lands by kind.
PLAN_GROUPS = {
    "admin_units": "行政与片区", "sub_areas": "行政与片区", "admin_context": "行政与片区",
    "function_zones": "规划分区", "agri_areas": "规划分区",
    "green_corridors": "生态", "ecology_sites": "生态",
    "projects": "项目与改造", "urban_village_sites": "项目与改造",
    "other_places": "地名",
}
KIND_GROUPS = {"user": "导入图层", "working": "工作图层"}
FALLBACK_GROUP = "其他图层"
PROJECT_FILENAME = "chengqu_plan.qgs"
# Large layers open switched off, or QGIS would page through all of them at once: the cadastre
# (about 200 000 parcels at full scale, whatever a test database holds) and any layer above the bound.
LARGE_LAYERS = frozenset({"parcels"})
MAX_VISIBLE_FEATURES = 20_000


def project_layers(collections: list[Collection]) -> list[dict]:
    """The ``build_qgis_project`` layer descriptions, one per collection."""
    described = []
    for c in collections:
        style = collection_style(c.id, c.style)
        label = style.get("label_property")
        described.append({
            "id": c.id, "title": c.title, "geometry_type": c.geometry_type, "style": style,
            "group": PLAN_GROUPS.get(c.id) or KIND_GROUPS.get(c.kind, FALLBACK_GROUP),
            "label": label if label in c.properties else None,
            "visible": c.id not in LARGE_LAYERS and c.feature_count <= MAX_VISIBLE_FEATURES})
    return described


def service_project(conn: Connection, base: str) -> str:
    """The .qgs text for every collection of this service at ``base``."""
    return build_qgis_project(f"{base}/", project_layers(list_collections(conn)))
