"""台账 generated, never typed: the 三会一课 / 组织生活台账 of a branch for a year (Word via docxtpl, PDF
via WeasyPrint) and the Excel summary of a subtree, all built from the meetings as recorded.

Which item is due in which period follows the rules (rules.py): months for 支委会, 党小组会 and 主题党日,
quarters for 党员大会 and (by the `lecture_per` setting) 党课, the year for 组织生活会 and 民主评议党员; a
period counts as held when a held meeting of that type falls in it (党小组会: in any of the branch's
groups), and 民主评议 also when the year's grades are recorded (ORGLIFE-06). Each document is a fixed
number of queries, whatever the number of meetings or branches.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Prefetch, Q
from django.utils import timezone

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.core.periods import bounds, label_of
from dangjian.core.permissions import VIEW
from dangjian.orgs.choices import OrgType, PostRole
from dangjian.orgs.models import Org, Post

from .choices import AttendanceStatus, Grade, MeetingState, MeetingType, is_backfilled
from .models import Appraisal, AppraisalGrade, Attendance, Critique, Meeting, Resolution, Talk

TEMPLATE_DIR = Path(__file__).resolve().parent / "ledger_templates"
DOCX_TEMPLATE = TEMPLATE_DIR / "branch_ledger.docx"
NOT_HELD = "未召开"


@dataclass(frozen=True)
class Item:
    """One required item of a branch's year: a meeting type due once per period of `kind`."""

    mtype: str
    kind: str  # month | quarter | year
    rule: str
    note: str

    @property
    def label(self) -> str:
        return MeetingType(self.mtype).label


def required_items(settings: dict | None = None) -> list[Item]:
    """The branch's duties in 三会一课 order, judged with the jurisdiction's settings."""
    settings = settings if settings is not None else engine.effective_settings()
    lecture = settings.get("lecture_per") if settings.get("lecture_per") in ("quarter", "year") else "quarter"
    return [
        Item(MeetingType.MEMBER_ASSEMBLY, "quarter", "BR-05", "一般每季度1次"),
        Item(MeetingType.COMMITTEE, "month", "BR-06", "一般每月1次"),
        Item(MeetingType.GROUP, "month", "BR-07", "一般每月1次"),
        Item(MeetingType.LECTURE, lecture, "ORGLIFE-02", "每季度至少1次" if lecture == "quarter" else "每年至少1次"),
        Item(MeetingType.THEME_DAY, "month", "ORGLIFE-03", "每月1次"),
        Item(MeetingType.ORG_LIFE, "year", "ORGLIFE-04", "每年至少1次"),
        Item(MeetingType.DEMOCRATIC_APPRAISAL, "year", "ORGLIFE-06", "一般每年1次"),
    ]


