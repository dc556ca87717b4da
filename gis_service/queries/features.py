"""SQL for the items path. GeoJSON text is built by PostGIS, never by shapely.

Every user value is a bind parameter; every identifier comes from the
collection's own property table, never from the request.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gis_service.crs import CrsSpec, parse_crs
from gis_service.queries.registry import Collection
from gis_service.queries.progress import table_as_of_sql

METRE_IN_DEGREES = 1 / 111_320  # simplify tolerance is given in metres


@dataclass
class ItemsQuery:
    collection: Collection
    limit: int = 10
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None  # x,y order in bbox_crs
    bbox_crs: CrsSpec = field(default_factory=lambda: parse_crs(None))
    datetime_range: tuple[dt.datetime | None, dt.datetime | None] | None = None
    filter_sql: str | None = None
    filter_params: dict = field(default_factory=dict)
    equals: dict[str, object] = field(default_factory=dict)
    sortby: list[tuple[str, bool]] = field(default_factory=list)  # (property, ascending)
    properties: list[str] | None = None
    skip_geometry: bool = False
    out_crs: CrsSpec = field(default_factory=lambda: parse_crs(None))
    precision: int | None = None
    simplify_m: float | None = None
    feature_id: str | None = None
    # Keyset cursor: the last id of the previous page (default id order only).
    after_id: str | None = None
    # Time travel: the state recorded at the end of this day, Asia/Shanghai.
    as_of: dt.date | None = None

    @property
    def is_filtered(self) -> bool:
        return bool(self.bbox or self.datetime_range or self.filter_sql or self.equals
                    or self.feature_id is not None or self.as_of)


def from_sql(q: ItemsQuery) -> str:
    """The table, or with ``as_of`` the table as recorded then (same columns, alias ``t``)."""
    if q.as_of is None:
        return f"{q.collection.table} t"
    return f"({table_as_of_sql(q.collection.table, q.as_of)[0]}) t"


def where_clause(q: ItemsQuery, with_cursor: bool = True) -> tuple[str, dict]:
    """The selection's WHERE; ``with_cursor=False`` leaves out the keyset cursor (``after``), which
    picks a page of the selection but is not part of it (numberMatched counts the whole selection)."""
    c = q.collection
    parts, params = [c.base_where], dict(c.base_params)
    if q.as_of is not None:
        params.update(table_as_of_sql(c.table, q.as_of)[1])
    if q.feature_id is not None:
        parts.append(f"{c.id_sql} = :fid")
        params["fid"] = q.feature_id
    if q.bbox:
        x1, y1, x2, y2 = q.bbox
        srid = q.bbox_crs.epsg or 4326
        envelope = f"ST_MakeEnvelope(:bx1, :by1, :bx2, :by2, {srid})"
        if srid not in (4326, 4490):
            envelope = f"ST_Transform({envelope}, 4490)"
        else:  # CGCS2000 and WGS84 coincide here (docs/DOMAIN.md, Coordinate systems): no transform needed
            envelope = f"ST_SetSRID({envelope}, 4490)"
        parts.append(f"t.geom && {envelope} AND ST_Intersects(t.geom, {envelope})")
        params.update(bx1=x1, by1=y1, bx2=x2, by2=y2)
    if q.datetime_range and c.temporal_property:
        start, end = q.datetime_range
        column = c.properties[c.temporal_property].sql
        if start:
            parts.append(f"{column} >= :dt_start")
            params["dt_start"] = start.date() if isinstance(start, dt.datetime) else start
        if end:
            parts.append(f"{column} <= :dt_end")
            params["dt_end"] = end.date() if isinstance(end, dt.datetime) else end
    for i, (name, value) in enumerate(sorted(q.equals.items())):
        prop = c.properties[name]
        if prop.is_json:
            parts.append(f"({prop.sql} #>> '{{}}') = :eq{i}")
            params[f"eq{i}"] = str(value)
        else:
            parts.append(f"CAST({prop.sql} AS text) = :eq{i}")
            params[f"eq{i}"] = str(value)
    if q.filter_sql:
        parts.append(q.filter_sql)
        params.update(q.filter_params)
    if q.after_id is not None and with_cursor:
        parts.append(f"{c.id_sql} > :after_id")
        params["after_id"] = q.after_id
    return " AND ".join(f"({p})" for p in parts), params


def order_clause(q: ItemsQuery) -> str:
    c = q.collection
    terms = [f"{c.properties[name].sql} {'ASC' if asc else 'DESC'} NULLS LAST" for name, asc in q.sortby]
    terms.append(f"{c.id_sql} ASC")  # a total order, so pages never overlap
    return ", ".join(terms)


def geometry_sql(q: ItemsQuery) -> str:
    if q.skip_geometry:
        return "NULL"
    geom = "t.geom"
    if q.simplify_m:
        geom = f"ST_SimplifyPreserveTopology({geom}, {float(q.simplify_m) * METRE_IN_DEGREES!r})"
    epsg = q.out_crs.epsg
    if epsg not in (None, 4326, 4490):
        geom = f"ST_Transform({geom}, {int(epsg)})"
    if q.out_crs.lat_first or q.out_crs.northing_first:
        geom = f"ST_FlipCoordinates({geom})"
    projected = epsg not in (None, 4326, 4490)
    precision = q.precision if q.precision is not None else (3 if projected else 7)
    # Options 0: PostGIS otherwise adds a geometry "crs" member (EPSG:4490) that RFC 7946 forbids
    # and that would contradict the response CRS (CRS84 by default).
    return f"ST_AsGeoJSON({geom}, {int(precision)}, 0)"


def properties_sql(q: ItemsQuery) -> str:
    c = q.collection
    names = q.properties if q.properties is not None else list(c.properties)
    pairs = ", ".join(f"'{n}', {c.properties[n].sql}" for n in names if not c.properties[n].is_json)
    json_names = [n for n in names if c.properties[n].is_json]
    if c.extra_json_sql is None:  # user collection: all properties live in JSONB
        if q.properties is None:
            return "t.properties"
        keys = ", ".join(f"'{n.replace(chr(39), chr(39) * 2)}'" for n in json_names)
        return f"(SELECT coalesce(jsonb_object_agg(key, value), '{{}}') FROM jsonb_each(t.properties) " \
               f"WHERE key IN ({keys or 'NULL'}))"
    columns = f"jsonb_build_object({pairs})" if pairs else "'{}'::jsonb"
    return columns if q.properties is not None else f"({c.extra_json_sql} || {columns})"


def feature_text_sql(q: ItemsQuery) -> str:
    return ("'{\"type\":\"Feature\",\"id\":' || to_json(" + q.collection.id_sql + ")::text"
            " || ',\"geometry\":' || coalesce(" + geometry_sql(q) + ", 'null')"
            " || ',\"properties\":' || (" + properties_sql(q) + ")::text || '}'")


def uses_keyset(q: ItemsQuery) -> bool:
    """Id-ordered pages can seek by id instead of counting past OFFSET rows."""
    return not q.sortby


def counts_in_page(q: ItemsQuery) -> bool:
    """Whether ``page_sql`` also counts the selection (numberMatched): a filtered, id-ordered page
    of the table itself. The rest count with ``count_sql`` (or the stored count, unfiltered)."""
    return q.is_filtered and not q.sortby and q.as_of is None


_PAGE_TAIL = """
        numbered AS (SELECT fid, feature, row_number() OVER () AS rn FROM page)
        SELECT coalesce(string_agg(feature, ',' ORDER BY rn) FILTER (WHERE rn <= :lim), '') AS features,
               least(count(*), :lim) AS returned, count(*) > :lim AS more,
               (array_agg(fid ORDER BY rn) FILTER (WHERE rn <= :lim))[least(count(*), :lim)] AS last_id,
               {matched} AS matched
          FROM numbered"""


def page_sql(q: ItemsQuery) -> tuple[str, dict]:
    """One round trip: the page's features as one text, whether more exist, the last id (the
    keyset cursor for the next page) and, where ``counts_in_page``, the selection's count."""
    if counts_in_page(q):
        return _counted_page_sql(q)
    where, params = where_clause(q)
    offset = 0 if q.after_id is not None else q.offset
    params.update(lim=q.limit, lim1=q.limit + 1, off=offset)
    sql = f"""
        WITH page AS MATERIALIZED (
            SELECT {q.collection.id_sql} AS fid, {feature_text_sql(q)} AS feature
              FROM {from_sql(q)}
             WHERE {where} ORDER BY {order_clause(q)} LIMIT :lim1 OFFSET :off),""" + _PAGE_TAIL.format(matched="NULL")
    return sql, params


