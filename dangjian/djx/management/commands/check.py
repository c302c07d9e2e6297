"""`dangjian check FILE [--as-of YYYY-MM-DD] [--json]` — djx.md's check contract.

Named `check`, this command replaces Django's built-in system check; called without a file (or with
Django's own options and app labels) it still runs the system check, so `dangjian check --deploy`
keeps working."""
from __future__ import annotations

import json
import os
import re

from django.core.management.commands.check import Command as SystemCheckCommand

from dangjian.djx.cli_support import DjxInvalid, UsageError, fail, read_document, utf8_stdout

SEVERITY_LABELS = {"BLOCK": "阻断", "WARN": "警告", "INFO": "提示"}
SUBJECT_LABELS = {"org": "组织", "person": "人员", "meeting": "会议", "election": "选举",
                  "rectification": "整改", "report": "报告"}


def _looks_like_file(arg: str) -> bool:
    return arg == "-" or os.path.exists(arg) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", arg)


class Command(SystemCheckCommand):
    help = ("按规则检查 DJX 文件（djx.md 的 check 约定）：dangjian check FILE [--as-of YYYY-MM-DD] [--json]。"
            "不带文件时执行 Django 系统检查。")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--as-of", dest="as_of", default=None,
                            help="评判日期 YYYY-MM-DD（默认取文件 meta.as_of，再缺省为今天）")
        parser.add_argument("--json", action="store_true", help="以 JSON 数组输出检查结果")

    def handle(self, *args, **options):
        djx_mode = options["json"] or options["as_of"] is not None or any(map(_looks_like_file, args))
        if not djx_mode:
            return super().handle(*args, **options)
        try:
            self.check_file(args, options)
        except UsageError as e:
            fail(self, str(e))
        except DjxInvalid as e:
            fail(self, str(e))

    def check_file(self, args, options) -> None:
        from dangjian.djx.check import (check_document, ensure_schema, is_memory_database, parse_as_of,
                                        unknown_settings)

        utf8_stdout()
        if len(args) != 1:
            raise UsageError("用法：dangjian check FILE [--as-of YYYY-MM-DD] [--json]（须且只能指定一个文件）")
        as_of = None
        if options["as_of"] is not None:
            try:
                as_of = parse_as_of(options["as_of"])
            except ValueError as e:
                raise UsageError(f"--as-of 参数有误：{e}") from None
        doc = read_document(args[0])
        if is_memory_database():
            ensure_schema()
        try:
            findings = check_document(doc, as_of=as_of)
        except ValueError as e:  # meta.as_of unreadable (already caught by the schema, kept safe)
            raise UsageError(str(e)) from None
        for warning in unknown_settings(doc):
            self.stderr.write(f"注意：{warning}")
        if options["json"]:
            self.stdout.write(json.dumps(findings, ensure_ascii=False, indent=1))
        else:
            self.print_table(findings, args[0])

    def print_table(self, findings, path) -> None:
        from rich.console import Console
        from rich.table import Table

        console = Console(file=self.stdout._out, soft_wrap=False)
        if not findings:
            console.print(f"[green]{path}：未发现问题。[/green]")
            return
        table = Table(title=f"{path} 检查结果", show_lines=False)
        for col in ("规则", "级别", "对象", "期间", "说明"):
            table.add_column(col, overflow="fold")
        for f in findings:
            (kind, ident), = f["subject"].items()
            table.add_row(f["rule"], SEVERITY_LABELS.get(f["severity"], f["severity"]),
                          f"{SUBJECT_LABELS.get(kind, kind)} {ident}", f["period"] or "—", f["message"])
        console.print(table)
        counts = {s: sum(1 for f in findings if f["severity"] == s) for s in SEVERITY_LABELS}
        console.print(f"共 {len(findings)} 条：" + "，".join(
            f"{SEVERITY_LABELS[s]} {n}" for s, n in counts.items() if n))
