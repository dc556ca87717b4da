"""OGC API – Processes Part 1 over the parcel check: the same checks, the same reports.

``parcel-check`` runs synchronously and returns exactly the report of
``POST /analysis/parcel-check``; ``parcel-check-batch`` runs asynchronously as a job in
the existing job table (``/jobs/{id}`` carries the OGC status members).
"""
from __future__ import annotations

import base64
import binascii
import json

from sqlalchemy import Connection

from gis_service.errors import InvalidInput, NotFound
from gis_service.services.parcel_check.jobs import submit_job
from gis_service.services.parcel_check.single import check_request
from gis_service.settings import Settings

OGC_EXCEPTION = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/"
_COMMON_INPUTS = {
    "crs": {"title": "输入坐标系 / input CRS", "schema": {"type": "string"}, "minOccurs": 0},
    "proposed_use": {"title": "拟建用途 / proposed use", "minOccurs": 0, "schema": {"type": "string", "enum": [
        "residential", "commercial", "industrial", "public", "infrastructure", "agricultural", "ecological"]}},
    "repair": {"title": "修复无效面 / repair invalid polygons", "schema": {"type": "boolean"}, "minOccurs": 0},
}
PROCESSES = {
    "parcel-check": {
        "title": "地块合规性初筛 / parcel check against the plan", "version": "1.0.0",
        "description": "与 POST /analysis/parcel-check 相同的报告 / the same report as POST /analysis/parcel-check",
        "jobControlOptions": ["sync-execute"], "outputTransmission": ["value"],
        "inputs": {"parcel": {"title": "地块 / parcel", "description": "GeoJSON Geometry, Feature or FeatureCollection",
                              "schema": {"type": "object"}}, **_COMMON_INPUTS},
        "outputs": {"report": {"title": "检查报告 / report", "schema": {"type": "object",
                                                                       "contentMediaType": "application/json"}}},
    },
    "parcel-check-batch": {
        "title": "批量初筛 / batch parcel check of a file", "version": "1.0.0",
        "description": "与 POST /analysis/parcel-check/batch 相同的任务 / the same job as POST /analysis/parcel-check/batch",
        "jobControlOptions": ["async-execute"], "outputTransmission": ["reference"],
        "inputs": {"file": {"title": "文件（base64）/ the file, base64", "schema": {
                       "type": "string", "contentEncoding": "base64"}},
                   "filename": {"title": "文件名 / file name (its extension tells the format)",
                                "schema": {"type": "string"}},
                   "layer": {"title": "GeoPackage 图层 / layer", "schema": {"type": "string"}, "minOccurs": 0},
                   **_COMMON_INPUTS},
        "outputs": {"results": {"title": "逐地块结果 / per-parcel results",
                                "schema": {"type": "object", "contentMediaType": "application/geo+json"}}},
    },
}


_PY_TYPES = {"string": str, "boolean": bool, "object": dict}


def _bad(zh: str, en: str, **detail) -> InvalidInput:
    return InvalidInput(zh, en, status=400, code="invalid_input",
                        detail={"type": f"{OGC_EXCEPTION}invalid-parameter", **detail})


def _link(base: str, pid: str) -> dict:
    return {"href": f"{base}/processes/{pid}", "rel": "self", "type": "application/json", "title": pid}


def process_list(base: str) -> dict:
    summaries = [{"id": pid, **{k: v for k, v in p.items() if k not in ("inputs", "outputs")},
                  "links": [_link(base, pid)]} for pid, p in PROCESSES.items()]
    return {"processes": summaries, "links": [{"href": f"{base}/processes", "rel": "self", "type": "application/json"}]}


def process_description(base: str, pid: str) -> dict:
    if pid not in PROCESSES:
        raise NotFound(f"没有处理过程 {pid!r}", f"no process {pid!r}; see /processes",
                       detail={"type": f"{OGC_EXCEPTION}no-such-process", "process": pid})
    execute = {"href": f"{base}/processes/{pid}/execution", "rel": "http://www.opengis.net/def/rel/ogc/1.0/execute",
               "type": "application/json", "title": "执行 / execute"}
    return {"id": pid, **PROCESSES[pid], "links": [_link(base, pid), execute]}


