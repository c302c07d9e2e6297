"""The demo's two years of 组织生活: every branch holds its 三会一课 and 主题党日, only people who were
members on the day are expected, the counts on each meeting are what the attendance rows say (as
`orglife.actions` would have set them), the same seed gives the same records, and the gaps planted
for the warnings centre are there — and nowhere else."""
import datetime as dt
import io
from collections import Counter, defaultdict

import pytest
from django.db.models import F
from django.core.management import call_command
from django.db.models import Count, F, Q

from dangjian.core import engine
from dangjian.core.models import Finding
from dangjian.demo import generator, loader
from dangjian.demo import orglife as demo_orglife
from dangjian.orglife.actions import can_vote_on, expected_attendees
from dangjian.orglife.choices import AttendanceStatus, Grade, MeetingType
from dangjian.orglife.models import Appraisal, AppraisalGrade, Attendance, Critique, Meeting, Resolution, Talk
from dangjian.orgs.choices import OrgType
from dangjian.orgs.models import Org
from dangjian.people.choices import Status
from dangjian.people.models import Person

AS_OF = dt.date(2026, 3, 15)
START = demo_orglife.window_start(AS_OF)   # 2024-01-01


@pytest.fixture
def demo(db):
    return loader.load("small", seed=7, as_of=AS_OF, run_engine=False)


