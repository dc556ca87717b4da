"""Bulk progress import over HTTP (the same service as `gis-service progress import`)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from gis_service.api.deps import EditorDep
from gis_service.services.progress.bulk import import_progress

router = APIRouter(tags=["进展 Progress"])


@router.post("/progress/import", summary="批量导入进展 / bulk progress import",
             responses={401: {}, 403: {}, 422: {"description": "invalid rows: nothing applied"}})
async def bulk_import(request: Request, principal: EditorDep, file: Annotated[UploadFile, File(description="CSV or XLSX")],
                      dry_run: Annotated[bool, Form()] = False, skip_invalid: Annotated[bool, Form()] = False):
    """Columns: collection (optional where a name is unique), id or exact name, status, percent, date,
    note, metrics, investment, approval number. `dry_run=true` previews; applying is all-or-nothing
    unless `skip_invalid=true` is chosen."""
    data = await file.read()
    report = await run_in_threadpool(import_progress, request.app.state.engine, data, file.filename or "sheet.csv",
                                     principal, dry_run=dry_run, skip_invalid=skip_invalid, path=request.url.path)
    return report.as_dict()
