"""Time travel wording shared by items, stats and pages."""
from __future__ import annotations

import datetime as dt

AS_OF_NOTE_ZH = "截至该日日终（北京时间）系统中记录的状态；status_date 为上报的状态日期"
AS_OF_NOTE_EN = ("state as recorded in the system at the end of that day (Asia/Shanghai); "
                 "status_date is the date the status was reported to hold")


def as_of_members(as_of: dt.date | None) -> dict | None:
    """Extra top-level members for a response answered ``as_of`` a day, or None."""
    if as_of is None:
        return None
    return {"as_of": as_of.isoformat(), "as_of_note": f"{AS_OF_NOTE_ZH} / {AS_OF_NOTE_EN}"}
