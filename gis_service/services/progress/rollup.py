"""The one progress roll-up: which unit a progress feature counts in, and what it counts as.
``/stats/progress``, the editors' list, ``/maps/progress`` and the static maps all place and
count features here, so a unit's numbers are the same wherever they show.

The unit rule, for an admin unit (街道/镇) and for a 片区 alike:

1. **The plan's hint first.** Where the plan names the place (``area_hint``: a unit such as
   北石店, or a 片区 such as 西北片区), the feature counts there; a 片区 names an admin unit
   only when it has exactly one. 其它/其他 names nothing.
2. **Otherwise its location**: the unit sharing most of the feature, measured in EPSG:4547
   (area for polygons, length for lines); a point counts in the unit containing it; ties go
   to the lowest unit id; 城区 itself (``admin_units.level = 'district'``) is never a unit.
3. **Otherwise the admin unit the plan lists** for it (``properties.admin_unit``) and its 片区.
4. Otherwise the feature is ``unlocated``.

A feature is *reported* when its status is not ``unknown`` and *finished* when its status is
in the vocabulary's finished group. Everything is read as recorded at the end of ``as_of``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from gis_service import vocab
from gis_service.queries.rollup import UNITS_SQL, rollup_rows_sql

UNLOCATED = "unlocated"
UNIT_GROUPINGS = ("admin_unit", "sub_area")


@dataclass
class Units:
    admin: dict[str, str]                 # id -> name
    sub: dict[str, str]
    sub_of_admin: dict[str, str] = field(default_factory=dict)
    admins_of_sub: dict[str, list[str]] = field(default_factory=dict)

    def hint(self, area_hint: str | None) -> tuple[str | None, str | None]:
        """(admin unit, sub-area) the plan's area hint names, where it names one."""
        hint = (area_hint or "").strip()
        if not hint or hint in ("其它", "其他"):
            return None, None
        if hint.endswith("片区"):
            stem = hint[:-2]
            sub = next((i for i, n in self.sub.items() if n.startswith(stem)), None)
            admins = self.admins_of_sub.get(sub or "", [])
            return (admins[0] if len(admins) == 1 else None), sub
        admin = next((i for i, n in self.admin.items() if n.startswith(hint)), None)
        return admin, self.sub_of_admin.get(admin or "")


def load_units(conn: Connection) -> Units:
    units = Units({}, {})
    for row in conn.execute(text(UNITS_SQL)):
        if row.kind == "admin_unit":
            units.admin[row.id] = row.name
        else:
            units.sub[row.id] = row.name
            units.admins_of_sub[row.id] = list(row.members or [])
            for member in row.members or []:
                units.sub_of_admin[member] = row.id
    return units


def feature_rows(conn: Connection, collection_id: str, as_of: dt.date | None = None) -> list:
    """Every live feature of a progress collection with what placing and counting it needs."""
    sql, params = rollup_rows_sql(collection_id, as_of)
    return conn.execute(text(sql), params).all()


def unit_of(row, grouping: str, units: Units) -> tuple[str, str]:
    """(unit id or ``unlocated``, basis) of one feature row, by the rule above."""
    hint_admin, hint_sub = units.hint(row.area_hint)
    if grouping == "admin_unit":
        options = ((hint_admin, "area_hint"), (row.located_admin_unit, "location"), (row.admin_hint, "admin_unit"))
    else:
        options = ((hint_sub, "area_hint"), (row.located_sub_area, "location"),
                   (units.sub_of_admin.get(row.admin_hint or ""), "admin_unit"))
    for key, basis in options:
        if key:
            return key, basis
    return UNLOCATED, UNLOCATED


def is_reported(row) -> bool:
    return row.status != "unknown"


def is_finished(row) -> bool:
    return vocab.is_finished(row.collection_id, row.status)
