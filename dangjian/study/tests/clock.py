"""The study tests' today (see conftest.py): 2026-11-20, late in the year, so that April and the second quarter of
this year are past, December is still ahead, and the 2026 lecture windows lie within the last 12 months."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TODAY = dt.date(2026, 11, 20)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
