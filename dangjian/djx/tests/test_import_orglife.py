"""DJX import of 组织生活 (djx.md: meetings, talks, appraisals): a meeting becomes the same
Meeting, attendance and counts that recording it through the orglife actions gives; re-importing
changes nothing; impossible records are errors with their JSON path; findings-to-be are kept."""
import datetime as dt

import pytest

from dangjian.djx.actions import do_import_djx
from dangjian.djx.synthetic import generate
from dangjian.djx.validation import validate
from dangjian.orglife import actions as orglife
from dangjian.orglife.models import Appraisal, AppraisalGrade, Attendance, Critique, Meeting, Resolution, Talk

from .helpers import example, messages, minimal


def branch_doc(**sections):
    """One branch: a secretary and two committee members, four full members, a probationary member
    (attends, does not vote), one under 留党察看 (does not vote), one who joined later in the year
    and one who has left (never expected)."""
    people = [{"id": f"m{i}", "name": f"党员{i}", "org": "b", "status": "full",
               "probationary_date": "2010-07-01", "full_member_date": "2011-07-01"} for i in range(1, 8)]
    people += [
        {"id": "prob", "name": "预备党员", "org": "b", "status": "probationary", "probationary_date": "2025-01-10"},
        {"id": "sanct", "name": "留党察看", "org": "b", "status": "full", "on_probation_sanction": True,
         "probationary_date": "2010-07-01", "full_member_date": "2011-07-01"},
        {"id": "late", "name": "后入党", "org": "b", "status": "probationary", "probationary_date": "2025-09-01"},
        {"id": "gone", "name": "已转出", "org": "b", "status": "transferred_out",
         "probationary_date": "2010-07-01", "full_member_date": "2011-07-01"},
        {"id": "x", "name": "外支部党员", "org": "b2", "status": "full",
         "probationary_date": "2010-07-01", "full_member_date": "2011-07-01"},
    ]
    posts = [{"person": "m1", "org": "b", "role": "secretary", "start": "2024-03-15"},
             {"person": "m2", "org": "b", "role": "organization", "start": "2024-03-15"},
             {"person": "m3", "org": "b", "role": "propaganda", "start": "2024-03-15", "end": "2025-04-30"}]
    doc = minimal(orgs=[{"id": "c", "name": "机关党委", "type": "committee"},
                        {"id": "b", "name": "第一党支部", "type": "branch", "parent": "c"},
                        {"id": "b2", "name": "第二党支部", "type": "branch", "parent": "c"}],
                  people=people, posts=posts)
    doc.update(sections)
    return doc


MEETINGS = [
    {"id": "ma", "org": "b", "type": "member_assembly", "date": "2025-06-10", "topic": "二季度党员大会",
     "chair": "m1", "present": ["m1", "m2", "m3", "m4", "prob", "x"], "excused": {"m5": "出差", "m6": None},
     "minutes": "审议通过……",
     "votes": [{"motion": "接收预备党员", "eligible": 7, "present": 4, "yes": 4, "written_yes": 1},
               {"motion": "不写人数的表决", "yes": 3}]},
    {"id": "cm", "org": "b", "type": "committee", "date": "2025-06-05", "topic": "支委会", "present": ["m1"]},
    {"id": "cm-early", "org": "b", "type": "committee", "date": "2025-04-05", "topic": "支委会", "present": ["m1", "m3"]},
    {"id": "ol", "org": "b", "type": "org_life", "date": "2025-11-20", "topic": "组织生活会",
     "expected": ["m1", "m2", "m4"], "present": ["m1", "m2"],
     "critiques": [{"from": "m2", "to": "m1", "text": "调研不够深入"}, {"from": "m1", "to": None, "text": "学习不够系统"}]},
]


def snapshot(m: Meeting):
    m.refresh_from_db()
    rows = sorted(m.attendance.values_list("person__external_id", "status", "reason", "voting"))
    return (m.expected_count, m.present_count, m.voting_expected, m.voting_present), rows