def _inputs(pid: str, body) -> dict:
    """The execute request's inputs, every name known and every required one present."""
    process_description("", pid)
    if not isinstance(body, dict) or not isinstance(body.get("inputs", {}), dict):
        raise _bad("执行请求应为含 inputs 对象的 JSON", "the execute request must be JSON with an inputs object")
    extra = sorted(set(body) - {"inputs", "outputs", "response", "subscriber"})
    if extra or body.get("response", "raw") not in ("raw", "document"):
        raise _bad(f"执行请求含未知成员 {extra} 或无效 response", f"unknown execute members {extra}, or a response "
                   "other than raw/document", members=extra)
    if not isinstance(body.get("outputs") or {}, dict):
        raise _bad("outputs 应为对象", "outputs must be an object", members=["outputs"])
    outputs = sorted(set(body.get("outputs") or {}) - set(PROCESSES[pid]["outputs"]))
    if outputs:
        raise _bad(f"未知输出 {outputs}", f"unknown outputs {outputs}; {pid} gives "
                   f"{sorted(PROCESSES[pid]['outputs'])}", outputs=outputs)
    inputs = body.get("inputs") or {}
    declared = PROCESSES[pid]["inputs"]
    unknown = sorted(set(inputs) - set(declared))
    if unknown:
        raise _bad(f"未知输入 {unknown}（可用：{sorted(declared)}）", f"unknown inputs {unknown}; "
                   f"{pid} takes {sorted(declared)}", inputs=unknown)
    missing = sorted(n for n, d in declared.items() if d.get("minOccurs", 1) > 0 and n not in inputs)
    if missing:
        raise _bad(f"缺少输入 {missing}", f"missing inputs {missing}", inputs=missing)
    values = {k: (v["value"] if isinstance(v, dict) and "value" in v and k != "parcel" else v)
              for k, v in inputs.items()}
    wrong = sorted(k for k, v in values.items() if not isinstance(v, _PY_TYPES[declared[k]["schema"]["type"]])
                   or (declared[k]["schema"]["type"] == "string" and isinstance(v, bool)))
    if wrong:
        raise _bad(f"输入类型错误 {wrong}", f"inputs of the wrong type: {wrong}", inputs=wrong)
    return values


def execute_sync(conn: Connection, pid: str, body, *, settings: Settings, actor: str) -> dict:
    inputs = _inputs(pid, body)
    if pid != "parcel-check":
        raise _bad(f"{pid} 只能异步执行", f"{pid} runs asynchronously only", process=pid)
    report = check_request(conn, json.dumps(inputs["parcel"]).encode(), crs=inputs.get("crs"),
                           proposed_use=inputs.get("proposed_use"), repair=bool(inputs.get("repair")),
                           settings=settings, actor=actor)
    # raw: the report itself, as /analysis/parcel-check answers; document: keyed by output id.
    return {"report": report} if body.get("response") == "document" else report


def execute_async(conn: Connection, pid: str, body, *, settings: Settings, actor: str) -> str:
    """Submit a batch job; its id is the OGC jobID."""
    inputs = _inputs(pid, body)
    if pid != "parcel-check-batch":
        raise _bad(f"{pid} 只能同步执行", f"{pid} runs synchronously only", process=pid)
    try:
        content = base64.b64decode(str(inputs["file"]), validate=True)
    except (binascii.Error, ValueError):
        raise _bad("file 不是有效的 base64", "input file is not valid base64", inputs=["file"]) from None
    if len(content) > settings.parcel_batch_max_bytes:
        raise _bad(f"文件超过 {settings.parcel_batch_max_bytes} 字节上限",
                   f"the file exceeds the {settings.parcel_batch_max_bytes}-byte limit", inputs=["file"])
    options = {k: inputs.get(k) for k in ("crs", "proposed_use", "layer")}
    return submit_job(conn, content, str(inputs["filename"]), settings=settings, actor=actor,
                      options={**options, "repair": bool(inputs.get("repair"))})
