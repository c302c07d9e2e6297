"""题库 Excel import: the template to download, and the reading of a filled one — every row checked first (errors
in Chinese, naming the row and the column), nothing saved while any row is wrong (see `actions.do_import_questions`)."""
from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field

from .choices import JUDGE_OPTIONS, LETTERS, QuestionKind

OPTION_COLUMNS = 6   # 选项A … 选项F
HEADERS = ["题型", "题干", *[f"选项{c}" for c in LETTERS[:OPTION_COLUMNS]], "答案", "知识点", "解析", "推荐学习材料"]
KIND_NAMES = {"单选": QuestionKind.SINGLE, "单选题": QuestionKind.SINGLE, "多选": QuestionKind.MULTIPLE,
              "多选题": QuestionKind.MULTIPLE, "判断": QuestionKind.JUDGE, "判断题": QuestionKind.JUDGE}
JUDGE_ANSWERS = {"对": "A", "正确": "A", "√": "A", "A": "A", "T": "A", "错": "B", "错误": "B", "×": "B", "B": "B", "F": "B"}
MAX_ROWS = 5000          # questions (non-blank rows) per file
MAX_STEM = 500
MAX_OPTION = 200
EXAMPLES = [
    ["单选", "党的最高领导机关是？", "党的全国代表大会和它所产生的中央委员会", "中央政治局", "中央书记处", "中央军事委员会", "", "",
     "A", "党章·组织制度", "党章第十条第三款。", "《中国共产党章程》第二章"],
    ["多选", "党支部的基本任务包括哪些？", "宣传和执行党的路线方针政策", "组织党员认真学习", "做好发展党员工作", "审批下级党组织的设立", "", "",
     "ABC", "支部工作条例", "审批下级党组织不是党支部的任务。", "《中国共产党支部工作条例（试行）》第九条"],
    ["判断", "预备党员的预备期为一年。", "", "", "", "", "", "", "对", "党章·党员", "党章第七条。", "《中国共产党章程》第一章"],
]


@dataclass
class Parsed:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)     # the Excel row of each of `rows`


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "试题"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in EXAMPLES:
        ws.append(row)
    for col, width in zip("ABCDEFGHIJKL", (8, 40, 20, 20, 20, 20, 12, 12, 8, 16, 30, 30)):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet("填写说明")
    for line in ("题型：单选、多选、判断。", "选项：单选、多选至少两个选项，从“选项A”起连续填写；判断题不填选项（系统自动设为“正确、错误”）。",
                 "答案：单选填一个字母（如 A）；多选填全部正确选项的字母（如 ACD，多选少选、错选均不得分）；判断填“对”或“错”。",
                 "知识点：用于统计薄弱知识点，同一知识点请用相同名称。", "推荐学习材料：答错此题的党员会看到这里推荐的材料。",
                 f"题干不超过{MAX_STEM}字，每个选项不超过{MAX_OPTION}字。",
                 "同一题库中题干相同的题目再次导入时会更新原题，不会重复；已用于已发布考试或已有人作答的题，不能再改题型、选项和答案。", "任何一行有误时整个文件都不导入，请按提示修改后重新导入。"):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


UNREADABLE = "无法读取文件：请上传用导入模板填写的 Excel 文件（.xlsx）。"


def parse(fileobj) -> Parsed:
    """Every row read and checked. A damaged file fails as late as the row that cannot be read (the sheet is parsed
    lazily in read-only mode), so the whole read is guarded and the workbook closed, as in people/roster.py."""
    from openpyxl import load_workbook

    out = Parsed()
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:
        out.errors.append(UNREADABLE)
        return out
    try:
        _parse_rows(wb, out)
    except (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, EOFError, SyntaxError):
        return Parsed(errors=[UNREADABLE])      # a damaged sheet (bad XML: a SyntaxError) shows only while rows are read
    finally:
        wb.close()
    if not out.rows and not out.errors:
        out.errors.append("文件中没有试题（第2行起填写）。")
    return out


