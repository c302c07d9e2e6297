"""Build dangjian/orglife/ledger_templates/branch_ledger.docx, the docxtpl template of the branch's
三会一课 / 组织生活台账. The .docx is committed; rerun this after changing the layout:

    .venv/bin/python scripts/make_ledger_template.py

The template holds Jinja tags (docxtpl): `{%p for %}` repeats paragraphs, `{%tr for %}` table rows,
`{{r x }}` inserts a RichText (red 未召开, 通过/未通过)."""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parent.parent / "dangjian" / "orglife" / "ledger_templates" / "branch_ledger.docx"
SERIF, SANS = "Noto Serif CJK SC", "Noto Sans CJK SC"


def east_asian(style_or_run, font: str) -> None:
    """Word picks CJK glyphs from w:eastAsia, not from the Latin font name."""
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), font)


def para(doc, text, style=None, *, bold=False, size=None, align=None):
    p = doc.add_paragraph(style=style)
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if align:
        p.alignment = align
    return p


def table(doc, heads, cells, loop, widths):
    """A table with a header row and one repeated row: `loop` is the `for` of the `{%tr %}` tag."""
    t = doc.add_table(rows=4, cols=len(heads))
    t.style = "Table Grid"
    for i, h in enumerate(heads):
        t.rows[0].cells[i].text = h
        t.rows[0].cells[i].paragraphs[0].runs[0].bold = True
    t.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for i, c in enumerate(cells):
        t.rows[2].cells[i].text = c
    t.rows[3].cells[0].text = "{%tr endfor %}"
    for row in t.rows:
        for i, w in enumerate(widths):
            row.cells[i].width = Cm(w)
    return t


def main() -> None:
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.left_margin = sec.right_margin = Cm(2.2)
    sec.top_margin = sec.bottom_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    east_asian(normal, SERIF)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        east_asian(doc.styles[name], SANS)
    sec.footer.paragraphs[0].text = "{{ org_name }} {{ year }}年度组织生活台账 · 由党建平台根据会议记录生成"

    # Cover.
    for _ in range(5):
        doc.add_paragraph()
    para(doc, "{{ org_name }}", bold=True, size=22, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{{ year }}年度", size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "三会一课（组织生活）台账", bold=True, size=26, align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(6):
        doc.add_paragraph()
    para(doc, "党组织书记：{{ secretary }}", size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "全年会议记录 {{ meeting_count }} 次，已结束期间未召开 {{ missing_count }} 项", size=12,
         align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "生成时间：{{ generated }}", size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    doc.add_heading("一、组织生活完成情况", level=1)
    para(doc, "按《中国共产党支部工作条例（试行）》和本辖区参数判断：党员大会每季度、支委会每月、党小组会每月、"
              "党课{{ lecture_note }}、主题党日每月、组织生活会和民主评议党员每年。“未召开”指已结束的期间内没有会议记录。")
    table(doc, ["项目", "要求", "期间", "召开情况"], ["{{ r.item }}", "{{ r.note }}", "{{ r.period }}", "{{r r.cell }}"],
          "r in summary_rows", (3.5, 3.5, 2.5, 7.0))

    doc.add_heading("二、会议记录", level=1)
    para(doc, "{%p if not meetings %}")
    para(doc, "本年度没有已召开的会议记录。")
    para(doc, "{%p endif %}")
    para(doc, "{%p for m in meetings %}")
    doc.add_heading("{{ m.index }}. {{ m.type }}：{{ m.topic }}", level=2)
    para(doc, "{%p if m.org %}")
    para(doc, "召开组织：{{ m.org }}")
    para(doc, "{%p endif %}")
    para(doc, "时间：{{ m.date }}　　地点：{{ m.place }}　　主持人：{{ m.chair }}")
    para(doc, "{%p if m.lecturer %}")
    para(doc, "授课人：{{ m.lecturer }}")
    para(doc, "{%p endif %}")
    para(doc, "应到 {{ m.expected }} 人，实到 {{ m.present_count }} 人，请假 {{ m.excused_count }} 人，缺席 {{ m.absent_count }} 人")
    para(doc, "出席：{{ m.present }}")
    para(doc, "请假：{{ m.excused }}")
    para(doc, "缺席：{{ m.absent }}")
    para(doc, "{%p for v in m.votes %}")
    para(doc, "表决：{{ v.motion }}（{{ v.tally }}）——{{r v.result }}")
    para(doc, "{%p endfor %}")
    para(doc, "会议记录：", bold=True)
    para(doc, "{{ m.minutes }}")
    para(doc, "{%p if m.critiques %}")
    para(doc, "批评和自我批评：", bold=True)
    para(doc, "{%p endif %}")
    para(doc, "{%p for c in m.critiques %}")
    para(doc, "{{ c.author }}{% if c.kind == '批评' %}对{{ c.target }}的批评{% else %}（自我批评）{% endif %}：{{ c.text }}")
    para(doc, "{%p endfor %}")
    para(doc, "录入时间：{{ m.entered }}{% if m.backfill %}　　{{ m.backfill }}{% endif %}", size=9)
    para(doc, "{%p endfor %}")

    doc.add_heading("三、谈心谈话", level=1)
    para(doc, "{%p if talks %}")
    table(doc, ["日期", "谈话人", "谈话对象", "主题"], ["{{ t.date }}", "{{ t.a }}", "{{ t.b }}", "{{ t.topic }}"],
          "t in talks", (2.5, 3.0, 3.0, 8.0))
    para(doc, "{%p else %}")
    para(doc, "本年度没有谈心谈话记录。")
    para(doc, "{%p endif %}")

    doc.add_heading("四、民主评议党员", level=1)
    para(doc, "{%p if appraisal %}")
    para(doc, "参评 {{ appraisal.total }} 人：{% for c in appraisal.counts %}{{ c.grade }} {{ c.n }} 人{% if not loop.last %}，{% endif %}{% endfor %}。")
    para(doc, "{%p for g in appraisal.by_grade %}")
    para(doc, "{{ g.grade }}：{{ g.names }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if appraisal.has_ungraded %}")
    para(doc, "不评定等次（预备党员）：{{ appraisal.ungraded }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if appraisal.tallies %}")
    para(doc, "民主测评：{% if appraisal.raters != '' %}参加测评 {{ appraisal.raters }} 人。{% endif %}")
    table(doc, ["党员", "评定等次", "优秀", "合格", "基本合格", "不合格"],
          ["{{ t.name }}", "{{ t.grade }}", "{{ t.excellent }}", "{{ t.qualified }}", "{{ t.basic }}",
           "{{ t.unqualified }}"], "t in appraisal.tallies", (3.5, 3.0, 2.5, 2.5, 2.5, 2.5))
    para(doc, "{%p endif %}")
    para(doc, "{%p else %}")
    para(doc, "本年度没有登记民主评议结果。")
    para(doc, "{%p endif %}")

    doc.add_heading("五、未整改的预警", level=1)
    para(doc, "{%p if findings %}")
    table(doc, ["规则", "期间", "说明", "依据"],
          ["{{ f.rule }}", "{{ f.period }}", "{{ f.message }}{% if f.person %}（{{ f.person }}）{% endif %}",
           "{{ f.citation }}"], "f in findings", (2.0, 2.0, 7.0, 5.5))
    para(doc, "{%p else %}")
    para(doc, "本年度没有未整改的预警。")
    para(doc, "{%p endif %}")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
