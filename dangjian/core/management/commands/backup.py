"""`dangjian backup [--output FILE]` — one archive with the database, the attachments and a manifest."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.backup import KEY_NOTE, BackupError, create_backup


class Command(BaseCommand):
    help = ("备份数据库（SQLite 在线备份 / PostgreSQL pg_dump）和附件，写入一个 tar 文件（含校验清单）。"
            "备份不含密钥：SECRET_KEY / FIELD_ENCRYPTION_KEY 请另行保管。")

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", default=None,
                            help="备份文件路径或目录（默认：当前目录下 dangjian-年月日-时分秒.tar；以 .tar.gz 结尾时压缩）")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            path, manifest = create_backup(options["output"], log=self.stderr.write)
        except BackupError as e:
            raise CommandError(str(e)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(f"已备份到 {path}（{path.stat().st_size / 1024 / 1024:.1f} MB，"
                          f"{manifest['engine']}，{len(manifest['tables'])} 张表 {rows} 行，附件 {manifest['media_files']} 个，"
                          f"用时 {time.monotonic() - started:.1f} 秒）。")
        self.stdout.write(KEY_NOTE + f"（当前密钥编号：{manifest['key_id']}）")
