"""The Excel 党员花名册: template, parse → preview, commit, export.

A branch secretary keeps the roster in Excel. This module speaks that format: the template has one
header row of Chinese column names, drop-downs fed from a hidden sheet "选项", and an instruction
sheet "填写说明". Parsing never writes: it turns each row into field values plus row-level problems
("第12行 公民身份号码：…") and asks `people.actions.plan_roster_import` what each row would do
(新增 / 更新 / 无变化). `commit()` hands the clean rows to `actions.do_import_roster`, which applies
them in one transaction — one bad row imports nothing.

How a row names its organisation: by the org's **path name**, the names from the 机关党委 (or 党组)
down, joined by "/", e.g. "中共市交通运输局机关委员会/第一党支部" — exactly as the drop-down lists
them. Where two orgs would read the same, the drop-down adds the org's number:
"…/第一党支部（编号 12）"; the number alone always works. A bare org name is accepted when only one
org in the uploader's scope has it.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import uuid
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.core import crypto
from dangjian.core.errors import ActionError
from dangjian.core.permissions import ADD, CHANGE

from . import actions
from .choices import EDUCATION_CHOICES, DuesCategory, Gender, PersonnelCategory, Status

SHEET = "党员花名册"
HELP_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
MAX_ROWS = 100_000
MAX_COLS = 60
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES, NO = "是", "否"
DATE_FIELDS = frozenset({"birth_date", "application_date", "probationary_date", "full_member_date",
                         "lost_contact_since", "away_since"})


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int = 12
    kind: str = "text"            # text | date | choice | bool | id | org | job | seq
    options: str | None = None    # which list of the 选项 sheet feeds its drop-down
    required: str = ""            # "always" | "create" (new people only)
    max_length: int | None = None
    help: str = ""
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", 6, "seq", help="可不填，导入时忽略。"),
    Column("name", "姓名", 10, required="always", max_length=50, aliases=("党员姓名",)),
    Column("gender", "性别", 6, "choice", "gender", help="男或女；不填时按公民身份号码第17位确定。"),
    Column("ethnicity", "民族", 8, max_length=20, help="如“汉族”“回族”。"),
    Column("birth_date", "出生日期", 12, "date", help="不填时取公民身份号码中的出生日期；填写时须与之一致。",
           aliases=("出生年月",)),
    Column("id_number", "公民身份号码", 21, "id", required="always",
           help="18位，末位可为X。用于识别同一人：再次导入同一号码时更新原记录，不会重复登记。",
           aliases=("身份证号", "身份证号码", "公民身份证号码")),
    Column("education", "学历", 10, "choice", "education", aliases=("文化程度",)),
    Column("personnel_category", "人员类别", 16, "choice", "personnel_category"),
    Column("org_id", "所在党组织", 36, "org", "org", required="create",
           help="从下拉列表中选择，如“中共市交通运输局机关委员会/第一党支部”。只能选择您管理范围内的党组织。",
           aliases=("所在支部", "所在党支部", "党组织")),
    Column("status", "党籍状态", 12, "choice", "status", required="create",
           help="更新已有人员时，状态变化须符合规定（如预备党员→正式党员）；除名、停止党籍须在人员页面办理。",
           aliases=("人员状态", "状态")),
    Column("application_date", "申请入党日期", 12, "date", aliases=("申请入党时间",)),
    Column("probationary_date", "入党日期", 12, "date", help="支部大会通过为预备党员的日期。",
           aliases=("入党时间",)),
    Column("full_member_date", "转正日期", 12, "date", aliases=("转正时间",)),
    Column("job", "工作单位及职务", 26, "job", max_length=100,
           help="以单位全称开头、空格后写职务时，会同时登记工作单位，如“市交通运输局 科员”。",
           aliases=("工作单位", "职务", "单位及职务")),
    Column("phone", "联系电话", 14, max_length=30, aliases=("手机号码", "联系方式", "电话")),
    Column("dues_category", "党费类别", 18, "choice", "dues_category"),
    Column("leading_cadre", "党员领导干部", 8, "bool", "yesno", help="是或否。", aliases=("是否党员领导干部",)),
    Column("lost_contact", "是否失联", 8, "bool", "yesno", help="是或否；填“是”而未填失联日期时按导入当日登记。"),
    Column("lost_contact_since", "失联日期", 12, "date"),
    Column("away", "是否流动", 8, "bool", "yesno", help="是或否（外出流动党员）；填“是”而未填外出日期时按导入当日登记。",
           aliases=("是否流动党员",)),
    Column("away_since", "外出日期", 12, "date"),
)
BY_KEY = {c.key: c for c in COLUMNS}


OPTION_TITLES = {"gender": "性别", "education": "学历", "personnel_category": "人员类别", "status": "党籍状态",
                 "dues_category": "党费类别", "yesno": "是否", "org": "所在党组织"}


def _choice_options() -> dict[str, list[str]]:
    return {
        "gender": [label for _, label in Gender.choices],
        "education": list(EDUCATION_CHOICES),
        "personnel_category": [label for _, label in PersonnelCategory.choices],
        "status": [label for _, label in Status.choices],
        "dues_category": [label for _, label in DuesCategory.choices],
        "yesno": [YES, NO],
    }


# Words people type for the same thing (old rosters, other systems).
CHOICE_ALIASES = {
    "gender": {"男性": "male", "女性": "female"},
    "education": {"本科": "大学本科", "大专": "大学专科", "硕士": "研究生", "博士": "研究生", "硕士研究生": "研究生",
                  "博士研究生": "研究生", "初中": "初中及以下", "小学": "初中及以下"},
    "status": {"申请人": "applicant", "积极分子": "activist", "正式": "full", "预备": "probationary",
               "转出": "transferred_out", "除名": "removed", "去世": "deceased", "停止": "suspended"},
}


def _normalise_header(value) -> str:
    text = re.sub(r"[（(].*?[）)]", "", str(value or ""))
    return re.sub(r"[\s*＊:：]", "", text)


HEADER_LOOKUP = {_normalise_header(a): c.key for c in COLUMNS for a in (c.header, *c.aliases)}


# --- organisations, named for people ----------------------------------------------------------
_NUMBER_RE = re.compile(r"[（(]\s*编号\s*(\d+)\s*[）)]\s*$")


def _path_names(paths: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{path: (name, type)} for the given org paths and all their ancestors, in few queries."""
    from dangjian.orgs.models import Org

    step = Org.steplen
    wanted = sorted({p[:i] for p in paths for i in range(step, len(p) + 1, step)})
    out = {}
    for i in range(0, len(wanted), 900):
        out.update({p: (n, t) for p, n, t in Org.objects.filter(path__in=wanted[i:i + 900])
                    .values_list("path", "name", "type")})
    return out


