"""Where editors may create features, and the methods a caller may use on a path."""
from __future__ import annotations

from gis_service.auth.principal import Principal
from gis_service.queries.registry import Collection
from gis_service.services.progress.edits import NotEditable
from gis_service.services.progress.vocab import is_progress_collection

# Plan collections that take new features; admin units, sub-areas and zones are the plan itself.
CREATABLE_PLAN = ("projects", "urban_village_sites", "ecology_sites", "green_corridors", "other_places")
READ_METHODS = "GET, HEAD, OPTIONS"


def creatable(c: Collection) -> bool:
    return c.kind == "user" or c.id in CREATABLE_PLAN


def check_creatable(c: Collection) -> None:
    if not creatable(c):
        raise NotEditable(
            f"图层 {c.id} 由规划文件维护，不能新增要素（可新增：{'、'.join(CREATABLE_PLAN)} 及用户图层）",
            f"collection {c.id} is owned by the plan's seed files and takes no new features; "
            f"create in {', '.join(CREATABLE_PLAN)} or a user collection",
            detail={"collection": c.id, "creatable": list(CREATABLE_PLAN)})


def allowed_methods(c: Collection, principal: Principal, feature_id: str | None) -> str:
    """Allow for an authenticated API caller: writes only for editors, where they are possible.
    Browser sessions write through the CSRF-checked forms only, so they get reads."""
    if not principal.can("editor") or principal.via == "session":
        return READ_METHODS
    if feature_id is None:
        return f"{READ_METHODS}, POST" if creatable(c) else READ_METHODS
    return f"{READ_METHODS}, PATCH, PUT, DELETE" if is_progress_collection(c.id) else READ_METHODS
