"""三会一课, 主题党日, 组织生活会, 民主评议, 民主生活会 as periodic duties (BR-05/06/07, ORGLIFE-02/03/04/06,
DLH-01): a period is judged from its last day on, only inside the window (the last 12 months, not
before the org was founded nor before the jurisdiction started recording), and a finding resolves
itself when the meeting is recorded — in an incremental run of the touched org."""
import datetime as dt

from conftest import _person
from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.orglife.actions import do_delete_meeting, do_record_appraisal, do_record_meeting
from dangjian.orgs.actions import do_appoint, do_create_org

D = dt.date


def hits(as_of, *rule_ids, **settings):
    """(rule, subject pk, period) → (severity, message) of an evaluation without storing."""
    ctx = engine.Context(as_of=as_of, settings=engine.effective_settings(settings))
    return {(r.id, h.subject.pk, h.period): (h.severity or r.severity, h.message)
            for r, h in engine.evaluate(ctx, rule_ids)}


def meet(org, type, day, **kw):
    return do_record_meeting(org=org, type=type, date=day, topic=f"{day}会议", **kw)


# --- BR-05 党员大会: the last day of a quarter ----------------------------------------------------
def test_a_quarter_without_a_member_assembly_is_a_finding_from_its_last_day_not_the_day_before(tree, people):
    meet(tree.b, "member_assembly", D(2025, 8, 1))
    before, on = hits(D(2025, 9, 29), "BR-05"), hits(D(2025, 9, 30), "BR-05")
    assert before[("BR-05", tree.a.pk, "2025Q3")] == ("INFO", "第三季度支部党员大会尚未召开，距季度末还有 1 天（一般每季度召开1次）")
    severity, message = on[("BR-05", tree.a.pk, "2025Q3")]
    assert severity == "WARN" and message.startswith("2025年第三季度未召开支部党员大会")
    assert ("BR-05", tree.b.pk, "2025Q3") not in on
    # Held on the last day itself: satisfied on that day.
    meet(tree.a, "member_assembly", D(2025, 9, 30))
    assert ("BR-05", tree.a.pk, "2025Q3") not in hits(D(2025, 9, 30), "BR-05")


def test_due_soon_only_in_the_last_days_of_the_running_quarter(tree, people):
    assert hits(D(2025, 12, 19), "BR-05")[("BR-05", tree.a.pk, "2025Q4")][1].startswith(
        "第四季度支部党员大会尚未召开，距季度末还有 12 天")
    assert ("BR-05", tree.a.pk, "2025Q4") in hits(D(2025, 12, 16), "BR-05")            # 15 days left: in
    assert ("BR-05", tree.a.pk, "2025Q4") not in hits(D(2025, 12, 15), "BR-05")        # 16 days: not yet
    assert ("BR-05", tree.a.pk, "2025Q4") not in hits(D(2025, 12, 19), "BR-05", orglife_due_soon_days_quarter=10)


# --- the window of judged periods ------------------------------------------------------------------
def test_only_periods_that_ended_in_the_last_twelve_months_are_judged(tree, people):
    found = hits(D(2025, 12, 31), "BR-05", "ORGLIFE-03", "ORGLIFE-04")
    periods = {p for (r, pk, p) in found if pk == tree.a.pk}
    assert {"2025Q1", "2025Q4", "2025-01", "2025-12", "2025"} <= periods
    assert not {"2024Q4", "2024-12", "2024"} & periods
    # Half a year in, the previous year is still inside the window.
    assert ("ORGLIFE-04", tree.a.pk, "2024") in hits(D(2025, 6, 30), "ORGLIFE-04")
    assert ("ORGLIFE-04", tree.a.pk, "2024") in hits(D(2025, 6, 30), "ORGLIFE-04", orglife_window_months=6)
    assert ("ORGLIFE-04", tree.a.pk, "2024") not in hits(D(2025, 6, 30), "ORGLIFE-04", orglife_window_months=5)


def test_no_period_before_the_org_was_founded_or_before_records_start(tree, people):
    tree.a.founded = D(2025, 7, 1)
    tree.a.save(update_fields=["founded"])
    periods = {p for (r, pk, p) in hits(D(2025, 12, 31), "BR-05", "ORGLIFE-04") if pk == tree.a.pk}
    assert periods == {"2025Q3", "2025Q4"}       # the year 2025 began before the branch existed
    periods = {p for (r, pk, p) in hits(D(2025, 12, 31), "BR-05", orglife_records_from="2025-04-01")
               if pk == tree.b.pk}
    assert periods == {"2025Q2", "2025Q3", "2025Q4"}