def path_name(path: str, names: dict[str, tuple[str, str]]) -> str:
    """"中共市交通运输局机关委员会/第一党支部": the names from under the 机关工委 down to the org."""
    from dangjian.orgs.models import Org

    step = Org.steplen
    parts = [names[path[:i]] for i in range(step, len(path) + 1, step) if path[:i] in names]
    if len(parts) > 1 and parts[0][1] == "work_committee":
        parts = parts[1:]  # every org hangs under the same 工委: naming it only adds noise
    return "/".join(n for n, _ in parts)


@dataclass
class OrgChoices:
    """The orgs a user may import into, by label, and how a cell's text resolves to one of them."""

    labels: dict[int, str]                         # org id → label shown in the drop-down
    by_text: dict[str, int | None]                 # label / path name / bare name → id (None: ambiguous)
    ids: frozenset[int]

    @classmethod
    def for_user(cls, user) -> "OrgChoices":
        from dangjian.orgs.models import Org

        qs = (Org.objects.restrict(user, ADD) | Org.objects.restrict(user, CHANGE)).active() \
            .filter(type__in=actions.ROSTER_ORG_TYPES)
        orgs = list(qs.values_list("pk", "path", "name"))
        names = _path_names(p for _, p, _ in orgs)
        full = {pk: path_name(path, names) for pk, path, _ in orgs}
        counts: dict[str, int] = {}
        for text in full.values():
            counts[text] = counts.get(text, 0) + 1
        labels = {pk: text if counts[text] == 1 else f"{text}（编号 {pk}）" for pk, text in full.items()}
        by_text: dict[str, int | None] = {}
        for pk, path, name in orgs:
            for text in (full[pk], name):
                key = _squash(text)
                by_text[key] = None if key in by_text and by_text[key] != pk else pk
            by_text[_squash(labels[pk])] = pk
        return cls(labels=labels, by_text=by_text, ids=frozenset(labels))

    def resolve(self, text: str) -> int:
        m = _NUMBER_RE.search(text)
        if m:
            pk = int(m.group(1))
            if pk in self.ids:
                return pk
            raise ValueError("不在您可导入的组织范围内，请从下拉列表中选择")
        key = _squash(text)
        if key not in self.by_text:
            raise ValueError("不在您可导入的组织范围内，请从下拉列表中选择")
        pk = self.by_text[key]
        if pk is None:
            raise ValueError("有多个党组织叫这个名字，请从下拉列表中选择带上级组织或编号的名称")
        return pk


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("／", "/")


