"""`dangjian election_templates --out DIR`: write the default 选举结果报告 and 选举大会记录 templates (docx) to start a
jurisdiction's own; put the edited files in <DANGJIAN_VAR_DIR>/doc_templates/elections/."""
from pathlib import Path

from django.core.management.base import BaseCommand

from dangjian.elections.documents import KINDS, default_template, override_path


class Command(BaseCommand):
    help = "导出换届选举文书（选举结果报告、选举大会记录）的默认模板（docx），供辖区修改后替换。"

    def add_arguments(self, parser):
        parser.add_argument("--out", default=None, help="输出目录（默认：本系统的替换模板目录）")

    def handle(self, *args, out=None, **options):
        target = Path(out) if out else override_path("x").parent
        target.mkdir(parents=True, exist_ok=True)
        for kind, k in KINDS.items():
            path = target / f"{kind}.docx"
            if path.exists() and not out:
                self.stdout.write(f"已存在，未覆盖：{path}")
                continue
            path.write_bytes(default_template(kind))
            self.stdout.write(f"{k.label}：{path}")
        self.stdout.write(self.style.SUCCESS(f"共 {len(KINDS)} 个模板。占位符见 dangjian/elections/documents.py。"))