def test_meetings_get_the_attendance_and_counts_the_action_gives(db):
    report = do_import_djx(branch_doc(meetings=MEETINGS))
    assert report.ok, report.errors
    ma = Meeting.objects.get(external_id="ma")
    counts, rows = snapshot(ma)
    status = {pid: (st, reason, voting) for pid, st, reason, voting in rows}
    # Derived from membership on 2025-06-10: not "late" (joined in September), not "gone"; "x" of the
    # other branch came and so counts as expected, as the action does.
    assert set(status) == {"m1", "m2", "m3", "m4", "m5", "m6", "m7", "prob", "sanct", "x"}
    assert status["m5"] == ("excused", "出差", True) and status["m6"] == ("excused", "", True)
    assert status["m7"][0] == "absent" and status["prob"] == ("present", "", False)
    assert status["sanct"] == ("absent", "", False)
    assert counts == (10, 6, 8, 5)
    assert (ma.chair.external_id, ma.minutes, ma.state) == ("m1", "审议通过……", "held")
    votes = list(Resolution.objects.filter(meeting=ma).values_list("motion", "eligible", "present", "yes", "written_yes"))
    # A tally without its numbers is the meeting's own: 8 entitled to vote, 5 of them present.
    assert votes == [("接收预备党员", 7, 4, 4, 1), ("不写人数的表决", 8, 5, 3, 0)]
    # The committee on the day: the propaganda member's post ended on 2025-04-30.
    assert [r[0] for r in snapshot(Meeting.objects.get(external_id="cm"))[1]] == ["m1", "m2"]
    assert [r[0] for r in snapshot(Meeting.objects.get(external_id="cm-early"))[1]] == ["m1", "m2", "m3"]
    ol = Meeting.objects.get(external_id="ol")
    assert snapshot(ol)[0] == (3, 2, 3, 2)
    assert list(Critique.objects.filter(meeting=ol).values_list("author__external_id", "target__external_id", "text")) == [
        ("m2", "m1", "调研不够深入"), ("m1", None, "学习不够系统")]


def test_the_bulk_path_agrees_with_recording_through_the_action(db):
    """Re-applying orglife's own `_apply` to every imported meeting changes nothing."""
    do_import_djx(branch_doc(meetings=MEETINGS))
    by_ext = {r["id"]: r for r in MEETINGS}
    for m in Meeting.objects.select_related("org"):
        before = snapshot(m)
        present = list(m.attendance.filter(status="present").values_list("person_id", flat=True))
        excused = dict(m.attendance.filter(status="excused").values_list("person_id", "reason"))
        given = by_ext[m.external_id].get("expected")
        expected = list(m.attendance.filter(person__external_id__in=given).values_list("person", flat=True)) if given else None
        from dangjian.people.models import Person
        orglife._apply(m, present=present, excused=excused, resolutions=None, critiques=None,
                       expected=list(Person.objects.filter(pk__in=expected)) if expected else None)
        assert snapshot(m) == before, m.external_id