# --- cells -------------------------------------------------------------------------------------
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():  # 20240315 typed as a number
            return parse_date(str(int(value)))
        if 1 <= value < 80000:   # an Excel serial day number in a cell not formatted as a date
            return from_excel(value).date()
        raise ValueError("不是有效的日期")
    text = str(value).strip()
    m = _DATE_RE.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if not m:
        raise ValueError(f"“{text}”不是有效的日期，请写成 2024-03-15 这样的格式")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError(f"“{text}”不是有效的日期（月或日超出范围）") from None


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).upper()
    if text in {"是", "Y", "YES", "TRUE", "1", "√"}:
        return True
    if text in {"否", "N", "NO", "FALSE", "0", "×"}:
        return False
    raise ValueError(f"“{_text(value)}”应填“是”或“否”")


class _Units:
    """工作单位及职务 → (unit, job title): a cell starting with a unit's full name names the unit."""

    def __init__(self, user):
        from dangjian.orgs.models import Unit

        units = (Unit.objects.restrict(user, ADD) | Unit.objects.restrict(user, CHANGE)).values_list("pk", "name")
        self.names = sorted(((n, pk) for pk, n in units), key=lambda t: -len(t[0]))

    def split(self, text: str) -> tuple[int | None, str]:
        for name, pk in self.names:
            if text == name:
                return pk, ""
            if text.startswith(name) and text[len(name)] in " \u3000、，,/-":
                return pk, text[len(name):].strip(" \u3000、，,/-")
        return None, text


