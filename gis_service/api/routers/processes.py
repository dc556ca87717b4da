"""OGC API – Processes Part 1: /processes, /processes/{id}, /processes/{id}/execution."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from gis_service.api.deps import AppSettings, BaseUrl, Conn
from gis_service.api.negotiation import json_body
from gis_service.services.parcel_check import principal_name
from gis_service.services.parcel_check.jobs import job_document, wake_worker
from gis_service.services.processes import execute_async, execute_sync, process_description, process_list

router = APIRouter(tags=["处理过程 OGC API – Processes"])
EXECUTE_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"inputs": {"type": "object"}}}}}}


@router.get("/processes", summary="处理过程列表 / processes")
def processes(base: BaseUrl):
    return process_list(base)


@router.get("/processes/{processId}", summary="处理过程描述 / process description")
def process(processId: str, base: BaseUrl):
    return process_description(base, processId)


@router.post("/processes/{processId}/execution", summary="执行 / execute", response_class=JSONResponse,
             responses={200: {}, 201: {}, 400: {}, 404: {}, 413: {}, 422: {}},
             openapi_extra={"requestBody": EXECUTE_BODY})
async def execute(processId: str, request: Request, conn: Conn, settings: AppSettings, base: BaseUrl):
    """parcel-check runs synchronously (200, the report); parcel-check-batch asynchronously
    (201, `Location: /jobs/{jobID}`, the status)."""
    description = process_description(base, processId)
    body, actor = await json_body(request), principal_name(getattr(request.state, "principal", None))
    if "sync-execute" in description["jobControlOptions"]:
        report = await run_in_threadpool(execute_sync, conn, processId, body, settings=settings, actor=actor)
        return JSONResponse(report)
    job_id = await run_in_threadpool(execute_async, conn, processId, body, settings=settings, actor=actor)
    wake_worker(request.app)
    status = await run_in_threadpool(job_document, conn, job_id, base)
    return JSONResponse(status, status_code=201, headers={"Location": f"{base}/jobs/{job_id}"})
