"""GET /stats/progress: counts per status, completion rates and units without reports."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from gis_service.api.deps import Conn
from gis_service.services.progress.stats import progress_stats, stats_table
from gis_service.services.progress.tables import MEDIA_TYPES, table_bytes

router = APIRouter(tags=["进展 Progress"])


@router.get("/stats/progress", summary="进展统计 / progress statistics",
            responses={200: {"content": {"application/json": {}, **{t: {} for t in MEDIA_TYPES.values()}}}})
def stats_progress(
    conn: Conn,
    group_by: Literal["admin_unit", "sub_area", "category", "plan_ref"] = "admin_unit",
    as_of: Annotated[dt.date | None, Query(
        description="YYYY-MM-DD: as recorded at the end of that day, Asia/Shanghai")] = None,
    collection: Annotated[str | None, Query(description="comma-separated progress collections; default all four")] = None,
    f: Literal["json", "csv", "xlsx"] = "json",
):
    """Per group: counts per status, reported and finished items, completion rate by count and by
    investment (where both amounts are recorded); `units_without_reports`; `unlocated` separately."""
    day = as_of
    collections = [c.strip() for c in collection.split(",") if c.strip()] if collection else None
    result = progress_stats(conn, group_by, day, collections)
    if f == "json":
        return result
    stamp = f"_{day.isoformat()}" if day else ""
    return Response(table_bytes(stats_table(result), f, "progress"), media_type=MEDIA_TYPES[f], headers={
        "Content-Disposition": f'attachment; filename="progress_by_{group_by}{stamp}.{f}"'})
