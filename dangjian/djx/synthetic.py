"""A generated DJX document of any size, for measuring imports and `check` at scale (the shared
example has 53 meetings; a city has tens of thousands). Deterministic: the same arguments give the
same file."""
from __future__ import annotations

import datetime as dt
import random

from .validation import FORMAT

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "建国丽杰平辉敏勇秀兰霞玉伟洋军红梅强华明芳"


def generate(branches: int = 250, years=(2024, 2025), members: int = 24, seed: int = 7) -> dict:
    """`branches` branches of `members` members each under one 机关党委, with a year's
    三会一课, 主题党日, 组织生活会 and 民主评议 per branch and year, talks and appraisal grades."""
    rnd = random.Random(seed)
    orgs = [{"id": "wc", "name": "市直机关工委", "type": "work_committee", "parent": None},
            {"id": "c", "name": "机关党委", "type": "committee", "parent": "wc", "committee_elected": "2023-06-20"}]
    people, posts, meetings, talks, appraisals = [], [], [], [], []
    for b in range(branches):
        bid = f"b{b}"
        orgs.append({"id": bid, "name": f"第{b + 1}党支部", "type": "branch", "parent": "c",
                     "committee_elected": "2023-03-15"})
        ids = [f"{bid}p{i}" for i in range(members)]
        for i, pid in enumerate(ids):
            probationary = i == members - 1   # one probationary member per branch: attends, no vote
            people.append({"id": pid, "name": rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
                           "org": bid, "status": "probationary" if probationary else "full",
                           "probationary_date": "2025-05-01" if probationary else "2008-07-01",
                           **({} if probationary else {"full_member_date": "2009-07-01"})})
        committee = ids[:3]
        for pid, role in zip(committee, ("secretary", "organization", "propaganda")):
            posts.append({"person": pid, "org": bid, "role": role, "start": "2023-03-15"})
        for year in years:
            def meeting(kind, day, **extra):
                absent = set(rnd.sample(ids, 2))
                present = [p for p in (extra.pop("expected", None) or ids) if p not in absent]
                excused = {p: "出差" for p in sorted(absent)[:1] if p in ids}
                meetings.append({"id": f"{bid}-{kind}-{day.isoformat()}", "org": bid, "type": kind,
                                 "date": day.isoformat(), "topic": f"{kind} {day:%Y-%m}",
                                 "present": [p for p in present if p not in excused],
                                 **({"excused": excused} if excused else {}), **extra})
            for month in range(1, 13):
                meeting("committee", dt.date(year, month, 5), expected=committee, chair=committee[0])
                meeting("theme_day", dt.date(year, month, 15))
                if month % 3 == 0:
                    meeting("member_assembly", dt.date(year, month, 10), chair=committee[0],
                            votes=[{"motion": "审议支部工作", "eligible": members - 1, "present": members - 3,
                                    "yes": members - 4, "no": 1}])
                    meeting("lecture", dt.date(year, month, 11), lecturer=committee[0])
            meeting("org_life", dt.date(year, 11, 20), critiques=[
                {"from": ids[1], "to": ids[0], "text": "理论学习抓得不够紧，调研次数偏少。"},
                {"from": ids[0], "to": None, "text": "对分管工作督促检查不够。"}])
            meeting("democratic_appraisal", dt.date(year, 12, 5))
            for i in range(1, members):
                talks.append({"date": f"{year}-{(i % 12) + 1:02d}-20", "a": ids[0], "b": ids[i]})
            grades = {pid: ("excellent" if i < members // 4 else "qualified") for i, pid in enumerate(ids[:-1])}
            grades[ids[-1]] = None
            appraisals.append({"org": bid, "year": year, "grades": grades})
    return {"format": FORMAT, "meta": {"as_of": f"{max(years)}-12-31", "title": f"生成数据：{branches} 个支部"},
            "units": [], "orgs": orgs, "people": people, "posts": posts, "meetings": meetings,
            "talks": talks, "appraisals": appraisals}