def _counted_page_sql(q: ItemsQuery) -> tuple[str, dict]:
    # One index scan finds the selection's ids and row addresses; the count and the page both
    # come from it, and only the page's rows are read again (by address, in the same snapshot).
    # Counting separately scanned the selection twice: most of a bbox page's time.
    c = q.collection
    where, params = where_clause(q, with_cursor=False)
    cursor = ""
    if q.after_id is not None:
        cursor, params["after_id"] = "WHERE fid > :after_id", q.after_id
    params.update(lim=q.limit, lim1=q.limit + 1, off=0 if q.after_id is not None else q.offset)
    sql = f"""
        WITH hits AS MATERIALIZED (SELECT {c.id_sql} AS fid, t.ctid AS tid FROM {c.table} t WHERE {where}),
        top AS MATERIALIZED (SELECT fid, tid FROM hits {cursor} ORDER BY fid LIMIT :lim1 OFFSET :off),
        page AS MATERIALIZED (
            SELECT top.fid, {feature_text_sql(q)} AS feature FROM top JOIN {c.table} t ON t.ctid = top.tid
             ORDER BY top.fid),""" + _PAGE_TAIL.format(matched="(SELECT count(*) FROM hits)")
    return sql, params


def _ordered_rows_sql(q: ItemsQuery, columns: str, limit: int | None) -> tuple[str, dict]:
    """``columns`` of the matching rows in page order, optionally one window of them."""
    where, params = where_clause(q)
    tail = ""
    if limit is not None:
        tail = " LIMIT :lim OFFSET :off"
        params.update(lim=limit, off=q.offset)
    return f"SELECT {columns} FROM {from_sql(q)} WHERE {where} ORDER BY {order_clause(q)}{tail}", params


