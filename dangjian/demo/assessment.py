"""Demo 考责: last year's 述职评议 — the 工委 appraising the secretaries of the 党组, 机关党委 and 党总支 below
it, each 机关党委 and 党总支 appraising its branch secretaries — with reports, tallies, comments and grades;
each 党组's yearly report (PG-02); and the 工委's 党支部工作考核 scheme for last year, computed from the
records, with the manual item scored for most branches. Planted: one branch secretary who did not report
(ASSESS-01) and one 党组 without its yearly report (PG-02)."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from dangjian.assessment.choices import Grade, IndicatorKind, Method, ReportKind
from dangjian.assessment.models import Indicator, ManualScore, Report, ReviewMeeting, Scheme
from dangjian.orgs.models import Org, Post

REPORT = ("{year}年，{name}认真履行抓基层党建第一责任人职责。一是带头落实“三会一课”制度，全年主持支委会{c}次，"
          "讲党课{l}次；二是推进党支部标准化规范化建设，{point}；三是严格党员教育管理，党费按月足额收缴。"
          "存在的不足：{gap}。下一步，{plan}。")
POINTS = ("完善了会议记录和党员档案", "开展“党建+业务”融合项目", "建立支委联系党员制度", "落实谈心谈话全覆盖")
GAPS = ("理论学习的深度还不够，联系业务工作不紧", "对青年党员的教育引导办法不多", "主题党日的形式比较单一",
        "督促整改的力度还需加强")
PLANS = ("围绕中心工作谋划党建项目", "建立学习清单和问题清单", "把党建责任压实到每名支委", "结合业务开展主题党日")
# Planted (TXT-03): one branch secretary's report that tells the section's business and hardly any party building.
BUSINESS_REPORT = (
    "{year}年，{name}在局党组的领导下，带领科室圆满完成了全年各项业务工作任务。一是全力抓好项目建设，全年完成固定资产投资{inv}亿元，"
    "新开工重点项目{proj}个，项目审批平均用时压缩到{days}个工作日。二是持续优化营商环境，办理行政许可事项{cases}件，"
    "群众满意率达到98%以上。三是加强安全生产监管，开展隐患排查{checks}次，整改安全隐患{fix}处，全年未发生较大安全事故。"
    "四是认真完成局领导交办的调研、信息报送和督办事项，全年报送信息{info}篇，被市委办采用{used}篇。同时，支部坚持开展“三会一课”。"
    "存在的不足：业务创新不够，个别项目进度滞后。下一步，将紧紧围绕年度目标任务，狠抓项目推进和预算执行，确保各项业务指标全面完成。")
COMMENTS = ("抓党建责任意识强，工作扎实，特色鲜明。", "履职较好，需进一步推动党建和业务深度融合。",
            "工作有起色，但问题整改不够及时。", "对党建工作研究不多，需切实履行第一责任人职责。")


@dataclass
class AssessmentStats:
    reviews: int = 0
    reports: int = 0
    scheme: object = None
    problems: list[str] = field(default_factory=list)
    business_report: object = None      # the planted TXT-03 report
    text_problems: list[str] = field(default_factory=list)   # (kept apart: `problems` are the ASSESS/PG ones)

    def summary(self) -> str:
        return f"述职评议会 {self.reviews} 次、述职报告 {self.reports} 份；考核方案“{self.scheme}”已评分"


def default_for(scale: str) -> bool:
    return scale != "province"


def _secretaries(children, year_end):
    out = {}
    for p in (Post.objects.filter(org__in=children, role__in=("secretary", "first_responsible"))
              .select_related("person").order_by("start")):
        if p.is_current(year_end):
            out.setdefault(p.org_id, p)
    return out


def load(as_of: dt.date, seed: int) -> AssessmentStats:
    rng = random.Random(seed * 31 + 11)
    stats = AssessmentStats()
    root = Org.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return stats
    year = as_of.year - 1
    year_end = dt.date(year, 12, 31)
    organisers = [root] + list(Org.objects.filter(type__in=("committee", "general_branch"), dissolved__isnull=True)
                               .order_by("path"))
    planted = False
    reports = []
    for o in organisers:
        children = list(Org.objects.filter(path__startswith=o.path, depth=o.depth + 1).exclude(type="group")
                        .filter(Q(dissolved__isnull=True) | Q(dissolved__gt=year_end)))
        secs = _secretaries(children, year_end)
        if not secs:
            continue
        review = ReviewMeeting.objects.create(organiser=o, year=year, date=dt.date(year, 12, rng.randint(18, 28)),
                                              title=f"{year}年度{'党组（党委）、机关党委' if o is root else '党支部'}书记"
                                                    f"抓基层党建工作述职评议会（{o.short_name or o.name}）",
                                              participants=rng.randint(25, 60))
        stats.reviews += 1
        for org in children:
            post = secs.get(org.pk)
            if post is None:
                continue
            if not planted and o is not root and org.type == "branch":
                planted = True
                stats.problems.append(f"“{post.person.name}”（{org.name}书记）没有{year}年度述职报告（ASSESS-01）")
                continue
            votes = [rng.randint(8, review.participants)]
            rest = review.participants - votes[0]
            for _ in range(2):
                v = rng.randint(0, rest)
                votes.append(v)
                rest -= v
            votes.append(0)
            best = max(range(4), key=lambda i: (votes[i], -i))
            text = REPORT.format(year=year, name=post.person.name, c=rng.randint(10, 14), l=rng.randint(1, 4),
                                 point=rng.choice(POINTS), gap=rng.choice(GAPS), plan=rng.choice(PLANS))
            business = stats.business_report is None and o is not root and org.type == "branch"
            if business:     # (its figures from a stream of their own: the other reports stay as they were)
                brng = random.Random(seed * 31 + 13)
                text = BUSINESS_REPORT.format(year=year, name=post.person.name, inv=brng.randint(5, 30),
                                              proj=brng.randint(4, 15), days=brng.randint(5, 9),
                                              cases=brng.randint(600, 2400), checks=brng.randint(20, 60),
                                              fix=brng.randint(60, 200), info=brng.randint(40, 120),
                                              used=brng.randint(5, 20))
            reports.append(Report(
                kind=ReportKind.SECRETARY_DUTY, org=org, person=post.person, year=year,
                title=f"{post.person.name}{year}年度抓基层党建工作述职报告", submitted=dt.date(year, 12, 10),
                text=text,
                review=review, votes_good=votes[0], votes_fairly_good=votes[1], votes_average=votes[2],
                votes_poor=votes[3], comment=COMMENTS[best], grade=Grade.values[best],
                graded_at=timezone.make_aware(dt.datetime(year, 12, 30, 10))))
            if business:
                stats.business_report = reports[-1]
                stats.text_problems.append(
                    f"“{post.person.name}”（{org.name}书记）{year}年度述职报告几乎只讲业务工作（TXT-03）")
    # PG-02: every 党组's yearly report but one.
    groups = list(Org.objects.filter(type="leading_group", dissolved__isnull=True).order_by("path"))
    for i, g in enumerate(groups):
        if i == 0 and len(groups) > 1:
            stats.problems.append(f"“{g.name}”没有{year}年度向机关工委的全面工作报告（PG-02）")
            continue
        reports.append(Report(kind=ReportKind.LEADING_GROUP_ANNUAL, org=g, year=year, title=f"{g.name}{year}年度工作报告",
                              submitted=dt.date(year, 12, 20), text="一年来，党组认真履行全面从严治党主体责任……"))
    Report.objects.bulk_create(reports, batch_size=1000)
    stats.reports = len(reports)
    stats.scheme = _scheme(root, year, rng)
    return stats


def _scheme(root, year: int, rng) -> Scheme:
    s = Scheme.objects.create(issuer=root, year=year, name="党支部工作考核", target_type="branch")
    life = Indicator.objects.create(scheme=s, order=1, name="组织生活", kind=IndicatorKind.GROUP)
    rows = [
        (life, "三会一课、主题党日按期召开", IndicatorKind.SCORE, Method.COMPUTED, "meetings_held", "40", None),
        (life, "党费按月足额交纳", IndicatorKind.SCORE, Method.COMPUTED, "dues_paid", "15", None),
        (None, "督查问题按期整改销号", IndicatorKind.SCORE, Method.COMPUTED, "rectification_on_time", "15", None),
        (None, "发展党员程序规范", IndicatorKind.SCORE, Method.COMPUTED, "recruitment_clean", "10", None),
        (None, "支部班子建设", IndicatorKind.SCORE, Method.MANUAL, "", "20", None),
        (None, "未消除的严重预警", IndicatorKind.DEDUCTION, Method.COMPUTED, "open_block_findings", "5", "1"),
        (None, "党建工作创新", IndicatorKind.BONUS, Method.MANUAL, "", "3", None),
    ]
    inds = [Indicator.objects.create(scheme=s, parent=p, order=i + 2, name=n, kind=k, method=m, metric=metric,
                                     points=Decimal(pts), unit_points=Decimal(u) if u else None,
                                     standard="按系统记录自动计算" if m == Method.COMPUTED else "考核组实地查看、查阅资料后评分")
            for i, (p, n, k, m, metric, pts, u) in enumerate(rows)]
    team = inds[4]
    branches = list(Org.objects.filter(type="branch", dissolved__isnull=True).values_list("pk", flat=True))
    scores = [ManualScore(indicator=team, org_id=b, points=Decimal(rng.randint(140, 200)) / 10,
                          evidence=rng.choice(("班子分工明确，议事规范", "支委会议题聚焦党建", "组织委员空缺时间较长",
                                               "班子成员履职记录完整")))
              for b in branches if rng.random() < 0.85]
    ManualScore.objects.bulk_create(scores, batch_size=2000)
    s.published_at = timezone.now()
    s.save(update_fields=["published_at"])
    return s


def score(stats: AssessmentStats, as_of: dt.date) -> None:
    """Score the demo scheme (after the engine has run, so that its findings count)."""
    from dangjian.assessment import scoring

    if stats.scheme is not None:
        scoring.score(stats.scheme, as_of=min(as_of, dt.date(stats.scheme.year, 12, 31)))
