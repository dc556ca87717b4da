"""Load the synthetic cadastre: replace the parcels layer in one transaction via COPY."""
from __future__ import annotations

import json

import shapely
from rich.progress import Progress
from sqlalchemy import Engine, text

from gis_service.db import post_write
from gis_service.errors import GisError
from gis_service.loader.synthetic_parcels import generate

TITLE_ZH = "宗地（合成数据）"
DESCRIPTION_ZH = "按种子随机生成的合成宗地，仅供测试与性能评估，非真实地籍。"
DESCRIPTION_EN = "Synthetic parcels generated from a seed, for tests and benchmarks only; not a real cadastre."
STYLE = {"color": "#795548", "fill_color": "#D7CCC8", "fill_opacity": 0.3, "weight": 0.5,
         "dash_array": None, "hatch": False}
COPY_CHUNK = 5000


def _district_and_units(conn):
    district = conn.execute(text("SELECT ST_AsBinary(geom) FROM admin_units "
                                 "WHERE level = 'district' AND NOT retired")).scalar()
    if district is None:
        raise GisError("尚未加载城区边界，请先运行 gis-service load",
                       "the 城区 boundary is not loaded; run `gis-service load` first", status=409,
                       code="boundary_missing")
    units = conn.execute(text("SELECT name, ST_AsBinary(geom) AS wkb FROM admin_units "
                              "WHERE level <> 'district' AND NOT retired ORDER BY id")).all()
    return shapely.from_wkb(bytes(district)), [(u.name, shapely.from_wkb(bytes(u.wkb))) for u in units]


def load_synthetic_parcels(engine: Engine, n: int, seed: int = 42, progress: bool = True) -> int:
    with engine.connect() as conn:
        district, units = _district_and_units(conn)
    parcels = generate(district, units, n, seed)
    ewkb = shapely.to_wkb(shapely.set_srid(parcels.geoms, 4490), hex=True, include_srid=True)
    rows = list(zip(parcels.ids, parcels.land_use, parcels.land_use_name, parcels.area_m2.tolist(),
                    parcels.admin_unit, ewkb))
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO layer_meta (collection_id, kind, title_zh, title_en, description_zh, description_en,
                                    geometry_type, source, license, style)
            VALUES ('parcels', 'working', :t, 'Parcels (synthetic)', :dz, :de, 'MultiPolygon',
                    :src, 'synthetic test data', CAST(:style AS jsonb))
            ON CONFLICT (collection_id) DO UPDATE SET description_zh = EXCLUDED.description_zh,
                source = EXCLUDED.source"""),
            {"t": TITLE_ZH, "dz": DESCRIPTION_ZH, "de": DESCRIPTION_EN,
             "src": f"合成数据 synthetic: gis-service demo parcels --n {n} --seed {seed}",
             "style": json.dumps(STYLE)})
        conn.execute(text("DELETE FROM parcels"))
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur, Progress(disable=not progress) as bar:
            task = bar.add_task(f"loading {len(rows)} parcels", total=len(rows))
            with cur.copy("COPY parcels (id, land_use, land_use_name, area_m2, admin_unit, geom) "
                          "FROM STDIN") as copy:
                for start in range(0, len(rows), COPY_CHUNK):
                    for row in rows[start:start + COPY_CHUNK]:
                        copy.write_row(row)
                    bar.advance(task, min(COPY_CHUNK, len(rows) - start))
        post_write.after_write(conn, post_write.WriteEvent("parcels", (), "load"))
    with engine.connect() as conn:  # fresh statistics so the planner uses the GIST index
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE parcels, tile_geoms"))
    return len(rows)