# --- the preview -------------------------------------------------------------------------------
@dataclass
class PreviewRow:
    row: int
    name: str = ""
    id_masked: str = ""
    org: str = ""
    status: str = ""
    action: str = "error"           # create | update | same | error
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)   # labels of the columns an update changes
    id_number: str = ""             # plaintext: the stored preview is encrypted as a whole
    fields: dict = field(default_factory=dict)          # JSON-ready (dates as ISO strings)

    ACTION_LABELS = {"create": "新增", "update": "更新", "same": "无变化", "error": "错误"}

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS[self.action]

    def action_row(self) -> dict:
        values = {k: (dt.date.fromisoformat(v) if k in DATE_FIELDS and isinstance(v, str) else v)
                  for k, v in self.fields.items()}
        return {"row": self.row, "id_number": self.id_number, "fields": values}


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    filename: str = ""

    @property
    def errors(self) -> list[str]:
        return self.file_errors + [e for r in self.rows for e in r.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(r.errors for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in PreviewRow.ACTION_LABELS}

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> "Preview":
        data = json.loads(text)
        rows = [PreviewRow(**r) for r in data.pop("rows")]
        return cls(rows=rows, **data)


class RosterFileError(ActionError):
    """The upload is not a roster we can read at all (not xlsx, no header row …)."""


_UNREADABLE = ("无法读取该文件：请上传用本系统花名册模板填写的 .xlsx 文件"
               "（旧版 .xls 请先在 Excel 中“另存为” .xlsx）。")
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_M = "{%s}" % _NS["m"]
_T, _R, _V, _C, _IS = _M + "t", _M + "r", _M + "v", _M + "c", _M + "is"
# Built-in number formats that are dates, including the CJK ones (27–36, 50–58) Chinese Excel uses.
_DATE_FORMAT_IDS = frozenset(range(14, 23)) | frozenset(range(27, 37)) | frozenset({45, 46, 47}) | frozenset(range(50, 59))


class _FastSheet:
    """A streaming reader of one worksheet's cell values, straight from the XML with lxml.

    openpyxl's read-only mode builds a Python object per cell and spends most of a 40,000-row import
    doing so; a roster needs only values (text, numbers, dates), which this reads several times
    faster. Anything it does not understand makes it raise, and `_sheet_rows` falls back to openpyxl."""

    def __init__(self, zf: zipfile.ZipFile, wanted: str):
        from lxml import etree

        self.etree, self.zf = etree, zf
        book = etree.fromstring(zf.read("xl/workbook.xml"))
        pr = book.find("m:workbookPr", _NS)
        self.epoch = dt.datetime(1904, 1, 1) if pr is not None and pr.get("date1904") in ("1", "true") else None
        rels = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
        sheets = [(s.get("name"), targets[s.get("{%s}id" % _NS["r"])]) for s in book.find("m:sheets", _NS)]
        self.title, target = next(((n, t) for n, t in sheets if n == wanted), sheets[0])
        self.path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        names = set(zf.namelist())
        self.strings = self._shared_strings() if "xl/sharedStrings.xml" in names else []
        self.date_styles = self._date_styles() if "xl/styles.xml" in names else frozenset()

    @staticmethod
    def _text(node) -> str:
        # Rich text runs count; phonetic guides (rPh, the pinyin Excel keeps for Chinese) do not.
        out = []
        for child in node:
            if child.tag == _T:
                out.append(child.text or "")
            elif child.tag == _R:
                out.append(child.findtext(_T) or "")
        return out[0] if len(out) == 1 else "".join(out)

    def _shared_strings(self) -> list[str]:
        out = []
        with self.zf.open("xl/sharedStrings.xml") as f:
            for _, si in self.etree.iterparse(f, tag=_M + "si"):
                out.append(self._text(si))
                si.clear()
        return out

    def _date_styles(self) -> frozenset[int]:
        from openpyxl.styles.numbers import is_date_format

        root = self.etree.fromstring(self.zf.read("xl/styles.xml"))
        custom = {int(n.get("numFmtId")): n.get("formatCode") for n in root.findall("m:numFmts/m:numFmt", _NS)}
        dates = set()
        for i, xf in enumerate(root.findall("m:cellXfs/m:xf", _NS)):
            fid = int(xf.get("numFmtId", "0"))
            if fid in _DATE_FORMAT_IDS or (fid in custom and is_date_format(custom[fid])):
                dates.add(i)
        return frozenset(dates)

    def rows(self, raw_numbers: bool = False):
        """(row number, values) for each row present in the sheet. `raw_numbers`: a number (not a
        date) is given as the text Excel stored ("39.99"), so money never passes through a float."""
        from openpyxl.utils.cell import column_index_from_string

        strings, dates, epoch, text = self.strings, self.date_styles, self.epoch, self._text
        columns: dict[str, int] = {}
        with self.zf.open(self.path) as f:
            expected = 0
            for _, row in self.etree.iterparse(f, tag=_M + "row"):
                n = int(row.get("r") or expected + 1)
                expected = n
                values: list = []
                for i, c in enumerate(row.iterchildren(_C)):
                    ref = c.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        col = columns.get(letters)
                        if col is None:
                            col = columns[letters] = column_index_from_string(letters) - 1
                    else:
                        col = i
                    if col >= MAX_COLS:
                        continue
                    t = c.get("t", "n")
                    v = c.findtext(_V)
                    if t == "s":
                        value = strings[int(v)]
                    elif t == "inlineStr":
                        node = c.find(_IS)
                        value = text(node) if node is not None else ""
                    elif v is None:
                        continue
                    elif t in ("str", "e", "d"):
                        value = v
                    elif t == "b":
                        value = v == "1"
                    elif raw_numbers and int(c.get("s") or 0) not in dates:
                        value = v
                    else:
                        num = float(v)
                        value = int(num) if num.is_integer() and "." not in v and "E" not in v.upper() else num
                        if int(c.get("s") or 0) in dates:
                            value = from_excel(num, epoch) if epoch else from_excel(num)
                    values.extend([None] * (col + 1 - len(values)))
                    values[col] = value
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                yield n, tuple(values)


def _sheet_rows(fileobj, sheet_name: str = SHEET, raw_numbers: bool = False):
    """(sheet title, iterator of (row number, values)). Reads fast; falls back to openpyxl (where a
    number comes as a float: with `raw_numbers` it is given as its shortest text, "39.99")."""
    try:
        zf = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RosterFileError(_UNREADABLE) from None
    try:
        sheet = _FastSheet(zf, sheet_name)
        return sheet.title, sheet.rows(raw_numbers=raw_numbers)
    except Exception:  # noqa: BLE001 — an unusual file is still worth a try with openpyxl
        fileobj.seek(0)
        title, rows = _openpyxl_rows(fileobj, sheet_name)
        if raw_numbers:
            rows = ((n, tuple(repr(v) if isinstance(v, float) else v for v in values)) for n, values in rows)
        return title, rows


def _openpyxl_rows(fileobj, sheet_name: str = SHEET):
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise RosterFileError(_UNREADABLE) from None
    ws = wb[sheet_name] if sheet_name in wb.sheetnames else wb.worksheets[0]

    def rows():
        try:
            yield from enumerate(ws.iter_rows(min_row=1, max_col=MAX_COLS, values_only=True), start=1)
        finally:
            wb.close()

    return ws.title, rows()


def parse_workbook(fileobj, *, org_scope_user, filename: str = "") -> Preview:
    """Read an uploaded 花名册 and say, row by row, what importing it would do. Writes nothing."""
    preview = Preview(filename=filename)
    title, rows = _sheet_rows(fileobj)
    try:
        header, header_row = None, 0
        for header_row, values in rows:
            keys = [HEADER_LOOKUP.get(_normalise_header(v)) for v in values]
            if "name" in keys:
                header = keys
                unknown = [str(v).strip() for v, k in zip(values, keys) if k is None and v not in (None, "")]
                if unknown:
                    preview.warnings.append("以下列无法识别，已忽略：" + "、".join(unknown))
                break
            if header_row >= 10:
                break
        if header is None:
            raise RosterFileError(f"找不到表头：工作表“{title}”前10行中没有“姓名”列。请使用花名册模板。")
        present = [k for k in header if k]
        dup = sorted({BY_KEY[k].header for k in present if present.count(k) > 1})
        if dup:
            raise RosterFileError("表头中有重复的列：" + "、".join(dup) + "。请每列只保留一次。")
        if "id_number" not in present:
            raise RosterFileError("缺少“公民身份号码”列：花名册按公民身份号码识别每个人，请使用模板。")
        preview.columns = [k for k in present if k != "seq"]
        parsed = []
        for n, values in rows:
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            cells = {k: v for k, v in zip(header, values) if k and k != "seq" and v is not None
                     and not (isinstance(v, str) and not v.strip())}
            if not cells:
                continue
            if len(parsed) >= MAX_ROWS:
                raise RosterFileError(f"一次最多导入 {MAX_ROWS} 行，请分批导入。")
            parsed.append((n, cells))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError):
        raise RosterFileError(_UNREADABLE) from None
    finally:
        rows.close()
    if not parsed:
        preview.file_errors.append("花名册中没有数据行：请在表头下方逐行填写人员信息。")
        return preview
    _check_rows(preview, parsed, org_scope_user)
    return preview