def test_reimport_is_idempotent_and_updates_what_changed(db):
    doc = branch_doc(meetings=MEETINGS, talks=[{"date": "2025-03-01", "a": "m1", "b": "m4"}],
                     appraisals=[{"org": "b", "year": 2025, "grades": {"m1": "excellent", "m2": "qualified"}}])
    do_import_djx(doc)
    before = (Meeting.objects.count(), Attendance.objects.count(), Resolution.objects.count(),
              Critique.objects.count(), Talk.objects.count(), AppraisalGrade.objects.count())
    report = do_import_djx(branch_doc(meetings=MEETINGS, talks=doc["talks"], appraisals=doc["appraisals"]))
    assert {s: (c.created, c.updated) for s, c in report.counts.items() if s in ("meetings", "talks", "appraisals")} == {
        "meetings": (0, 0), "talks": (0, 0), "appraisals": (0, 0)}
    assert (Meeting.objects.count(), Attendance.objects.count(), Resolution.objects.count(),
            Critique.objects.count(), Talk.objects.count(), AppraisalGrade.objects.count()) == before
    changed = branch_doc(meetings=[dict(m) for m in MEETINGS], talks=[{"date": "2025-03-01", "a": "m1", "b": "m4",
                                                                      "topic": "谈工作"}],
                         appraisals=[{"org": "b", "year": 2025, "grades": {"m1": "qualified", "m2": "qualified"}}])
    changed["meetings"][1]["present"] = ["m1", "m2"]
    # What the platform added to a grade (a 测评 tally) stays with the member when the file changes it.
    AppraisalGrade.objects.filter(person__external_id="m1").update(votes_excellent=7, self_assessment="自评")
    ids = set(AppraisalGrade.objects.values_list("pk", flat=True))
    report = do_import_djx(changed)
    assert {s: (c.created, c.updated, c.unchanged) for s, c in report.counts.items()
            if s in ("meetings", "talks", "appraisals")} == {"meetings": (0, 1, 3), "talks": (0, 1, 0),
                                                              "appraisals": (0, 1, 0)}
    assert Meeting.objects.get(external_id="cm").present_count == 2
    assert Talk.objects.get().topic == "谈工作"
    assert set(AppraisalGrade.objects.values_list("grade", flat=True)) == {"qualified"}
    assert set(AppraisalGrade.objects.values_list("pk", flat=True)) == ids
    assert AppraisalGrade.objects.get(person__external_id="m1").votes_excellent == 7
    assert Meeting.objects.count() == before[0]
    # A member dropped from the file's grades loses their grade row; one added gets a new row.
    fewer = branch_doc(meetings=MEETINGS, appraisals=[{"org": "b", "year": 2025, "grades": {"m1": "qualified"}}])
    do_import_djx(fewer)
    assert list(AppraisalGrade.objects.values_list("person__external_id", flat=True)) == ["m1"]


def test_talks_are_recorded_under_the_first_persons_org(db):
    report = do_import_djx(branch_doc(talks=[{"date": "2025-03-01", "a": "x", "b": "m1", "topic": "交心"},
                                             {"date": "2025-03-02", "a": "m1", "b": "x"}]))
    assert report.ok
    assert sorted(Talk.objects.values_list("org__external_id", "a__external_id", "topic")) == [
        ("b", "m1", ""), ("b2", "x", "交心")]


def test_appraisals_keep_what_the_action_would_refuse(db):
    """优秀 over a third and a grade for a probationary member are EVAL-01/EVAL-02 findings in
    `check`: the import must carry them to the rules, not reject the file."""
    grades = {"m1": "excellent", "m2": "excellent", "m3": "qualified", "prob": "qualified", "late": None}
    report = do_import_djx(branch_doc(appraisals=[{"org": "b", "year": 2025, "grades": grades}]))
    assert report.ok, report.errors
    a = Appraisal.objects.get()
    assert (a.org.external_id, a.year) == ("b", 2025)
    assert dict(a.grades.values_list("person__external_id", "grade")) == grades


