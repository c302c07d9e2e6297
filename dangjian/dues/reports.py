"""党费 reports of a subtree for a year: collection per organisation and month (due, paid, rate), the
members in arrears, and the 党费收缴台账 as Excel and PDF. All derived from the ledger."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from dangjian.core import engine
from dangjian.core.permissions import VIEW
from dangjian.people.models import Person

from .ledger import accounts

ZERO = Decimal("0.00")


def collection(org, year: int, user, today: dt.date) -> dict:
    people = Person.objects.restrict(user, VIEW).filter(org__path__startswith=org.path)
    until = min(dt.date(year, 12, 1), today.replace(day=1))
    settings = engine.effective_settings()
    accs = accounts(people, today, settings, until=until)
    if year == today.year:
        # (the arrears are the same ledger without the running month: no second pass)
        from .ledger import last_ended_month

        ended = last_ended_month(today)
        owing = {pk: a.upto(ended) for pk, a in accs.items()}
    else:
        owing = accounts(people, today, settings)     # (arrears are as of now, whatever the year)
    from dangjian.orgs.models import Org

    org_names = dict(Org.objects.filter(pk__in={a.org_id for a in accs.values()}).values_list("pk", "name"))
    paths = dict(Org.objects.filter(pk__in=list(org_names)).values_list("pk", "path"))
    grid: dict[int, dict[int, list[Decimal]]] = {}
    members: list[dict] = []
    for acc in accs.values():
        months = {m.month.month: m for m in acc.months if m.month.year == year}
        if not months:
            continue
        g = grid.setdefault(acc.org_id, {})
        row = {"name": acc.name, "org": org_names.get(acc.org_id, ""), "months": [], "due": ZERO, "paid": ZERO}
        for i in range(1, 13):
            m = months.get(i)
            cell = g.setdefault(i, [ZERO, ZERO])
            if m is None:
                row["months"].append(None)
                continue
            cell[0] += m.due or ZERO
            cell[1] += m.paid + m.extra
            row["due"] += m.due or ZERO
            row["paid"] += m.paid + m.extra
            row["months"].append(m)
        members.append(row)
    rows = []
    for org_id in sorted(grid, key=lambda o: paths.get(o, "")):
        cells = [grid[org_id].get(i, [ZERO, ZERO]) for i in range(1, 13)]
        due = sum((c[0] for c in cells), ZERO)
        paid = sum((c[1] for c in cells), ZERO)
        rows.append({"org": org_names.get(org_id, ""), "cells": cells, "due": due, "paid": paid,
                     "rate": _rate(paid, due)})
    arrears = []
    for acc in owing.values():
        run = acc.current_run()
        if run:
            arrears.append({"name": acc.name, "org": org_names.get(acc.org_id, ""), "months": len(run),
                            "since": run[0].month, "owed": sum((m.due or ZERO for m in run), ZERO),
                            "person_id": acc.person_id})
    arrears.sort(key=lambda a: (-a["months"], a["org"], a["name"]))
    members.sort(key=lambda r: (r["org"], r["name"]))
    total_due = sum((r["due"] for r in rows), ZERO)
    total_paid = sum((r["paid"] for r in rows), ZERO)
    return {"org": org, "year": year, "rows": rows, "members": members, "arrears": arrears,
            "total_due": total_due, "total_paid": total_paid, "rate": _rate(total_paid, total_due),
            "month_numbers": list(range(1, 13)), "today": today}


# A PDF lists each member only for a branch-sized subtree; a larger one gets the organisations and the
# arrears (every member's months are in the Excel file).
PDF_MEMBERS_MAX = 300


def _rate(paid: Decimal, due: Decimal) -> str:
    if due == ZERO:
        return "—"
    return f"{(paid * 100 / due).quantize(Decimal('0.1'))}%"


def ledger_xlsx(data: dict) -> bytes:
    """党费收缴台账: one sheet per member-month (paid per month, totals), one per organisation, one of arrears."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "党员交纳明细"
    title = f"{data['org'].name} {data['year']}年党费收缴台账"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["党组织", "姓名"] + [f"{m}月" for m in data["month_numbers"]] + ["应交合计", "实交合计"])
    for c in ws[2]:
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center")
    owe = PatternFill("solid", fgColor="F8D7DA")
    for r in data["members"]:
        values = [r["org"], r["name"]]
        for m in r["months"]:
            values.append(None if m is None else (m.paid + m.extra))
        ws.append(values + [r["due"], r["paid"]])
        for i, m in enumerate(r["months"]):
            cell = ws.cell(row=ws.max_row, column=3 + i)
            cell.number_format = "0.00"
            if m is not None and m.unpaid:
                cell.fill = owe
        ws.cell(row=ws.max_row, column=15).number_format = "0.00"
        ws.cell(row=ws.max_row, column=16).number_format = "0.00"
    ws2 = wb.create_sheet("各组织收缴情况")
    ws2.append(["党组织"] + [f"{m}月实交" for m in data["month_numbers"]] + ["应交合计", "实交合计", "收缴率"])
    for r in data["rows"]:
        ws2.append([r["org"]] + [c[1] for c in r["cells"]] + [r["due"], r["paid"], r["rate"]])
    ws2.append(["合计"] + [None] * 12 + [data["total_due"], data["total_paid"], data["rate"]])
    ws3 = wb.create_sheet("欠交党费")
    ws3.append(["党组织", "姓名", "自何月起", "连续欠交月数", "欠交金额"])
    for a in data["arrears"]:
        ws3.append([a["org"], a["name"], f"{a['since']:%Y-%m}", a["months"], a["owed"]])
    for sheet in (ws, ws2, ws3):
        sheet.column_dimensions["A"].width = 24
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ledger_pdf(data: dict) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    many = len(data["members"]) > PDF_MEMBERS_MAX
    return HTML(string=render_to_string("dues/ledger_pdf.html", dict(
        data, members=[] if many else data["members"], members_left_out=len(data["members"]) if many else 0))).write_pdf()
