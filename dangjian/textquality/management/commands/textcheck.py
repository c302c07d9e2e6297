"""`dangjian textcheck [--org ID | FILE] [--as-of YYYY-MM-DD] [--json]` — the text-quality rules (TXT-01 copied
text, TXT-02 empty critiques, TXT-03 business-only 述职, TXT-04 主题党日 that is no party activity) over one
subtree of the database (`--org`: the org's exchange id or primary key; nothing: the whole database) or over a DJX
file (judged in a throwaway database like `dangjian check`), with a progress bar and a summary table."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.db import transaction

from dangjian.core.params import id_param
from dangjian.djx.cli_support import DjxInvalid, UsageError, fail, read_document, utf8_stdout

SUBJECT_LABELS = {"org": "组织", "person": "人员", "meeting": "会议", "report": "报告"}


class _Rollback(Exception):
    pass


def text_rules():
    from dangjian.core import engine

    return [r for r in engine.registry if r.id.startswith("TXT-")]


class Command(BaseCommand):
    help = "运行文本质量规则（TXT-）：dangjian textcheck [--org ID | FILE] [--as-of YYYY-MM-DD] [--json]"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="DJX 文件（不指定则检查数据库）")
        parser.add_argument("--org", default=None, help="只检查该组织及其下级（交换编号或数据库编号）")
        parser.add_argument("--as-of", dest="as_of", default=None, help="评判日期 YYYY-MM-DD（默认今天或文件的 meta.as_of）")
        parser.add_argument("--json", action="store_true", help="以 JSON 数组输出（与 check 的格式相同）")

    def handle(self, *args, **options):
        utf8_stdout()
        try:
            if options["file"] and options["org"]:
                raise UsageError("--org 和 FILE 只能指定一个。")
            findings = self.judge_file(options) if options["file"] else self.judge_database(options)
        except (UsageError, DjxInvalid) as e:
            fail(self, str(e))
        if options["json"]:
            self.stdout.write(json.dumps(findings, ensure_ascii=False, indent=1))
        else:
            self.print_tables(findings)

    # --- judging ---------------------------------------------------------------------------------------------
    def _as_of(self, options, doc=None):
        from dangjian.djx.check import judgement_date, parse_as_of

        try:
            if options["as_of"] is not None:
                return parse_as_of(options["as_of"])
            return judgement_date(doc or {}, None)
        except ValueError as e:
            raise UsageError(f"--as-of 参数有误：{e}") from None

    def _run(self, ctx, name):
        """Evaluate the TXT rules one by one under a progress bar: [(rule, hit), …]."""
        from rich.progress import BarColumn, Progress, TextColumn

        from dangjian.core import engine

        rules = text_rules()
        out = []
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      console=self._console(stderr=True), transient=False, disable=self._quiet) as progress:
            task = progress.add_task(f"文本质量检查 {name}", total=len(rules))
            for r in rules:
                progress.update(task, description=f"{r.id} {r.title[:18]}")
                out += engine.evaluate(ctx, [r.id])
                progress.advance(task)
        return out

    def judge_database(self, options):
        from dangjian.core import engine
        from dangjian.orgs.models import Org

        org_ids = None
        name = "全部数据"
        if options["org"]:
            ref = options["org"]
            org = Org.objects.filter(external_id=ref).first() or (
                Org.objects.filter(pk=id_param(ref)).first() if id_param(ref) is not None else None)
            if org is None:
                raise UsageError(f"组织“{ref}”不存在。")
            org_ids = frozenset(Org.objects.filter(path__startswith=org.path).values_list("pk", flat=True))
            name = org.name
        ctx = engine.Context(as_of=self._as_of(options), settings=engine.effective_settings(), org_ids=org_ids)
        return [self._finding(r, h, {}) for r, h in self._run(ctx, name)]

    def judge_file(self, options):
        from dangjian.core import engine
        from dangjian.djx.actions import do_import_djx
        from dangjian.djx.check import ensure_schema, is_memory_database
        from dangjian.djx.validation import validate
        from dangjian.orglife.models import Meeting
        from dangjian.orgs.models import Org
        from dangjian.people.models import Person

        doc = read_document(options["file"])
        errors = validate(doc)
        if errors:
            raise DjxInvalid(errors)
        as_of = self._as_of(options, doc)
        if is_memory_database():
            ensure_schema()
        findings = []
        try:
            with transaction.atomic():
                report = do_import_djx(doc, run_rules=False, match_existing=False, validated=True)
                if not report.ok:
                    raise DjxInvalid(report.errors)
                file_ids = {Org: {pk: k for k, pk in report.maps.get("orgs", {}).items()},
                            Person: {pk: k for k, pk in report.maps.get("people", {}).items()},
                            Meeting: {pk: k for k, pk in report.maps.get("meetings", {}).items()}}
                overrides = (doc.get("meta") or {}).get("settings") or {}
                ctx = engine.Context(as_of=as_of, settings=engine.effective_settings(overrides),
                                     org_ids=frozenset(report.org_ids))
                findings = [self._finding(r, h, file_ids) for r, h in self._run(ctx, options["file"])]
                raise _Rollback
        except _Rollback:
            pass
        return findings

    def _finding(self, rule, hit, file_ids):
        from dangjian.djx.check import _message, _subject_key

        return {"rule": rule.id, "severity": hit.severity or rule.severity,
                "subject": _subject_key(rule, hit, file_ids), "period": hit.period or None,
                "message": _message(rule, hit)}

    # --- output ------------------------------------------------------------------------------------------
    _quiet = False

    def _console(self, stderr=False):
        from rich.console import Console

        return Console(file=(self.stderr if stderr else self.stdout)._out, soft_wrap=False)

    def print_tables(self, findings):
        from rich.table import Table

        console = self._console()
        summary = Table(title="文本质量检查汇总")
        for col in ("规则", "名称", "发现"):
            summary.add_column(col)
        for r in text_rules():
            summary.add_row(r.id, r.title, str(sum(1 for f in findings if f["rule"] == r.id)))
        console.print(summary)
        if not findings:
            console.print("[green]未发现问题。[/green]")
            return
        detail = Table(title="发现的问题", show_lines=True)
        for col in ("规则", "对象", "期间", "说明"):
            detail.add_column(col, overflow="fold")
        for f in findings:
            (kind, ident), = f["subject"].items()
            detail.add_row(f["rule"], f"{SUBJECT_LABELS.get(kind, kind)} {ident}", f["period"] or "—", f["message"])
        console.print(detail)
        console.print(f"共 {len(findings)} 条。")
