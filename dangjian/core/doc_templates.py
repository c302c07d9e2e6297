"""The `<app>_templates --out DIR` commands: write an app's default document templates (docx) so that a jurisdiction
can start its own from them; the edited files go in <DANGJIAN_VAR_DIR>/doc_templates/<app>/, where the app's
`documents.override_path(kind)` finds them. An app's documents module provides `KINDS` (kind → something with a
`label`), `default_template(kind) -> bytes` and `override_path(kind) -> Path`."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

from django.core.management.base import BaseCommand


class WriteTemplatesCommand(BaseCommand):
    documents: str = ""      # the app's documents module, e.g. "dangjian.recruitment.documents"

    def add_arguments(self, parser):
        parser.add_argument("--out", default=None, help="输出目录（默认：本系统的替换模板目录）")

    def handle(self, *args, out=None, **options):
        docs = import_module(self.documents)
        target = Path(out) if out else docs.override_path("x").parent
        target.mkdir(parents=True, exist_ok=True)
        for kind, k in docs.KINDS.items():
            path = target / f"{kind}.docx"
            if path.exists() and not out:
                self.stdout.write(f"已存在，未覆盖：{path}")
                continue
            path.write_bytes(docs.default_template(kind))
            self.stdout.write(f"{k.label}：{path}")
        where = self.documents.replace(".", "/") + ".py"
        self.stdout.write(self.style.SUCCESS(f"共 {len(docs.KINDS)} 个模板。占位符见 {where}。"))
