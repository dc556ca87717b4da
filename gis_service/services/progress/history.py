"""Time travel wording and the one ``as_of`` bound shared by items, stats, pages and compare."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from gis_service.errors import InvalidInput
from gis_service.queries.plan_analysis import FIRST_LOAD_SQL
from gis_service.queries.progress import REVIEW_TIMEZONE

AS_OF_NOTE_ZH = "截至该日日终（北京时间）系统中记录的状态；status_date 为上报的状态日期"
AS_OF_NOTE_EN = ("state as recorded in the system at the end of that day (Asia/Shanghai); "
                 "status_date is the date the status was reported to hold")


def as_of_members(as_of: dt.date | None) -> dict | None:
    """Extra top-level members for a response answered ``as_of`` a day, or None."""
    if as_of is None:
        return None
    return {"as_of": as_of.isoformat(), "as_of_note": f"{AS_OF_NOTE_ZH} / {AS_OF_NOTE_EN}"}


def first_load_day(conn) -> dt.date | None:
    """The Asia/Shanghai day of the first recorded seed load, or None when none is recorded."""
    first = conn.execute(text(FIRST_LOAD_SQL)).scalar_one_or_none()
    return None if first is None else first.astimezone(REVIEW_TIMEZONE).date()


def check_as_of(conn, as_of: dt.date | None, parameter: str = "as_of") -> None:
    """A day before the first recorded load has no data to answer with: refuse it (400)."""
    if as_of is None:
        return
    first = first_load_day(conn)
    if first is not None and as_of < first:
        raise InvalidInput(f"{parameter} 早于首次数据装载日 {first.isoformat()}，该日尚无数据",
                           f"{parameter} {as_of.isoformat()} is before the first recorded load "
                           f"({first.isoformat()}); there is no data for that day",
                           detail={"parameter": parameter, "first_load": first.isoformat()},
                           code="invalid_parameter", status=400)
