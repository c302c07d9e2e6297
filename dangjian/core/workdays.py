"""Working days (工作日): Monday to Friday, except the 法定节假日 the 工委 enters in the work calendar
(`WorkCalendarDay`, workday=False), plus the 调休 weekend days entered as working (workday=True).
Counts are inclusive of both ends."""
from __future__ import annotations

import datetime as dt


class WorkCalendar:
    def __init__(self, overrides: dict[dt.date, bool] | None = None):
        self.overrides = overrides if overrides is not None else load()

    def is_workday(self, d: dt.date) -> bool:
        return self.overrides.get(d, d.weekday() < 5)

    def count(self, start: dt.date, end: dt.date) -> int:
        """Working days from `start` to `end`, both included (0 when end < start)."""
        n, d = 0, start
        while d <= end:
            n += self.is_workday(d)
            d += dt.timedelta(days=1)
        return n

    def add(self, start: dt.date, n: int) -> dt.date:
        """The day on which `n` working days counted from `start` (included) are complete."""
        d, left = start, n
        while True:
            if self.is_workday(d):
                left -= 1
                if left <= 0:
                    return d
            d += dt.timedelta(days=1)


def load() -> dict[dt.date, bool]:
    from .models import WorkCalendarDay

    return dict(WorkCalendarDay.objects.values_list("date", "workday"))