@pytest.mark.parametrize("change, error", [
    (lambda d: d["meetings"][0]["excused"].update(m1="病假"),
     "meetings[0].excused.m1：“m1”同时列在 present（出席）中：同一人不能既出席又请假，请只保留一处"),
    (lambda d: d["meetings"][0]["votes"][0].update(present=9),
     "meetings[0].votes[0].present：实到有表决权人数（9）多于应到人数 eligible（7）"),
    (lambda d: d["meetings"][0]["votes"][0].update(no=2),
     "meetings[0].votes[0]：赞成、反对、弃权合计（6）多于实到人数（4）与书面赞成（1）之和"),
    (lambda d: d["meetings"][0]["present"].append("nobody"), "meetings[0].present[6]：引用的人员“nobody”不存在"),
    (lambda d: d["meetings"][1].update(type="group"),
     "meetings[1].org：党小组会应登记在党小组（type 为 group 的组织）下，“b”的类型是 branch"),
    (lambda d: d["meetings"][1].update(type="democratic_life"),
     "meetings[1].org：领导班子民主生活会应登记在党组（党委）（type 为 leading_group 的组织）下，“b”的类型是 branch"),
    (lambda d: d["talks"].append({"date": "2025-03-01", "a": "m1", "b": "m1"}),
     "talks[1].b：谈心谈话须在两人之间进行（a 与 b 都是“m1”）"),
    (lambda d: d["talks"].append({"date": "2025-03-01", "a": "m1", "b": "m4", "topic": "再谈"}),
     "talks[1]：与 talks[0] 重复（同一谈话人、谈话对象、同一日期的谈心谈话只能有一条）"),
])
def test_impossible_records_are_errors_with_their_path(db, change, error):
    doc = branch_doc(meetings=[dict(m, votes=[dict(v) for v in m.get("votes", [])],
                                    excused=dict(m.get("excused") or {}), present=list(m["present"]))
                               for m in MEETINGS],
                     talks=[{"date": "2025-03-01", "a": "m1", "b": "m4"}])
    change(doc)
    assert error in messages(validate(doc))
    report = do_import_djx(doc)
    assert not report.ok and Meeting.objects.count() == 0


def test_a_tally_impossible_against_the_meeting_rolls_everything_back(db):
    """A vote that gives only `present`: its eligible is the meeting's own (8), fewer than 9."""
    meetings = [dict(MEETINGS[0], votes=[{"motion": "表决", "present": 9, "yes": 5}])]
    report = do_import_djx(branch_doc(meetings=meetings))
    assert not report.ok
    assert messages(report.errors) == ["meetings[0].votes[0]：第1项表决（表决）：实到人数（9）不能多于应到人数（8）。"]
    from dangjian.people.models import Person
    assert Meeting.objects.count() == 0 and Person.objects.count() == 0


def test_meeting_ids_of_another_jurisdiction_are_never_taken_over(users, tree, people):
    theirs = orglife.do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 6, 15), topic="主题党日",
                                       present=[people.member_a])
    Meeting.objects.filter(pk=theirs.pk).update(external_id="m1")
    doc = minimal(people=[{"id": "z", "name": "新党员", "org": "g", "status": "full"}],
                  orgs=[{"id": "g", "name": "第二党支部第一党小组", "type": "group"}],
                  meetings=[{"id": "m1", "org": "g", "type": "group", "date": "2025-06-20", "topic": "党小组会",
                             "present": ["z"]}])
    report = do_import_djx(doc, acting_user=users.secretary_b, attach_to=tree.b)
    assert report.ok, report.errors
    assert report.counts["meetings"].created == 1
    theirs.refresh_from_db()
    assert (theirs.org, theirs.type, theirs.present_count) == (tree.a, "theme_day", 1)
    ours = Meeting.objects.get(external_id="m1", org__external_id="g")
    assert (ours.expected_count, ours.present_count, ours.entered_by) == (1, 1, users.secretary_b)


def test_the_example_loads_meetings_and_talks(db):
    report = do_import_djx(example())
    assert report.ok and not report.skipped
    assert (Meeting.objects.count(), Talk.objects.count()) == (53, 11)
    b1 = Meeting.objects.get(external_id="b1-ma-2025-03-10")
    assert (b1.expected_count, b1.present_count, b1.voting_expected, b1.voting_present) == (8, 8, 8, 8)
    cm = Meeting.objects.get(external_id="b1-cm-2025-01-05")
    assert cm.expected_count == 3


def test_thousands_of_meetings_in_a_fixed_number_of_statements(db):
    small, larger = generate(branches=2, years=(2025,)), generate(branches=8, years=(2025,))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert do_import_djx(small).ok
    with CaptureQueriesContext(connection) as many:
        assert do_import_djx(larger).ok
    # Four times the meetings, attendance and people: not four times the statements.
    assert len(many) < 2 * len(few)
    # The larger file includes the smaller one (same ids): its branches are updated, not duplicated.
    assert Meeting.objects.count() == 34 * 8 and Attendance.objects.count() > 34 * 8 * 10
