"""What the map pages show, computed from PostGIS: progress by unit (with
``as_of``), unlocated items, the undesignated remainder and data versions."""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import shapely
from sqlalchemy import Connection, text

from gis_service import vocab
from gis_service.maps.styles import METRES_PER_DEGREE
from gis_service.queries.map_data import (
    DATA_VERSIONS_SQL, DEMO_SQL, PROGRESS_DAYS_SQL, UNDESIGNATED_SQL, frame_sql, unlocated_sql,
)
from gis_service.services.progress import rollup
from gis_service.services.progress.history import first_load_day

PROGRESS_MAP_COLLECTIONS = ("projects", "urban_village_sites")


@dataclass(frozen=True)
class ProgressItem:
    collection_id: str
    id: str
    name: str
    category: str | None
    plan_ref: str | None
    zhuanlan: str | None
    geometry_quality: str
    location_basis: str
    demo: bool
    status: str
    percent_complete: float | None
    status_date: dt.date | None
    lon: float | None
    lat: float | None
    admin_unit: str | None
    sub_area: str | None

    @property
    def done(self) -> bool:
        return vocab.is_finished(self.collection_id, self.status)

    @property
    def known(self) -> bool:
        return self.status != "unknown"


@dataclass
class UnitStat:
    id: str
    name: str
    total: int = 0
    known: int = 0
    done: int = 0
    unknown: int = 0

    @property
    def rate(self) -> float | None:
        """Done over items with a known status; None (no data) when nothing is reported."""
        return self.done / self.known if self.known else None

    @property
    def unknown_share(self) -> float | None:
        return self.unknown / self.total if self.total else None

    def add(self, item: ProgressItem) -> None:
        self.total += 1
        self.known += item.known
        self.done += item.done
        self.unknown += not item.known

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "total": self.total, "known": self.known,
                "done": self.done, "unknown": self.unknown, "rate": self.rate,
                "unknown_share": self.unknown_share}


@dataclass
class ProgressView:
    as_of: dt.date | None
    items: list[ProgressItem]
    units: dict[str, list[UnitStat]]  # "admin_units" / "sub_areas" -> stats
    overall: UnitStat
    status_counts: dict[str, Counter]  # collection -> status -> count
    demo: bool
    categories: list[str] = field(default_factory=list)
    zhuanlan: list[str] = field(default_factory=list)


def progress_view(conn: Connection, as_of: dt.date | None = None, category: str | None = None,
                  zhuanlan: str | None = None) -> ProgressView:
    """Projects and urban-village sites as recorded at ``as_of``, placed in units by the roll-up rule."""
    units_of = rollup.load_units(conn)
    every = [_item(row, units_of) for cid in PROGRESS_MAP_COLLECTIONS for row in rollup.feature_rows(conn, cid, as_of)]
    items = [i for i in every if (not category or i.category == category)
             and (not zhuanlan or i.zhuanlan == zhuanlan)]
    units: dict[str, list[UnitStat]] = {
        "admin_units": [UnitStat(i, n) for i, n in units_of.admin.items()],
        "sub_areas": [UnitStat(i, n) for i, n in units_of.sub.items()]}
    by_id = {(kind, s.id): s for kind, stats in units.items() for s in stats}
    overall = UnitStat("all", "全部 all")
    status_counts: dict[str, Counter] = {cid: Counter() for cid in PROGRESS_MAP_COLLECTIONS}
    for item in items:
        overall.add(item)
        status_counts[item.collection_id][item.status] += 1
        for kind, unit_id in (("admin_units", item.admin_unit), ("sub_areas", item.sub_area)):
            if (kind, unit_id) in by_id:
                by_id[(kind, unit_id)].add(item)
    return ProgressView(
        as_of=as_of, items=items, units=units, overall=overall, status_counts=status_counts,
        demo=any(i.demo for i in items),
        categories=sorted({i.category for i in every if i.category}),
        zhuanlan=sorted({i.zhuanlan for i in every if i.zhuanlan}))


