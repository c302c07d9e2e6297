"""`dangjian export [--org ID] [--as-user USERNAME] [-o FILE] > FILE` — write a DJX file."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from dangjian.djx.cli_support import UsageError, fail, find_user, utf8_stdout


class Command(BaseCommand):
    help = "导出 DJX 文件（全部数据或某个组织及其下级）；--as-user 时只导出该用户有权查看的内容。"

    def add_arguments(self, parser):
        parser.add_argument("--org", default=None, help="只导出该组织及其下级（组织编号、交换编号或 org-<编号>）")
        parser.add_argument("--as-user", dest="as_user", default=None,
                            help="按该用户的查看范围导出；无权查看公民身份号码时不导出号码")
        parser.add_argument("-o", "--output", default=None, help="写入文件（默认输出到标准输出）")

    def handle(self, *args, **options):
        from dangjian.djx.exporter import export_document, find_org
        from dangjian.orgs.models import Org

        utf8_stdout()
        try:
            user = find_user(options["as_user"]) if options["as_user"] else None
            org = None
            if options["org"]:
                org = find_org(options["org"])
                if org is not None and user is not None and \
                        not Org.objects.filter(pk=org.pk).restrict(user).exists():
                    org = None
                if org is None:
                    raise UsageError(f"找不到组织“{options['org']}”，或不在该用户的查看范围内。")
        except UsageError as e:
            fail(self, str(e))
        doc = export_document(user=user, org=org)
        from dangjian.privacy.access import record_djx_export

        record_djx_export(None, user=user, org=org, actor=user)     # 个人信息访问记录：数据交换导出
        text = json.dumps(doc, ensure_ascii=False, indent=1)
        if options["output"]:
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"已导出到 {options['output']}：组织 {len(doc['orgs'])} 个，人员 {len(doc['people'])} 名。")
        else:
            self.stdout.write(text)
