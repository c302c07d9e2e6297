"""Demo 发展党员纪实: files for people in the pipeline (入党申请人, 积极分子, 发展对象), for recent 预备党员 and
for recently confirmed members, each at the stage its person's status says, with dates that keep the
细则's limits (a month for the first talk, a year as an activist, three months for an approval …).

A few realistic mistakes are planted on purpose and listed in `problems` (a first talk late, a half
year without a review, two candidates decided by one vote, an approval after four months, missing
archive documents): the warnings centre then shows DEV findings with their articles. Deterministic
for a seed; written in bulk after the people."""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from dangjian.core.periods import add_months, add_years
from dangjian.orgs.choices import OrgType
from dangjian.orgs.models import Org
from dangjian.people.choices import Status
from dangjian.people.models import Person
from dangjian.recruitment.choices import ArchiveDoc, PublicityFor, Step, StopBasis
from dangjian.recruitment.models import RecruitmentEvent, RecruitmentFile

# How many files of each kind at most (city has a few hundred people in the pipeline).
QUOTA = {Status.APPLICANT: 50, Status.ACTIVIST: 70, Status.CANDIDATE: 100, Status.PROBATIONARY: 60, Status.FULL: 30}
# 停止培养: the first applicants chosen were activists once; their files ended (the person is 入党申请人 again).
STOPPED = ((StopBasis.COMMITTEE, "两次考察认为尚不具备条件，经支部委员会研究不再列为入党积极分子"),
           (StopBasis.WITHDRAWN, "本人书面申请撤回入党申请"))


@dataclass
class RecruitmentStats:
    files: Counter = None
    events: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        labels = {**dict(Status.choices), "stopped": "停止培养"}
        return "发展党员纪实 " + "，".join(f"{labels[s]} {n}" for s, n in self.files.most_common()) + \
            f"；环节记录 {self.events} 条"


def load(as_of: dt.date, seed: int) -> RecruitmentStats:
    rng = random.Random(seed * 31 + 7)
    stats = RecruitmentStats(files=Counter())
    branches = {o["pk"]: o for o in Org.objects.filter(type=OrgType.BRANCH).values("pk", "name", "path")}
    committees = sorted(Org.objects.filter(type=OrgType.COMMITTEE, village_or_community=False).values_list(
        "path", "pk"), key=lambda x: -len(x[0]))
    full = defaultdict(list)
    for pk, org_id, fmd in Person.objects.filter(status=Status.FULL, org_id__in=list(branches)).values_list(
            "pk", "org_id", "full_member_date"):
        if fmd:
            full[org_id].append((pk, fmd))
    candidates = defaultdict(list)
    since = add_years(as_of, -2)
    for p in Person.objects.filter(org_id__in=list(branches), status__in=list(QUOTA)).order_by("pk").values(
            "pk", "name", "org_id", "status", "birth_date", "probationary_date", "full_member_date"):
        if p["status"] == Status.PROBATIONARY and not p["probationary_date"]:
            continue
        if p["status"] == Status.FULL and not (p["full_member_date"] and p["full_member_date"] >= since
                                               and p["probationary_date"]):
            continue
        candidates[p["status"]].append(p)
    chosen = [p for status, rows in candidates.items() for p in rng.sample(rows, min(len(rows), QUOTA[status]))]
    chosen.sort(key=lambda p: p["pk"])
    planted = {"late_talk": None, "review_gap": None, "batch_vote": None, "late_approval": None, "archive": None}
    files, plans = [], []
    stopping = list(STOPPED)
    for p in chosen:
        branch = branches[p["org_id"]]
        approver = next((pk for path, pk in committees if branch["path"].startswith(path)), None)
        if approver is None:
            continue
        stop = stopping[0] if p["status"] == Status.APPLICANT and stopping else None
        events = _history(p, as_of, rng, full[p["org_id"]], approver, planted, stopped=stop is not None)
        if not events:
            continue
        closed, reason = (events[-1][1], "按期转正") if p["status"] == Status.FULL else (None, "")
        if stop is not None:
            stopping.pop(0)
            closed = events[-1][1] + dt.timedelta(days=rng.randint(10, 40))
            reason = f"停止培养（{StopBasis(stop[0]).label}）：{stop[1]}"
            stats.files["stopped"] += 1
        else:
            stats.files[p["status"]] += 1
        files.append(RecruitmentFile(person_id=p["pk"], org_id=p["org_id"], external_id=f"demo-{p['pk']}",
                                     closed=closed, closed_reason=reason))
        plans.append(events)
    RecruitmentFile.objects.bulk_create(files, batch_size=500)
    rows, persons = [], []
    for f, events in zip(files, plans):
        for step, date, data in events:
            rows.append(RecruitmentEvent(file_id=f.pk, step=step, date=date,
                                         **{k: v for k, v in data.items() if k != "persons"}))
            persons.append(data.get("persons") or [])
    RecruitmentEvent.objects.bulk_create(rows, batch_size=1000)
    through = RecruitmentEvent.persons.through
    through.objects.bulk_create([through(recruitmentevent_id=ev.pk, person_id=pk)
                                 for ev, ps in zip(rows, persons) for pk in ps], batch_size=1000)
    stats.events = len(rows)
    names = {p["pk"]: p["name"] for p in chosen}
    labels = {"late_talk": "收到入党申请书一个多月后才谈话（DEV-03）",
              "review_gap": "入党积极分子超过半年没有考察记录（DEV-06）",
              "batch_vote": "支部大会一次表决两名发展对象（DEV-15）",
              "late_approval": "支部大会通过四个月后上级党委才审批（DEV-18）",
              "archive": "转正后归档材料不全（DEV-26）"}
    for key, pk in planted.items():
        if pk is not None:
            stats.problems.append(f"{names[pk]}：{labels[key]}")
    return stats


