"""Dependencies of the items routes, in the manner of tipg's: the collection, the format and the
items query are resolved (and refused with a 400 naming the parameter) before a handler runs.
The parameters themselves are declared once, in ``services.ogc_params``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from gis_service.api.deps import Conn, PrimaryConn
from gis_service.api.negotiation import wants
from gis_service.queries.registry import Collection, get_collection
from gis_service.queries.features import ItemsQuery
from gis_service.services.progress.history import check_as_of
from gis_service.services.exports import EXPORT_FORMATS
from gis_service.services.ogc.params import ITEM_FORMATS, ITEM_PARAMETERS, build_items_query
from gis_service.settings import Settings


@dataclass
class ItemsRequest:
    collection: Collection
    query: ItemsQuery
    fmt: str
    encoding: str = "UTF-8"
    params: dict[str, str] = field(default_factory=dict)


def _is_download(fmt: str) -> bool:
    return fmt in EXPORT_FORMATS or fmt == "geojsonseq"


def _collection(collectionId: str, conn: Conn) -> Collection:
    return get_collection(conn, collectionId)


# The path's collection, or a 404 naming it (tipg's CollectionParams).
CollectionDep = Annotated[Collection, Depends(_collection)]


def items_request(request: Request, collection_id: str, conn: Connection, settings: Settings) -> ItemsRequest:
    """The items request, or a 400 naming the parameter; called by the route in its one worker hop."""
    fmt = wants(request, ITEM_FORMATS)
    collection = get_collection(conn, collection_id)
    params = dict(request.query_params)
    # Downloads without an explicit limit mean "the whole (filtered) layer".
    download = _is_download(fmt)
    q = build_items_query(collection, params,
                          limit=settings.max_export_features if download else settings.default_limit,
                          max_limit=settings.max_export_features if download else settings.max_limit)
    check_as_of(conn, q.as_of)
    return ItemsRequest(collection, q, fmt, params.get("encoding", "UTF-8"), params)


def _item_request(request: Request, collectionId: str, featureId: str, conn: PrimaryConn) -> ItemsRequest:
    """One feature, read from the primary (its ETag feeds If-Match): only its output CRS is read."""
    fmt = wants(request, ("json", "html", "jsonfg"))
    collection = get_collection(conn, collectionId)
    params = {k: v for k, v in request.query_params.items() if k in ITEM_PARAMETERS and k != "f"}
    q = build_items_query(collection, params, limit=1, max_limit=1)
    q.feature_id = featureId
    check_as_of(conn, q.as_of)
    return ItemsRequest(collection, q, fmt, params=params)


ItemDep = Annotated[ItemsRequest, Depends(_item_request)]