def _check_rows(preview: Preview, parsed, user) -> None:
    orgs = OrgChoices.for_user(user)
    units = _Units(user) if "job" in preview.columns else None
    options = _choice_options()
    choice_values = {
        "gender": {label: value for value, label in Gender.choices},
        "education": {e: e for e in EDUCATION_CHOICES},
        "personnel_category": {label: value for value, label in PersonnelCategory.choices},
        "status": {label: value for value, label in Status.choices},
        "dues_category": {label: value for value, label in DuesCategory.choices},
    }
    for key, extra in CHOICE_ALIASES.items():
        for alias, target in extra.items():
            choice_values[key].setdefault(alias, target)
    status_labels = dict(Status.choices)

    for n, cells in parsed:
        row = PreviewRow(row=n)
        preview.rows.append(row)
        values: dict = {}

        def err(key, problem):
            row.errors.append(f"第{n}行 {BY_KEY[key].header}：{problem}")

        for key, raw in cells.items():
            col = BY_KEY[key]
            try:
                if col.kind == "id":
                    if isinstance(raw, (int, float)):
                        raise ValueError("被 Excel 存成了数字（末几位会丢失），请把该列设为“文本”格式后重新填写")
                    v = crypto.normalize_id_number(_text(raw))
                    problem = crypto.id_number_problem(v)
                    if problem:
                        raise ValueError(problem.removeprefix("公民身份号码"))
                    row.id_number, row.id_masked = v, crypto.mask_id_number(v)
                elif col.kind == "date":
                    values[key] = parse_date(raw)
                elif col.kind == "bool":
                    values[key] = parse_bool(raw)
                elif col.kind == "choice":
                    text = _text(raw)
                    table = choice_values[key]
                    if text not in table:
                        raise ValueError(f"“{text}”无法识别，请从下拉列表中选择（{'、'.join(options[col.options])}）")
                    values[key] = table[text]
                elif col.kind == "org":
                    text = _text(raw)
                    row.org = text
                    values["org_id"] = orgs.resolve(text)
                    row.org = orgs.labels[values["org_id"]]
                elif col.kind == "job":
                    text = _text(raw)
                    unit_id, title = units.split(text) if units else (None, text)
                    if len(title) > col.max_length:
                        raise ValueError(f"不能超过{col.max_length}个字")
                    values["job_title"] = title
                    if unit_id:
                        values["unit_id"] = unit_id
                else:
                    text = _text(raw)
                    if col.max_length and len(text) > col.max_length:
                        raise ValueError(f"不能超过{col.max_length}个字")
                    if key == "phone" and not re.fullmatch(r"[\d\s+\-()（）转]{3,30}", text):
                        raise ValueError(f"“{text}”不是有效的电话号码")
                    values[key] = text
            except ValueError as e:
                err(key, str(e))
        row.name = values.get("name", "")
        row.status = status_labels.get(values.get("status"), "")
        for key in ("name", "id_number"):
            if key in preview.columns and key not in cells:
                err(key, "必须填写")
        if "id_number" in cells and not row.id_number and not any("公民身份号码" in e for e in row.errors):
            err("id_number", "必须填写")
        row.fields = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}

    # The same person twice in one sheet: which row wins would be arbitrary, so both are errors.
    seen: dict[str, list[PreviewRow]] = {}
    for row in preview.rows:
        if row.id_number:
            seen.setdefault(row.id_number, []).append(row)
    for same in seen.values():
        if len(same) > 1:
            for row in same:
                others = "、".join(str(r.row) for r in same if r is not row)
                row.errors.append(f"第{row.row}行 公民身份号码：与第{others}行重复，同一人只能填写一行")

    clean = [r for r in preview.rows if not r.errors]
    plans = actions.plan_roster_import([r.action_row() for r in clean], acting_user=user)
    for row, plan in zip(clean, plans):
        row.errors.extend(plan.errors)
        row.action = "error" if row.errors else plan.action
        if plan.action in ("update", "same") and plan.person is not None:
            row.changes = [actions.ROSTER_LABELS.get(k, k) for k in plan.changes]
            if not row.org and plan.person.org_id in orgs.labels:
                row.org = orgs.labels[plan.person.org_id]
            row.status = row.status or plan.person.get_status_display()
    for row in preview.rows:
        if row.errors:
            row.action = "error"
    preview.rows.sort(key=lambda r: r.row)


