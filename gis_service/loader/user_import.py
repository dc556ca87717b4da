"""Import a user's own file as a collection in ``user_features``.

The whole collection is replaced in one transaction, so a failed import
leaves the previous version in place and the schema never changes.
"""
from __future__ import annotations

import re
from pathlib import Path

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from gis_service.db import post_write
from gis_service.db.models import PLAN_MODELS, STORAGE_SRID
from gis_service.errors import InvalidFile, InvalidInput
from gis_service.loader.readers import read_vector_file

COLLECTION_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
ID_FIELDS = ("id", "fid", "feature_id")


def _json_safe(value):
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN → null
    return str(value)


def import_user_file(engine: Engine, path: Path, collection_id: str, *, crs: str | None = None,
                     title: str | None = None, encoding: str | None = None) -> int:
    if not COLLECTION_ID.match(collection_id) or collection_id in PLAN_MODELS:
        raise InvalidInput(
            f"图层标识 {collection_id!r} 无效或与规划图层重名",
            f"collection id {collection_id!r} must match {COLLECTION_ID.pattern} "
            "and must not be a plan collection", detail={"collection": collection_id})
    gdf = read_vector_file(Path(path), crs=crs, encoding=encoding)
    id_field = next((f for f in ID_FIELDS if f in gdf.columns), None)
    rows, seen = [], set()
    for index, (record, geom) in enumerate(zip(gdf.drop(columns="geometry").to_dict("records"),
                                               gdf.geometry)):
        fid = str(record.get(id_field)) if id_field else str(index + 1)
        if fid in seen:
            raise InvalidFile(f"{Path(path).name} 要素编号重复: {fid}",
                              f"{Path(path).name}: duplicate feature id {fid}",
                              detail={"file": Path(path).name, "feature": fid})
        seen.add(fid)
        if geom is not None and not shapely.is_valid(geom):
            raise InvalidFile(f"{Path(path).name} 第 {index + 1} 个要素几何无效",
                              f"{Path(path).name} feature {fid}: invalid geometry: "
                              f"{shapely.is_valid_reason(geom)}",
                              detail={"file": Path(path).name, "feature": fid})
        rows.append({"c": collection_id, "f": fid,
                     "p": {k: _json_safe(v) for k, v in record.items()},
                     "g": None if geom is None else from_shape(geom, srid=STORAGE_SRID).desc})
    geom_types = sorted({g.geom_type for g in gdf.geometry if g is not None})
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO layer_meta (collection_id, kind, title_zh, title_en, geometry_type, source) "
            "VALUES (:c, 'user', :t, :t, :gt, :src) ON CONFLICT (collection_id) DO UPDATE "
            "SET title_zh = EXCLUDED.title_zh, geometry_type = EXCLUDED.geometry_type, "
            "source = EXCLUDED.source WHERE layer_meta.kind = 'user'"),
            {"c": collection_id, "t": title or collection_id, "gt": ",".join(geom_types),
             "src": f"user import: {Path(path).name}"})
        kind = conn.execute(text("SELECT kind FROM layer_meta WHERE collection_id = :c"),
                            {"c": collection_id}).scalar_one()
        if kind != "user":
            raise InvalidInput(f"{collection_id} 不是用户图层", f"{collection_id} is not a user collection")
        conn.execute(text("DELETE FROM user_features WHERE collection_id = :c"), {"c": collection_id})
        if rows:
            conn.execute(text(
                "INSERT INTO user_features (collection_id, feature_id, properties, geom) VALUES "
                "(:c, :f, :p, ST_GeomFromWKB(decode(:g, 'hex'), 4490))"
            ).bindparams(bindparam("p", type_=JSONB)), rows)
        # The whole collection was replaced: an empty id list says so.
        post_write.after_write(conn, post_write.WriteEvent(collection_id, (), "import"))
    return len(rows)