def _item(row, units: rollup.Units) -> ProgressItem:
    return ProgressItem(
        collection_id=row.collection_id, id=row.id, name=row.name, category=row.category, plan_ref=row.plan_ref,
        zhuanlan=row.zhuanlan, geometry_quality=row.geometry_quality, location_basis=row.location_basis,
        demo=row.demo, status=row.status,
        percent_complete=None if row.percent_complete is None else float(row.percent_complete),
        status_date=row.status_date, lon=row.lon, lat=row.lat,
        admin_unit=rollup.unit_of(row, "admin_unit", units)[0], sub_area=rollup.unit_of(row, "sub_area", units)[0])


def progress_payload(view: ProgressView, base: str) -> dict:
    """The small JSON the progress page draws from: unit stats and located markers."""
    markers = [{"collection": i.collection_id, "id": i.id, "name": i.name, "status": i.status,
                "percent": i.percent_complete, "status_date": i.status_date and i.status_date.isoformat(),
                "plan_ref": i.plan_ref, "quality": i.geometry_quality, "basis": i.location_basis,
                "demo": i.demo, "lat": round(i.lat, 6), "lon": round(i.lon, 6),
                "href": f"{base}/collections/{i.collection_id}/items/{i.id}?f=json"}
               for i in view.items if i.lat is not None]
    return {"as_of": view.as_of and view.as_of.isoformat(),
            "units": {kind: {s.id: s.as_json() for s in stats} for kind, stats in view.units.items()},
            "overall": view.overall.as_json(), "markers": markers}


def progress_days(conn: Connection) -> list[str]:
    """Days with recorded progress of the progress map's collections, from the first load on."""
    first = first_load_day(conn)
    days = conn.execute(text(PROGRESS_DAYS_SQL), {"collections": list(PROGRESS_MAP_COLLECTIONS)}).scalars()
    return [d.isoformat() for d in days if first is None or d >= first]


@dataclass(frozen=True)
class UnlocatedItem:
    collection_id: str
    id: str
    name: str
    plan_ref: str | None
    area_hint: str | None


def unlocated_items(conn: Connection, collection_ids: list[str]) -> list[UnlocatedItem]:
    return [UnlocatedItem(**row) for row in conn.execute(text(unlocated_sql(collection_ids))).mappings()]


@dataclass(frozen=True)
class DataState:
    versions: str           # "collection:data_version,..." over the plan layers
    updated_at: dt.datetime | None
    demo: bool


def data_state(conn: Connection) -> DataState:
    versions, updated_at = conn.execute(text(DATA_VERSIONS_SQL)).one()
    demo = bool(conn.execute(text(DEMO_SQL)).scalar())
    return DataState(versions or "", updated_at, demo)


def undesignated_geojson(conn: Connection, simplify_m: float = 0.0) -> dict:
    """城区 minus the four function zones, as one GeoJSON Feature."""
    row = conn.execute(text(UNDESIGNATED_SQL), {"tolerance": simplify_m / METRES_PER_DEGREE}).one()
    geometry = json.loads(row.geometry) if row.geometry else None
    return {"type": "Feature", "id": "undesignated", "geometry": geometry,
            "properties": {"name": vocab.UNDESIGNATED_ZONE_ZH, "name_en": vocab.UNDESIGNATED[1],
                           "area_m2": round(float(row.area_m2 or 0), 1)}}


def layer_frames(conn: Connection, collection_ids: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    """Each plan layer as a GeoDataFrame in EPSG:4490, for static maps."""
    frames = {}
    for cid in collection_ids:
        rows = conn.execute(text(frame_sql(cid))).mappings().all()
        geoms = [shapely.from_wkb(bytes(r["wkb"])) for r in rows]
        records = [{k: v for k, v in r.items() if k != "wkb"} for r in rows]
        frames[cid] = gpd.GeoDataFrame(records, geometry=geoms, crs="EPSG:4490")
    return frames
