"""/qgis/project.qgs: a QGIS project that loads every collection of this service over OAPIF."""
from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request, Response

from gis_service.api.deps import BaseUrl, Conn
from gis_service.api.negotiation import not_modified
from gis_service.services.ogc.documents import QGIS_PROJECT_MEDIA_TYPE
from gis_service.services.qgis.layers import PROJECT_FILENAME, service_project

router = APIRouter(tags=["QGIS"])


@router.get("/qgis/project.qgs", summary="QGIS 工程文件 / QGIS project (all layers over OGC API)",
            response_class=Response, responses={200: {"content": {QGIS_PROJECT_MEDIA_TYPE: {}}}})
def qgis_project(request: Request, conn: Conn, base: BaseUrl):
    text = service_project(conn, base)
    # The project embeds styles and the base URL, so its own hash is the honest validator.
    etag = f'"{hashlib.sha1(text.encode()).hexdigest()[:20]}"'
    headers = {"ETag": etag, "Content-Disposition": f'attachment; filename="{PROJECT_FILENAME}"'}
    if not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(text, media_type=QGIS_PROJECT_MEDIA_TYPE, headers=headers)
