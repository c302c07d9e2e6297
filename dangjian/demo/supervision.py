"""Demo 督责: the 工委's yearly 集中督查 of a random sample of branches (seed logged), with the problems it
found — most rectified with evidence and closed (销号) by the 工委 before their deadlines, some still being
rectified within their time, and a few planted: one open past its deadline (SUP-01), one closed late
(SUP-02), and the same kind of problem found again in a branch within the year (SUP-04)."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from dangjian.orgs.models import Org
from dangjian.supervision.actions import draw_sample
from dangjian.supervision.choices import Category, Kind, State
from dangjian.supervision.models import Rectification, SupervisionPlan

PROBLEMS = (
    (Category.ORG_LIFE, "党员大会记录缺少表决情况，部分会议只有签到没有内容"),
    (Category.ORG_LIFE, "主题党日活动与工会活动混同，党味不浓"),
    (Category.DUES, "党费收缴台账未按月登记，个别党员补交超过6个月"),
    (Category.STUDY, "理论学习流于形式，学习记录照抄文件"),
    (Category.ORG_BUILDING, "支部委员会分工不明确，组织委员长期空缺"),
    (Category.RECRUITMENT, "发展党员材料不全，入党积极分子考察记录缺失"),
    (Category.RESPONSIBILITY, "支部书记抓党建述职只讲业务，党建内容少"),
)
EVIDENCE = "对照问题逐项整改：补齐相关记录，完善制度，支委会专题研究并向党员通报整改情况。"


@dataclass
class SupervisionStats:
    problems: int = 0
    problems_list: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"集中督查发现问题 {self.problems} 个"


def default_for(scale: str) -> bool:
    return scale != "province"


def load(as_of: dt.date, seed: int) -> SupervisionStats:
    rng = random.Random(seed * 97 + 5)
    stats = SupervisionStats()
    root = Org.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return stats
    branches = list(Org.objects.active().filter(type="branch").values_list("pk", flat=True))
    if len(branches) < 4:
        return stats
    start = dt.date(as_of.year, 4, 1) if as_of.month > 6 else dt.date(as_of.year - 1, 10, 1)
    plan_seed = f"{seed:04x}{as_of.year}"
    plan = SupervisionPlan.objects.create(issuing_org=root, scope=root, kind=Kind.CONCENTRATED, start=start,
                                          title=f"{start.year}年度机关党建工作集中督查", seed=plan_seed,
                                          sample_size=min(12, len(branches)),
                                          checklist="三会一课是否按时召开、记录是否完整\n党费是否按月足额交纳\n"
                                                    "发展党员程序是否规范\n理论学习是否有实效")
    sample = draw_sample(branches, plan_seed, plan.sample_size)
    plan.sampled.set(sample)
    names = dict(Org.objects.filter(pk__in=sample).values_list("pk", "name"))
    rows = []
    found = start + dt.timedelta(days=10)
    for i, org_id in enumerate(sample):
        category, text = PROBLEMS[i % len(PROBLEMS)]
        deadline = found + dt.timedelta(days=60)
        r = Rectification(plan=plan, org_id=org_id, issuing_org=root, source=Kind.CONCENTRATED, category=category,
                          found=found, problem=text, deadline=deadline)
        if i == 0:                                        # SUP-01: still open, past its deadline
            stats.problems_list.append(f"“{names[org_id]}”督查发现的问题逾期未整改销号（SUP-01）")
        elif i == 1:                                      # SUP-02: closed, but late
            r.state, r.closed, r.approved, r.evidence = State.CLOSED, deadline + dt.timedelta(days=12), True, EVIDENCE
            stats.problems_list.append(f"“{names[org_id]}”督查问题逾期12天才销号（SUP-02）")
        elif deadline >= as_of:                           # still within its time
            r.evidence = EVIDENCE if rng.random() < 0.5 else ""
        else:
            r.state, r.closed, r.approved, r.evidence = State.CLOSED, deadline - dt.timedelta(
                days=rng.randint(1, 20)), True, EVIDENCE
        rows.append(r)
    # SUP-04: the third branch's kind of problem found again by a routine check within the year.
    org_id = sample[2]
    category, text = PROBLEMS[2 % len(PROBLEMS)]
    again = found + dt.timedelta(days=120)
    if again <= as_of:
        rows.append(Rectification(org_id=org_id, issuing_org=root, source=Kind.ROUTINE, category=category,
                                  found=again, problem=text + "（日常督查再次发现）", deadline=again + dt.timedelta(days=300),
                                  evidence=""))
        stats.problems_list.append(f"“{names[org_id]}”一年内再次发现同类问题（SUP-04）")
    Rectification.objects.bulk_create(rows)
    stats.problems = len(rows)
    _suggestions(as_of, rng, sample, names, stats)
    return stats


SUGGESTIONS = ("支部学习形式单一，建议增加现场教学", "主题党日活动希望更多结合业务工作", "建议支委分工联系党员，经常谈心",
               "会议通知太晚，希望提前一周通知", "建议把党员志愿服务纳入主题党日")
REPLIES = ("已采纳，下季度组织到红色教育基地现场教学。", "支委会已研究，主题党日按“党建+业务”方式安排。",
           "已建立支委联系党员制度，每季度谈心一次。", "已调整为会前一周发布通知。")


def _suggestions(as_of, rng, sample, names, stats) -> None:
    """意见建议 from the branches' 组织生活会: answered within the 30 days, but one (SUP-05)."""
    from dangjian.supervision.models import Suggestion

    rows = []
    for i, org_id in enumerate(sample[:6]):
        received = as_of - dt.timedelta(days=rng.randint(40, 200))
        s = Suggestion(org_id=org_id, source="meeting", received=received, text=SUGGESTIONS[i % len(SUGGESTIONS)],
                       from_whom="组织生活会征求意见")
        if i == 0:
            stats.problems_list.append(f"“{names[org_id]}”收到的意见建议超过30天未回应（SUP-05）")
        else:
            s.reply, s.replied = REPLIES[i % len(REPLIES)], received + dt.timedelta(days=rng.randint(3, 25))
        rows.append(s)
    Suggestion.objects.bulk_create(rows)
