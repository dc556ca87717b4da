"""/collections/{id}/items and /items/{featureId}: GeoJSON built in SQL, plus
HTML, GeoJSON-Seq and file downloads from the same query. The parameters are declared
once (services.ogc_params) and resolved in api/ogc_deps.py; a page is read in one worker-thread
hop (api.deps.read_in_one_hop), from the collection lookup to the response."""
from __future__ import annotations

import json
from functools import partial
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy import Connection
from starlette.background import BackgroundTask

from gis_service.api.deps import BaseUrl, Conn, PrimaryConn, base_url_of, read_in_one_hop
from gis_service.api.html import render
from gis_service.api.negotiation import not_modified
from gis_service.api.ogc_deps import ItemDep, items_request
from gis_service.crs import parse_crs
from gis_service.errors import NotFound
from gis_service.queries.registry import get_collection
from gis_service.queries.features import ItemsQuery, uses_keyset
from gis_service.services.exports import EXPORT_FORMATS
from gis_service.services.ogc.items import (
    RECORD_SEPARATOR, Page, export_items, feature_collection_text, fetch_feature, fetch_page, page_etag,
    stream_features,
)
from gis_service.services.ogc.documents import GEOJSON, link
from gis_service.services.jsonfg import JSONFG_MEDIA_TYPE, jsonfg_document, split_place_crs
from gis_service.services.ogc.params import operation_parameters
from gis_service.services.progress.history import as_of_members
from gis_service.services.progress.vocab import table_columns

router = APIRouter(tags=["OGC API – Features"])
ITEM_FORMAT_PARAMETER = {"name": "f", "in": "query", "required": False,
                         "schema": {"type": "string", "enum": ["json", "html", "jsonfg"]}}
ITEMS_MEDIA_TYPES = {GEOJSON: {}, "text/html": {}, "application/geo+json-seq": {}, JSONFG_MEDIA_TYPE: {},
                     **{media.split(";")[0]: {} for media, _ in EXPORT_FORMATS.values()}}
READ_METHODS = "GET, HEAD, OPTIONS"


def _content_crs(q: ItemsQuery) -> dict:
    return {"Content-Crs": f"<{q.out_crs.uri}>"}


def _page_links(base: str, cid: str, request: Request, q: ItemsQuery, page: Page) -> list[dict]:
    href = f"{base}/collections/{cid}/items"
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "f", "after")}

    def url(fmt: str, offset: int | None = None, after: str | None = None) -> str:
        extra = {"offset": offset} if offset else {}
        if after is not None:
            extra["after"] = after
        return f"{href}?{urlencode({**params, 'f': fmt, **extra})}"

    links = [link(url("json", q.offset, q.after_id), "self", GEOJSON, "本页 / this page"),
             link(url("html", q.offset, q.after_id), "alternate", "text/html", "网页版 / as HTML"),
             link(f"{base}/collections/{cid}", "collection", "application/json", "所属图层 / collection")]
    if page.more:
        # Id-ordered pages continue by keyset, so deep pages cost no more than the first.
        after = page.last_id if uses_keyset(q) else None
        links.append(link(url("json", q.offset + q.limit, after), "next", GEOJSON, "下一页 / next page"))
    if q.offset > 0:
        links.append(link(url("json", max(0, q.offset - q.limit)), "prev", GEOJSON, "上一页 / previous page"))
    return links


def _jsonfg(geojson: dict, place_crs, c, headers: dict) -> Response:
    body = jsonfg_document(geojson, place_crs, c.temporal_property)
    return Response(json.dumps(body, ensure_ascii=False), media_type=JSONFG_MEDIA_TYPE,
                    headers={**headers, "Content-Crs": f"<{place_crs.uri}>"})


@router.get("/collections/{collectionId}/items", summary="要素 / features", response_class=Response,
            responses={200: {"content": ITEMS_MEDIA_TYPES}}, openapi_extra={"parameters": operation_parameters()})
async def items(request: Request, collectionId: str):
    # Only the request and the path: api.hoist dispatches it without FastAPI's dependency solver.
    return await read_in_one_hop(request, partial(_items, request, collectionId, base_url_of(request),
                                                  request.app.state.settings))


