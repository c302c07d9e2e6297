"""`dangjian restore FILE [--force]` — restore a `dangjian backup` archive into this (empty) instance."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = ("从 dangjian backup 生成的备份文件恢复数据库和附件。先校验全部内容（校验和、数据库类型、版本、密钥），"
            "有任何问题都不做更改；目标实例须为空，否则须加 --force。恢复前请停止网站和后台任务。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（.tar 或 .tar.gz）")
        parser.add_argument("--force", action="store_true",
                            help="目标实例已有数据时仍然恢复（覆盖全部数据；SQLite 的原数据库文件改名保留，"
                                 "PostgreSQL 的原数据表被删除）")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            result = restore_backup(options["file"], force=options["force"], log=self.stderr.write)
        except BackupError as e:
            raise CommandError(str(e)) from None
        m = result["manifest"]
        self.stdout.write(f"已从 {options['file']} 恢复（备份时间 {m['created']}，{sum(m['tables'].values())} 行，"
                          f"附件 {m['media_files']} 个，用时 {time.monotonic() - started:.1f} 秒）。")
        if result["migrations_applied"]:
            self.stdout.write(f"已应用 {result['migrations_applied']} 个数据库迁移（备份早于当前程序版本）。")
        if result["database_kept"]:
            self.stdout.write(f"被覆盖的原数据库已保留为 {result['database_kept']}，确认无误后可删除。")
        elif result["replaced"]:
            self.stdout.write("原数据库中的全部数据表已被删除并由备份替换（PostgreSQL 不保留旧表；"
                              "如需留底，请在恢复前先运行 dangjian backup）。")
        if result["media_kept"]:
            self.stdout.write(f"原附件目录已改名保留为 {result['media_kept']}，确认无误后可删除。")
        self.stdout.write("后台任务队列不在备份中：如备份时有未完成的预警计算，请运行 dangjian evaluate。")
        self.stdout.write("备份可能早于此后的去标识化和访问记录清理：请运行 dangjian anonymise_expired（对超过保存期限的"
                          "人员重新去标识化）和 dangjian prune_access_log（删除超过保存期限的个人信息访问记录），"
                          "再开放使用。")
