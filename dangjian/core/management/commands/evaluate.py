"""`dangjian evaluate [--org ID] [--as-of YYYY-MM-DD]`: run the rules engine over the database (or
one subtree) and store the findings — what a nightly job or an administrator runs."""
import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState, Severity
from dangjian.core.params import id_param


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式不正确：{value}（应为 YYYY-MM-DD，例如 2025-12-31）") from None


class Command(BaseCommand):
    help = "运行合规规则，生成、更新和自动消除预警。"

    def add_arguments(self, parser):
        parser.add_argument("--org", help="只判断该党组织（编号或交换编号）及其下级组织，并重新判断其上级组织")
        parser.add_argument("--as-of", dest="as_of", type=parse_date, help="判断日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--rule", action="append", dest="rules", help="只运行指定规则（可重复）")

    def handle(self, *args, org=None, as_of=None, rules=None, **options):
        from dangjian.orgs.models import Org

        org_ids = None
        if org:
            qs = Org.objects.filter(external_id=org)
            if id_param(org) is not None:
                qs = Org.objects.filter(pk=id_param(org)) | qs
            target = qs.first()
            if target is None:
                raise CommandError(f"找不到党组织：{org}（请填写组织编号或交换编号）")
            org_ids = list(Org.objects.filter(path__subtree=target.path).values_list("pk", flat=True))
        unknown = [r for r in rules or () if engine.registry.get(r) is None]
        if unknown:
            raise CommandError(f"未知规则：{'、'.join(unknown)}（用 dangjian rules 查看全部规则）")
        started = time.monotonic()
        result = engine.run(as_of=as_of, org_ids=org_ids, rule_ids=rules)
        seconds = time.monotonic() - started
        scope = f"“{target.name}”及其下级组织" if org else "全部党组织"
        self.stdout.write(f"判断日期 {as_of or '今天'}，范围：{scope}，用时 {seconds:.1f} 秒")
        self.stdout.write(f"预警：{result}")
        open_qs = Finding.objects.filter(state=FindingState.OPEN)
        if org_ids is not None:
            open_qs = open_qs.filter(org__path__subtree=target.path)
        if rules:
            open_qs = open_qs.filter(rule_id__in=rules)
        rows = open_qs.order_by().values_list("rule_id", "severity").annotate(n=Count("id"))
        if not rows:
            self.stdout.write("当前没有未解决的预警。")
            return
        labels = dict(Severity.choices)
        self.stdout.write("当前未解决的预警：")
        for rule_id, severity, n in sorted(rows, key=lambda r: engine._rule_sort_key(r[0])):
            r = engine.registry.get(rule_id)
            self.stdout.write(f"  {rule_id:<8} {labels.get(severity, severity)} {n:>6} 条  {r.title if r else ''}")
