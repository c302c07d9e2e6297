"""DJX dues cases: branch b1 with 张书记 (s1, 在职, base 4000.00 → 40.00 元), 王退休 (r1, 离退休, 5000.00 →
25.00 元) and 李学生 (st, 学生, 0.20 元), a year of rows (2025-01 … 2025-12) all paid in full on the 10th.
Helpers change one person's rows."""
from __future__ import annotations

import copy

AS_OF = "2025-12-31"
DUE = {"s1": ("4000.00", "40.00"), "r1": ("5000.00", "25.00"), "st": (None, "0.20")}


def person(pid, name, category="in_service", status="full", **kw):
    p = {"id": pid, "name": name, "gender": "male", "birth_date": "1980-01-01", "org": "b1", "status": status,
         "probationary_date": "2009-07-01", "full_member_date": "2010-07-01", "dues_category": category}
    p.update(kw)
    return p


def rows(pid: str, months=range(1, 13), year: int = 2025) -> list[dict]:
    base, due = DUE[pid]
    out = []
    for m in months:
        r = {"person": pid, "month": f"{year}-{m:02d}", "due": due, "paid": due, "paid_date": f"{year}-{m:02d}-10"}
        if base:
            r["base"] = base
        out.append(r)
    return out


def complete() -> dict:
    return {
        "format": "djx/1",
        "meta": {"as_of": AS_OF, "title": "党费：一年按月足额交纳"},
        "orgs": [{"id": "wc", "name": "市直机关工委", "type": "work_committee", "parent": None},
                 {"id": "c1", "name": "市财政局机关党委", "type": "committee", "parent": "wc"},
                 {"id": "b1", "name": "预算处党支部", "type": "branch", "parent": "c1", "founded": "2000-01-01"}],
        "people": [person("s1", "张书记"), person("r1", "王退休", "retired"), person("st", "李学生", "student")],
        "dues": rows("s1") + rows("r1") + rows("st"),
    }


def with_rows(pid: str, change, as_of: str = AS_OF, people: dict | None = None) -> dict:
    """The complete file with `pid`'s rows changed by `change(rows) -> rows`."""
    doc = complete()
    mine = [r for r in doc["dues"] if r["person"] == pid]
    others = [r for r in doc["dues"] if r["person"] != pid]
    doc["dues"] = others + change(copy.deepcopy(mine))
    doc["meta"]["as_of"] = as_of
    for p in doc["people"]:
        p.update((people or {}).get(p["id"], {}))
    return doc


def unpaid(*months: int):
    """Those months not paid: the row says paid 0.00."""
    def change(rs):
        for r in rs:
            if int(r["month"][5:]) in months:
                r["paid"] = "0.00"
                r.pop("paid_date", None)
        return rs
    return change


def missing(*months: int):
    """Those months have no row at all (djx.md: a month with no row counts as unpaid)."""
    return lambda rs: [r for r in rs if int(r["month"][5:]) not in months]


def edit(month: int, **fields):
    def change(rs):
        for r in rs:
            if int(r["month"][5:]) == month:
                for k, v in fields.items():
                    if v is None:
                        r.pop(k, None)
                    else:
                        r[k] = v
        return rs
    return change


def then(*changes):
    def change(rs):
        for ch in changes:
            rs = ch(rs)
        return rs
    return change
