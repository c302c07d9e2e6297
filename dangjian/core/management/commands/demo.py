"""`dangjian demo [--scale small|city|province] [--seed N] [--if-empty] [--with-orglife|--no-orglife]` —
load the demo data set (with two years of organisational life, except at province scale unless asked)."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from dangjian.core.errors import ActionError
from dangjian.demo.generator import SCALES
from dangjian.demo.loader import database_has_orgs, load
from dangjian.demo.progress import Reporter, RichReporter


class Command(BaseCommand):
    help = ("加载示例数据：某市（province 规模为某省）直属机关工委及各单位的党组、机关党委、党总支、"
            "党支部、党小组、人员、职务、近两年的组织生活记录和演示账户，随后运行一次规则引擎。")

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="city",
                            help="规模：small（约300人，测试用）、city（约6000人）、province（约100万人）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子；同一种子生成相同的数据")
        parser.add_argument("--if-empty", action="store_true",
                            help="数据库中已有党组织时什么也不做（供 make run 使用）")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                            help="以哪一天为“今天”生成日期（默认今天），格式 YYYY-MM-DD")
        parser.add_argument("--no-engine", action="store_true", help="加载后不运行规则引擎")
        life = parser.add_mutually_exclusive_group()
        life.add_argument("--with-orglife", dest="orglife", action="store_const", const=True, default=None,
                          help="同时生成近两年的组织生活记录（三会一课、主题党日、组织生活会、民主评议、谈心谈话）；"
                               "small、city 规模默认生成，province 规模默认不生成（数据量达数千万条）")
        life.add_argument("--no-orglife", dest="orglife", action="store_const", const=False,
                          help="不生成组织生活记录")

    def handle(self, *args, scale, seed, if_empty, as_of, no_engine, orglife, verbosity, **options):
        if database_has_orgs():
            if if_empty:
                self.stdout.write("数据库中已有党组织数据，跳过示例数据加载。")
                return
            raise CommandError("数据库中已有党组织数据，示例数据只能加载到空数据库。"
                               "请换一个数据目录（例如 DANGJIAN_VAR_DIR=var/demo dangjian migrate 后再加载），"
                               "或先用 dangjian flush 清空数据库。")
        self.stdout.write(f"正在加载示例数据（规模 {scale}，种子 {seed}）……")
        reporter = RichReporter() if verbosity >= 1 else Reporter()
        try:
            result = load(scale, seed=seed, as_of=as_of, reporter=reporter, run_engine=not no_engine,
                          orglife=orglife)
        except ActionError as e:
            raise CommandError(f"示例数据未加载（已全部回滚）：{e}") from e
        finally:
            reporter.close()
        self.report(result)

    def report(self, result):
        from dangjian.orgs.choices import OrgType
        from dangjian.orgs.models import Org
        from dangjian.people.models import Person

        plan = result.plan
        w = self.stdout.write
        w(self.style.SUCCESS(f"示例数据已加载，用时 {result.seconds:.1f} 秒："))
        types = dict(Org.objects.order_by().values_list("type").annotate(n=Count("id")))
        w(f"  机关单位 {result.units} 个；党组织 {result.orgs} 个（" +
          "，".join(f"{t.label} {types[t]}" for t in OrgType if t in types) + "）")
        counts = Counter(dict(Person.objects.order_by().values_list("status").annotate(n=Count("id"))))
        labels = dict(Person._meta.get_field("status").choices)
        w(f"  人员 {result.people} 名（" + "，".join(f"{labels[k]} {v}" for k, v in counts.most_common()) + f"）；职务 {result.posts} 条")
        if result.orglife is not None:
            w(f"  组织生活（{result.orglife_seconds:.1f} 秒）：{result.orglife.summary()}")
        if result.recruitment is not None:
            w(f"  发展党员：{result.recruitment.summary()}")
        if result.dues is not None:
            w(f"  {result.dues.summary()}")
        if result.membership is not None:
            w(f"  {result.membership.summary()}")
        if result.supervision is not None:
            w(f"  {result.supervision.summary()}")
        if result.elections is not None:
            w(f"  {result.elections.summary()}")
        if result.duty is not None:
            w(f"  {result.duty.summary()}")
        if result.assessment is not None:
            w(f"  {result.assessment.summary()}")
        problems = list(plan.problems) + (list(result.orglife.problems) if result.orglife is not None else []) + \
            (list(result.recruitment.problems) if result.recruitment is not None else []) + \
            (list(result.dues.problems) if result.dues is not None else []) + \
            (list(result.membership.problems) if result.membership is not None else []) + \
            (list(result.supervision.problems_list) if result.supervision is not None else []) + \
            (list(result.elections.problems) if result.elections is not None else []) + \
            (list(result.duty.problems) if result.duty is not None else []) + \
            (list(result.assessment.problems) + list(getattr(result.assessment, "text_problems", []))
             if result.assessment is not None else [])
        if problems:
            w("  为演示预警中心，特意设置了以下问题：")
            for p in problems:
                w(f"    · {p}")
        if result.engine_seconds is not None:
            w(f"  规则引擎已运行，用时 {result.engine_seconds:.1f} 秒：{result.engine_result}")
        w("  演示账户见 dangjian demo_accounts。")
