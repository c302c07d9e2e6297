"""Validating a DJX v1 document: the JSON Schema kept in the project, then the checks a schema cannot
express (duplicate ids, dangling references, cycles in the tree, ID-number checksums).

Every problem becomes a `DjxError(path, message)` whose path is the JSON path a user can find in
their file (`meetings[12].presnet`) and whose message says in Chinese what is wrong. All problems are
collected (up to `MAX_ERRORS`) so that one round of corrections fixes a file, not one error per try.
"""
from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "djx-v1.schema.json"
FORMAT = "djx/1"
MAX_ERRORS = 200

# The sections in the order djx.md lists them (and the order an export writes them).
SECTIONS = ("units", "orgs", "people", "posts", "meetings", "talks", "appraisals", "dues",
            "recruitment", "elections", "transfers", "study", "rectifications", "reports")
# Sections whose records carry an `id` that others point at.
ID_SECTIONS = ("units", "orgs", "people", "meetings", "elections", "rectifications", "reports")

SECTION_LABELS = {
    "units": "机关单位", "orgs": "党组织", "people": "人员", "posts": "职务", "meetings": "会议",
    "talks": "谈心谈话", "appraisals": "民主评议", "dues": "党费", "recruitment": "发展党员",
    "elections": "选举", "transfers": "组织关系转接", "study": "学习", "rectifications": "整改",
    "reports": "报告",
}
_REF_LABELS = {"units": "单位", "orgs": "组织", "people": "人员"}

_DATE_SHAPE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MONTH_SHAPE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_MONEY_SHAPE = r"^[0-9]+\.[0-9]{2}$"
_PATTERN_MESSAGES = {
    _DATE_SHAPE: "日期格式应为 YYYY-MM-DD（例如 2025-03-31），实际为“{value}”",
    _MONTH_SHAPE: "月份格式应为 YYYY-MM（例如 2025-04），实际为“{value}”",
    _MONEY_SHAPE: "金额应写成两位小数（例如 \"30.00\"）或数字，实际为“{value}”",
}
_TYPE_NAMES = {"string": "字符串", "integer": "整数", "number": "数字", "boolean": "布尔值（true/false）",
               "array": "列表", "object": "对象", "null": "null"}


@dataclass(frozen=True, order=True)
class DjxError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}：{self.message}"


class DjxInvalid(Exception):
    """A document that failed validation; `errors` says where and why."""

    def __init__(self, errors: list[DjxError]):
        self.errors = errors
        super().__init__(summary(errors))


def summary(errors: list[DjxError]) -> str:
    head = f"DJX 文件校验未通过，共 {len(errors)} 处错误" + ("（仅列出前 %d 处）" % MAX_ERRORS
                                                  if len(errors) >= MAX_ERRORS else "")
    return head + "：\n" + "\n".join(f"  {e}" for e in errors)


@functools.lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


_format_checker = FormatChecker(formats=())


@_format_checker.checks("date", raises=ValueError)
def _is_real_date(value) -> bool:
    # The shape is the pattern's job (its own message); here only "is it a day in the calendar".
    if not isinstance(value, str) or not re.match(_DATE_SHAPE, value):
        return True
    dt.date.fromisoformat(value)
    return True


