"""`dangjian import FILE [--dry-run] [--as-user USERNAME] [--attach-to ORG]` — import a DJX file."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from dangjian.djx.cli_support import DjxInvalid, UsageError, fail, find_user, read_document, utf8_stdout


class Command(BaseCommand):
    help = "导入 DJX 文件：先完整校验，再在一个事务中写入；文件有任何错误则不导入任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="DJX 文件路径（- 表示标准输入）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并统计将新增/更新的记录，不写入数据库")
        parser.add_argument("--as-user", dest="as_user", default=None,
                            help="以该用户的权限导入（只能在其管理范围内新增和更新）")
        parser.add_argument("--attach-to", dest="attach_to", default=None,
                            help="把文件中的最上级组织挂接到此组织之下（组织编号）")

    def handle(self, *args, **options):
        from dangjian.djx.actions import do_import_djx
        from dangjian.djx.exporter import find_org

        utf8_stdout()
        try:
            doc = read_document(options["file"])
            user = find_user(options["as_user"]) if options["as_user"] else None
            attach_to = None
            if options["attach_to"]:
                attach_to = find_org(options["attach_to"])
                if attach_to is None:
                    raise UsageError(f"找不到组织“{options['attach_to']}”（可填组织编号或交换编号）。")
        except (UsageError, DjxInvalid) as e:
            fail(self, str(e))
        report = do_import_djx(doc, acting_user=user, dry_run=options["dry_run"], attach_to=attach_to)
        if not report.ok:
            fail(self, str(report))
        self.stdout.write(str(report))

