"""`dangjian rollups --rebuild [--as-of YYYY-MM-DD]`: recompute the dashboards' rollups for the whole tree
(the engine's full runs do the same; actions keep them current in between)."""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from dangjian.dashboards import tasks
from dangjian.dashboards.models import MonthRollup, RollupState, Snapshot


class Command(BaseCommand):
    help = "重建数据看板的汇总数据（全部党组织）。"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="全部重新计算")
        parser.add_argument("--as-of", dest="as_of", help="汇总日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args, rebuild=False, as_of=None, **options):
        if as_of:
            try:
                as_of = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"日期格式不正确：{as_of}（应为 YYYY-MM-DD）") from None
        if not rebuild:
            state = RollupState.objects.filter(as_of__isnull=False).first()
            if state is None:
                self.stdout.write("尚未生成汇总数据。运行 dangjian rollups --rebuild 生成。")
            else:
                self.stdout.write(f"汇总日期 {state.as_of}，重建于 {state.rebuilt_at:%Y-%m-%d %H:%M}（用时 {state.seconds:.1f} 秒）；"
                                  f"月度汇总 {MonthRollup.objects.count()} 行，现状汇总 {Snapshot.objects.count()} 行。")
            return
        done = tasks.rebuild_now(as_of)       # (through the background job's lock: never two at once)
        if not done:
            self.stdout.write("后台任务正在重建汇总数据，已登记本次重建请求，由它完成后再重建一次。")
            return
        out = done[-1]
        self.stdout.write(self.style.SUCCESS(
            f"已重建：月度汇总 {out['months']} 行，现状汇总 {out['snapshots']} 行，用时 {out['seconds']:.1f} 秒。"))
