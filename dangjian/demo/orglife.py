"""Two years of organisational life for the demo: 三会一课, 主题党日, 组织生活会 with critiques and
the talks before it, 民主评议党员 with grades, and each 党组's 民主生活会.

Planned branch by branch from the people rows the loader has just given keys (so a million people
never sit in memory at once) and written with `executemany`. Who is expected at a meeting and who
votes are decided exactly as `orglife.actions` does (`members_on`, `expected_attendees`,
`can_vote_on`), and the counts the rules read (expected_count, present_count, voting_expected,
voting_present) are set as `_apply` would set them, so the demo judges the same as data typed in
through the actions.

Most branches keep to the rules; a few planted gaps (listed in `problems`) give the warnings centre
real content, and the ordinary imperfections of real records are there too: people excused with a
reason, meetings entered weeks after they were held, critiques that only say "加强学习" (a minority of a
meeting's). Minutes are worded meeting by meeting (`texts`, from a random stream of their own), so that the only
text findings are the planted ones: a 党员大会 copied from a sibling branch (TXT-01), a 组织生活会 of generic
critiques (TXT-02) and a union outing recorded as the 主题党日 (TXT-04), listed in `OrgLifeStats.planted_texts`.
"""
from __future__ import annotations

import bisect
import calendar
import datetime as dt
import itertools
import random
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings

from dangjian.core.periods import add_years
from dangjian.orgs.choices import COMMITTEE_ROLES, OrgType, PostRole
from dangjian.orglife.choices import AttendanceStatus, Grade, MeetingState, MeetingType, counts_as_org_life
from dangjian.people.choices import LEFT_STATUSES, MEMBER_STATUSES, Status

from . import catalog, texts

T = MeetingType
PRESENT, EXCUSED, ABSENT = AttendanceStatus.PRESENT.value, AttendanceStatus.EXCUSED.value, AttendanceStatus.ABSENT.value
LEADING_GROUP_ROLES = frozenset({PostRole.LEADING_GROUP_MEMBER, PostRole.FIRST_RESPONSIBLE})
GONE = LEFT_STATUSES | {Status.SUSPENDED}
MEETING_COLUMNS = ["id", "org_id", "type", "state", "date", "place", "topic", "agenda", "chair_id", "lecturer_id",
                   "minutes", "entered_at", "expected_count", "present_count", "voting_expected",
                   "voting_present"]
ATTENDANCE_COLUMNS = ["meeting_id", "person_id", "status", "reason", "voting", "signed_in_at", "meeting_date",
                      "counts_as_org_life"]
RESOLUTION_COLUMNS = ["meeting_id", "motion", "eligible", "present", "yes", "no", "abstain", "written_yes", "order"]
CRITIQUE_COLUMNS = ["meeting_id", "author_id", "target_id", "text", "order"]
TALK_COLUMNS = ["org_id", "date", "a_id", "b_id", "topic", "entered_at"]
APPRAISAL_COLUMNS = ["id", "org_id", "year", "meeting_id"]
GRADE_COLUMNS = ["appraisal_id", "person_id", "grade"]
FLUSH_ROWS = 50_000


def default_for(scale: str) -> bool:
    """Two years of meetings at province scale are tens of millions of attendance rows: only on
    request (`dangjian demo --with-orglife`)."""
    return scale != "province"


# --- membership, exactly as orglife.actions reads it -----------------------------------------------
def member_on(r: dict, day: dt.date) -> bool:
    """`actions.members_on` for one people row: admitted on or before the day, and still a member
    or left after it."""
    prob, full = r["probationary_date"], r["full_member_date"]
    if prob is not None:
        if prob > day:
            return False
    elif full is not None and full > day:
        return False
    if r["status"] in MEMBER_STATUSES:
        return True
    return r["status"] in GONE and r["status_since"] is not None and r["status_since"] > day


def can_vote(r: dict, day: dt.date) -> bool:
    """`actions.can_vote_on`: 正式党员 on the day vote (the demo has no 留党察看)."""
    if r.get("on_probation_sanction"):
        return False
    if r["full_member_date"]:
        return r["full_member_date"] <= day
    return r["status"] == Status.FULL and not r["probationary_date"]


def window_start(as_of: dt.date) -> dt.date:
    """The first day of the quarter two years back, so every quarter and year judged is whole."""
    d = add_years(as_of, -2) + dt.timedelta(days=1)
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def weekday(d: dt.date) -> dt.date:
    """Move a Saturday to Friday and a Sunday to Monday, staying inside the month."""
    if d.weekday() == 5:
        e = d - dt.timedelta(days=1)
    elif d.weekday() == 6:
        e = d + dt.timedelta(days=1)
    else:
        return d
    if e.month != d.month:
        e = d + dt.timedelta(days=2) if d.weekday() == 5 else d - dt.timedelta(days=2)
    return e


def _among(row: dict, rows: list[dict]) -> bool:
    # Identity, not ==: comparing people rows field by field is slow and says nothing more.
    return any(r is row for r in rows)


def _weighted(pairs):
    return [v for v, _ in pairs], list(itertools.accumulate(w for _, w in pairs))


@dataclass
class OrgLifeStats:
    meetings: Counter = field(default_factory=Counter)   # by type
    attendance: int = 0
    present: int = 0
    resolutions: int = 0
    critiques: int = 0
    talks: int = 0
    appraisals: int = 0
    grades: int = 0
    backfilled: int = 0       # entered two weeks or more after the meeting
    problems: list[str] = field(default_factory=list)
    planted_texts: dict = field(default_factory=dict)    # "TXT-01" → [meeting id], the planted text problems

    @property
    def meeting_total(self) -> int:
        return sum(self.meetings.values())

    def summary(self) -> str:
        labels = dict(T.choices)
        parts = "，".join(f"{labels[t]} {n}" for t, n in self.meetings.most_common())
        rate = self.present / self.attendance if self.attendance else 0
        return (f"会议 {self.meeting_total} 次（{parts}）；出席记录 {self.attendance} 条（出席率 {rate:.0%}）；"
                f"表决 {self.resolutions} 项；批评和自我批评 {self.critiques} 条；谈心谈话 {self.talks} 次；"
                f"民主评议 {self.appraisals} 个支部年度、评定 {self.grades} 人次；补录（两周以后录入）{self.backfilled} 次")


