"""Query parameters of the monitoring routes, refused with a bilingual 400 when not honoured."""
from __future__ import annotations

import datetime as dt

from gis_service.services.monitoring.flags import STALLED_DAYS
from gis_service.queries.progress import AS_OF_RANGE
from gis_service.errors import BadParameter
from gis_service.services.progress.validation import today_in_review_zone

FIRST_REPORT_YEAR = 2016


def as_of_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter("as_of", "应为日期 YYYY-MM-DD", f"expected a date YYYY-MM-DD, got {value!r}") from None
    if not AS_OF_RANGE[0] <= day <= AS_OF_RANGE[1]:
        raise BadParameter("as_of", f"日期应在 {AS_OF_RANGE[0]}–{AS_OF_RANGE[1]} 之间",
                           f"the date must be within {AS_OF_RANGE[0]}–{AS_OF_RANGE[1]}")
    return day


def report_year(value: str | int | None, *, required: bool = False) -> int | None:
    if value in (None, ""):
        if required:
            raise BadParameter("year", "需要年份 year=YYYY", "year=YYYY is required")
        return None
    this_year = today_in_review_zone().year
    try:
        year = int(value) if str(value).isascii() else int("x")
    except (TypeError, ValueError):
        raise BadParameter("year", "应为四位年份", f"expected a year YYYY, got {value!r}") from None
    if not FIRST_REPORT_YEAR <= year <= this_year:
        raise BadParameter("year", f"年份应在 {FIRST_REPORT_YEAR}–{this_year} 之间",
                           f"year must be {FIRST_REPORT_YEAR}-{this_year}, got {year}")
    return year


def stalled_days(value: str | None) -> int:
    if not value:
        return STALLED_DAYS
    try:
        days = int(value) if value.isascii() else None
    except ValueError:
        days = None
    if days is None or not 1 <= days <= 3650:
        raise BadParameter("stalled_days", "应为 1–3650 之间的整数", f"must be an integer 1-3650, got {value!r}")
    return days


def today_year() -> int:
    return today_in_review_zone().year