def _items(request: Request, collection_id: str, base: str, settings, conn: Connection) -> Response:
    req = items_request(request, collection_id, conn, settings)
    c, q = req.collection, req.query
    etag = page_etag(c, str(request.url.query))
    headers = {"ETag": etag, "Last-Modified": c.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")}
    if req.fmt not in EXPORT_FORMATS:  # files are written in their own CRS, known after export
        headers.update(_content_crs(q))
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    if req.fmt == "geojsonseq":
        stream = stream_features(request.app.state.engine, q, q.limit, RECORD_SEPARATOR,
                                 settings.export_statement_timeout_ms)
        return StreamingResponse(stream, media_type="application/geo+json-seq", headers=headers)
    if req.fmt in EXPORT_FORMATS:
        result = export_items(request.app.state.engine, q, req.fmt, encoding=req.encoding,
                              timeout_ms=settings.export_statement_timeout_ms)
        if result.crs:
            headers["Content-Crs"] = f"<{parse_crs(result.crs).uri}>"
        return FileResponse(result.path, media_type=result.media_type, filename=result.filename,
                            headers=headers, background=BackgroundTask(result.cleanup))
    place_crs = split_place_crs(q) if req.fmt == "jsonfg" else None
    page = fetch_page(conn, q)
    links = _page_links(base, c.id, request, q, page)
    if place_crs is not None:
        return _jsonfg(json.loads(feature_collection_text(page, links, as_of_members(q.as_of))), place_crs, c, headers)
    if req.fmt == "html":
        return render(request, "items.html", collection={"id": c.id, "title": c.title_zh},
                      features=json.loads("[" + page.features + "]"), columns=table_columns(q.properties or c.properties),
                      links=links, offset=q.offset, returned=page.returned, matched=page.matched,
                      notice="演示数据 / demo data" if page.has_demo else None,
                      json_url=links[0]["href"].replace("f=html", "f=json"),
                      breadcrumbs=[(f"{base}/collections?f=html", "图层 Collections"),
                                   (f"{base}/collections/{c.id}?f=html", c.title_zh)])
    body = feature_collection_text(page, links, as_of_members(q.as_of))
    return Response(body, media_type=GEOJSON, headers=headers)


@router.get("/collections/{collectionId}/items/{featureId}", summary="单个要素 / one feature",
            response_class=Response,
            responses={200: {"content": {GEOJSON: {}, "text/html": {}, JSONFG_MEDIA_TYPE: {}}}},
            openapi_extra={"parameters": [*operation_parameters(("crs",)), ITEM_FORMAT_PARAMETER]})
def item(request: Request, req: ItemDep, conn: PrimaryConn, base: BaseUrl):
    c, q, featureId = req.collection, req.query, req.query.feature_id
    place_crs = split_place_crs(q) if req.fmt == "jsonfg" else None
    found = fetch_feature(conn, q)
    if found is None:
        raise NotFound(f"图层 {c.id} 中没有要素 {featureId!r}", f"no feature {featureId!r} in {c.id}",
                       detail={"collection": c.id, "feature": featureId})
    feature_text, version = found
    # The row version is the item's ETag (If-Match uses it); other CRSs are other representations.
    etag = (f'"{version}"' if req.params.get("crs") is None
            else f'W/"{version}-{q.out_crs.epsg}-{q.out_crs.lat_first}"')
    if q.as_of is not None:  # a past state is another representation, never a write precondition
        etag = f'W/"{version}-{q.out_crs.epsg}-{q.out_crs.lat_first}-as-of-{q.as_of.isoformat()}"'
    headers = {"ETag": etag, **_content_crs(q)}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    feature = {**json.loads(feature_text), **(as_of_members(q.as_of) or {})}
    href = f"{base}/collections/{c.id}/items/{featureId}"
    feature["links"] = [link(f"{href}?f=json", "self", GEOJSON, "本要素 / this feature"),
                        link(f"{href}?f=html", "alternate", "text/html", "网页版 / as HTML"),
                        link(f"{base}/collections/{c.id}", "collection", "application/json", c.title_zh)]
    if place_crs is not None:
        return _jsonfg(feature, place_crs, c, headers)
    if req.fmt == "html":
        return render(request, "item.html", feature=feature, json_url=f"{href}?f=json", headers=headers,
                      breadcrumbs=[(f"{base}/collections/{c.id}?f=html", c.title_zh),
                                   (f"{base}/collections/{c.id}/items?f=html", "要素 Items")])
    return Response(json.dumps(feature, ensure_ascii=False), media_type=GEOJSON, headers=headers)


@router.options("/collections/{collectionId}/items", include_in_schema=False)
@router.options("/collections/{collectionId}/items/{featureId}", include_in_schema=False)
def item_options(collectionId: str, request: Request, conn: Conn, featureId: str | None = None):
    """Allow lists what this caller may do: writes only for editors, where writes are possible."""
    from gis_service.services.editing.scope import allowed_methods

    allowed = allowed_methods(get_collection(conn, collectionId), request.state.principal, featureId)
    return Response(status_code=204, headers={"Allow": allowed})
