"""`dangjian anonymise_expired [--dry-run] [--as-of YYYY-MM-DD]`: anonymise the non-members whose retention period
(`privacy_non_member_retention_years`) has run out; the nightly job does the same."""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dangjian.privacy.actions import anonymise_expired, retention_years


class Command(BaseCommand):
    help = "匿名化保存期限届满的非党员（未被接收的申请人、已转出/除名/去世人员）的个人信息。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出到期人员，不做修改")
        parser.add_argument("--as-of", help="按哪一天判断（默认今天）")

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of 应为 YYYY-MM-DD 格式的日期。")
        result = anonymise_expired(as_of=as_of, dry_run=options["dry_run"])
        for p, day in result.candidates:
            self.stdout.write(f"{p.pk}\t{p.get_status_display()}\t离开于 {day:%Y-%m-%d}")
        prefix = "（演练，未修改）" if options["dry_run"] else ""
        self.stdout.write(f"{prefix}保存期限 {retention_years()} 年：{result}。")