def test_an_org_without_members_holds_no_meetings(tree, people):
    empty = do_create_org(name="新设党支部", type="branch", parent=tree.committee)
    assert not [k for k in hits(D(2025, 12, 31), "BR-05", "ORGLIFE-03") if k[1] == empty.pk]


# --- BR-06 支委会: only branches with a committee --------------------------------------------------
def test_committee_meetings_are_monthly_for_branches_with_a_committee_only(tree, people):
    do_appoint(person=people.member_a, org=tree.a, role="organization", start=D(2025, 5, 10))
    found = hits(D(2025, 7, 31), "BR-06")
    assert {p for (r, pk, p) in found if pk == tree.a.pk} == {"2025-06", "2025-07"}   # May: set up mid-month
    assert not [k for k in found if k[1] == tree.b.pk]                                   # secretary only
    meet(tree.a, "committee", D(2025, 6, 5), present=[people.secretary_a, people.member_a])
    assert {p for (r, pk, p) in hits(D(2025, 7, 31), "BR-06") if pk == tree.a.pk} == {"2025-07"}


# --- BR-07 党小组会 ---------------------------------------------------------------------------------
def test_each_party_group_with_members_meets_monthly(tree, people):
    _person(tree.a, "小组成员", group=tree.a1)
    meet(tree.a1, "group", D(2025, 11, 3))
    found = {p for (r, pk, p) in hits(D(2025, 11, 30), "BR-07") if pk == tree.a1.pk}
    assert "2025-10" in found and "2025-11" not in found
    assert hits(D(2025, 12, 28), "BR-07")[("BR-07", tree.a1.pk, "2025-12")][0] == "INFO"


# --- ORGLIFE-02 党课: the configured period, and the committee secretary's own lecture -------------
def test_branch_lectures_per_quarter_by_default_or_per_year_by_setting(tree, people):
    meet(tree.a, "lecture", D(2025, 2, 10), lecturer=people.secretary_a)
    quarterly = {p: m for (r, pk, p), (s, m) in hits(D(2025, 12, 31), "ORGLIFE-02").items() if pk == tree.a.pk}
    assert set(quarterly) == {"2025Q2", "2025Q3", "2025Q4"}
    assert "lecture_per=quarter" in quarterly["2025Q2"]
    yearly = {p: m for (r, pk, p), (s, m) in hits(D(2025, 12, 31), "ORGLIFE-02", lecture_per="year").items()
              if pk in (tree.a.pk, tree.b.pk)}
    assert set(yearly) == {"2025"} and "lecture_per=year" in yearly["2025"]     # b held none; a held one


def test_a_committee_secretary_gives_at_least_one_lecture_a_year(tree, people):
    chief = _person(tree.committee, "机关党委书记")
    do_appoint(person=chief, org=tree.committee, role="secretary", start=D(2023, 6, 1), approved=D(2023, 6, 10))
    assert hits(D(2025, 12, 30), "ORGLIFE-02")[("ORGLIFE-02", chief.pk, "2025")][0] == "INFO"
    severity, message = hits(D(2025, 12, 31), "ORGLIFE-02")[("ORGLIFE-02", chief.pk, "2025")]
    assert severity == "WARN" and "机关党委书记" in message
    meet(tree.a, "lecture", D(2025, 11, 20), lecturer=chief)
    assert ("ORGLIFE-02", chief.pk, "2025") not in hits(D(2025, 12, 31), "ORGLIFE-02")


# --- ORGLIFE-03 主题党日 -----------------------------------------------------------------------------
def test_a_month_without_a_theme_day(tree, people):
    meet(tree.a, "theme_day", D(2025, 5, 15))
    found = hits(D(2025, 6, 30), "ORGLIFE-03")
    assert ("ORGLIFE-03", tree.a.pk, "2025-05") not in found and ("ORGLIFE-03", tree.a.pk, "2025-06") in found
    assert hits(D(2025, 6, 29), "ORGLIFE-03")[("ORGLIFE-03", tree.a.pk, "2025-06")][0] == "INFO"