class OrgLifePlanner:
    """Meetings of each branch as its people rows come (`branch`), the 党组' 民主生活会 at the end
    (`finish`). Rows are buffered as tuples for `sink(kind, rows)`; `sink=None` keeps them (tests)."""

    def __init__(self, plan, *, sink=None, next_meeting_id: int = 1, next_appraisal_id: int = 1):
        self.plan = plan
        self.as_of = plan.as_of
        self.start = window_start(plan.as_of)
        self.rng = random.Random(f"dangjian-demo-orglife:{plan.scale.name}:{plan.seed}")
        # The wording of minutes and critiques draws on its own stream: rewording a record moves no meeting.
        self.trng = random.Random(f"dangjian-demo-orglife-texts:{plan.scale.name}:{plan.seed}")
        self.sink = sink
        self.next_meeting = next_meeting_id
        self.next_appraisal = next_appraisal_id
        self.stats = OrgLifeStats()
        self.rows: dict[str, list[tuple]] = {k: [] for k in ("meeting", "attendance", "resolution", "critique",
                                                             "talk", "appraisal", "grade")}
        self.kept: dict[str, list[tuple]] = {k: [] for k in self.rows}
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self._adapt = None
        self.reasons = _weighted(catalog.EXCUSE_REASONS)
        self.reasons_retired = _weighted(catalog.EXCUSE_REASONS_RETIRED)
        self.leading_groups: dict[int, tuple] = {}   # id(OrgPlan) → (OrgPlan, [(row, role, start)])
        self.months = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.as_of.year, self.as_of.month):
            self.months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        self.last_year = self.as_of.year - 1
        self._plant()

    # --- planted gaps ------------------------------------------------------------------------
    def _plant(self) -> None:
        rng, plan = self.rng, self.plan
        done_months = [(y, m) for y, m in self.months if month_end(y, m) <= self.as_of]
        done_quarters = sorted({(y, (m - 1) // 3) for y, m in done_months
                                if month_end(y, 3 * ((m - 1) // 3) + 3) <= self.as_of})
        last_year_quarters = [q for q in done_quarters if q[0] == self.last_year]
        eligible = [b for b in plan.branches if b is not plan.persona_branch and not b.retired and not b.joint_units
                    and b.size >= 10 and "no_committee" not in b.problems]
        pool = []
        n = len(plan.branches)
        self.gap_theme: dict[int, tuple] = {}
        self.gap_assembly: dict[int, tuple] = {}
        self.gap_committee: dict[int, tuple] = {}
        self.gap_lecture: dict[int, tuple] = {}
        self.no_orglife = self.no_talks = self.no_quorum = self.eval_violation = self.absent7 = None
        self.unqualified = None
        problems = self.stats.problems

        def take():
            # Distinct branches while there are enough; a small demo shares them between gaps.
            if not pool:
                pool.extend(sorted(eligible, key=lambda b: b.path))
                rng.shuffle(pool)
            return pool.pop() if pool else None

        last_year_done = month_end(self.last_year, 12) <= self.as_of and dt.date(self.last_year, 10, 1) >= self.start
        self.no_dlh = None
        # The single planted cases first, so that even the small demo has each of them.
        if last_year_done:
            self.no_orglife, self.no_talks, self.eval_violation = take(), take(), take()
            problems.append(f"“{self.no_orglife.name}”{self.last_year}年未召开组织生活会、未开展民主评议"
                            "（ORGLIFE-04、ORGLIFE-06）")
            problems.append(f"“{self.no_talks.name}”{self.last_year}年组织生活会前未开展谈心谈话（TALK-01）")
            problems.append(f"“{self.eval_violation.name}”{self.last_year}年民主评议评为优秀的超过三分之一"
                            "（EVAL-01，按导入数据直接写入）")
            lgs = [o for o in plan.orgs if o.type == OrgType.LEADING_GROUP]
            if lgs:
                self.no_dlh = rng.choice(lgs)
                problems.append(f"“{self.no_dlh.name}”{self.last_year}年未召开领导班子民主生活会（DLH-01）")
        if done_quarters:
            self.no_quorum = take()
            self.no_quorum_quarter = rng.choice(last_year_quarters or done_quarters)
            y, q = self.no_quorum_quarter
            problems.append(f"“{self.no_quorum.name}”{y}年第{'一二三四'[q]}季度党员大会到会有表决权党员不足半数"
                            "仍进行表决（BR-05）")
        self.absent7 = take()
        self.absent_from = (self.as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        for _ in range(6):
            self.absent_from = (self.absent_from - dt.timedelta(days=1)).replace(day=1)
        problems.append(f"“{self.absent7.name}”有一名党员自{self.absent_from:%Y年%m月}起连续7个月未参加组织生活"
                        "（REL-01）")
        if done_months:
            for _ in range(max(3, n // 80)):
                self.gap_theme[id(take())] = rng.choice(done_months)
            # The 支部书记 persona sees last month's warning in their own branch.
            self.gap_theme[id(plan.persona_branch)] = done_months[-1]
            y, m = done_months[-1]
            problems.append(f"“{plan.persona_branch.name}”（演示支部书记所在支部）{y}年{m}月未开展主题党日（ORGLIFE-03）")
            problems.append(f"另有{len(self.gap_theme) - 1}个党支部各缺一个月的主题党日（ORGLIFE-03）")
            for _ in range(max(2, n // 120)):
                self.gap_committee[id(take())] = rng.choice(done_months)
            problems.append(f"{len(self.gap_committee)}个党支部各缺一个月的支委会（BR-06）")
        if done_quarters:
            for _ in range(max(2, n // 120)):
                self.gap_assembly[id(take())] = rng.choice(done_quarters)
            problems.append(f"{len(self.gap_assembly)}个党支部各有一个季度未召开党员大会（BR-05）")
            b = take()
            self.gap_lecture[id(b)] = rng.choice(last_year_quarters or done_quarters)
            problems.append(f"“{b.name}”有一个季度未上党课（ORGLIFE-02）")
        if last_year_done:
            # Last, so the picks above stay what they were for a given seed.
            for _ in range(len(eligible) + 1):   # a branch that holds its 民主评议 (not the planted gap)
                self.unqualified = take()
                if self.unqualified not in (self.no_orglife, self.eval_violation):
                    break
            if self.unqualified is not None:
                problems.append(f"“{self.unqualified.name}”一名党员{self.last_year}年民主评议被评为不合格，"
                                "至今未启动组织处置（DISP-03）")
        self._plant_texts(eligible, done_months, last_year_done)

    def _plant_texts(self, eligible, done_months, last_year_done) -> None:
        """The planted text problems, one each (TXT-02, TXT-04 here; TXT-01, a 党员大会 copied from a sibling
        branch, is decided as the branches come, see `branch`). Their meeting keys are in `planted_texts`."""
        self.planted_texts: dict[str, list[int]] = self.stats.planted_texts
        self.generic_orglife = self.outing = self.copy_to = None
        self.copied_from: dict[int, list] = {}    # id(branch) → [(day, minutes, names, branch)] of its 党员大会
        self.copy_done = None
        # Drawn from the texts' stream: planting them moves nothing else of a seed's demo.
        rng = self.trng
        picks = sorted(eligible, key=lambda b: b.path)
        rng.shuffle(picks)
        if last_year_done:
            self.generic_orglife = next((b for b in picks if b is not self.no_orglife), None)
        rest = [b for b in picks if b is not self.generic_orglife]
        if done_months and rest:
            b = rest[0]
            months = [ym for ym in done_months if self.gap_theme.get(id(b)) != ym]
            self.outing = (id(b), rng.choice([(y, m) for y, m in months if m in (4, 5, 9, 10)] or months))

    def copy_source(self, b, day: dt.date):
        """For the planted copy (TXT-01): the sibling branch's latest 党员大会 minutes of the last four months
        before `day`, when `b` is the branch that copies and has not copied yet."""
        if self.copy_done is not None or b is not self.copy_to or day.year < self.last_year:
            return None
        earlier = [x for x in self.copied_from.get(id(self.copy_sibling), ())
                   if dt.timedelta(days=3) <= day - x[0] <= dt.timedelta(days=120)]
        return max(earlier, key=lambda x: x[0]) if earlier else None

    def _choose_copier(self, b) -> None:
        """The first branch (after the sibling it copies from) that plants the copied 党员大会 minutes."""
        if self.copy_done is not None or b is self.plan.persona_branch or b is self.no_quorum \
                or id(b) in self.gap_assembly or b.parent is None:
            return
        sibling = next((s for s in b.parent.children if s is not b and self.copied_from.get(id(s))), None)
        if sibling is not None:
            self.copy_to, self.copy_sibling = b, sibling

    # --- helpers -----------------------------------------------------------------------------
    def held(self, day: dt.date, period_end: dt.date) -> dt.date | None:
        """The date a planned meeting is recorded with, or None when it has not happened yet. Every
        meeting is before the as-of day; a period already over keeps its meeting."""
        if day < self.as_of:
            return day
        if period_end <= self.as_of:
            return self.as_of - dt.timedelta(days=1)
        return None

    def entered_at(self, day: dt.date, count: bool = True):
        rng = self.rng
        r = rng.random()
        if r < 0.8:
            d = day
        elif r < 0.93:
            d = day + dt.timedelta(days=rng.randint(1, 4))
        else:
            d = day + dt.timedelta(days=rng.randint(14, 60))
        d = max(day, min(d, self.as_of - dt.timedelta(days=1)))
        if count and (d - day).days >= 14:
            self.stats.backfilled += 1
        at = dt.datetime.combine(d, dt.time(rng.randint(16, 21), rng.randint(0, 59)), self.tz)
        return self._dt(at)

    def _dt(self, value: dt.datetime):
        # What the ORM stores for an aware datetime: naive UTC text on SQLite, the value itself on
        # PostgreSQL (done here: the backend's adapter costs a second per 100,000 values).
        if self._adapt is None:
            from django.db import connection

            self._adapt = "sqlite" if connection.vendor == "sqlite" else "as_is"
        if self._adapt == "as_is":
            return value
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(" ")

    def day_in(self, y: int, m: int, lo: int = 1, hi: int | None = None) -> dt.date:
        hi = min(hi or 31, calendar.monthrange(y, m)[1])
        return weekday(dt.date(y, m, self.rng.randint(lo, hi)))

    def pick(self, values, cum):
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def attend(self, r: dict, day: dt.date, p: float, retired: bool) -> tuple[str, str]:
        rng = self.rng
        if r.get("_absent_from") and day >= r["_absent_from"]:
            return ABSENT, ""
        if r["lost_contact_since"] and day >= r["lost_contact_since"]:
            return ABSENT, ""
        if r["away_since"] and day >= r["away_since"]:
            return (EXCUSED, catalog.AWAY_REASON) if rng.random() < 0.85 else (ABSENT, "")
        if rng.random() < p * r["_p"]:
            return PRESENT, ""
        if rng.random() < 0.9:
            return EXCUSED, self.pick(*(self.reasons_retired if retired else self.reasons))
        return ABSENT, ""

    def meeting(self, org, type: str, day: dt.date, topic: str, expected: list[dict], *, p: float,
                retired: bool = False, chair: dict | None = None, lecturer: dict | None = None,
                place: str = "", minutes=None, quorum: str | None = None, qr: bool = False):
        """One held meeting with its attendance; returns (id, present rows, counts). `quorum`: "half"
        keeps at least half present (committee, 党员大会), "two_thirds" (民主生活会), "fail" plants a
        vote without quorum."""
        mid = self.next_meeting
        self.next_meeting += 1
        if chair is not None and not _among(chair, expected):
            chair = None
        if lecturer is not None and not _among(lecturer, expected):
            lecturer = None
        decided = []
        for r in expected:
            if r is chair or r is lecturer:
                decided.append([r, PRESENT, "", can_vote(r, day)])
            else:
                decided.append([r, *self.attend(r, day, p, retired), can_vote(r, day)])
        if quorum == "fail":
            # A 党员大会 called in a week of training and business trips: fewer than half of the
            # members with a vote came, and the vote was taken anyway.
            voters = [d for d in decided if d[3]]
            keep = (len(voters) - 1) // 2
            for d in voters[keep:]:
                if d[1] == PRESENT and d[0] is not chair:
                    d[1], d[2] = EXCUSED, self.rng.choice(["出差", "参加培训", "公务外出"])
            if chair is not None and sum(d[1] == PRESENT and d[3] for d in decided) * 2 >= len(voters):
                for d in decided:
                    if d[0] is chair:
                        d[1], d[2] = EXCUSED, "公务外出"
                chair = None
        elif quorum in ("half", "two_thirds"):
            num, den = (1, 2) if quorum == "half" else (2, 3)
            pool = [d for d in decided if d[1] == EXCUSED and (quorum != "half" or type != T.MEMBER_ASSEMBLY or d[3])]
            while pool:
                if quorum == "half" and type == T.MEMBER_ASSEMBLY:
                    ok = 2 * sum(d[1] == PRESENT and d[3] for d in decided) >= sum(d[3] for d in decided)
                else:
                    ok = den * sum(d[1] == PRESENT for d in decided) >= num * len(decided)
                if ok:
                    break
                d = pool.pop()
                d[1], d[2] = PRESENT, ""
        present_rows = []
        att = self.rows["attendance"]
        org_life = counts_as_org_life(MeetingState.HELD, type)   # copied onto each row (REL-01)
        ve = vp = 0
        start = dt.datetime.combine(day, dt.time(15 if type != T.THEME_DAY else 9, 0), self.tz)
        for r, status, reason, voting in decided:
            signed = None
            if status == PRESENT:
                present_rows.append(r)
                if qr and self.rng.random() < 0.8:
                    signed = self._dt(start - dt.timedelta(minutes=self.rng.randint(1, 25)))
            ve += voting
            vp += voting and status == PRESENT
            att.append((mid, r["_pk"], status, reason, voting, signed, day, org_life))
        counts = (len(decided), len(present_rows), ve, vp)
        excused = [(r["name"], reason) for r, status, reason, _ in decided if status == EXCUSED]
        text = minutes(counts, present_rows, excused) if minutes else ""
        self.rows["meeting"].append((mid, org.pk, str(type), MeetingState.HELD.value, day, place, topic[:300], "",
                                     chair["_pk"] if chair else None, lecturer["_pk"] if lecturer else None,
                                     text, self.entered_at(day), *counts))
        self.stats.meetings[str(type)] += 1
        self.stats.attendance += len(decided)
        self.stats.present += len(present_rows)
        return mid, present_rows, counts

    @staticmethod
    def excused_text(excused) -> str:
        if not excused:
            return ""
        names = "、".join(f"{n}（{why}）" for n, why in excused[:4])
        return f"；{names}{'等' if len(excused) > 4 else ''}请假"

    def topic_theme(self, y: int, m: int, last: str) -> str:
        rng = self.rng
        for (fy, fm), (ty, tm), topics in catalog.THEME_DAY_CAMPAIGNS:
            if (fy, fm) <= (y, m) <= (ty, tm) and rng.random() < 0.5:
                return rng.choice(topics)
        choices = catalog.THEME_DAY_BY_MONTH[m] if rng.random() < 0.45 else catalog.THEME_DAY_GENERAL
        topic = rng.choice(choices)
        return topic if topic != last else rng.choice(catalog.THEME_DAY_GENERAL)

    # --- one branch --------------------------------------------------------------------------
    def branch(self, b, rows: list[dict]) -> None:
        rng = self.rng
        self._choose_copier(b)
        retired = b.retired
        base = rng.uniform(0.75, 0.88) if retired else rng.uniform(0.86, 0.96)
        people = [r for r in rows if r["status"] in MEMBER_STATUSES or r["status"] in GONE]
        for r in people:
            r["_p"] = rng.uniform(0.94, 1.04) * (0.9 if r["leading_cadre"] else 1.0)
        # The planted 7-month absentee: a plain full member (no post) of the chosen branch.
        if b is self.absent7:
            victim = next((r for r in people if r["status"] == Status.FULL and not r["_posts"] and r["full_member_date"]
                           and not r["away_since"] and not r["lost_contact_since"] and not r["leading_cadre"]), None)
            if victim is not None:
                victim["_absent_from"] = self.absent_from
        secretary = committee = sec_start = None
        committee_posts = []
        lecturers = []          # (row, why): leaders and 党委/总支 secretaries who lecture once a year
        for r in people:
            for org, role, start, _ in r["_posts"]:
                if org is b and role in COMMITTEE_ROLES:
                    committee_posts.append((r, start))
                    if role == PostRole.SECRETARY:
                        secretary, sec_start = r, start
                elif org.type == OrgType.LEADING_GROUP and role in LEADING_GROUP_ROLES:
                    self.leading_groups.setdefault(id(org), (org, []))[1].append((r, role, start))
                    if role == PostRole.FIRST_RESPONSIBLE:
                        lecturers.append(r)
                elif role == PostRole.SECRETARY and org.type in (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH):
                    lecturers.append(r)
        committee = [r for r, _ in committee_posts]
        has_committee = len(committee) >= 3
        home = rng.choice(catalog.PLACES)
        qr = rng.random() < 0.3
        # How concrete this branch's critiques are: a few say only "加强学习", never most of them (TXT-02 is planted).
        drawn = rng.random()
        spicy = (0.6 + 0.35 * drawn, drawn)
        # 主题党日 on a fairly fixed day: a date of the month or the n-th weekday.
        if rng.random() < 0.5:
            fixed = ("dom", rng.randint(5, 25))
        else:
            fixed = ("nth", rng.choice([0, 1, 2, 3, -1]), rng.choice([4, 4, 2, 3, 1]))

        def theme_date(y, m):
            if fixed[0] == "dom":
                d = dt.date(y, m, min(fixed[1], calendar.monthrange(y, m)[1]))
            else:
                days = [dt.date(y, m, k) for k in range(1, calendar.monthrange(y, m)[1] + 1)
                        if dt.date(y, m, k).weekday() == fixed[2]]
                d = days[fixed[1]]
            if rng.random() < 0.1:   # holidays and inspections move it a few days
                d = min(max(d + dt.timedelta(days=rng.randint(-5, 5)), dt.date(y, m, 1)), month_end(y, m))
            return weekday(d)

        def members(day):
            return [r for r in people if member_on(r, day)]

        def committee_on(day):
            # Posts carry no history of earlier terms: before the current committee was elected
            # its members (mostly the same people) are taken as the committee, as recorded then.
            now = [r for r, start in committee_posts if start is None or start <= day]
            return now or [r for r in committee if member_on(r, day)]

        sec_name = (secretary or {}).get("name", "")

        def chair_on(day):
            # BR-08: the chair is the secretary in office on the day; before the current term's
            # election the records name no chair (posts carry no history of earlier terms).
            return secretary if secretary is not None and (sec_start is None or sec_start <= day) else None
        last_topic = ""
        quarter_done = set()
        for y, m in self.months:
            end = month_end(y, m)
            # 主题党日
            if self.gap_theme.get(id(b)) != (y, m):
                day = self.held(theme_date(y, m), end)
                if day:
                    topic = self.topic_theme(y, m, last_topic)
                    last_topic = topic
                    outside = "志愿" in topic or "参观" in topic or "走进" in topic or "社区" in topic
                    rng.sample(catalog.THEME_DAY_STEPS, 3)      # (the main stream as the earlier wording drew it)
                    place = rng.choice(catalog.PLACES_OUTSIDE) if outside else home
                    outing = self.outing == (id(b), (y, m))
                    if outing:      # planted (TXT-04): the union's autumn outing recorded as the 主题党日
                        topic, place = texts.OUTING_TOPIC, "城郊生态园"

                    def minutes(c, present, excused, topic=topic, place=place, outing=outing, chair=chair_on(day)):
                        for _ in range(3):
                            rng.randint(20, 200)
                        name = chair["name"] if chair else ""
                        if outing:
                            who = texts.names(present, 1, self.trng) or ["党员"]
                            return texts.header(name, place, c, excused) + texts.OUTING_MINUTES.format(a=who[0])
                        return texts.theme_day(self.trng, topic=topic, chair=name, place=place, counts=c,
                                               excused=excused, present=present, org_name=b.name)

                    mid, _, _ = self.meeting(b, T.THEME_DAY, day, topic, members(day), p=base, retired=retired,
                                             chair=chair_on(day), place=place, minutes=minutes, qr=qr)
                    if outing:
                        self.planted_texts["TXT-04"] = [mid]
                        self.stats.problems.append(f"“{b.name}”{y}年{m}月的主题党日是工会组织的郊游（TXT-04）")
            # 支委会, monthly, in the first weeks of the month
            if has_committee and self.gap_committee.get(id(b)) != (y, m) and rng.random() > 0.004:
                day = self.held(self.day_in(y, m, 1, 20), end)
                expected = committee_on(day) if day else []
                if day and expected:
                    topics = rng.sample(catalog.COMMITTEE_TOPICS, 2)
                    if m in (10, 11):
                        topics[0] = "研究年度组织生活会和民主评议党员工作方案"

                    def minutes(c, present, excused, topics=topics):
                        return (f"书记{sec_name}主持，研究了以下事项：1. {topics[0]}；2. {topics[1]}。"
                                f"会议议定：{rng.choice(catalog.COMMITTEE_DECISIONS)}。应到委员{c[0]}人，实到{c[1]}人"
                                f"{self.excused_text(excused)}。")

                    self.meeting(b, T.COMMITTEE, day, topics[0], expected, p=min(0.97, base + 0.04),
                                 retired=retired, chair=chair_on(day), place=home, minutes=minutes, quorum="half")
            # 党小组会
            for g in b.groups:
                if rng.random() < 0.005:   # now and then a group skips a month
                    continue
                day = self.held(self.day_in(y, m, 3, 28), end)
                if not day:
                    continue
                expected = [r for r in people if r["_group"] is g and member_on(r, day)]
                if not expected:
                    continue
                leader = next((r for r in expected for o, role, start, _ in r["_posts"]
                               if o is g and role == PostRole.GROUP_LEADER and (start is None or start <= day)),
                              None)
                topic = rng.choice(catalog.GROUP_TOPICS)

                def minutes(c, present, excused, leader=leader, topic=topic):
                    who = f"党小组长{leader['name']}" if leader else "党小组长"
                    return (f"{who}主持，{topic}，{max(1, c[1] // 2)}名党员交流发言。应到{c[0]}人，实到{c[1]}人"
                            f"{self.excused_text(excused)}。")

                self.meeting(g, T.GROUP, day, topic, expected, p=base, retired=retired, chair=leader,
                             place=home, minutes=minutes)
            q = (y, (m - 1) // 3)
            if q not in quarter_done:
                quarter_done.add(q)
                self.quarter(b, q, people, members, secretary, chair_on, lecturers, home, base, retired, qr)
            if m == 12 or (y, m) == self.months[-1]:
                self.year_end(b, y, people, members, secretary, chair_on, committee, home, base, retired, spicy)

    def quarter(self, b, q, people, members, secretary, chair_on, lecturers, home, base, retired, qr) -> None:
        rng = self.rng
        y, qi = q
        first = 3 * qi + 1
        q_start, q_end = dt.date(y, first, 1), month_end(y, first + 2)
        q_label = "一二三四"[qi]
        # 党员大会 (usually in the quarter's second or third month)
        if self.gap_assembly.get(id(b)) != q:
            mo = first + rng.choices([0, 1, 2], weights=[2, 4, 4])[0]
            day = self.held(self.day_in(y, mo, 3, 28), q_end)
            if day:
                planted = b is self.no_quorum and q == self.no_quorum_quarter
                expected = members(day)
                motions = []
                for r in people:
                    if r["full_member_date"] and q_start <= r["full_member_date"] <= q_end:
                        motions.append(f"关于{r['name']}同志预备党员按期转正的决议")
                    elif r["status"] == Status.PROBATIONARY and r["probationary_date"] and \
                            q_start <= r["probationary_date"] <= q_end:
                        motions.append(f"关于接收{r['name']}同志为中共预备党员的决议")
                if planted:
                    motions = ["关于增补支部委员的决议"]
                elif not motions and rng.random() < 0.4:
                    motions = [rng.choice(catalog.ASSEMBLY_MOTIONS)]
                topic = f"{y}年第{q_label}季度支部党员大会：{rng.choice(catalog.ASSEMBLY_TOPICS)}"
                chair = chair_on(day)

                def minutes(c, present, excused, topic=topic, motions=motions, day=day, chair=chair):
                    name = chair["name"] if chair else ""
                    text, who = texts.assembly(self.trng, topic=topic, chair=name, place=home, counts=c,
                                               excused=excused, present=present, org_name=b.name, motions=motions)
                    if motions:
                        return text
                    source = self.copy_source(b, day)
                    if source is not None:     # planted (TXT-01): the sibling branch's minutes, names changed
                        theirs = source[2]
                        mine = texts.names(present, len(theirs), self.trng)
                        if len(mine) == len(theirs):
                            self.copy_done = (b, source)
                            return texts.copy_assembly(source[1], dict(zip(theirs, mine)),
                                                       texts.header(name, home, c, excused))
                    self.copied_from.setdefault(id(b), []).append((day, text, who, b))
                    return text

                mid, present, c = self.meeting(
                    b, T.MEMBER_ASSEMBLY, day, topic, expected, p=base, retired=retired, chair=chair,
                    place=home, quorum="fail" if planted else "half", minutes=minutes)
                if self.copy_done and self.copy_done[0] is b and "TXT-01" not in self.planted_texts:
                    self.planted_texts["TXT-01"] = [mid]
                    src_b = self.copy_done[1][3]
                    self.stats.problems.append(
                        f"“{b.name}”{day:%Y年%m月}的支部党员大会记录照搬“{src_b.name}”{self.copy_done[1][0]:%Y年%m月}"
                        "的记录、只改了人名（TXT-01）")
                for i, motion in enumerate(motions):
                    ve, vp = c[2], c[3]
                    no = 1 if vp > 8 and rng.random() < 0.08 else 0
                    abstain = 1 if vp > 5 and rng.random() < 0.12 else 0
                    self.rows["resolution"].append((mid, motion, ve, vp, max(0, vp - no - abstain), no, abstain, 0, i))
                    self.stats.resolutions += 1
        # 党课: the secretary, a leader of the department, or an invited teacher.
        if self.gap_lecture.get(id(b)) != q:
            mo = first + rng.randint(0, 2)
            day = self.held(self.day_in(y, mo, 3, 28), q_end)
            if day:
                expected = members(day)
                # Each 党组书记 / 党委书记 who belongs here gives the year's first lecture it has.
                year_lectures = [r for r in lecturers if r.get("_lectured") != y and _among(r, expected)]
                lecturer = None
                if year_lectures:
                    lecturer = year_lectures[0]
                    lecturer["_lectured"] = y
                elif secretary is not None and _among(secretary, expected) and rng.random() < 0.7:
                    lecturer = secretary
                topic = rng.choice(catalog.LECTURE_TOPICS)
                who = (lecturer["name"] + "同志") if lecturer else \
                    f"市委党校{self.trng.choice(['教授', '副教授', '讲师'])}{self.trng.choice(texts.TEACHERS)}"
                chair = chair_on(day) if lecturer is not secretary else None
                self.meeting(b, T.LECTURE, day, topic, expected, p=base, retired=retired,
                             chair=chair, lecturer=lecturer,
                             place=home, qr=qr, minutes=lambda c, present, excused: rng.choice([45, 50, 60, 60, 90])
                             and texts.lecture(
                                 self.trng, topic=topic, who=who, chair=(chair or {}).get("name", ""), place=home,
                                 counts=c, excused=excused, present=present, org_name=b.name))

    def year_end(self, b, y, people, members, secretary, chair_on, committee, home, base, retired, spicy):
        """组织生活会 in Q4 with the talks before it and the critiques in it, then 民主评议党员."""
        rng = self.rng
        if dt.date(y, 10, 1) < self.start:
            return None
        month = rng.choices([11, 12], weights=[3, 7])[0]
        # The planted 不合格 (DISP-03) is graded in early November: its 90 days are over by a March as-of day too.
        planned = self.day_in(y, 11, 5, 15) if b is self.unqualified and y == self.last_year else \
            self.day_in(y, month, 5, 28)
        day = self.held(planned, dt.date(y, 12, 31))
        # Talks: the secretary with every member, the committee members with each other, in the
        # weeks before (those that happened by the as-of day are on record even if the meeting is not).
        talk_day = members(planned)
        if not (b is self.no_talks and y == self.last_year) and secretary is not None:
            pairs = [(secretary, r) for r in talk_day if r is not secretary]
            pairs += [(a, c) for a, c in itertools.combinations([r for r in committee if r is not secretary], 2)]
            for a, c in pairs:
                when = weekday(planned - dt.timedelta(days=rng.randint(5, 35)))
                if when >= self.as_of or not member_on(c, when) or not member_on(a, when):
                    continue
                self.rows["talk"].append((a["_branch"].pk, when, a["_pk"], c["_pk"], rng.choice(catalog.TALK_TOPICS),
                                          self.entered_at(when, count=False)))
                self.stats.talks += 1
        if not day or (b is self.no_orglife and y == self.last_year):
            return None
        expected = members(day)
        opinions = rng.randint(5, 30)
        items = rng.randint(3, 9)
        mid, present, c = self.meeting(
            b, T.ORG_LIFE, day, f"{y}年度组织生活会", expected, p=min(0.98, base + 0.03), retired=retired,
            chair=chair_on(day), place=home,
            minutes=lambda c, present, excused: (
                f"会前，支部开展专题学习，通过谈心谈话、发放征求意见表征求意见{opinions}条。会上，书记代表支委会作"
                f"对照检查，党员逐一发言，开展批评和自我批评。会议梳理整改事项{items}项，明确责任人和完成时限。"
                f"应到{c[0]}人，实到{c[1]}人{self.excused_text(excused)}。"))
        planted = b is self.generic_orglife and y == self.last_year
        self.critiques(mid, present, (0.0, spicy[1]) if planted else spicy, y)
        if planted:
            self.planted_texts["TXT-02"] = [mid]
            self.stats.problems.append(f"“{b.name}”{y}年度组织生活会的批评意见都是“加强学习”之类的空话（TXT-02）")
        self.appraisal(b, y, day, members, chair_on, home, base, retired)
        return day

    def critiques(self, mid, present, spicy, y) -> None:
        rng = self.rng
        out = self.rows["critique"]
        pairs = [(r, None) for r in present]
        for _ in present:
            self.burn_critique(spicy[1], None)
        if len(present) >= 2:
            ring = present[:]
            rng.shuffle(ring)
            pairs += list(zip(ring, ring[1:] + ring[:1]))[:8]
            for _, t in pairs[len(present):]:
                self.burn_critique(spicy[1], t)
        for order, ((a, t), substantive) in enumerate(zip(pairs, self.concrete_flags(len(pairs), spicy[0]))):
            out.append((mid, a["_pk"], t["_pk"] if t else None,
                        self.critique_text(substantive, t["name"] if t else None), order))
        self.stats.critiques += len(pairs)

    def burn_critique(self, drawn: float, target) -> None:
        """The main stream's draws of the earlier critique wording, so that a seed's meetings, attendance and
        planted gaps stay what they were (the wording now comes from `trng`)."""
        rng = self.rng
        substantive = rng.random() < drawn
        rng.randint(1, 11)
        rng.randint(2, 6)
        rng.choice(catalog.CRITIQUE_TASKS)
        if target is None:
            rng.choice(catalog.CRITIQUE_SELF_SUBSTANTIVE if substantive else catalog.CRITIQUE_SELF_GENERIC)
        else:
            rng.choice(catalog.CRITIQUE_OTHER_SUBSTANTIVE if substantive else catalog.CRITIQUE_OTHER_GENERIC)

    def concrete_flags(self, n: int, spicy: float) -> list[bool]:
        """Which of a meeting's n critiques are concrete: the share `spicy` of them (rounded up), in random
        places — so a meeting's generic share stays near 1 − spicy instead of drifting over TXT-02's bar."""
        k = min(n, -int(-spicy * n // 1)) if spicy > 0 else 0
        flags = [True] * k + [False] * (n - k)
        self.trng.shuffle(flags)
        return flags

    def critique_text(self, substantive: bool, target: str | None) -> str:
        rng = self.trng
        fill = dict(m=rng.randint(1, 11), n=rng.randint(2, 6), task=rng.choice(catalog.CRITIQUE_TASKS), name=target)
        if target is None:
            pool = catalog.CRITIQUE_SELF_SUBSTANTIVE if substantive else catalog.CRITIQUE_SELF_GENERIC
        else:
            pool = catalog.CRITIQUE_OTHER_SUBSTANTIVE if substantive else catalog.CRITIQUE_OTHER_GENERIC
        return rng.choice(pool).format(**fill)

    def appraisal(self, b, y, org_life_day, members, chair_on, home, base, retired) -> None:
        rng = self.rng
        day = self.held(min(dt.date(y, 12, 31), weekday(org_life_day + dt.timedelta(days=rng.choice([0, 0, 1, 3, 7])))),
                        dt.date(y, 12, 31))
        if not day:
            return
        members_then = members(day)
        graded = [r for r in members_then if can_vote(r, day)]
        cap = len(graded) // 3
        excellent = min(cap, max(0, round(len(graded) * rng.uniform(0.15, 0.32))))
        if b is self.eval_violation and y == self.last_year:
            excellent = min(len(graded), len(members_then) // 3 + 2)
        order = graded[:]
        rng.shuffle(order)
        grades = {}
        for i, r in enumerate(order):
            if i < excellent:
                grades[r["_pk"]] = Grade.EXCELLENT.value
            elif r.get("_absent_from") or (r["lost_contact_since"] and r["lost_contact_since"] <= day):
                grades[r["_pk"]] = Grade.BASICALLY_QUALIFIED.value
            elif rng.random() < 0.02:
                grades[r["_pk"]] = Grade.BASICALLY_QUALIFIED.value
            else:
                grades[r["_pk"]] = Grade.QUALIFIED.value
        if b is self.unqualified and y == self.last_year and len(order) > excellent:
            # the last one drawn (never an 优秀) who is still a member: DISP-03 asks about members only
            r = next((r for r in reversed(order[excellent:]) if r["status"] in MEMBER_STATUSES), order[-1])
            grades[r["_pk"]] = Grade.UNQUALIFIED.value
        tally = Counter(grades.values())
        mid, _, c = self.meeting(
            b, T.DEMOCRATIC_APPRAISAL, day, f"{y}年度民主评议党员", members_then, p=min(0.98, base + 0.03),
            retired=retired, chair=chair_on(day), place=home,
            minutes=lambda c, present, excused: (
                f"按照个人自评、党员互评、民主测评的程序进行，发放测评表{c[1]}份，收回{c[1]}份。支委会根据测评情况"
                f"提出评定意见，经党员大会审议：优秀{tally[Grade.EXCELLENT]}人，合格{tally[Grade.QUALIFIED]}人，"
                f"基本合格{tally[Grade.BASICALLY_QUALIFIED]}人"
                + (f"，不合格{tally[Grade.UNQUALIFIED]}人" if tally[Grade.UNQUALIFIED] else "")
                + f"；预备党员{len(members_then) - len(graded)}人参加评议，不评定等次。"))
        aid = self.next_appraisal
        self.next_appraisal += 1
        self.rows["appraisal"].append((aid, b.pk, y, mid))
        # Probationary members on the day take part but are not graded (EVAL-02).
        self.rows["grade"].extend((aid, r["_pk"], grades.get(r["_pk"])) for r in members_then)
        self.stats.appraisals += 1
        self.stats.grades += len(members_then)

    # --- 党组 -----------------------------------------------------------------------------------
    def leading_group(self, lg, holders) -> None:
        """领导班子民主生活会 in Q4 with talks and critiques: expected are the posts on the day."""
        rng = self.rng
        first = next((r for r, role, _ in holders if role == PostRole.FIRST_RESPONSIBLE), None)
        for y in sorted({y for y, _ in self.months}):
            if dt.date(y, 10, 1) < self.start or (lg is self.no_dlh and y == self.last_year):
                continue
            planned = self.day_in(y, 12, 5, 28) if rng.random() < 0.8 else self.day_in(y, 11, 10, 28)
            if first is not None:
                for r, _, start in holders:
                    when = weekday(planned - dt.timedelta(days=rng.randint(7, 30)))
                    if r is first or when >= self.as_of or (start and start > when):
                        continue
                    self.rows["talk"].append((first["_branch"].pk, when, first["_pk"], r["_pk"],
                                              "民主生活会前谈心谈话：相互提醒、征求意见", self.entered_at(when, False)))
                    self.stats.talks += 1
            day = self.held(planned, dt.date(y, 12, 31))
            if not day:
                continue
            expected = [r for r, _, start in holders if start is None or start <= day]
            if not expected:
                continue
            mid, present, c = self.meeting(
                lg, T.DEMOCRATIC_LIFE, day, f"{y}年度党组领导班子民主生活会", expected, p=0.95, chair=first,
                place="党组会议室", quorum="two_thirds",
                minutes=lambda c, present, excused: (
                    f"党组书记{(first or {}).get('name', '')}主持。会前开展专题学习，征求意见{rng.randint(10, 40)}条，"
                    f"党组书记与班子成员逐一谈心谈话。会上，党组书记代表班子作对照检查，班子成员逐一发言，开展批评和"
                    f"自我批评；上级党组织派员到会指导。应到{c[0]}人，实到{c[1]}人{self.excused_text(excused)}。"))
            drawn = rng.uniform(0.4, 0.9)      # (as drawn before; the share used is mapped into 0.6–0.95)
            spicy = 0.6 + 0.35 * (drawn - 0.4) / 0.5
            pairs = []
            for r in present:
                pairs.append((r, None))
                if first is not None and r is not first and _among(first, present):
                    pairs += [(first, r), (r, first)]
            out = self.rows["critique"]
            for order, ((a, t), substantive) in enumerate(zip(pairs, self.concrete_flags(len(pairs), spicy))):
                self.burn_critique(drawn, t)
                out.append((mid, a["_pk"], t["_pk"] if t else None,
                            self.critique_text(substantive, t["name"] if t else None), order))
            self.stats.critiques += len(pairs)

    # --- output ------------------------------------------------------------------------------
    def flush(self) -> None:
        for kind, rows in self.rows.items():
            if not rows:
                continue
            if self.sink is None:
                self.kept[kind].extend(rows)
            else:
                self.sink(kind, rows)
            self.rows[kind] = []

    def pending(self) -> int:
        return len(self.rows["attendance"])

    def finish(self) -> OrgLifeStats:
        for lg, holders in self.leading_groups.values():
            self.leading_group(lg, holders)
        self.flush()
        return self.stats


class CopyInserter:
    """COPY … FROM STDIN for PostgreSQL: `executemany` (even pipelined) spent 20 of a city load's
    26 seconds on 400,000 attendance rows; COPY takes about a second. Columns not given get their
    model default, like `RawInserter`."""

    def __init__(self, model, attnames: list[str]):
        from django.db import connection
        from django.utils import timezone

        self.connection = connection
        fields = {f.attname: f for f in model._meta.concrete_fields}
        extra = [f for name, f in fields.items() if name not in attnames and not f.primary_key]
        now = timezone.now()
        self.tail = tuple(f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                                             else f.get_default(), connection) for f in extra)
        qn = connection.ops.quote_name
        columns = [fields[a].column for a in attnames] + [f.column for f in extra]
        self.sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"

    def insert(self, rows: list[tuple]) -> None:
        with self.connection.cursor() as cursor:
            with cursor.cursor.copy(self.sql) as copy:
                for r in rows:
                    copy.write_row(r + self.tail)


def database_sink():
    """Inserters per kind, for `OrgLifePlanner(sink=…)`; returns (sink, reset) where `reset` moves
    the key sequences past the explicitly numbered meetings and appraisals."""
    from django.core.management.color import no_style
    from django.db import connection

    from dangjian.core.bulk import RawInserter
    from dangjian.orglife.models import Appraisal, AppraisalGrade, Attendance, Critique, Meeting, Resolution, Talk

    inserter = CopyInserter if connection.vendor == "postgresql" else RawInserter
    inserters = {
        "meeting": inserter(Meeting, MEETING_COLUMNS),
        "attendance": inserter(Attendance, ATTENDANCE_COLUMNS),
        "resolution": inserter(Resolution, RESOLUTION_COLUMNS),
        "critique": inserter(Critique, CRITIQUE_COLUMNS),
        "talk": inserter(Talk, TALK_COLUMNS),
        "appraisal": inserter(Appraisal, APPRAISAL_COLUMNS),
        "grade": inserter(AppraisalGrade, GRADE_COLUMNS),
    }
    def sink(kind, rows):
        inserters[kind].insert(rows)

    def reset():
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Meeting, Appraisal]):
                cursor.execute(sql)

    return sink, reset