def _parse_rows(wb, out: Parsed) -> None:
    ws = wb["试题"] if "试题" in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    missing = [h for h in HEADERS if h not in header]
    if missing:
        out.errors.append(f"第1行（表头）缺少列：{'、'.join(missing)}。请使用下载的导入模板。")
        return
    col = {h: header.index(h) for h in HEADERS}
    seen: dict[str, int] = {}
    count = 0
    for n, raw in enumerate(rows, start=2):
        cells = {h: _text(raw[i]) if i < len(raw) else "" for h, i in col.items()}
        if not any(cells.values()):     # blank (perhaps formatted) rows are skipped and not counted
            continue
        count += 1
        if count > MAX_ROWS:
            out.errors.append(f"一次最多导入{MAX_ROWS}题，请分文件导入。")
            break
        errs: list[str] = []

        def bad(column, message):
            errs.append(f"第{n}行“{column}”列：{message}")

        kind = KIND_NAMES.get(cells["题型"])
        if kind is None:
            bad("题型", f"应为单选、多选或判断，填的是“{cells['题型'] or '（空）'}”。")
        stem = cells["题干"]
        if not stem:
            bad("题干", "不能为空。")
        elif len(stem) > MAX_STEM:
            bad("题干", f"不能超过{MAX_STEM}字（现有{len(stem)}字）。")
        elif stem in seen:
            bad("题干", f"与第{seen[stem]}行重复。")
        else:
            seen[stem] = n
        options = [cells[f"选项{c}"] for c in LETTERS[:OPTION_COLUMNS]]
        for c, text in zip(LETTERS, options):
            if len(text) > MAX_OPTION:
                bad(f"选项{c}", f"不能超过{MAX_OPTION}字（现有{len(text)}字）。")
        while options and not options[-1]:
            options.pop()
        answer = cells["答案"].upper().replace(" ", "").replace(",", "").replace("，", "").replace("、", "")
        if kind == QuestionKind.JUDGE:
            if any(options):
                bad("选项A", "判断题不填选项。")
            options = list(JUDGE_OPTIONS)
            answer = JUDGE_ANSWERS.get(cells["答案"].strip().upper(), "")
            if not answer:
                bad("答案", f"判断题应填“对”或“错”，填的是“{cells['答案'] or '（空）'}”。")
        elif kind is not None:
            if "" in options:
                bad(f"选项{LETTERS[options.index('')]}", "选项应从A起连续填写，中间不能空。")
            if len(options) < 2:
                bad("选项B", "至少要有两个选项。")
            letters = LETTERS[:len(options)]
            if not answer:
                bad("答案", "不能为空。")
            elif any(c not in letters for c in answer) or len(set(answer)) != len(answer):
                bad("答案", f"应为选项字母（{letters[0]}—{letters[-1]}），填的是“{cells['答案']}”。")
            elif kind == QuestionKind.SINGLE and len(answer) != 1:
                bad("答案", f"单选题只能有一个答案，填的是“{cells['答案']}”。")
            elif kind == QuestionKind.MULTIPLE and len(answer) < 2:
                bad("答案", f"多选题应有两个以上正确选项，填的是“{cells['答案']}”；只有一个请改为单选题。")
            answer = "".join(sorted(answer))
        if not cells["知识点"]:
            bad("知识点", "不能为空（用于统计薄弱知识点）。")
        elif len(cells["知识点"]) > 60:
            bad("知识点", "不能超过60个字。")
        if len(cells["推荐学习材料"]) > 300:
            bad("推荐学习材料", "不能超过300个字。")
        if errs:
            out.errors.extend(errs)
            continue
        out.rows.append({"kind": kind, "stem": stem, "options": options, "answer": answer, "topic": cells["知识点"],
                         "explanation": cells["解析"], "material": cells["推荐学习材料"]})
        out.line_numbers.append(n)