def stream_sql(q: ItemsQuery, limit: int | None) -> tuple[str, dict]:
    return _ordered_rows_sql(q, f"{feature_text_sql(q)} AS feature", limit)


def feature_sql(q: ItemsQuery) -> tuple[str, dict]:
    """One feature's GeoJSON text and its row version (the item's ETag)."""
    return _ordered_rows_sql(q, f"{feature_text_sql(q)} AS feature, t.version AS version", 1)


def frame_sql(q: ItemsQuery, limit: int | None) -> tuple[str, dict]:
    """Rows for file exports: id, WKB in EPSG:4490, properties as JSONB."""
    geom = "NULL::bytea" if q.skip_geometry else "ST_AsBinary(t.geom)"
    return _ordered_rows_sql(q, f"{q.collection.id_sql} AS id, {geom} AS wkb, {properties_sql(q)} AS props",
                             limit)


def count_sql(q: ItemsQuery) -> tuple[str, dict]:
    where, params = where_clause(q, with_cursor=False)
    return f"SELECT count(*) FROM {from_sql(q)} WHERE {where}", params


def extent_sql(collection: Collection) -> tuple[str, dict]:
    return (f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            f"(SELECT ST_Extent(t.geom) AS e FROM {collection.table} t WHERE {collection.base_where}) s",
            dict(collection.base_params))
