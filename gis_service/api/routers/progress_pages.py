"""The editors' browser form (Chinese): sign in with a key, a filtered list, one page per item.

Writes go through the same edit service as the API (validation, If-Match via the
form's version, history, audit), and every POST is CSRF-checked.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from gis_service.api.deps import AppSettings, BaseUrl, Conn, FormEditorDep
from gis_service.api.html import render
from gis_service.auth.csrf import check_form, check_same_origin
from gis_service.auth.middleware import SESSION_COOKIE
from gis_service.errors import GisError
from gis_service.services.access.keys import sign_in, sign_out
from gis_service.services.progress.edits import Edit, check_editable
from gis_service.services.progress.items import write_form
from gis_service.services.progress.pages import item_view, list_rows, progress_titles
from gis_service.services.progress.validation import ValidationFailed
from gis_service.services.progress.vocab import editable_fields
from gis_service.vocab import all_status_codes

router = APIRouter(tags=["进展填报页面 Progress form"], include_in_schema=False)


def _safe_next(value: str | None, base: str) -> str:
    return f"{base}{value}" if value and value.startswith("/") and not value.startswith("//") else f"{base}/progress"


@router.get("/progress/login")
def login_page(request: Request, next: str | None = None, error: str | None = None):
    return render(request, "progress_login.html", next=next or "/progress", error=error,
                  principal=request.state.principal)


@router.post("/progress/login")
def login(request: Request, conn: Conn, settings: AppSettings, base: BaseUrl,
          key: Annotated[str, Form()], next: Annotated[str, Form()] = "/progress"):
    check_same_origin(request)
    token = sign_in(conn, key, settings.session_max_age_s)
    if token is None:
        return render(request, "progress_login.html", status_code=401, next=next,
                      error="密钥无效或已吊销 / invalid or revoked key", principal=request.state.principal)
    response = RedirectResponse(_safe_next(next, base), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.session_max_age_s, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path=settings.root_path or "/")
    return response


@router.post("/progress/logout")
def logout(request: Request, conn: Conn, settings: AppSettings, base: BaseUrl,
           csrf_token: Annotated[str, Form()] = ""):
    check_form(request, request.state.principal, csrf_token)
    sign_out(conn, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(f"{base}/progress/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=settings.root_path or "/")
    return response


@router.get("/progress")
def progress_list(request: Request, conn: Conn, base: BaseUrl, collection: str | None = None,
                  status: str | None = None, unit: str | None = None, q: str | None = None,
                  reported: str | None = None):
    rows, units = list_rows(conn, collection=collection or None, status=status or None, unit=unit or None,
                            q=q or None, reported=reported or None)
    return render(request, "progress_list.html", rows=rows, units=units, collections=progress_titles(),
                  stage_codes=all_status_codes(), filters={"collection": collection or "", "status": status or "",
                                                          "unit": unit or "", "q": q or "", "reported": reported or ""},
                  demo=any(r["demo"] for r in rows), principal=request.state.principal,
                  breadcrumbs=[(f"{base}/?f=html", "首页 Home")])


def _item_page(request: Request, conn, base: str, cid: str, fid: str, *, status_code: int = 200,
               errors: dict | None = None, message: str | None = None, submitted: dict | None = None):
    view = item_view(conn, cid, fid, base)
    if submitted:
        for f in view["fields"]:
            f["value"] = submitted.get(f["name"], f["value"])
    return render(request, "progress_item.html", status_code=status_code, errors=errors or {}, message=message,
                  principal=request.state.principal, saved=request.query_params.get("saved"), **view,
                  breadcrumbs=[(f"{base}/progress", "进展填报 Progress"),
                               (f"{base}/progress?collection={cid}", view["collection_title"])])


@router.get("/progress/{collectionId}/{featureId}")
def progress_item(collectionId: str, featureId: str, request: Request, conn: Conn, base: BaseUrl):
    check_editable(collectionId)
    return _item_page(request, conn, base, collectionId, featureId)


@router.post("/progress/{collectionId}/{featureId}")
async def progress_item_save(collectionId: str, featureId: str, request: Request, principal: FormEditorDep,
                             settings: AppSettings, base: BaseUrl):
    check_editable(collectionId)
    form = await request.form()
    check_form(request, principal, str(form.get("csrf_token") or ""))
    names = [f.name for f in editable_fields(collectionId)]
    changes = {n: str(form.get(n) or "") for n in names if n in form}
    photo = form.get("photo")
    edit = Edit(collectionId, featureId, changes=changes, reason=str(form.get("reason") or "") or None,
                if_match=f'"{form.get("version")}"' if form.get("version") else None, method="POST",
                path=request.url.path, action="form")
    return await run_in_threadpool(_save, request, settings, base, edit, principal, changes, photo,
                                   str(form.get("photo_caption") or ""))


def _save(request, settings, base, edit: Edit, principal, changes, photo, caption):
    engine = request.app.state.engine
    upload = photo if isinstance(photo, UploadFile) and photo.filename else None
    try:
        write_form(engine, settings, edit, principal, upload, caption)
    except ValidationFailed as exc:
        with engine.connect() as conn:
            return _item_page(request, conn, base, edit.collection_id, edit.feature_id, status_code=422,
                              errors=exc.detail["fields"], submitted=changes, message="请修正标红的字段 / fix the marked fields")
    except GisError as exc:
        if exc.status not in (412, 428):
            raise
        with engine.connect() as conn:
            return _item_page(request, conn, base, edit.collection_id, edit.feature_id, status_code=exc.status,
                              message=f"{exc.message_zh}（已显示最新内容）/ {exc.message_en}")
    return RedirectResponse(f"{base}/progress/{edit.collection_id}/{edit.feature_id}?saved=1", status_code=303)
