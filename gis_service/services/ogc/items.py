"""Run the items SQL and assemble OGC API responses around PostGIS's GeoJSON text."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import shapely
from sqlalchemy import Connection, Engine, text

from gis_service.db.engine import set_statement_timeout, first_row
from gis_service.maps.styles import collection_style
from gis_service.services.exports.typed import typed_frame
from gis_service.queries.registry import Collection
from gis_service.queries.features import (
    ItemsQuery, count_sql, counts_in_page, extent_sql, feature_sql, frame_sql, page_sql, stream_sql, where_clause,
)
from gis_service.services.exports import ExportResult, export_frames
from gis_service.vocab import DEMO_NOTICE

DEMO_MARKER = '"demo_progress": true'
RECORD_SEPARATOR = "\x1e"


@dataclass
class Page:
    features: str        # comma-joined GeoJSON Feature texts
    returned: int
    more: bool
    matched: int | None
    last_id: str | None = None

    @property
    def has_demo(self) -> bool:
        return DEMO_MARKER in self.features


def number_matched(conn: Connection, q: ItemsQuery) -> int:
    # Unfiltered: the trigger-maintained count, exact and O(1). Filtered: counted.
    if not q.is_filtered:
        return q.collection.feature_count
    sql, params = count_sql(q)
    return first_row(conn, sql, params)[0]


def fetch_page(conn: Connection, q: ItemsQuery) -> Page:
    sql, params = page_sql(q)
    row = first_row(conn, sql, params)  # aggregates: always one row
    matched = row.matched if counts_in_page(q) else number_matched(conn, q)
    return Page(row.features, row.returned, row.more, matched, None if row.last_id is None else str(row.last_id))


def feature_collection_text(page: Page, links: list[dict], extra: dict | None = None) -> str:
    head = {"type": "FeatureCollection"}
    tail = {"numberReturned": page.returned, "timeStamp": dt.datetime.now(dt.timezone.utc)
            .isoformat(timespec="seconds").replace("+00:00", "Z"), "links": links}
    if page.matched is not None:
        tail["numberMatched"] = page.matched
    if page.has_demo:
        tail["notice"] = DEMO_NOTICE
    tail.update(extra or {})
    return (json.dumps(head, ensure_ascii=False)[:-1] + ',"features":[' + page.features + "],"
            + json.dumps(tail, ensure_ascii=False)[1:])


def fetch_feature(conn: Connection, q: ItemsQuery) -> tuple[str, int] | None:
    """One feature's GeoJSON text and its row version (the item ETag)."""
    sql, params = feature_sql(q)
    row = first_row(conn, sql, params)
    return None if row is None else (row.feature, row.version)


def stream_features(engine: Engine, q: ItemsQuery, limit: int | None, separator: str,
                    timeout_ms: int) -> Iterator[bytes]:
    """GeoJSON-Seq, one feature per line, from a server-side cursor: flat memory."""
    sql, params = stream_sql(q, limit)
    with engine.connect() as conn:
        set_statement_timeout(conn, timeout_ms)
        result = conn.execution_options(stream_results=True, yield_per=1000).execute(text(sql), params)
        # An explicit size: partitions() without one fetches everything (FETCH FORWARD ALL).
        for partition in result.partitions(1000):
            yield "".join(f"{separator}{row.feature}\n" for row in partition).encode()


FRAME_CHUNK_ROWS = 10_000  # ~65 MB peak for 200k parcels to GeoPackage (20k: ~120 MB); see docs/PERFORMANCE.md


def _frame_columns(conn: Connection, q: ItemsQuery) -> list[str]:
    """Every column a download will have: declared properties, then the JSONB keys
    found in the matching rows, so all chunks of a streamed export agree."""
    declared = [n for n in (q.properties or q.collection.properties) if n != "id"]
    if q.properties is not None:
        return ["id", *declared]
    where, params = where_clause(q)
    keys = conn.execute(text(f"SELECT DISTINCT jsonb_object_keys(t.properties) FROM "
                             f"{q.collection.table} t WHERE {where}"), params).scalars().all()
    return ["id", *declared, *sorted(k for k in keys if k not in declared and k != "id")]


def _frame(rows, columns: list[str]) -> gpd.GeoDataFrame:
    records = [{"id": r.id, **(r.props or {})} for r in rows]
    geoms = [None if r.wkb is None else shapely.from_wkb(bytes(r.wkb)) for r in rows]
    frame = gpd.GeoDataFrame(records, geometry=geoms, crs="EPSG:4490")
    return frame.reindex(columns=[*columns, "geometry"])


def iter_frames(engine: Engine, q: ItemsQuery, limit: int | None, chunk_rows: int = FRAME_CHUNK_ROWS,
                timeout_ms: int | None = None) -> Iterator[gpd.GeoDataFrame]:
    """The query's rows as GeoDataFrames of ``chunk_rows``, from a server-side cursor."""
    sql, params = frame_sql(q, limit)
    with engine.connect() as conn:
        if timeout_ms:
            set_statement_timeout(conn, timeout_ms)
        columns = _frame_columns(conn, q)
        result = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(text(sql), params)
        produced = False
        for rows in result.partitions(chunk_rows):  # explicit size, else FETCH FORWARD ALL
            produced = True
            yield typed_frame(_frame(rows, columns), q.collection.properties)
        if not produced:
            yield typed_frame(_frame([], columns), q.collection.properties)


_extent_cache: dict[tuple[str, str, int], list[float] | None] = {}


def collection_extent(conn: Connection, c: Collection) -> list[float] | None:
    # Keyed by data_version, so a cached extent can never be stale.
    key = (str(conn.engine.url), c.id, c.data_version)
    if key not in _extent_cache:
        sql, params = extent_sql(c)
        row = conn.execute(text(sql), params).one()
        _extent_cache[key] = None if row[0] is None else [round(float(v), 7) for v in row]
        if len(_extent_cache) > 1024:
            _extent_cache.pop(next(iter(_extent_cache)))
    return _extent_cache[key]


def page_etag(c: Collection, query_string: str) -> str:
    digest = hashlib.sha1(query_string.encode()).hexdigest()[:16]
    return f'W/"{c.id}-{c.data_version}-{digest}"'


def export_items(engine: Engine, q: ItemsQuery, fmt: str, *, encoding: str, timeout_ms: int) -> ExportResult:
    """The query's rows written as one download file, streamed from the database."""
    c = q.collection
    frames = iter_frames(engine, q, q.limit, timeout_ms=timeout_ms)
    return export_frames(frames, fmt, c.id, style=collection_style(c.id, c.style), title=c.title_zh, encoding=encoding,
                         geometry_type=c.geometry_type)
