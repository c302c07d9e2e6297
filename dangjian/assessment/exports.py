"""Excel exports: a scheme's results side by side (one row per org, one column per item) and a 述职评议会's
tallies and grades, in the layout 干部考核 files take."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font


def _book(title: str, header: list[str], rows: list[list], money_cols: range = range(0)) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "结果"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(header)
    for c in ws[2]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for r in rows:
        ws.append(r)
    for col in money_cols:             # points as Decimal, shown with two decimals
        for (cell,) in ws.iter_rows(min_row=3, min_col=col, max_col=col):
            cell.number_format = "0.00"
    ws.column_dimensions["A"].width = 30
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _num(v):
    from decimal import Decimal

    return None if v in (None, "") else Decimal(v)


def results_xlsx(scheme, leaves, results) -> bytes:
    header = ["考核对象"] + [f"{i.name}（{i.get_kind_display()} {i.points}）" for i in leaves] + ["总分", "等次", "待评分项"]
    rows = [[r.org.name] + [_num((r.detail.get(str(i.pk)) or [None])[0]) for i in leaves]
            + [r.total, r.get_grade_display(), r.pending] for r in results]
    return _book(f"{scheme.year}年{scheme.name}（{scheme.issuer.name}）", header, rows,
                 money_cols=range(2, len(leaves) + 3))


def review_xlsx(review, reports) -> bytes:
    header = ["姓名", "党组织", "标题", "好", "较好", "一般", "差", "“好”票占比", "上级点评", "综合评价等次"]
    rows = []
    for r in reports:
        votes = r.votes
        total = sum(v or 0 for v in votes)
        rows.append([r.person.name if r.person else "", r.org.name, r.title, *votes,
                     f"{100 * (votes[0] or 0) / total:.1f}%" if total else "", r.comment, r.get_grade_display()])
    return _book(f"{review.title}（{review.organiser.name}，{review.date:%Y-%m-%d}，参加测评{review.participants}人）",
                 header, rows)
