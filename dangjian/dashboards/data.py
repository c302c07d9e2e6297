"""The data of each dashboard chart, read from the rollups: an org's row and its direct children's rows,
a constant number of queries whatever the size of the subtree. Units are shown side by side in tree order
(不平衡: the same indicators for every unit) — never ranked, and never a figure about one person."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from dangjian.orgs.models import Org

from .models import MONTH_FIELDS, SNAPSHOT_FIELDS, MonthRollup, RollupState, Snapshot
from .rollups import window

STAGE_NAMES = ("入党申请", "入党积极分子", "发展对象", "预备党员的接收", "预备党员教育考察和转正")
AGE_BUCKETS = (("rect_age_30", "30天以内"), ("rect_age_90", "31–90天"), ("rect_age_180", "91–180天"),
               ("rect_age_more", "180天以上"))
INDICATORS = {"findings": "未消除预警（严重+一般）", "meetings": "三会一课按期召开率（%）", "dues": "党费足额交纳率（%）"}


def rate(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


class Board:
    """One org's dashboard: its children, its rollup rows and theirs (loaded once, on demand)."""

    def __init__(self, org: Org):
        self.org = org
        state = RollupState.objects.filter(as_of__isnull=False).first()
        self.as_of = state.as_of if state else timezone.localdate()
        self.built = state is not None
        self.months = window(self.as_of)
        self._children = None
        self._rows = None
        self._snaps = None

    @property
    def children(self) -> list[Org]:
        if self._children is None:
            self._children = list(Org.objects.filter(path__subtree=self.org.path, depth=self.org.depth + 1)
                                  .active_on(self.as_of).order_by("path").only("pk", "name", "type", "path", "depth"))
        return self._children

    def _ids(self) -> list[int]:
        return [self.org.pk] + [c.pk for c in self.children]

    @property
    def rows(self) -> dict[tuple[int, dt.date], MonthRollup]:
        if self._rows is None:
            self._rows = {(r.org_id, r.month): r for r in MonthRollup.objects.filter(
                org_id__in=self._ids(), month__gte=self.months[0], month__lte=self.months[-1])}
        return self._rows

    @property
    def snaps(self) -> dict[int, Snapshot]:
        if self._snaps is None:
            self._snaps = {s.org_id: s for s in Snapshot.objects.filter(org_id__in=self._ids())}
        return self._snaps

    def month(self, org_id: int, m: dt.date, field: str) -> int:
        r = self.rows.get((org_id, m))
        return getattr(r, field) if r else 0

    def total(self, org_id: int, field: str, months=None) -> int:
        return sum(self.month(org_id, m, field) for m in (months or self.months))

    def snap(self, org_id: int, field: str) -> int:
        s = self.snaps.get(org_id)
        return getattr(s, field) if s else 0

    def labels(self) -> list[str]:
        return [f"{m.year}-{m.month:02d}" for m in self.months]

    def base(self) -> dict:
        return {"org": {"id": self.org.pk, "name": self.org.name, "type": self.org.type},
                "as_of": self.as_of.isoformat(), "built": self.built}

    # ---- charts ------------------------------------------------------------------------------------

    def _value(self, org_id: int, m: dt.date, indicator: str):
        if indicator == "meetings":
            return rate(self.month(org_id, m, "meetings_held"), self.month(org_id, m, "meetings_due"))
        if indicator == "dues":
            return rate(self.month(org_id, m, "dues_paid"), self.month(org_id, m, "dues_due"))
        return self.month(org_id, m, "findings_block") + self.month(org_id, m, "findings_warn")

    def heatmap(self, indicator: str = "findings") -> dict:
        """Compliance heat map: the children (rows, tree order) × the months (columns)."""
        if indicator not in INDICATORS:
            indicator = "findings"
        units = self.children or [self.org]
        cells = []
        for y, c in enumerate(units):
            for x, m in enumerate(self.months):
                v = self._value(c.pk, m, indicator)
                if v is not None:
                    cells.append([x, y, v])
        empty = not cells or (indicator == "findings" and not any(v for _, _, v in cells))
        return {**self.base(), "indicator": indicator, "indicator_label": INDICATORS[indicator],
                "indicators": INDICATORS, "months": self.labels(), "units": [u.name for u in units],
                "unit_ids": [u.pk for u in units], "cells": cells, "empty": empty}

    def trend(self) -> dict:
        o = self.org.pk
        series = {f: [self.month(o, m, f) for m in self.months] for f in MONTH_FIELDS}
        meetings = [rate(h, d) for h, d in zip(series["meetings_held"], series["meetings_due"])]
        dues = [rate(p, d) for p, d in zip(series["dues_paid"], series["dues_due"])]
        return {**self.base(), "months": self.labels(), "opened": series["opened"], "resolved": series["resolved"],
                "open_block": series["findings_block"], "open_warn": series["findings_warn"],
                "meetings_rate": meetings, "dues_rate": dues,
                "empty": not any(any(v) for v in series.values())}

    def rules(self) -> dict:
        from dangjian.core.engine import registry

        s = self.snaps.get(self.org.pk)
        by_rule = dict(s.by_rule) if s else {}
        rows = []
        for rid, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
            r = registry.get(rid)
            rows.append({"rule": rid, "title": r.title if r else rid, "count": n})
        families = Counter()
        for rid, n in by_rule.items():
            families[rid.rsplit("-", 1)[0]] += n
        return {**self.base(), "rules": rows, "families": sorted(families.items()),
                "open": {"BLOCK": self.snap(self.org.pk, "findings_block"), "WARN": self.snap(self.org.pk, "findings_warn"),
                         "INFO": self.snap(self.org.pk, "findings_info")},
                "empty": not rows}

    def balance(self) -> dict:
        """不平衡: every child on the same indicators, in tree order (not ranked)."""
        ended = [m for m in self.months if m < self.months[-1]]
        units = []
        for c in self.children:
            members = self.snap(c.pk, "members")
            open_findings = self.snap(c.pk, "findings_block") + self.snap(c.pk, "findings_warn")
            units.append({
                "id": c.pk, "name": c.name, "type": c.get_type_display(), "members": members,
                "meetings_rate": rate(self.total(c.pk, "meetings_held", ended), self.total(c.pk, "meetings_due", ended)),
                "dues_rate": rate(self.total(c.pk, "dues_paid"), self.total(c.pk, "dues_due")),
                "open_findings": open_findings,
                "findings_per_100": round(100.0 * open_findings / members, 1) if members else None,
                "rect_overdue": self.snap(c.pk, "rect_overdue"),
                "recruiting": sum(self.snap(c.pk, f"stage_{i}") for i in range(5)),
            })
        return {**self.base(), "units": units, "empty": not units,
                "columns": {"members": "在册党员", "meetings_rate": "三会一课按期召开率（%）",
                            "dues_rate": "党费足额交纳率（%）", "open_findings": "未消除预警",
                            "findings_per_100": "每百名党员预警", "rect_overdue": "逾期未销号问题",
                            "recruiting": "在办发展党员纪实"}}

    def recruitment(self) -> dict:
        stages = [[name, self.snap(self.org.pk, f"stage_{i}")] for i, name in enumerate(STAGES_FULL)]
        return {**self.base(), "stages": stages, "empty": not any(n for _, n in stages)}

    def dues(self) -> dict:
        o = self.org.pk
        due = [self.month(o, m, "dues_due") for m in self.months]
        paid = [self.month(o, m, "dues_paid") for m in self.months]
        units = [{"name": c.name, "rate": rate(self.total(c.pk, "dues_paid"), self.total(c.pk, "dues_due"))}
                 for c in self.children]
        return {**self.base(), "months": self.labels(), "due": due, "paid": paid,
                "rate": [rate(p, d) for p, d in zip(paid, due)], "units": units, "empty": not any(due)}

    def rectification(self) -> dict:
        o = self.org.pk
        buckets = [[label, self.snap(o, f)] for f, label in AGE_BUCKETS]
        return {**self.base(), "buckets": buckets, "open": self.snap(o, "rect_open"),
                "overdue": self.snap(o, "rect_overdue"), "empty": not self.snap(o, "rect_open")}

    def summary(self) -> dict:
        o = self.org.pk
        return {**self.base(), **{f: self.snap(o, f) for f in SNAPSHOT_FIELDS}}


STAGES_FULL = STAGE_NAMES


def calendar(org: Org, meetings_qs, year: int) -> dict:
    """A branch's calendar heat map: meetings held per day of the year (its own meetings, from the records)."""
    from dangjian.orglife.choices import MeetingState

    days = Counter()
    types = {}
    for d, t in meetings_qs.filter(org=org, state=MeetingState.HELD, date__year=year).order_by().values_list("date", "type"):
        days[d] += 1
        types.setdefault(d.isoformat(), []).append(t)
    from dangjian.orglife.choices import MeetingType

    labels = dict(MeetingType.choices)
    return {"org": {"id": org.pk, "name": org.name, "type": org.type}, "year": year,
            "days": [[d.isoformat(), n] for d, n in sorted(days.items())],
            "types": {d: [labels.get(t, t) for t in ts] for d, ts in types.items()},
            "max": max(days.values(), default=0), "empty": not days}