def months_between(a: dt.date, b: dt.date) -> list[tuple[int, int]]:
    out, (y, m) = [], (a.year, a.month)
    while (y, m) <= (b.year, b.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_every_branch_group_and_leading_group_keeps_its_organisational_life(demo):
    assert START == dt.date(2024, 1, 1)
    assert not Meeting.objects.filter(Q(date__gt=AS_OF) | Q(date__lt=START)).exists()
    done = [ym for ym in months_between(START, AS_OF) if demo_orglife.month_end(*ym) <= AS_OF]   # 26 months
    by_org = defaultdict(Counter)
    months = defaultdict(set)
    for org_id, mtype, day in Meeting.objects.values_list("org_id", "type", "date"):
        by_org[org_id][mtype] += 1
        if mtype == MeetingType.THEME_DAY:
            months[org_id].add((day.year, day.month))
    branches = list(Org.objects.filter(type=OrgType.BRANCH))
    for b in branches:
        c = by_org[b.pk]
        # 主题党日 every month but at most one planted gap; 党员大会 and 党课 about quarterly.
        assert len(set(done) - months[b.pk]) <= 1, b
        assert c[MeetingType.MEMBER_ASSEMBLY] >= 7 and c[MeetingType.LECTURE] >= 7, (b, c)
        assert 1 <= c[MeetingType.ORG_LIFE] <= 2 and c[MeetingType.DEMOCRATIC_APPRAISAL] == c[MeetingType.ORG_LIFE]
    # A branch with a committee meets as a committee too; groups and 党组 have their meetings.
    assert sum(1 for b in branches if by_org[b.pk][MeetingType.COMMITTEE] >= 20) >= len(branches) // 2
    for g in Org.objects.filter(type=OrgType.GROUP):
        assert by_org[g.pk][MeetingType.GROUP] >= 20, g
    for lg in Org.objects.filter(type=OrgType.LEADING_GROUP):
        assert 1 <= by_org[lg.pk][MeetingType.DEMOCRATIC_LIFE] <= 2, lg
    # Varied topics, realistic attendance, mostly entered on the day, some back-filled weeks later.
    themes = Meeting.objects.filter(type=MeetingType.THEME_DAY)
    assert themes.values("topic").distinct().count() >= 25
    present, expected = (sum(x) for x in zip(*Meeting.objects.values_list("present_count", "expected_count")))
    assert 0.85 <= present / expected <= 0.96
    lags = Counter()
    for m in Meeting.objects.only("date", "entered_at"):
        lag = m.backfilled_days
        lags["same" if lag == 0 else "weeks" if lag >= 14 else "days"] += 1
    assert lags["same"] > 0.7 * sum(lags.values()) and lags["weeks"] > 10
    reasons = Counter(Attendance.objects.filter(status=AttendanceStatus.EXCUSED).values_list("reason", flat=True))
    assert {"出差", "病假", "参加培训"} <= set(reasons) and "" not in reasons


def test_counts_on_each_meeting_are_what_the_attendance_rows_say(demo):
    people = Person.objects.in_bulk()
    rows = defaultdict(list)
    for mid, pid, status, voting in Attendance.objects.values_list("meeting_id", "person_id", "status", "voting"):
        rows[mid].append((pid, status, voting))
    meetings = list(Meeting.objects.all())
    assert len(meetings) > 1000
    for m in meetings:
        att = rows[m.pk]
        # `_apply`: voting is `can_vote_on` the meeting's date; the four counts follow from the rows.
        assert all(v == can_vote_on(people[pid], m.date) for pid, _, v in att), m
        present = [v for _, s, v in att if s == AttendanceStatus.PRESENT]
        assert (m.expected_count, m.present_count, m.voting_expected, m.voting_present) == \
            (len(att), len(present), sum(v for _, _, v in att), sum(present)), m
        if m.chair_id:
            assert (m.chair_id, AttendanceStatus.PRESENT) in {(p, s) for p, s, _ in att}
    # Each row carries its meeting's date and that it was organisational life (REL-01 reads them).
    assert not Attendance.objects.exclude(meeting_date=F("meeting__date")).exists()
    # All held; only the 中心组学习 sessions (the study demo's, dangjian/demo/study.py) are not organisational life.
    assert not Attendance.objects.filter(counts_as_org_life=False).exclude(meeting__type=MeetingType.STUDY_CENTER).exists()
    # Every vote's tally is the meeting's voting attendance.
    for r in Resolution.objects.select_related("meeting"):
        assert (r.eligible, r.present) == (r.meeting.voting_expected, r.meeting.voting_present)
        assert r.yes + r.no + r.abstain == r.present


def test_only_members_on_the_day_are_expected(demo):
    # The lead's own derivation (`expected_attendees`), meeting by meeting. A committee meeting held
    # before the current committee's election expects its members as they were then.
    # Every third meeting keeps the test quick; all types and branches are among them.
    # (中心组学习 sessions come from the study demo, attended by the leading group's members: not planned here.)
    planned = Meeting.objects.exclude(type=MeetingType.STUDY_CENTER)
    meetings = list(planned.select_related("org").order_by("date", "id"))[::3]
    assert {m.type for m in meetings} == {m.type for m in planned.only("type")}
    checked = 0
    for m in meetings:
        got = set(m.attendance.values_list("person_id", flat=True))
        want = {p.pk for p in expected_attendees(m.org, m.type, m.date)}
        if m.type == MeetingType.COMMITTEE and not want:
            members = {p.pk for p in expected_attendees(m.org, MeetingType.MEMBER_ASSEMBLY, m.date)}
            assert got and got <= members, m
        else:
            assert got == want, m
        checked += 1
    assert checked == len(meetings) > 400
    # Talks are between people who were members on the day; grades only for those who were full
    # members then (probationary members take part ungraded, EVAL-02).
    for t in Talk.objects.select_related("a", "b")[:300]:
        for p in (t.a, t.b):
            assert p.probationary_date is None or p.probationary_date <= t.date
    for g in AppraisalGrade.objects.select_related("person", "appraisal__meeting"):
        day = g.appraisal.meeting.date
        assert (g.grade is not None) == can_vote_on(g.person, day), g.person
        if g.person.status == Status.PROBATIONARY:
            assert g.grade is None


def test_same_seed_gives_the_same_records(demo):
    def dry(seed):
        plan = generator.plan("small", seed, AS_OF)
        for i, o in enumerate(plan.orgs, start=1):
            o.pk = i
        paths = {o.pk: o.path for o in plan.orgs}
        factory = generator.PeopleFactory(plan)
        life = demo_orglife.OrgLifePlanner(plan)
        pk = 0
        for b in plan.branches:
            rows = factory.branch_rows(b)
            for r in rows:
                pk += 1
                r["_pk"] = pk
            life.branch(b, rows)
        life.finish()
        return sorted((paths[m[1]], m[2], m[4], m[6], *m[-4:]) for m in life.kept["meeting"]), life.stats

    first, stats = dry(7)
    assert first == dry(7)[0] and first != dry(8)[0]
    in_db = sorted(Meeting.objects.exclude(type=MeetingType.STUDY_CENTER).values_list("org__path", "type", "date", "topic", "expected_count",
                                               "present_count", "voting_expected", "voting_present"))
    assert in_db == first
    assert stats.meeting_total == demo.orglife.meeting_total == len(in_db)


def test_planted_gaps_and_imperfections_are_there(demo):
    life = demo.orglife
    assert life.problems and any("REL-01" in p for p in life.problems)
    # One 党员大会 voted without a quorum (and the motion did not pass).
    no_quorum = [r for r in Resolution.objects.all() if not r.quorum]
    assert len(no_quorum) == 1 and not no_quorum[0].passed
    # One 民主评议 with more than a third 优秀, imported directly past the action's refusal.
    over = [a for a in Appraisal.objects.annotate(n=Count("grades"), ex=Count("grades", filter=Q(grades__grade=Grade.EXCELLENT)))
            if 3 * a.ex > a.n]
    assert len(over) == 1 and over[0].year == AS_OF.year - 1
    # One branch without a 组织生活会 last year.
    last = AS_OF.year - 1
    held = set(Meeting.objects.filter(type=MeetingType.ORG_LIFE, date__year=last).values_list("org_id", flat=True))
    assert Org.objects.filter(type=OrgType.BRANCH).exclude(pk__in=held).count() == 1
    # One member absent (without leave) from everything in the last seven months.
    since = dt.date(2025, 8, 1)
    absent = Attendance.objects.filter(meeting__date__gte=since)
    always = (absent.values("person_id").annotate(n=Count("id"), a=Count("id", filter=Q(status=AttendanceStatus.ABSENT)))
              .filter(n__gte=7, n=F("a")))
    assert always.count() >= 1
    # One member graded 不合格 last year, with no disposition opened (DISP-03).
    assert list(AppraisalGrade.objects.filter(grade=Grade.UNQUALIFIED).values_list("appraisal__year", flat=True)) \
        == [AS_OF.year - 1]
    # Critiques of both kinds: concrete ones naming a month, and the generic "加强学习".
    texts = list(Critique.objects.values_list("text", flat=True))
    assert any("月份" in t for t in texts) and any("加强" in t and "月" not in t for t in texts)


def test_warnings_centre_shows_the_planted_gaps(demo):
    engine.run(as_of=AS_OF)
    planted = {"BR-05", "BR-06", "ORGLIFE-02", "ORGLIFE-03", "ORGLIFE-04", "ORGLIFE-06", "REL-01", "EVAL-01",
               "TALK-01", "DLH-01", "DISP-03"}
    registered = {r.id for r in engine.registry} & planted
    found = set(Finding.objects.filter(rule_id__in=registered, state="open").values_list("rule_id", flat=True))
    assert found == registered


def test_province_leaves_organisational_life_out_unless_asked(db):
    assert demo_orglife.default_for("province") is False and demo_orglife.default_for("city") is True
    out = io.StringIO()
    call_command("demo", "--scale", "small", "--no-orglife", "--no-engine", "--as-of", "2026-03-15", stdout=out)
    assert not Meeting.objects.exists() and Person.objects.exists()
    assert "组织生活" not in out.getvalue()