# --- ORGLIFE-04 组织生活会 / ORGLIFE-06 民主评议: 31 December ----------------------------------------
def test_the_yearly_org_life_meeting_is_due_by_31_december_and_announced_from_1_october(tree, people):
    assert ("ORGLIFE-04", tree.a.pk, "2025") not in hits(D(2025, 9, 30), "ORGLIFE-04")
    assert hits(D(2025, 10, 1), "ORGLIFE-04")[("ORGLIFE-04", tree.a.pk, "2025")][0] == "INFO"
    assert hits(D(2025, 12, 30), "ORGLIFE-04")[("ORGLIFE-04", tree.a.pk, "2025")][0] == "INFO"
    assert hits(D(2025, 12, 31), "ORGLIFE-04")[("ORGLIFE-04", tree.a.pk, "2025")][0] == "WARN"
    meet(tree.a, "org_life", D(2025, 12, 31))
    assert ("ORGLIFE-04", tree.a.pk, "2025") not in hits(D(2025, 12, 31), "ORGLIFE-04")


def test_democratic_appraisal_is_satisfied_by_a_meeting_or_by_recorded_grades(tree, people):
    meet(tree.a, "democratic_appraisal", D(2025, 12, 5))
    do_record_appraisal(org=tree.b, year=2025, grades={people.secretary_b: "qualified", people.member_b: "qualified"})
    found = hits(D(2025, 12, 31), "ORGLIFE-06")
    assert not [k for k in found if k[2] == "2025"]
    assert ("ORGLIFE-06", tree.a.pk, "2026") in hits(D(2026, 12, 31), "ORGLIFE-06")


def test_a_leading_group_holds_its_democratic_life_meeting_every_year(tree, people):
    lg = do_create_org(name="市交通运输局党组", type="leading_group", parent=tree.wc)
    do_appoint(person=people.member_b, org=lg, role="first_responsible", start=D(2024, 1, 1))
    assert hits(D(2025, 12, 31), "DLH-01")[("DLH-01", lg.pk, "2025")][0] == "WARN"
    meet(lg, "democratic_life", D(2025, 12, 20), present=[people.member_b])
    assert ("DLH-01", lg.pk, "2025") not in hits(D(2025, 12, 31), "DLH-01")


# --- incremental: record → resolves; delete → reopens ----------------------------------------------
def test_recording_the_meeting_resolves_the_finding_in_an_incremental_run_and_deleting_it_reopens(tree, people):
    as_of = D(2025, 6, 30)
    engine.run(as_of=as_of, rule_ids=["ORGLIFE-03"])
    f = Finding.objects.get(rule_id="ORGLIFE-03", subject_id=tree.a.pk, period="2025-06")
    other = Finding.objects.get(rule_id="ORGLIFE-03", subject_id=tree.b.pk, period="2025-06")
    assert f.state == FindingState.OPEN and f.subject_kind == "org"

    m = meet(tree.a, "theme_day", D(2025, 6, 28), present=[people.secretary_a])
    result = engine.run(as_of=as_of, org_ids=[tree.a.pk], rule_ids=["ORGLIFE-03"])
    f.refresh_from_db()
    other.refresh_from_db()
    assert f.state == FindingState.RESOLVED and result.resolved == 1
    assert other.state == FindingState.OPEN                     # branch B was not judged, not touched

    do_delete_meeting(m, reason="误录")
    assert engine.run(as_of=as_of, org_ids=[tree.a.pk], rule_ids=["ORGLIFE-03"]).reopened == 1
    f.refresh_from_db()
    assert f.state == FindingState.OPEN


def test_a_full_evaluation_costs_a_few_queries_however_many_branches(tree, people, django_assert_max_num_queries):
    for i in range(5):
        b = do_create_org(name=f"支部{i}", type="branch", parent=tree.committee)
        _person(b, f"党员{i}")
        meet(b, "theme_day", D(2025, 3, 1), present=[])
    ids = ["BR-05", "BR-06", "BR-07", "ORGLIFE-02", "ORGLIFE-03", "ORGLIFE-04", "ORGLIFE-06", "DLH-01"]
    with django_assert_max_num_queries(15):
        found = hits(D(2025, 12, 31), *ids)
    assert len(found) > 50