def _inline(node, defs: dict):
    """The schema with its local `$ref`s replaced by the definitions themselves: the same
    constraints, but validating thousands of records no longer resolves a reference per field
    (about three times faster)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and set(node) <= {"$ref", "description"}:
            return {**_inline(defs[ref[len("#/$defs/"):]], defs),
                    **({"description": node["description"]} if "description" in node else {})}
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


@functools.lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    s = schema()
    return Draft202012Validator(_inline(s, s.get("$defs", {})), format_checker=_format_checker)


def json_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "（文件顶层）"


def _join(base: str, key: str) -> str:
    return key if base == "（文件顶层）" else f"{base}.{key}"


def _describe_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int):
        return "整数"
    if isinstance(value, (float, decimal.Decimal)):
        return "数字"
    if isinstance(value, str):
        return "字符串"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "对象"
    return type(value).__name__


def _enum_labels() -> dict[str, str]:
    from dangjian.orgs.choices import OrgType, PostRole
    from dangjian.people.choices import DuesCategory, Gender, Status

    labels: dict[str, str] = {}
    for choices in (OrgType, PostRole, DuesCategory, Gender, Status):
        labels.update({str(v): str(lbl) for v, lbl in choices.choices})
    return labels


def _short(value, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def _schema_errors(doc) -> list[DjxError]:
    out: list[DjxError] = []
    labels = None
    for e in validator().iter_errors(doc):
        path = json_path(e.absolute_path)
        kind = e.validator
        if kind == "additionalProperties" and isinstance(e.instance, dict):
            known = set(e.schema.get("properties", {}))
            for key in e.instance:
                if key not in known:
                    out.append(DjxError(_join(path, key), f"未知字段“{key}”（请核对拼写，DJX 不接受未定义的字段）"))
        elif kind == "required" and isinstance(e.instance, dict):
            for key in e.validator_value:
                if key not in e.instance:
                    out.append(DjxError(_join(path, key), f"缺少必填字段“{key}”"))
        elif kind == "type":
            wanted = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
            names = "或".join(_TYPE_NAMES.get(t, t) for t in wanted if t != "null")
            out.append(DjxError(path, f"类型错误：应为{names}，实际为{_describe_type(e.instance)}“{_short(e.instance)}”"))
        elif kind == "enum":
            labels = labels or _enum_labels()
            here = labels
            if path.startswith("elections") and path.endswith(".kind"):
                # (the same words mean something else here: an election's committee is not the org type)
                from dangjian.elections.choices import Kind

                here = {str(v): str(lbl) for v, lbl in Kind.choices}
            allowed = "、".join(f"{v}（{here[v]}）" if v in here else str(v)
                               for v in e.validator_value if v is not None)
            out.append(DjxError(path, f"取值“{_short(e.instance)}”无效，应为：{allowed}"))
        elif kind == "const":
            out.append(DjxError(path, f"应为“{e.validator_value}”，实际为“{_short(e.instance)}”"))
        elif kind == "format":
            out.append(DjxError(path, f"日期无效“{e.instance}”（不存在这一天）"))
        elif kind == "pattern":
            msg = _PATTERN_MESSAGES.get(e.validator_value, "格式不正确：“{value}”")
            out.append(DjxError(path, msg.format(value=_short(e.instance))))
        elif kind in ("minimum", "exclusiveMinimum"):
            out.append(DjxError(path, f"不能小于 {e.validator_value}（实际为 {e.instance}）"))
        elif kind in ("maximum", "exclusiveMaximum"):
            out.append(DjxError(path, f"不能大于 {e.validator_value}（实际为 {e.instance}）"))
        elif kind == "minLength":
            out.append(DjxError(path, "不能为空字符串"))
        elif kind == "maxLength":
            out.append(DjxError(path, f"过长：最多 {e.validator_value} 个字符"))
        else:  # pragma: no cover - every keyword the schema uses is handled above
            out.append(DjxError(path, e.message))
        if len(out) >= MAX_ERRORS:
            break
    return out


def _records(doc: dict, section: str) -> list[tuple[int, dict]]:
    rows = doc.get(section)
    if not isinstance(rows, list):
        return []
    return [(i, r) for i, r in enumerate(rows) if isinstance(r, dict)]


class _Semantic:
    """The checks across records. Tolerant of shapes the schema already rejected."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.errors: list[DjxError] = []
        self.ids: dict[str, dict[str, int]] = {s: {} for s in ID_SECTIONS}

    def add(self, path: str, message: str) -> None:
        self.errors.append(DjxError(path, message))

    def run(self) -> list[DjxError]:
        self.collect_ids()
        self.references()
        self.tree_cycles("orgs", "组织")
        self.tree_cycles("units", "单位")
        self.org_types()
        self.people_checks()
        self.orglife_checks()
        self.recruitment_checks()
        self.duplicates()
        return self.errors

    def collect_ids(self) -> None:
        for section in ID_SECTIONS:
            seen = self.ids[section]
            for i, r in _records(self.doc, section):
                rid = r.get("id")
                if not isinstance(rid, str) or not rid:
                    continue
                if rid in seen:
                    self.add(f"{section}[{i}].id", f"编号“{rid}”重复（{section}[{seen[rid]}] 已使用）")
                else:
                    seen[rid] = i

    def ref(self, path: str, value, target: str) -> None:
        if isinstance(value, str) and value and value not in self.ids[target]:
            self.add(path, f"引用的{_REF_LABELS.get(target, SECTION_LABELS[target])}“{value}”不存在")

    def ref_list(self, path: str, values, target: str) -> None:
        if isinstance(values, list):
            for j, v in enumerate(values):
                self.ref(f"{path}[{j}]", v, target)

    def ref_keys(self, path: str, mapping, target: str) -> None:
        if isinstance(mapping, dict):
            for k in mapping:
                self.ref(f"{path}.{k}", k, target)

    # Every reference of the format: section → (field, shape, target section). "one" is an id,
    # "list" a list of ids, "keys" a mapping keyed by ids. transfers' from_org/to_org may name an
    # organisation outside the file in free text, so they are not references.
    REFERENCES = {
        "units": [("parent", "one", "units"), ("head", "one", "people")],
        "orgs": [("parent", "one", "orgs"), ("unit", "one", "units"), ("joint_units", "list", "units")],
        "people": [("org", "one", "orgs"), ("group", "one", "orgs"), ("unit", "one", "units")],
        "posts": [("person", "one", "people"), ("org", "one", "orgs")],
        "meetings": [("org", "one", "orgs"), ("chair", "one", "people"), ("lecturer", "one", "people"),
                     ("expected", "list", "people"), ("present", "list", "people"),
                     ("excused", "keys", "people")],
        "talks": [("a", "one", "people"), ("b", "one", "people")],
        "appraisals": [("org", "one", "orgs"), ("grades", "keys", "people")],
        "dues": [("person", "one", "people")],
        "recruitment": [("person", "one", "people"), ("org", "one", "orgs")],
        "elections": [("org", "one", "orgs"), ("candidates", "list", "people"), ("results", "keys", "people")],
        "transfers": [("person", "one", "people")],
        "study": [("person", "one", "people")],
        "rectifications": [("org", "one", "orgs"), ("owner", "one", "people")],
        "reports": [("org", "one", "orgs"), ("person", "one", "people")],
    }

    def references(self) -> None:
        check = {"one": self.ref, "list": self.ref_list, "keys": self.ref_keys}
        for section, fields in self.REFERENCES.items():
            for i, r in _records(self.doc, section):
                p = f"{section}[{i}]"
                for field, shape, target in fields:
                    check[shape](f"{p}.{field}", r.get(field), target)
                # References nested one level deeper.
                if section == "meetings":
                    critiques = r.get("critiques")
                    for j, c in enumerate(critiques if isinstance(critiques, list) else []):
                        if isinstance(c, dict):
                            self.ref(f"{p}.critiques[{j}].from", c.get("from"), "people")
                            self.ref(f"{p}.critiques[{j}].to", c.get("to"), "people")
                elif section == "recruitment":
                    events = r.get("events")
                    for j, ev in enumerate(events if isinstance(events, list) else []):
                        if isinstance(ev, dict):
                            self.ref_list(f"{p}.events[{j}].persons", ev.get("persons"), "people")
                            self.ref(f"{p}.events[{j}].by", ev.get("by"), "orgs")

    def tree_cycles(self, section: str, label: str) -> None:
        parent: dict[str, Any] = {}
        for _, r in _records(self.doc, section):
            if isinstance(r.get("id"), str):
                parent.setdefault(r["id"], r.get("parent"))
        index = self.ids[section]
        reported: set[str] = set()
        for start in parent:
            seen, node = [], start
            while isinstance(node, str) and node in parent and node not in seen:
                seen.append(node)
                node = parent[node]
            if isinstance(node, str) and node in seen and node not in reported:
                loop = seen[seen.index(node):]
                reported.update(loop)
                self.add(f"{section}[{index.get(node, 0)}].parent",
                         f"{label}上下级关系成环：{' → '.join(loop + [node])}")

    def org_types(self) -> None:
        types: dict[str, Any] = {}
        for _, r in _records(self.doc, "orgs"):
            if isinstance(r.get("id"), str):
                types.setdefault(r["id"], r.get("type"))
        for i, r in _records(self.doc, "people"):
            g = r.get("group")
            if isinstance(g, str) and g in types and types[g] != "group":
                self.add(f"people[{i}].group", f"“{g}”不是党小组（group 应引用 type 为 group 的组织）")
        for i, r in _records(self.doc, "posts"):
            s, e = r.get("start"), r.get("end")
            if isinstance(s, str) and isinstance(e, str) and _date(e) and _date(s) and _date(e) < _date(s):
                self.add(f"posts[{i}].end", f"免职日期 {e} 早于任职日期 {s}")

    def people_checks(self) -> None:
        from dangjian.core import crypto

        seen: dict[str, int] = {}
        for i, r in _records(self.doc, "people"):
            raw = r.get("id_number")
            if not isinstance(raw, str) or not raw.strip():
                continue
            v = crypto.normalize_id_number(raw)
            problem = crypto.id_number_problem(v)
            path = f"people[{i}].id_number"
            if problem:
                self.add(path, problem)
                continue
            birth = _date(r.get("birth_date")) if isinstance(r.get("birth_date"), str) else None
            if birth and crypto.id_number_birth_date(v) != birth:
                self.add(path, f"公民身份号码中的出生日期（{crypto.id_number_birth_date(v)}）与 birth_date（{birth}）不一致")
            if v in seen:
                self.add(path, f"公民身份号码与 people[{seen[v]}] 相同，同一人只能登记一次")
            else:
                seen[v] = i

    def orglife_checks(self) -> None:
        """Records that cannot be true of one meeting or talk (a rule's finding is something else:
        a vote without quorum is BR-05 in `check`, an impossible tally is an error here)."""
        types = {r["id"]: r.get("type") for _, r in _records(self.doc, "orgs") if isinstance(r.get("id"), str)}
        where = {"group": ("group", "党小组会应登记在党小组（type 为 group 的组织）下"),
                 "democratic_life": ("leading_group", "领导班子民主生活会应登记在党组（党委）（type 为 leading_group 的组织）下")}
        for i, r in _records(self.doc, "meetings"):
            p = f"meetings[{i}]"
            need = where.get(r.get("type"))
            org_type = types.get(r.get("org")) if isinstance(r.get("org"), str) else None
            if need and org_type and org_type != need[0]:
                self.add(f"{p}.org", f"{need[1]}，“{r['org']}”的类型是 {org_type}")
            present = r.get("present") if isinstance(r.get("present"), list) else []
            excused = r.get("excused") if isinstance(r.get("excused"), dict) else {}
            for pid in excused:
                if pid in present:
                    self.add(f"{p}.excused.{pid}", f"“{pid}”同时列在 present（出席）中：同一人不能既出席又请假，请只保留一处")
            votes = r.get("votes") if isinstance(r.get("votes"), list) else []
            for j, v in enumerate(votes):
                if not isinstance(v, dict):
                    continue
                n = {k: v.get(k) if isinstance(v.get(k), int) and not isinstance(v.get(k), bool) else None
                     for k in ("eligible", "present", "yes", "no", "abstain", "written_yes")}
                if n["present"] is not None and n["eligible"] is not None and n["present"] > n["eligible"]:
                    self.add(f"{p}.votes[{j}].present",
                             f"实到有表决权人数（{n['present']}）多于应到人数 eligible（{n['eligible']}）")
                cast = sum(n[k] or 0 for k in ("yes", "no", "abstain"))
                if n["present"] is not None and cast > n["present"] + (n["written_yes"] or 0):
                    self.add(f"{p}.votes[{j}]", f"赞成、反对、弃权合计（{cast}）多于实到人数（{n['present']}）"
                             + (f"与书面赞成（{n['written_yes']}）之和" if n["written_yes"] else ""))
        for i, r in _records(self.doc, "talks"):
            a, b = r.get("a"), r.get("b")
            if isinstance(a, str) and a == b:
                self.add(f"talks[{i}].b", f"谈心谈话须在两人之间进行（a 与 b 都是“{a}”）")

    def recruitment_checks(self) -> None:
        """公示 (the platform's `publicity` step, DEV-27) says what it announced and when it ended; the
        other steps carry neither."""
        types = {r["id"]: r.get("type") for _, r in _records(self.doc, "orgs") if isinstance(r.get("id"), str)}
        receiving = ("branch", "general_branch", "committee")
        for i, r in _records(self.doc, "recruitment"):
            events = r.get("events") if isinstance(r.get("events"), list) else []
            org = r.get("org")
            if isinstance(org, str) and types.get(org) not in (None, *receiving):
                self.add(f"recruitment[{i}].org", f"纪实应由党支部、党总支或基层党委负责培养考察，“{org}”的类型是 {types[org]}")
            closed = _date(r.get("closed"))
            if r.get("closed_reason") is not None and r.get("closed") is None:
                self.add(f"recruitment[{i}].closed_reason", "写了结束原因 closed_reason，却没有结束日期 closed")
            last = max((d for d in (_date(ev.get("date")) for ev in events if isinstance(ev, dict)
                                    and ev.get("step") != "archive") if d), default=None)
            if closed and last and closed < last:
                self.add(f"recruitment[{i}].closed", f"结束日期 {r['closed']} 早于最后一个环节的日期 {last.isoformat()}")
            for j, ev in enumerate(events):
                if not isinstance(ev, dict):
                    continue
                p = f"recruitment[{i}].events[{j}]"
                if ev.get("step") == "publicity":
                    if ev.get("for") is None:
                        self.add(f"{p}.for", "公示须写明公示事项 for（activist、candidate、admission 或 confirmation）")
                    end, start = _date(ev.get("end")), _date(ev.get("date"))
                    if ev.get("end") is None:
                        self.add(f"{p}.end", "公示须写明截止日期 end")
                    elif end and start and end < start:
                        self.add(f"{p}.end", f"公示截止日期 {ev['end']} 早于开始日期 {ev['date']}")
                else:
                    for key in ("end", "for"):
                        if ev.get(key) is not None:
                            self.add(f"{p}.{key}", f"只有公示环节（step 为 publicity）才填写 {key}")

    def duplicates(self) -> None:
        def check(section: str, key_fn, what: str) -> None:
            seen: dict[tuple, int] = {}
            for i, r in _records(self.doc, section):
                key = key_fn(r)
                if key is None:
                    continue
                if key in seen:
                    self.add(f"{section}[{i}]", f"与 {section}[{seen[key]}] 重复（{what}）")
                else:
                    seen[key] = i

        def hashable(*vals):
            return tuple(vals) if all(isinstance(v, (str, int, type(None))) for v in vals) else None

        check("posts", lambda r: hashable(r.get("person"), r.get("org"), r.get("role"), r.get("start")),
              "同一人员在同一组织的同一职务、同一任职日期")
        check("dues", lambda r: hashable(r.get("person"), r.get("month")), "同一人员同一月份只能有一行")
        check("appraisals", lambda r: hashable(r.get("org"), r.get("year")), "同一组织同一年度只能有一条")
        check("talks", lambda r: hashable(r.get("a"), r.get("b"), r.get("date")),
              "同一谈话人、谈话对象、同一日期的谈心谈话只能有一条")
        check("recruitment", lambda r: hashable(r.get("person")), "每人只能有一份发展党员档案")


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and re.match(_DATE_SHAPE, value) else None
    except ValueError:
        return None


