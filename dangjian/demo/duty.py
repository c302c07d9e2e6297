"""Demo 明责·履责: the 工委's responsibility-list templates for the year (支部书记; 党组书记第一责任人), a
责任书 for every branch secretary and every 党组书记 — most signed, their due items evidenced by records the
platform already holds (a lecture given, a talk, a meeting held) and confirmed, or by a manual note where no
record exists; the 工作要点 broken into tasks for each 党组 and 机关党委; each 党组书记's 基层党建联系点 with a
visit every half-year. Planted: one secretary whose due items have no evidence (DUTY-02), one task past its
deadline (DUTY-01), one leader with a half-year without a visit (DUTY-03)."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from dangjian.duty.choices import EvidenceSource as S, ResponsibilityRole, TaskState, VisitKind
from dangjian.duty.evidence import candidates_for
from dangjian.duty.models import (ContactPoint, ContactVisit, Evidence, ResponsibilityItem, ResponsibilityList,
                                  ResponsibilityTemplate, Task, TemplateItem)
from dangjian.orgs.models import Org, Post

BRANCH_ITEMS = (
    ("上半年至少同每名支委谈心谈话一次", S.TALK, "", (6, 30)),
    ("上半年召开支部党员大会、研究部署党建工作", S.MEETING_HELD, "member_assembly", (6, 30)),
    ("每年至少为党员讲一次党课", S.LECTURE_GIVEN, "", (12, 31)),
    ("督促党员按月足额交纳党费，年底公布收缴情况", S.MANUAL, "", (12, 31)),
)
HEAD_ITEMS = (
    ("上半年到基层党建联系点调研指导", S.CONTACT_VISIT, "", (6, 30)),
    ("每年到所在党支部讲党课", S.LECTURE_GIVEN, "", (12, 31)),
    ("主持研究部署年度党建工作，听取机关党委工作汇报", S.MANUAL, "", (3, 31)),
)
TASKS = (
    ("党建工作要点一、强化政治建设", "组织党组理论学习中心组专题学习", "全年不少于12次", (3, 31)),
    ("党建工作要点二、推进支部标准化规范化", "完成所属党支部标准化规范化自查", "所属支部全部完成自查并报送报告", (6, 30)),
    ("党建工作要点三、加强党员教育管理", "开展党员集中培训", "每名党员年度集中学习不少于32学时", (9, 30)),
    ("党建工作要点四、落实全面从严治党责任", "开展党支部书记抓党建述职评议", "所属党支部书记全部述职", (12, 20)),
)


@dataclass
class DutyStats:
    lists: int = 0
    evidence: int = 0
    tasks: int = 0
    points: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"责任书 {self.lists} 份（佐证 {self.evidence} 条）、工作任务 {self.tasks} 项、"
                f"基层党建联系点 {self.points} 个")


def default_for(scale: str) -> bool:
    return scale != "province"


def _template(root, year, role, title, rows):
    t = ResponsibilityTemplate.objects.create(issuer=root, year=year, role=role, title=title,
                                              published_at=timezone.make_aware(dt.datetime(year, 1, 10, 9)))
    TemplateItem.objects.bulk_create([
        TemplateItem(template=t, order=i, text=text, evidence_source=src, meeting_type=mt, due=dt.date(year, *md))
        for i, (text, src, mt, md) in enumerate(rows, start=1)])
    return t


def load(as_of: dt.date, seed: int) -> DutyStats:
    rng = random.Random(seed * 53 + 17)
    stats = DutyStats()
    root = Org.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return stats
    year = as_of.year
    today = dt.date(year, 1, 1)
    posts = {}
    for p in (Post.objects.filter(role__in=("secretary", "first_responsible"), org__dissolved__isnull=True)
              .select_related("person", "org").order_by("org__path", "start")):
        if p.is_current(max(today, as_of)) and p.person.org_id:
            posts.setdefault(p.org_id, p)
    branch_posts = [p for p in posts.values() if p.org.type == "branch"]
    head_posts = [p for p in posts.values() if p.org.type == "leading_group"]
    lists = []
    for t, chosen in ((_template(root, year, ResponsibilityRole.BRANCH_SECRETARY, f"{year}年党支部书记抓党建责任清单",
                                 BRANCH_ITEMS), branch_posts),
                      (_template(root, year, ResponsibilityRole.FIRST_RESPONSIBLE,
                                 f"{year}年党组书记履行第一责任人职责清单", HEAD_ITEMS), head_posts)):
        signed = timezone.make_aware(dt.datetime(year, 2, 1, 10))
        lists += [ResponsibilityList(template=t, person=p.person, org=p.org, year=year,
                                     signed_at=signed if rng.random() < 0.9 else None) for p in chosen]
    ResponsibilityList.objects.bulk_create(lists, batch_size=1000)
    items = [ResponsibilityItem(list=lst, template_item=ti, text=ti.text, due=ti.due)
             for lst in lists for ti in lst.template.items.all()]
    ResponsibilityItem.objects.bulk_create(items, batch_size=2000)
    stats.lists = len(lists)
    # 联系点 first (their visits evidence the 党组书记's items): another branch of the same department.
    stats.points = _contact_points(head_posts, as_of, rng, stats)
    planted = next((lst.person_id for lst in lists if lst.template.role == ResponsibilityRole.BRANCH_SECRETARY), None)
    due = [i for i in ResponsibilityItem.objects.filter(list__year=year, due__lt=as_of).select_related(
        "list__person", "list__org", "template_item")]
    waiting = candidates_for(due)
    evidence = []
    for i in due:
        if i.list.person_id == planted:
            continue
        c = waiting[i.pk][:1]
        if c:
            evidence.append(Evidence(item=i, source=c[0].source, ref_id=c[0].ref_id, date=c[0].date, text=c[0].text))
        else:
            evidence.append(Evidence(item=i, source="manual", date=min(i.due, as_of),
                                     text="已按要求落实，有关材料存支部工作台账备查"))
    Evidence.objects.bulk_create(evidence, batch_size=2000)
    stats.evidence = len(evidence)
    if planted and any(i.list.person_id == planted for i in due):     # (none due yet early in the year)
        name = next(lst.person.name for lst in lists if lst.person_id == planted)
        stats.problems.append(f"“{name}”的责任书事项到期没有佐证（DUTY-02）")
    stats.tasks = _tasks(root, year, as_of, rng, stats)
    return stats


def _tasks(root, year, as_of, rng, stats) -> int:
    orgs = list(Org.objects.filter(type__in=("leading_group", "committee"), dissolved__isnull=True).order_by("path"))
    rows = []
    planted = False
    for org in orgs:
        for source, title, target, md in TASKS:
            deadline = dt.date(year, *md)
            t = Task(year=year, source=source, title=title, target=target, org=org, deadline=deadline)
            if deadline < as_of:
                if not planted:
                    planted = True
                    stats.problems.append(f"“{org.name}”的任务“{title}”逾期未完成（DUTY-01）")
                else:
                    t.state, t.done_on = TaskState.DONE, deadline - dt.timedelta(days=rng.randint(0, 20))
                    t.evidence = f"已完成：{target}。"
            rows.append(t)
    Task.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _contact_points(head_posts, as_of, rng, stats) -> int:
    since = dt.date(as_of.year - 1, 1, 1)
    points, visits = [], []
    for p in head_posts:
        if not p.person.leading_cadre:
            continue
        branches = list(Org.objects.filter(type="branch", unit=p.org.unit_id, dissolved__isnull=True)
                        .exclude(pk=p.person.org_id).values_list("pk", flat=True)[:5])
        if not branches:
            continue
        points.append(ContactPoint(leader=p.person, branch_id=rng.choice(branches), since=since))
    ContactPoint.objects.bulk_create(points)
    planted = False
    for cp in points:
        y, half = since.year, 0
        while True:
            first = dt.date(y, 1 + 6 * half, 1)
            if first > as_of:
                break
            last = dt.date(y, 6, 30) if half == 0 else dt.date(y, 12, 31)
            ended = last <= as_of
            if ended and not planted and (y, half) != (since.year, 0):
                planted = True
                stats.problems.append(f"“{cp.leader.name}”{y}年{'上' if half == 0 else '下'}半年没有到基层党建联系点（DUTY-03）")
            else:
                day = first + dt.timedelta(days=rng.randint(20, 150))
                if day <= as_of:
                    visits.append(ContactVisit(point=cp, date=day, kind=rng.choice(VisitKind.values),
                                               note="到联系点调研党建工作，参加支部活动"))
            y, half = (y, 1) if half == 0 else (y + 1, 0)
    ContactVisit.objects.bulk_create(visits)
    return len(points)
