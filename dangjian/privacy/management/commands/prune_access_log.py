"""`dangjian prune_access_log`: delete 个人信息访问记录 older than `privacy_access_log_months` (nightly job too)."""
from django.core.management.base import BaseCommand

from dangjian.privacy.actions import prune_access_log


class Command(BaseCommand):
    help = "删除超过保存期限的个人信息访问记录。"

    def handle(self, *args, **options):
        self.stdout.write(f"已删除 {prune_access_log()} 条过期的个人信息访问记录。")
