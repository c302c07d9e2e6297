"""`dangjian rules [--markdown]`: the registered compliance rules and their configurable settings.
`--markdown` writes the table kept as docs/rules.md."""
import re

from django.apps import apps
from django.core.management.base import BaseCommand

from dangjian.core import engine

SEVERITY = {"BLOCK": "阻断", "WARN": "警告", "INFO": "提示"}
SUBJECT = {"org": "党组织", "person": "人员", "meeting": "会议", "election": "选举",
           "rectification": "整改", "report": "材料", "selfcheck": "对照检查材料"}


def _cell(text) -> str:
    # Docstrings wrap Chinese lines: join them without the indentation.
    return re.sub(r"\s*\n\s*", "", str(text)).replace("|", "\\|")


def subjects(r) -> str:
    return "/".join(SUBJECT.get(k, k) for k in r.subject_kinds)


def _type_choices(model) -> dict:
    """The choices of the model's own `type` field, or of the record it belongs to (an attendance
    row's meeting)."""
    fields = [model._meta.get_field("type")] if any(f.name == "type" for f in model._meta.fields) else [
        f.related_model._meta.get_field("type") for f in model._meta.fields
        if f.many_to_one and any(g.name == "type" for g in f.related_model._meta.fields)]
    return dict(fields[0].flatchoices) if fields else {}


def _reads(r) -> str:
    if r.reads is None:
        return "任何记录（每次保存后都重新判断）"
    kinds: dict[str, list[str]] = {}
    for label in sorted(r.reads):
        base = engine.base_label(label)
        kinds.setdefault(base, [])
        if label != base:
            kinds[base].append(label[len(base) + 1:-1])
    # Models read for the same kinds are named together: "会议、出席情况（主题党日）".
    groups: dict[tuple, list[str]] = {}
    for base, ks in kinds.items():
        try:
            model = apps.get_model(base)
        except LookupError:
            groups.setdefault((), []).append(base)
            continue
        choices = _type_choices(model)
        groups.setdefault(tuple(str(choices.get(k, k)) for k in ks), []).append(str(model._meta.verbose_name))
    return "；".join("、".join(names) + (f"（{'、'.join(ks)}）" if ks else "") for ks, names in groups.items())


def _value(v) -> str:
    return "、".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)


class Command(BaseCommand):
    help = "列出已注册的合规规则（--markdown 输出文档表格）。"

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="输出 Markdown 表格（docs/rules.md）")

    def handle(self, *args, markdown=False, **options):
        rules = list(engine.registry)
        settings = engine.registry.settings
        if markdown:
            self.stdout.write(self.markdown(rules, settings))
            return
        for r in rules:
            self.stdout.write(f"{r.id:<8} {SEVERITY[r.severity]} [{subjects(r)}] {r.title}")
            self.stdout.write(f"         依据：{r.citation}")
            for key in r.settings:
                s = settings.get(key)
                if s:
                    self.stdout.write(f"         参数 {key} = {_value(s.default)}（{s.label}）")
        for a in engine.registry.aggregates.values():
            self.stdout.write(f"{a.id:<8} 汇总 {a.title}（由 {'、'.join(a.parts)} 组成，见{a.shown_in}）")
        for e in sorted(engine.registry.enforced.values(), key=lambda e: engine._rule_sort_key(e.id)):
            self.stdout.write(f"{e.id:<8} 登记时执行 {e.title}（{e.where}）")
        self.stdout.write(f"共 {len(rules)} 条规则，{len(settings)} 个可配置参数。")

    @staticmethod
    def markdown(rules, settings) -> str:
        lines = [
            "# 合规规则清单",
            "",
            "本文件由 `dangjian rules --markdown > docs/rules.md` 根据规则注册表生成，请勿手工修改。",
            "规则编号与 `../shared/rules.md` 一致；“依据”是向用户展示的条文出处。级别：阻断（BLOCK）、"
            "警告（WARN）、提示（INFO）；单条预警可按情况升为更高级别（如 ELEC-01 超期1年以上为阻断）。",
            "",
            "计数约定：“以上、以下、不超过”含本数，“超过、不足”不含本数；党员指预备党员和正式党员，"
            "支部规模中说“正式党员”的只计正式党员；党支部的党员指所在党组织为该支部的人员（含其党小组成员）。",
            "",
            "| 编号 | 名称 | 依据 | 级别 | 对象 | 参数 | 判断口径 |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rules:
            params = "；".join(f"`{k}`（默认 {_value(settings[k].default)}）" for k in r.settings if k in settings)
            lines.append("| " + " | ".join(_cell(x) for x in (
                r.id, r.title, r.citation, f"{SEVERITY[r.severity]}（{r.severity}）",
                subjects(r), params or "—", r.description or "—")) + " |")
        aggregates = sorted(engine.registry.aggregates.values(), key=lambda a: engine._rule_sort_key(a.id))
        if aggregates:
            lines += ["", "## 汇总条目（不单独产生预警）", "",
                      "以下条目是其他规则的汇总：同一次未召开的会议只在组成规则中预警一次，汇总结果在下列位置展示。", "",
                      "| 编号 | 名称 | 依据 | 由以下规则组成 | 展示位置 |", "|---|---|---|---|---|"]
            for a in aggregates:
                lines.append("| " + " | ".join(_cell(x) for x in (
                    a.id, a.title, a.citation, "、".join(a.parts), a.shown_in)) + " |")
        enforced = sorted(engine.registry.enforced.values(), key=lambda e: engine._rule_sort_key(e.id))
        if enforced:
            lines += ["", "## 在登记时执行的条目（不产生预警）", "",
                      "以下条目在记录产生时就已执行（计算器、可选的交纳方式、办理流程），在平台内无法违反，因此不作为预警；"
                      "每条注明执行的位置和验证它的测试。", "",
                      "| 编号 | 名称 | 依据 | 在何处执行 | 测试 |", "|---|---|---|---|---|"]
            for e in enforced:
                lines.append("| " + " | ".join(_cell(x) for x in (e.id, e.title, e.citation, e.where, e.test)) + " |")
        lines += ["", "## 保存后重新判断哪些规则", "",
                  "保存一条记录后，引擎只重新判断该记录所属组织及其上级组织，并且只判断读取这类记录的规则"
                  "（例如登记主题党日后只重新判断 ORGLIFE-03、REL-01 等读取主题党日的规则，不判断只读取组织和人员的"
                  " BR-01、DATA-03）；每晚另有一次全量判断。每条规则读取的表由测试按其实际查询核对，"
                  "括号中的会议类型由测试核对：删去其他类型的全部会议，该规则的判断结果不变。", "",
                  "| 编号 | 读取的记录 |", "|---|---|"]
        for r in rules:
            lines.append(f"| {r.id} | {_reads(r)} |")
        lines += ["", "## 可配置参数", "",
                  "辖区可在“规则参数”中覆盖默认值；DJX 文件的 `meta.settings` 在 `dangjian check` 时覆盖。", "",
                  "| 参数 | 默认值 | 说明 | 适用规则 |", "|---|---|---|---|"]
        for key, s in sorted(settings.items()):
            lines.append(f"| `{key}` | {_cell(_value(s.default))} | {_cell(s.label)} | {'、'.join(s.rules)} |")
        return "\n".join(lines) + "\n"
