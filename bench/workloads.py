"""The requests both servers get: seeded, so every run asks for the same things.

Each workload is described server-neutrally (a limit and offset, a bbox, a tile)
and turned into each server's own URL only at the end.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from urllib.parse import quote

import shapely
from sqlalchemy import text

from bench.database import BenchDatabase

MAX_OFFSET = 5000          # pages start anywhere in the first 5,000 parcels
PATHS_PER_WORKLOAD = 64
BBOX_SIDE_M = 1000         # about 1 km² per bbox
METRES_PER_DEGREE = 111_320
TILE_ZOOMS = (10, 11, 12, 13, 14, 15, 16)


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    after: str | None = None  # the id before ``offset``: our next links' keyset cursor


def offset_pages(limit: int, seed: int) -> list[Page]:
    rng = random.Random(f"{seed}-pages-{limit}")
    pages = max(1, MAX_OFFSET // limit)
    return [Page(limit, rng.randrange(pages) * limit) for _ in range(PATHS_PER_WORKLOAD)]


def with_cursors(db: BenchDatabase, pages: list[Page]) -> list[Page]:
    """The same pages addressed by keyset cursor, the way our own next links address them."""
    engine = db.engine()
    with engine.connect() as conn:
        out = []
        for page in pages:
            after = None if page.offset == 0 else conn.execute(text(
                "SELECT id FROM parcels WHERE NOT retired ORDER BY id OFFSET :k LIMIT 1"),
                {"k": page.offset - 1}).scalar_one()
            out.append(Page(page.limit, page.offset, page.bbox, after))
    engine.dispose()
    return out


def district(db: BenchDatabase):
    engine = db.engine()
    with engine.connect() as conn:
        wkb = conn.execute(text("SELECT ST_AsBinary(geom) FROM admin_units "
                                "WHERE level = 'district' AND NOT retired")).scalar()
    engine.dispose()
    return shapely.from_wkb(bytes(wkb))


def bbox_pages(area, limit: int, seed: int) -> list[Page]:
    """~1 km² boxes centred on seeded points inside 城区, so they spread over the district."""
    rng = random.Random(f"{seed}-bbox")
    minx, miny, maxx, maxy = area.bounds
    half_lat = BBOX_SIDE_M / 2 / METRES_PER_DEGREE
    pages: list[Page] = []
    while len(pages) < PATHS_PER_WORKLOAD:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not area.contains(shapely.Point(x, y)):
            continue
        half_lon = half_lat / math.cos(math.radians(y))
        box = tuple(round(v, 6) for v in (x - half_lon, y - half_lat, x + half_lon, y + half_lat))
        pages.append(Page(limit, 0, box))
    return pages


def _tile_range(lon_min, lat_min, lon_max, lat_max, z):
    def xy(lon, lat):
        n = 2 ** z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return x, y

    x0, y1 = xy(lon_min, lat_min)
    x1, y0 = xy(lon_max, lat_max)
    return range(x0, x1 + 1), range(y0, y1 + 1)


def district_tiles(db: BenchDatabase, seed: int) -> dict[int, list[tuple[int, int, int]]]:
    """Per zoom, up to PATHS_PER_WORKLOAD seeded tiles (z, x, y) that intersect 城区."""
    area = district(db)
    engine = db.engine()
    tiles = {}
    with engine.connect() as conn:
        for z in TILE_ZOOMS:
            xs, ys = _tile_range(*area.bounds, z)
            candidates = [(x, y) for x in xs for y in ys]
            hits = conn.execute(text("""
                SELECT c.x, c.y FROM unnest(CAST(:xs AS int[]), CAST(:ys AS int[])) AS c(x, y),
                       admin_units a
                 WHERE a.level = 'district' AND NOT a.retired
                   AND ST_Intersects(a.geom, ST_Transform(ST_TileEnvelope(:z, c.x, c.y), 4490))
                 ORDER BY c.x, c.y"""),
                {"xs": [c[0] for c in candidates], "ys": [c[1] for c in candidates], "z": z}).all()
            found = [(z, h.x, h.y) for h in hits]
            rng = random.Random(f"{seed}-tiles-{z}")
            tiles[z] = rng.sample(found, min(len(found), PATHS_PER_WORKLOAD))
    engine.dispose()
    return tiles


# --- each server's URLs ------------------------------------------------------------

def items_path(collection_id: str, page: Page, fmt: str, keyset: bool = False) -> str:
    """``keyset``: continue after ``page.after`` (our next links); else OFFSET (tipg's)."""
    query = f"limit={page.limit}"
    if keyset and page.after is not None:
        query += f"&after={quote(page.after)}"
    elif page.offset:
        query += f"&offset={page.offset}"
    if page.bbox:
        query += "&bbox=" + ",".join(repr(v) for v in page.bbox)
    return f"/collections/{collection_id}/items?{query}&f={fmt}"


def tile_path(template: str, tile: tuple[int, int, int]) -> str:
    z, x, y = tile
    return template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
