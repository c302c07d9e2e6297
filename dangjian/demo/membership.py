"""Demo 组织关系 and 学习培训: letters for the members away at a fixed place, contacts with the 流动党员,
a few transfers in from outside, and the year's study sessions of every branch (four of 8 学时; three more
for the secretary and committee members; an induction for new secretaries) — with problems planted and
listed in `problems`: a letter lapsed without a report (REL-03), a member away at a fixed place with no
letter (EDU-04), a 流动党员 not contacted for five months (EDU-05), a member who missed a session (EDU-01),
a secretary who missed one of the extra ones (EDU-02). The members out of contact the roster already
has are EDU-03's. Deterministic for a seed; not at province scale."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from dangjian.core.periods import add_months
from dangjian.membership.choices import ContactWay, Direction
from dangjian.membership.models import MobileContact, Transfer
from dangjian.orgs.models import Org, Post
from dangjian.people.choices import MEMBER_STATUSES
from dangjian.people.models import Person
from dangjian.study.choices import StudyKind
from dangjian.study.models import StudyRecord
from dangjian.study.rules import CADRE_ORG_TYPES, CADRE_ROLES

SESSIONS = ((2, "学习贯彻党的创新理论专题培训"), (5, "党纪学习教育集中学习"), (8, "党员集中轮训"), (10, "业务与党建融合专题培训"))
CADRE_SESSIONS = ((3, "基层党组织书记和班子成员专题培训"), (6, "党务工作能力提升班"), (9, "学习贯彻全会精神读书班"))


@dataclass
class MembershipStats:
    letters: int = 0
    contacts: int = 0
    study: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"组织关系介绍信 {self.letters} 封，流动党员联系 {self.contacts} 次，学习记录 {self.study} 条"


def default_for(scale: str) -> bool:
    return scale != "province"


def load(as_of: dt.date, seed: int) -> MembershipStats:
    rng = random.Random(seed * 71 + 3)
    stats = MembershipStats()
    members = Person.objects.filter(status__in=list(MEMBER_STATUSES)).exclude(org__isnull=True)
    names = {}
    # --- away at a fixed place for six months: a letter each, one lapsed, one never written ---------------
    fixed = [p for p in members.filter(away_since__isnull=False, away_fixed_location=True).order_by("pk").values(
        "pk", "name", "org_id", "away_since") if add_months(p["away_since"], 6) <= as_of]
    letters = []
    for i, p in enumerate(fixed):
        if i == 1:
            names["no_letter"] = p["name"]
            continue
        day = as_of - dt.timedelta(days=120 if i == 0 else rng.randint(5, 60))
        if i == 0:
            names["lapsed"] = p["name"]
        letters.append(Transfer(person_id=p["pk"], direction=Direction.OUT, org_id=p["org_id"], from_org_id=p["org_id"],
                                to_name=rng.choice(("外省某市发展改革委机关党支部", "某县财政局机关第一党支部",
                                                    "某区人才服务中心党委")),
                                letter_no=f"转字〔{day.year}〕{100 + i}号", letter_date=day,
                                valid_until=add_months(day, 3) - dt.timedelta(days=1), reason="工作调动"))
    # --- a few who came from outside, long reported ---------------------------------------------------------
    for p in members.filter(away_since__isnull=True, lost_contact_since__isnull=True).order_by("-pk").values(
            "pk", "org_id")[:3]:
        day = as_of - dt.timedelta(days=rng.randint(200, 600))
        letters.append(Transfer(person_id=p["pk"], direction=Direction.IN, org_id=p["org_id"], to_org_id=p["org_id"],
                                from_name="外省某厅机关党委", letter_date=day - dt.timedelta(days=10),
                                reported_on=day, reason="工作调动"))
    Transfer.objects.bulk_create(letters)
    stats.letters = len(letters)
    # --- 流动党员: a contact every two months, one not for five -------------------------------------------
    mobile = [p for p in members.filter(away_since__isnull=False, away_fixed_location=False).order_by("pk").values(
        "pk", "name", "org_id", "away_since") if add_months(p["away_since"], 6) <= as_of]
    # (the one away at a fixed place without a letter is kept in touch with: EDU-04 is their only problem)
    mobile += [dict(p, _kept=True) for i, p in enumerate(fixed) if i == 1]
    contacts = []
    for i, p in enumerate(mobile):
        day = p["away_since"] + dt.timedelta(days=20)
        planted = i == 0 and not p.get("_kept")
        stop = add_months(as_of, -5) if planted else as_of
        if planted:
            names["not_contacted"] = p["name"]
        while day <= stop:
            contacts.append(MobileContact(person_id=p["pk"], org_id=p["org_id"], date=day,
                                          way=rng.choice(ContactWay.values), note="身体、工作情况良好，按时参加流入地组织生活"))
            day = add_months(day, 2)
    MobileContact.objects.bulk_create(contacts, batch_size=5000)
    stats.contacts = len(contacts)
    # --- study: every branch's (总支's, 党委's) sessions, last year and this year so far -------------------
    branch_members = {}
    for pk, org_id, name, joined in members.filter(org__type__in=CADRE_ORG_TYPES).order_by("pk").values_list(
            "pk", "org_id", "name", "probationary_date"):
        branch_members.setdefault(org_id, []).append((pk, name, joined))
    cadres = set(Post.objects.filter(role__in=CADRE_ROLES, org__type__in=CADRE_ORG_TYPES, end__isnull=True)
                 .values_list("person_id", flat=True))
    rows = []
    inductions = list(Post.objects.filter(role="secretary", org__type__in=CADRE_ORG_TYPES, end__isnull=True,
                                          start__gte=dt.date(as_of.year - 2, 6, 1)).values_list(
        "person_id", "org_id", "start"))
    new_secretaries = {pk for pk, _, _ in inductions}
    branches = sorted(branch_members)
    miss_member_branch = branches[len(branches) // 3] if branches else None
    miss_cadre_branch = branches[2 * len(branches) // 3] if branches else None
    last_year = as_of.year - 1
    for org_id in branches:
        people = branch_members[org_id]
        whole_year = [p for p in people if p[2] is None or p[2] <= dt.date(last_year, 1, 1)]   # (EDU-01 judges them)
        plain = [p for p in whole_year if p[0] not in cadres]
        leaders = [p for p in whole_year if p[0] in cadres and p[0] not in new_secretaries]
        skip_member = plain[0][0] if org_id == miss_member_branch and plain else None
        skip_cadre = leaders[0][0] if org_id == miss_cadre_branch and leaders else None
        if skip_member:
            names["short_member"] = plain[0][1]
        if skip_cadre:
            names["short_cadre"] = leaders[0][1]
        for year in (last_year, as_of.year):
            for n, (month, title) in enumerate(SESSIONS):
                day = dt.date(year, month, 10 + rng.randint(0, 12))
                if day > as_of:
                    continue
                for pk, _, _ in people:
                    if pk == skip_member and year == last_year and n == 0:
                        continue
                    rows.append(StudyRecord(person_id=pk, org_id=org_id, date=day, hours=Decimal("8"), title=title,
                                            kind=StudyKind.CENTRALIZED))
            for n, (month, title) in enumerate(CADRE_SESSIONS):
                day = dt.date(year, month, 12 + rng.randint(0, 10))
                if day > as_of:
                    continue
                for pk, _, _ in (p for p in people if p[0] in cadres):
                    if pk == skip_cadre and year == last_year and n == 0:
                        continue
                    rows.append(StudyRecord(person_id=pk, org_id=org_id, date=day, hours=Decimal("8"), title=title,
                                            kind=StudyKind.ROTATION))
    # 新任书记 trained within six months of taking office.
    for pk, org_id, start in inductions:
        day = min(start + dt.timedelta(days=40), as_of)
        rows.append(StudyRecord(person_id=pk, org_id=org_id, date=day, hours=Decimal("16"), title="新任党支部书记任职培训",
                                kind=StudyKind.INDUCTION))
    StudyRecord.objects.bulk_create(rows, batch_size=5000)
    stats.study = len(rows)
    labels = {"lapsed": "组织关系介绍信已过有效期仍未报到（REL-03）", "no_letter": "外出满6个月、地点固定，未转移组织关系（EDU-04）",
              "not_contacted": "流动党员近5个月没有联系记录（EDU-05）",
              "short_member": f"{last_year}年集中学习培训只有24学时（EDU-01）",
              "short_cadre": f"{last_year}年书记、班子成员集中学习培训只有48学时（EDU-02）"}
    for key, label in labels.items():
        if key in names:
            stats.problems.append(f"{names[key]}：{label}")
    lost = members.filter(lost_contact_since__isnull=False).count()
    if lost:
        stats.problems.append(f"另有{lost}名党员失联6个月以上，应审议停止党籍（EDU-03）")
    return stats


__all__ = ["load", "default_for", "Org"]