def commit(preview: Preview, *, acting_user) -> actions.RosterResult:
    """Import a clean preview: all of it in one transaction, or nothing."""
    if preview.has_errors:
        raise actions.RosterImportError(preview.errors)
    return actions.do_import_roster([r.action_row() for r in preview.rows], acting_user=acting_user)


# --- keeping a preview between upload and 确认导入 ------------------------------------------------
PREVIEW_MAX_AGE = dt.timedelta(hours=24)
_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def _imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def save_preview(preview: Preview, user) -> str:
    """Store the parsed sheet for the confirm step, encrypted (it holds ID numbers), tied to `user`."""
    folder = _imports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = timezone.now().timestamp() - PREVIEW_MAX_AGE.total_seconds()
    for old in folder.glob("*.json"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = uuid.uuid4().hex
    packed = base64.b64encode(zlib.compress(preview.to_json().encode("utf-8"), 6)).decode("ascii")
    body = {"user": user.pk, "created": timezone.now().isoformat(), "payload": crypto.encrypt(packed)}
    (folder / f"{token}.json").write_text(json.dumps(body), encoding="utf-8")
    return token


def load_preview(token: str, user) -> Preview | None:
    """The stored preview, or None if it is unknown, expired or someone else's."""
    if not _TOKEN_RE.match(token or ""):
        return None
    path = _imports_dir() / f"{token}.json"
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    created = dt.datetime.fromisoformat(body.get("created", "1970-01-01T00:00:00+00:00"))
    if body.get("user") != user.pk or timezone.now() - created > PREVIEW_MAX_AGE:
        return None
    return Preview.from_json(zlib.decompress(base64.b64decode(crypto.decrypt(body["payload"]))).decode("utf-8"))


def discard_preview(token: str) -> None:
    if _TOKEN_RE.match(token or ""):
        (_imports_dir() / f"{token}.json").unlink(missing_ok=True)


# --- writing workbooks -------------------------------------------------------------------------
_HEADER_FILL = PatternFill("solid", fgColor="FCE4D6")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FONT = Font(bold=True)


def _workbook(rows: Iterable[list], *, org_labels: list[str]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    for i, col in enumerate(COLUMNS, start=1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = col.width
        if col.kind in ("id", "text", "org", "job"):
            dim.number_format = "@"       # so Excel keeps 18-digit numbers and leading zeros as typed
        elif col.kind == "date":
            dim.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C2"

    options = _choice_options() | {"org": org_labels}
    opt = wb.create_sheet(OPTIONS_SHEET)
    opt.sheet_state = "hidden"
    order = list(options)
    ws_rows = max(len(v) for v in options.values())
    opt.append([OPTION_TITLES[k] for k in order])
    for i in range(ws_rows):
        opt.append([options[k][i] if i < len(options[k]) else None for k in order])
    for i, col in enumerate(COLUMNS, start=1):
        if not col.options or not options[col.options]:
            continue
        letter = get_column_letter(order.index(col.options) + 1)
        dv = DataValidation(type="list", allow_blank=True, showErrorMessage=True, errorStyle="stop",
                            formula1=f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(options[col.options]) + 1}",
                            errorTitle="输入有误", error=f"“{col.header}”请从下拉列表中选择。")
        dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}1048576")
        ws.data_validations.append(dv)

    header = []
    for col in COLUMNS:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font = _REQUIRED_FONT if col.required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    ws.append(header)
    for values in rows:
        ws.append(values)   # openpyxl gives date values a yyyy-mm-dd format itself

    _help_sheet(wb.create_sheet(HELP_SHEET))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _help_sheet(ws) -> None:
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 90
    ws.append(["党员花名册填写说明"])
    ws.append([])
    for line in (
        "1. 在“党员花名册”工作表中从第2行起每人一行填写，不要修改或删除表头；红色列名为必填（所在党组织、党籍状态仅新增人员必填）。",
        "2. 按“公民身份号码”识别同一人：号码已在系统中登记的，导入时更新该人员（只更新表中有的列，空白单元格保持原值不变）；号码未登记的，新增人员。同一表中同一号码只能出现一次。",
        "3. 所在党组织按“上级党组织/本组织”的全称填写，例如“中共市交通运输局机关委员会/第一党支部”，请直接从下拉列表中选择；同名组织会带上编号，如“第一党支部（编号 12）”。只能填写您管理范围内的党支部、党总支或机关党委。",
        "4. 日期可填写 Excel 日期，或 2024-03-15、2024/03/15、2024.03.15 格式的文字。",
        "5. 公民身份号码须为18位（末位可为X），请将该列保持为“文本”格式，否则 Excel 会把号码改成科学计数法并丢失末几位。",
        "6. 上传后系统先显示预览：每行将“新增”还是“更新”，以及每个错误所在的行和列。只要有一行有错误，就不会导入任何数据；请按提示修改后重新上传。",
        "7. 党籍状态的变化须符合规定，例如预备党员可变为正式党员，入党申请人不能直接变为正式党员；除名、停止党籍须在人员页面办理并注明依据。",
    ):
        ws.append([line])
    ws.append([])
    ws.append(["列名", "是否必填", "说明"])
    for col in COLUMNS:
        need = {"always": "必填", "create": "新增时必填"}.get(col.required, "")
        ws.append([col.header, need, col.help])


def build_template(user=None) -> bytes:
    """The empty 花名册 with drop-downs; the 所在党组织 list holds the orgs `user` may import into."""
    labels = sorted(OrgChoices.for_user(user).labels.items(), key=lambda t: t[1]) if user else []
    return _workbook([], org_labels=[label for _, label in labels])


def export_workbook(queryset, *, reveal_id_numbers: bool | Callable = False) -> bytes:
    """The people of `queryset` as a 花名册 that can be edited and imported again. ID numbers are
    masked unless `reveal_id_numbers` (True, or a predicate on the person) allows them."""
    return export_workbook_with_stats(queryset, reveal_id_numbers=reveal_id_numbers)[0]


def export_workbook_with_stats(queryset, *, reveal_id_numbers: bool | Callable = False) -> tuple[bytes, dict]:
    """`export_workbook` plus {"count", "revealed"}: how many rows, how many with the full ID number
    (the caller logs the export)."""
    qs = queryset.select_related("org", "unit").order_by("org__path", "name", "pk")
    names = _path_names(p for p in queryset.order_by().values_list("org__path", flat=True).distinct() if p)
    reveal = reveal_id_numbers if callable(reveal_id_numbers) else (lambda p: bool(reveal_id_numbers))
    labels: dict[str, str] = {}
    gender = dict(Gender.choices)
    personnel = dict(PersonnelCategory.choices)
    dues = dict(DuesCategory.choices)
    status = dict(Status.choices)
    export_stats = {"count": 0, "revealed": 0}

    def rows():
        for n, p in enumerate(qs.iterator(chunk_size=2000), start=1):
            export_stats["count"] += 1
            if p.org_id and p.org.path not in labels:
                labels[p.org.path] = path_name(p.org.path, names)
            if p.id_number_encrypted and reveal(p):
                number = p.id_number
                export_stats["revealed"] += 1
            else:
                number = p.id_number_masked
            job = " ".join(x for x in ((p.unit.name if p.unit_id else ""), p.job_title) if x)
            yield [n, p.name, gender.get(p.gender, ""), p.ethnicity, p.birth_date, number, p.education,
                   personnel.get(p.personnel_category, ""), labels.get(p.org.path, "") if p.org_id else "",
                   status.get(p.status, ""), p.application_date, p.probationary_date, p.full_member_date,
                   job, p.phone, dues.get(p.dues_category, ""), YES if p.leading_cadre else NO,
                   YES if p.lost_contact_since else NO, p.lost_contact_since,
                   YES if p.away_since else NO, p.away_since]

    # The drop-down lists the orgs of the export, so an edited export can go straight back in.
    org_labels = sorted({path_name(p, names) for p in names if names[p][1] in actions.ROSTER_ORG_TYPES})
    data = _workbook(rows(), org_labels=org_labels)
    return data, export_stats


def write_rows(rows: Iterable[dict], *, org_labels: Iterable[str] = ()) -> bytes:
    """A 花名册 from dicts keyed by Chinese header (tests, benchmarks, conversions from other systems)."""
    return _workbook(([r.get(c.header) for c in COLUMNS] for r in rows), org_labels=list(org_labels))