def periods_of(kind: str, year: int) -> list[str]:
    if kind == "month":
        return [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    if kind == "quarter":
        return [f"{year:04d}Q{q}" for q in range(1, 5)]
    return [f"{year:04d}"]


def short_period(label: str) -> str:
    """"2025-03" → "3月", "2025Q2" → "第二季度", "2025" → "全年"."""
    from dangjian.core.periods import QUARTER_NAMES

    if "Q" in label:
        return QUARTER_NAMES[int(label.split("Q")[1]) - 1]
    if "-" in label:
        return f"{int(label.split('-')[1])}月"
    return "全年"


def md(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


# --- what was held: one query for any subtree ---------------------------------------------------
def branches_and_groups(root: Org, year: int, user=None) -> tuple[list[Org], dict[int, int]]:
    """The branches in `root`'s subtree that existed in `year` (restricted to `user` when given), and
    group id → its branch id (党小组会 count for the branch the group belongs to)."""
    start = dt.date(year, 1, 1)
    qs = Org.objects.filter(path__startswith=root.path, type__in=(OrgType.BRANCH, OrgType.GROUP)).filter(
        Q(dissolved__isnull=True) | Q(dissolved__gte=start))
    if user is not None:
        qs = qs.restrict(user, VIEW)
    rows = list(qs.order_by("path"))
    branch_by_path = {o.path: o for o in rows if o.type == OrgType.BRANCH}
    group_branch = {}
    for o in rows:
        if o.type == OrgType.GROUP:
            parent = branch_by_path.get(o.path[:-Org.steplen])
            if parent is not None:
                group_branch[o.pk] = parent.pk
    return list(branch_by_path.values()), group_branch


def held_dates(root: Org, year: int, group_branch: dict[int, int]) -> dict[tuple[int, str], dict[str, list]]:
    """(branch id, meeting type) → period label → the dates of held meetings (months, quarters and the
    year together), from one query over the subtree."""
    out: dict[tuple[int, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    rows = (Meeting.objects.filter(org__path__startswith=root.path, state=MeetingState.HELD, date__year=year)
            .order_by("date", "id").values_list("org_id", "type", "date"))
    for org_id, mtype, day in rows:
        org_id = group_branch.get(org_id, org_id)
        per = out[(org_id, mtype)]
        for kind in ("month", "quarter", "year"):
            per[label_of(kind, day)].append(day)
    return out


def appraised(root: Org, year: int) -> set[int]:
    return set(Appraisal.objects.filter(org__path__startswith=root.path, year=year).values_list("org_id", flat=True))


@dataclass
class Cell:
    text: str
    missing: bool = False  # an ended period with nothing held: highlighted
    dates: tuple = ()


def cell_for(item: Item, label: str, dates: list, *, has_groups: bool, appraisal_done: bool,
             today: dt.date) -> Cell:
    if item.mtype == MeetingType.GROUP and not has_groups:
        return Cell("未设党小组")
    if dates:
        return Cell("、".join(md(d) for d in dates), dates=tuple(dates))
    if item.mtype == MeetingType.DEMOCRATIC_APPRAISAL and appraisal_done:
        return Cell("已登记评议结果")
    start, end = bounds(label)
    if start > today:
        return Cell("—")
    if end > today:
        return Cell("尚未召开（进行中）")
    return Cell(NOT_HELD, missing=True)


def summary_for(branch_id: int, year: int, items, held, *, has_groups: bool, appraisal_done: bool,
                today: dt.date) -> dict[tuple[str, str], Cell]:
    """(meeting type, period label) → the cell of that duty for one branch."""
    out = {}
    for item in items:
        per = held.get((branch_id, item.mtype), {})
        for label in periods_of(item.kind, year):
            out[(item.mtype, label)] = cell_for(item, label, per.get(label, []), has_groups=has_groups,
                                                appraisal_done=appraisal_done, today=today)
    return out


def open_findings(user, root: Org, year: int, meeting_ids=()):
    """Open findings of the subtree that concern `year`: the year's periods, its meetings, or (for
    findings without a period) first seen in that year."""
    qs = Finding.objects.restrict(user, VIEW) if user is not None else Finding.objects.all()
    when = Q(period__startswith=str(year)) | Q(period="", first_seen__year=year)
    if meeting_ids:
        when |= Q(subject_kind="meeting", subject_id__in=list(meeting_ids))
    return list(qs.filter(org__path__startswith=root.path, state=FindingState.OPEN).filter(when)
                .select_related("org", "person").order_by("org__path", "rule_id", "period", "id"))


# --- one branch's ledger --------------------------------------------------------------------------
def _names(rows) -> str:
    return "、".join(rows) if rows else "无"


def _secretary(org: Org, year: int) -> str:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    posts = (Post.objects.filter(org=org, role=PostRole.SECRETARY)
             .filter(Q(start__isnull=True) | Q(start__lte=end)).filter(Q(end__isnull=True) | Q(end__gte=start))
             .select_related("person").order_by("start"))
    names = []
    for p in posts:
        if p.person.name not in names:
            names.append(p.person.name)
    return "、".join(names) or "（未配备）"


def branch_ledger(org: Org, year: int, user=None, today: dt.date | None = None) -> dict:
    """Everything the Word and PDF ledgers show, as plain values (both render the same dict)."""
    today = today or timezone.localdate()
    settings = engine.effective_settings()
    items = required_items(settings)
    _, group_branch = branches_and_groups(org, year)
    group_branch[org.pk] = org.pk
    held = held_dates(org, year, group_branch)
    done = appraised(org, year)
    has_groups = len(group_branch) > 1
    cells = summary_for(org.pk, year, items, held, has_groups=has_groups, appraisal_done=org.pk in done, today=today)

    # Summary: flat rows (Word) and one grid per kind of period (PDF).
    summary_rows, grids = [], []
    for item in items:
        for label in periods_of(item.kind, year):
            c = cells[(item.mtype, label)]
            summary_rows.append({"item": item.label, "note": item.note, "period": short_period(label),
                                 "text": c.text, "missing": c.missing})
    for kind, title in (("month", "按月"), ("quarter", "按季度"), ("year", "按年度")):
        its = [i for i in items if i.kind == kind]
        if not its:
            continue
        grids.append({"title": title, "items": [{"label": i.label, "note": i.note} for i in its],
                      "rows": [{"period": short_period(p), "cells": [cells[(i.mtype, p)] for i in its]}
                               for p in periods_of(kind, year)]})
    missing_count = sum(c.missing for c in cells.values())

    meetings = list(
        Meeting.objects.filter(org__in=list(group_branch), state=MeetingState.HELD, date__year=year)
        .select_related("org", "chair", "lecturer", "entered_by")
        .prefetch_related(
            Prefetch("attendance", queryset=Attendance.objects.select_related("person").order_by("person__name")),
            Prefetch("resolutions", queryset=Resolution.objects.order_by("order", "id")),
            Prefetch("critiques", queryset=Critique.objects.select_related("author", "target").order_by("order", "id")))
        .order_by("date", "id"))
    out_meetings = []
    for i, m in enumerate(meetings, 1):
        att = list(m.attendance.all())
        present = [a.person.name for a in att if a.status == AttendanceStatus.PRESENT]
        excused = [f"{a.person.name}（{a.reason or '未注明事由'}）" for a in att if a.status == AttendanceStatus.EXCUSED]
        absent = [a.person.name for a in att if a.status == AttendanceStatus.ABSENT]
        entered = timezone.localtime(m.entered_at) if m.entered_at else None
        backfill = ""
        if entered and is_backfilled(m):   # the same 补录 as the meeting list and page
            backfill = f"补录：录入于 {entered:%Y-%m-%d}（会后 {m.backfilled_days} 天）"
        votes = [{"motion": r.motion, "outcome": "通过" if r.passed else "未通过", "passed": r.passed,
                  "tally": f"应到{r.eligible}人，实到{r.present}人，赞成{r.yes}、反对{r.no}、弃权{r.abstain}"
                           + (f"、书面赞成{r.written_yes}" if r.written_yes else "")}
                 for r in m.resolutions.all()]
        critiques = [{"author": c.author.name, "target": c.target.name if c.target else "",
                      "kind": "自我批评" if c.target is None or c.target_id == c.author_id else "批评",
                      "text": c.text} for c in m.critiques.all()]
        out_meetings.append({
            "index": i, "type": m.get_type_display(), "date": f"{m.date:%Y年%m月%d日}", "place": m.place or "—",
            "topic": m.topic, "org": m.org.name if m.org_id != org.pk else "",
            "chair": m.chair.name if m.chair else "—", "lecturer": m.lecturer.name if m.lecturer else "",
            "expected": m.expected_count, "present_count": m.present_count,
            "excused_count": len(excused), "absent_count": len(absent),
            "present": _names(present), "excused": _names(excused), "absent": _names(absent),
            "votes": votes, "minutes": m.minutes.strip(), "critiques": critiques,
            "entered": f"{entered:%Y-%m-%d %H:%M}" if entered else "", "backfill": backfill,
        })

    talks = [{"date": f"{t.date:%m月%d日}", "a": t.a.name, "b": t.b.name, "topic": t.topic or "—"}
             for t in Talk.objects.filter(org__in=list(group_branch), date__year=year)
             .select_related("a", "b").order_by("date", "id")]

    appraisal = None
    a = (Appraisal.objects.filter(org=org, year=year)
         .prefetch_related(Prefetch("grades", queryset=AppraisalGrade.objects.select_related("person")
                                    .order_by("person__name"))).first())
    if a is not None:
        grades = list(a.grades.all())
        appraisal = {
            "counts": [{"grade": g.label, "n": sum(x.grade == g.value for x in grades)} for g in Grade],
            "total": len(grades),
            "by_grade": [{"grade": g.label, "names": _names([x.person.name for x in grades if x.grade == g.value])}
                         for g in Grade],
            "ungraded": _names([x.person.name for x in grades if not x.grade]),
            "has_ungraded": any(not x.grade for x in grades),
            # 民主测评: the tally of each member who has one recorded.
            "raters": a.raters if a.raters is not None else "",
            "tallies": [{"name": x.person.name, "grade": x.get_grade_display() or "不评定等次",
                         **{k: "" if n is None else n for k, n in zip(("excellent", "qualified", "basic", "unqualified"),
                                                                      x.votes.values())}}
                        for x in grades if any(n is not None for n in x.votes.values())],
        }

    findings = [{"rule": f.rule_id, "title": getattr(f.rule, "title", ""), "period": f.period or "—",
                 "org": f.org.name, "person": f.person.name if f.person_id else "", "message": f.message,
                 "citation": f.citation, "severity": f.get_severity_display()}
                for f in open_findings(user, org, year, [m.pk for m in meetings])]

    return {
        "org_name": org.name, "year": year, "secretary": _secretary(org, year),
        "generated": f"{timezone.localtime():%Y年%m月%d日 %H:%M}", "today": today,
        "summary_rows": summary_rows, "grids": grids, "missing_count": missing_count,
        "lecture_note": next(i.note for i in items if i.mtype == MeetingType.LECTURE),
        "meetings": out_meetings, "meeting_count": len(out_meetings),
        "talks": talks, "appraisal": appraisal, "findings": findings,
    }


def render_docx(data: dict) -> bytes:
    from docxtpl import DocxTemplate, Listing, RichText

    doc = DocxTemplate(str(DOCX_TEMPLATE))
    ctx = dict(data)
    # Word cannot style a cell from a flag: 未召开 becomes red bold text here.
    ctx["summary_rows"] = [dict(r, cell=RichText(r["text"], color="C00000", bold=True) if r["missing"]
                                else RichText(r["text"])) for r in data["summary_rows"]]
    ctx["meetings"] = [dict(m, minutes=Listing(m["minutes"]) if m["minutes"] else "（无）",
                            votes=[dict(v, result=RichText(v["outcome"], color="006100" if v["passed"] else "C00000",
                                                           bold=True)) for v in m["votes"]])
                       for m in data["meetings"]]
    doc.render(ctx, autoescape=True)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render_html(data: dict) -> str:
    from django.template.loader import render_to_string

    return render_to_string("orglife/ledger_branch.html", data)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf()


# --- the Excel summary of a subtree ---------------------------------------------------------------
def subtree_summary_xlsx(root: Org, year: int, user=None, today: dt.date | None = None) -> bytes:
    """Rows = branches, columns = each required item × each period: the dates held or 未召开
    (highlighted); totals per branch and per column; a second sheet with the open findings."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    today = today or timezone.localdate()
    items = required_items()
    branches, group_branch = branches_and_groups(root, year, user)
    held = held_dates(root, year, group_branch)
    done = appraised(root, year)
    with_groups = set(group_branch.values())
    columns = [(item, label) for item in items for label in periods_of(item.kind, year)]

    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年组织生活汇总"
    red = PatternFill("solid", fgColor="FFC7CE")
    head_fill = PatternFill("solid", fgColor="F2DCDB")
    bold = Font(bold=True)
    thin = Side(style="thin", color="BFBFBF")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    ws.cell(1, 1, f"{root.name} {year}年度三会一课（组织生活）完成情况汇总").font = Font(bold=True, size=14)
    ws.cell(2, 1, f"生成时间：{timezone.localtime():%Y-%m-%d %H:%M}；“未召开”指已结束的期间内没有已召开的会议记录")
    # Two header rows: the item (merged over its periods) and the period.
    h1, h2 = 3, 4
    ws.cell(h1, 1, "党组织")
    ws.merge_cells(start_row=h1, start_column=1, end_row=h2, end_column=1)
    col = 2
    for item in items:
        n = len(periods_of(item.kind, year))
        ws.cell(h1, col, f"{item.label}（{item.note}）")
        if n > 1:
            ws.merge_cells(start_row=h1, start_column=col, end_row=h1, end_column=col + n - 1)
        for j, label in enumerate(periods_of(item.kind, year)):
            ws.cell(h2, col + j, short_period(label))
        col += n
    total_col = col
    ws.cell(h1, total_col, "未召开合计")
    ws.merge_cells(start_row=h1, start_column=total_col, end_row=h2, end_column=total_col)
    for r in (h1, h2):
        for c in range(1, total_col + 1):
            cell = ws.cell(r, c)
            cell.font, cell.fill, cell.alignment, cell.border = bold, head_fill, center, box

    held_per_column = [0] * len(columns)
    row = h2 + 1
    for b in branches:
        cells = summary_for(b.pk, year, items, held, has_groups=b.pk in with_groups, appraisal_done=b.pk in done,
                            today=today)
        ws.cell(row, 1, b.name).border = box
        missing = 0
        for j, (item, label) in enumerate(columns):
            c = cells[(item.mtype, label)]
            cell = ws.cell(row, 2 + j, c.text)
            cell.alignment, cell.border = center, box
            if c.missing:
                cell.fill = red
                missing += 1
            if c.dates or c.text == "已登记评议结果":
                held_per_column[j] += 1
        t = ws.cell(row, total_col, missing)
        t.alignment, t.border = center, box
        if missing:
            t.font = Font(bold=True, color="9C0006")
        row += 1
    ws.cell(row, 1, f"已召开的支部数（共{len(branches)}个支部）").font = bold
    for j, n in enumerate(held_per_column):
        cell = ws.cell(row, 2 + j, n)
        cell.font, cell.alignment, cell.border = bold, center, box
    ws.freeze_panes = ws.cell(h2 + 1, 2)
    ws.column_dimensions["A"].width = 28
    for c in range(2, total_col):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.column_dimensions[get_column_letter(total_col)].width = 10
    ws.row_dimensions[h1].height = 32

    fs = wb.create_sheet("未整改的预警")
    heads = ["党组织", "规则", "级别", "期间", "说明", "依据", "首次发现"]
    for c, h in enumerate(heads, 1):
        cell = fs.cell(1, c, h)
        cell.font, cell.fill, cell.alignment = bold, head_fill, center
    for r, f in enumerate(open_findings(user, root, year), 2):
        fs.append([f.org.name, f.rule_id, f.get_severity_display(), f.period or "—",
                   f.message + (f"（{f.person.name}）" if f.person_id and f.person.name not in f.message else ""),
                   f.citation, timezone.localtime(f.first_seen).strftime("%Y-%m-%d")])
    fs.freeze_panes = "A2"
    for letter, w in zip("ABCDEFG", (24, 12, 8, 10, 60, 50, 12)):
        fs.column_dimensions[letter].width = w

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