def _plant(planted: dict, key: str, pk: int) -> bool:
    if planted[key] is None:
        planted[key] = pk
        return True
    return False


def _history(p: dict, as_of: dt.date, rng: random.Random, members: list[tuple[int, dt.date]], approver: int,
             planted: dict, stopped: bool = False) -> list[tuple]:
    """The person's steps up to their current status, oldest first. Mentors and sponsors are two
    members of the branch who were 正式党员 before the application (DEV-05, DEV-09). `stopped`: an
    applicant who was an activist for about seven months before the file was stopped."""
    status = p["status"]
    ev: list[tuple] = []

    def add(step, date, **data):
        ev.append((step, date, data))

    def publicize(what, decision):
        """公示 before the decision (DEV-27): ten days ending three days before it (six working days at least)."""
        add(Step.PUBLICITY, decision - dt.timedelta(days=12), publicity_for=what,
            end_date=decision - dt.timedelta(days=3))

    # Work backwards from the date that fixes the stage.
    if status in (Status.PROBATIONARY, Status.FULL):
        vote = p["probationary_date"]
        candidate = vote - dt.timedelta(days=rng.randint(75, 150))
        activist = add_years(candidate, -1) - dt.timedelta(days=rng.randint(0, 120))
    elif status == Status.CANDIDATE:
        candidate = as_of - dt.timedelta(days=rng.randint(10, 200))
        activist = add_years(candidate, -1) - dt.timedelta(days=rng.randint(0, 150))
        vote = None
    elif status == Status.ACTIVIST:
        activist = as_of - dt.timedelta(days=rng.randint(20, 330))
        candidate = vote = None
    elif stopped:
        activist = as_of - dt.timedelta(days=rng.randint(400, 600))
        candidate = vote = None
    else:
        activist = candidate = vote = None
    application = (activist - dt.timedelta(days=rng.randint(95, 200)) if activist
                   else as_of - dt.timedelta(days=rng.randint(3, 150)))
    birth = p["birth_date"]
    if birth and application < add_years(birth, 18):
        return []
    mentors = [pk for pk, fmd in members if fmd < application][:2]
    if len(mentors) < 2:
        return []
    add(Step.APPLICATION, application)
    talk = application + dt.timedelta(days=rng.randint(5, 28))
    if status == Status.APPLICANT and talk > as_of:
        return ev
    if status == Status.ACTIVIST and _plant(planted, "late_talk", p["pk"]):
        talk = add_months(application, 1) + dt.timedelta(days=9)
    add(Step.FIRST_TALK, talk)
    if activist is None:
        return ev
    publicize(PublicityFor.ACTIVIST, activist)
    add(Step.ACTIVIST, activist)
    add(Step.ACTIVIST_FILED, activist + dt.timedelta(days=rng.randint(2, 10)))
    add(Step.MENTORS, activist, persons=mentors)
    end = candidate or (add_months(activist, 7) if stopped else as_of)
    review, gap = activist, status == Status.ACTIVIST and (activist < add_months(as_of, -8)) and \
        _plant(planted, "review_gap", p["pk"])
    while True:
        review = add_months(review, 6) - dt.timedelta(days=rng.randint(0, 20))
        if review > end or (gap and review > add_months(activist, 1)):
            break
        add(Step.ACTIVIST_REVIEW, review)
    if candidate is None:
        return ev
    publicize(PublicityFor.CANDIDATE, candidate)
    add(Step.CANDIDATE, candidate)
    add(Step.CANDIDATE_FILED, candidate + dt.timedelta(days=rng.randint(2, 10)))
    add(Step.SPONSORS, candidate, persons=mentors)
    steps = [(Step.POLITICAL_REVIEW, 20, {"conclusion": "pass"}),
             (Step.TRAINING, 15, {"days": 3, "hours": 24}),
             (Step.COMMITTEE_REVIEW, 10, {}), (Step.PRE_REVIEW, 7, {}), (Step.VOLUNTEER_FORM, 5, {})]
    day = candidate
    limit = vote - dt.timedelta(days=3) if vote else as_of
    for step, gap_days, data in steps:
        day = day + dt.timedelta(days=rng.randint(3, gap_days))
        if day > limit:
            return ev
        add(step, day, **data)
    if vote is None:
        return ev
    batch = _plant(planted, "batch_vote", p["pk"])
    eligible = rng.randint(8, 30)
    present = eligible - rng.randint(0, eligible // 4)
    publicize(PublicityFor.ADMISSION, vote)
    add(Step.BRANCH_VOTE, vote, eligible=eligible, present=present, yes=present - rng.randint(0, 1),
        written_yes=0, candidates_in_vote=2 if batch else 1)
    talk2 = vote + dt.timedelta(days=rng.randint(7, 30))
    late = not batch and _plant(planted, "late_approval", p["pk"])
    approval = add_months(vote, 4) if late else min(talk2 + dt.timedelta(days=rng.randint(5, 40)), add_months(vote, 3))
    if talk2 > as_of:
        return ev
    add(Step.UPPER_TALK, talk2)
    if approval > as_of:
        return ev
    add(Step.APPROVAL, approval, approver_id=approver)
    add(Step.FILED_UPWARD, approval + dt.timedelta(days=rng.randint(3, 15)))
    oath = approval + dt.timedelta(days=rng.randint(5, 60))
    if oath <= as_of:
        add(Step.OATH, oath)
    if status != Status.FULL:
        return ev
    end = add_years(vote, 1)
    add(Step.CONFIRM_APPLICATION, end - dt.timedelta(days=rng.randint(5, 20)))
    cvote = end + dt.timedelta(days=rng.randint(0, 20))
    publicize(PublicityFor.CONFIRMATION, cvote)
    add(Step.CONFIRM_VOTE, cvote, eligible=eligible, present=present, yes=present, written_yes=0, candidates_in_vote=1)
    add(Step.CONFIRM_APPROVAL, cvote + dt.timedelta(days=rng.randint(10, 60)), approver_id=approver)
    docs = list(ArchiveDoc.values)
    if _plant(planted, "archive", p["pk"]):
        docs = docs[:3]
    add(Step.ARCHIVE, ev[-1][1] + dt.timedelta(days=rng.randint(3, 20)), docs=docs)
    return ev