def _path_key(err: DjxError):
    # Document order: section order, then record index, then the rest of the path.
    m = re.match(r"^([a-z_]+)(?:\[(\d+)\])?(.*)$", err.path)
    if not m:
        return (-1, 0, err.path, err.message)
    section, idx, rest = m.groups()
    order = SECTIONS.index(section) if section in SECTIONS else -1
    return (order, int(idx) if idx else -1, rest, err.message)


def validate(doc) -> list[DjxError]:
    """All problems of `doc` (a parsed JSON value), in document order; empty when it is valid."""
    if not isinstance(doc, dict):
        return [DjxError("（文件顶层）", f"DJX 文件应是一个 JSON 对象，实际为{_describe_type(doc)}")]
    errors = _schema_errors(doc)
    if len(errors) < MAX_ERRORS:
        errors += _Semantic(doc).run()
    unique = sorted(set(errors), key=_path_key)
    return unique[:MAX_ERRORS]


def load_text(text: str | bytes):
    """Parse JSON text; a syntax error becomes a DjxInvalid naming the line and column."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DjxInvalid([DjxError("（文件顶层）", "文件不是 UTF-8 编码的文本，请以 UTF-8 保存后重试")])
    try:
        # Money must stay exact (djx.md): numbers with a fraction become Decimal, never float.
        return json.loads(text, parse_float=decimal.Decimal)
    except json.JSONDecodeError as e:
        raise DjxInvalid([DjxError("（文件顶层）", f"不是有效的 JSON：第 {e.lineno} 行第 {e.colno} 列附近{_json_reason(e.msg)}")])


def _json_reason(msg: str) -> str:
    reasons = {"Expecting value": "缺少取值", "Expecting ',' delimiter": "缺少逗号",
               "Expecting property name enclosed in double quotes": "字段名应使用双引号",
               "Extra data": "有多余内容", "Unterminated string starting at": "字符串未闭合"}
    for k, v in reasons.items():
        if msg.startswith(k):
            return f"{v}"
    return f"格式错误（{msg}）"


def validate_or_raise(doc) -> None:
    errors = validate(doc)
    if errors:
        raise DjxInvalid(errors)
