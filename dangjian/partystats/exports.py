"""The tables as one Excel workbook in the 党内统计年报 layout: one sheet per table, the title above, 表号 and
计量单位 (单位：人 / 单位：个) on the next line, then 填报单位 and 统计截止日期; a two-line header with merged cells
(a group over its columns, a single column over both lines), a 栏次 line (甲, 1, 2, …), 合计 first, then 本级 and
each sub-organisation, and 填表人 / 审核人 / 报出日期 below."""
from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from .tables import Report, Table

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _unit(table: Table) -> str:
    return "单位：个" if table.key == "orgs" else "单位：人"


def _sheet(wb: Workbook, report: Report, table: Table) -> None:
    ws = wb.create_sheet(table.title[:31])
    width = 1 + len(table.columns)
    last = get_column_letter(width)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = table.title
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = CENTER
    ws["A2"] = table.number
    ws.cell(row=2, column=width, value=_unit(table)).alignment = Alignment(horizontal="right")
    ws["A3"] = f"填报单位：{report.root.name}"
    ws.cell(row=3, column=width, value=f"统计截止日期：{report.day:%Y年%m月%d日}").alignment = \
        Alignment(horizontal="right")
    # Header: rows 4–5.
    ws.merge_cells("A4:A5")
    ws["A4"] = "单位名称"
    col = 2
    for g in table.groups:
        n = len(g.columns)
        if g.label:
            if n > 1:
                ws.merge_cells(start_row=4, start_column=col, end_row=4, end_column=col + n - 1)
            ws.cell(row=4, column=col, value=g.label)
            for i, c in enumerate(g.columns):
                ws.cell(row=5, column=col + i, value=c.label)
        else:
            for i, c in enumerate(g.columns):
                ws.merge_cells(start_row=4, start_column=col + i, end_row=5, end_column=col + i)
                ws.cell(row=4, column=col + i, value=c.label)
        col += n
    # 栏次
    ws.cell(row=6, column=1, value="甲")
    for i in range(1, width):
        ws.cell(row=6, column=1 + i, value=i)
    for r, row in enumerate(table.rows, start=7):
        ws.cell(row=r, column=1, value=row.label if r > 7 else "合计")
        for i, v in enumerate(row.values, start=2):
            ws.cell(row=r, column=i, value=v)
    end = 6 + len(table.rows)
    for line in ws.iter_rows(min_row=4, max_row=end, min_col=1, max_col=width):
        for cell in line:
            cell.border = BOX
            cell.alignment = CENTER if cell.row <= 6 or cell.column > 1 else Alignment(vertical="center")
            if cell.row <= 6:
                cell.font = Font(bold=True)
    ws.cell(row=end + 1, column=1, value=f"说明：{table.note}" if table.note else "")
    ws.cell(row=end + 2, column=1, value=f"单位负责人：　　　　填表人：　　　　报出日期：{timezone.localdate():%Y年%m月%d日}")
    ws.column_dimensions["A"].width = 34
    for i in range(2, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
    ws.row_dimensions[5].height = 45
    ws.freeze_panes = "B7"


def workbook(report: Report) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for table in report.tables:
        _sheet(wb, report, table)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
