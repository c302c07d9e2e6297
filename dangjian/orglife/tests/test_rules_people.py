"""A person's own failures (REL-01 six months without organisational life, ORGLIFE-07 a leading
cadre missing their branch's 组织生活会, ORGLIFE-05 no talk with a committee member in the year,
EVAL-02 a probationary member graded) and an appraisal with too many 优秀 (EVAL-01, on the org)."""
import datetime as dt

from conftest import _person
from dangjian.core import engine
from dangjian.orglife.actions import do_record_appraisal, do_record_meeting, do_record_talk
from dangjian.orglife.models import Appraisal, AppraisalGrade
from dangjian.orgs.actions import do_appoint

D = dt.date


def hits(as_of, *rule_ids, **settings):
    ctx = engine.Context(as_of=as_of, settings=engine.effective_settings(settings))
    return {(r.id, engine.subject_kind(r, h), h.subject.pk, h.period): (h.severity or r.severity, h.message)
            for r, h in engine.evaluate(ctx, rule_ids)}


def theme_days(tree, present, months, year=2025, **kw):
    for month in months:
        do_record_meeting(org=tree.a, type="theme_day", date=D(year, month, 15), topic=f"{month}月主题党日",
                          present=present, **kw)


# --- REL-01: the sixth month ------------------------------------------------------------------------
def test_six_consecutive_months_of_absences_is_the_boundary(tree, people):
    theme_days(tree, [people.secretary_a], range(1, 6))                   # 李红梅 absent January–May
    five = hits(D(2025, 6, 30), "REL-01")
    severity, message = five[("REL-01", "person", people.member_a.pk, None)]
    assert severity == "INFO" and "连续5个月" in message
    assert ("REL-01", "person", people.secretary_a.pk, None) not in five
    theme_days(tree, [people.secretary_a], [6])                           # and June: the sixth month
    severity, message = hits(D(2025, 6, 30), "REL-01")[("REL-01", "person", people.member_a.pk, None)]
    assert severity == "WARN" and "2025年1月至2025年6月连续6个月" in message


def test_the_month_a_member_took_part_in_does_not_count_toward_the_streak(tree, people):
    """Present at the 5 January meeting, absent on 15 January and every month February–June: the
    streak is February–June (5 months, a note); July's absence makes the sixth month (a warning)."""
    do_record_meeting(org=tree.a, type="member_assembly", date=D(2025, 1, 5), topic="党员大会",
                      present=[people.secretary_a, people.member_a])
    theme_days(tree, [people.secretary_a], [1])                           # absent at January's 主题党日
    theme_days(tree, [people.secretary_a], range(2, 7))                   # February–June absent
    severity, message = hits(D(2025, 6, 30), "REL-01")[("REL-01", "person", people.member_a.pk, None)]
    assert severity == "INFO" and "2025年2月至2025年6月连续5个月" in message
    theme_days(tree, [people.secretary_a], [7])
    severity, message = hits(D(2025, 7, 31), "REL-01")[("REL-01", "person", people.member_a.pk, None)]
    assert severity == "WARN" and "2025年2月至2025年7月连续6个月" in message


def test_an_excused_absence_is_taking_part_and_restarts_the_count(tree, people):
    theme_days(tree, [people.secretary_a], [1, 2, 4, 5, 6])
    theme_days(tree, [people.secretary_a], [3], excused={people.member_a: "出差"})
    severity, message = hits(D(2025, 6, 30), "REL-01")[("REL-01", "person", people.member_a.pk, None)]
    assert severity == "INFO" and "连续3个月" in message
    assert ("REL-01", "person", people.member_a.pk, None) not in hits(D(2025, 6, 30), "REL-01",
                                                                        absence_alert_months=0)


def test_months_without_meetings_do_not_make_a_streak_on_their_own(tree, people):
    theme_days(tree, [people.secretary_a], [1])                           # one absence, then nothing held
    assert ("REL-01", "person", people.member_a.pk, None) not in hits(D(2025, 12, 31), "REL-01")
    theme_days(tree, [people.secretary_a], [6])                           # absent in January and June
    assert hits(D(2025, 12, 31), "REL-01")[("REL-01", "person", people.member_a.pk, None)][0] == "WARN"
    theme_days(tree, [people.secretary_a, people.member_a], [7])          # came back in July
    assert ("REL-01", "person", people.member_a.pk, None) not in hits(D(2025, 12, 31), "REL-01")


# --- ORGLIFE-07: 双重组织生活 -------------------------------------------------------------------------
def test_a_leading_cadre_absent_from_their_branchs_org_life_meeting(tree, people):
    cadre = _person(tree.a, "局长", leading_cadre=True)
    m = do_record_meeting(org=tree.a, type="org_life", date=D(2025, 11, 20), topic="组织生活会",
                          present=[people.secretary_a])
    severity, message = hits(D(2025, 12, 31), "ORGLIFE-07")[("ORGLIFE-07", "person", cadre.pk, "2025")]
    assert severity == "WARN" and "局长" in message
    assert not [k for k in hits(D(2025, 12, 31), "ORGLIFE-07") if k[2] == people.member_a.pk]  # not a cadre
    from dangjian.orglife.actions import do_update_meeting

    do_update_meeting(m, excused={cadre: "外出公干"})
    assert hits(D(2025, 12, 31), "ORGLIFE-07")[("ORGLIFE-07", "person", cadre.pk, "2025")][0] == "INFO"
    do_update_meeting(m, present=[people.secretary_a, cadre], excused={})
    assert ("ORGLIFE-07", "person", cadre.pk, "2025") not in hits(D(2025, 12, 31), "ORGLIFE-07")


# --- ORGLIFE-05: a talk with a committee member every year -------------------------------------------
def test_each_member_talks_with_a_committee_member_every_year(tree, people):
    do_appoint(person=people.member_a, org=tree.a, role="organization", start=D(2024, 3, 15))
    third = _person(tree.a, "党员丙")
    do_record_talk(a=people.secretary_a, b=people.member_a, date=D(2025, 3, 1))   # 支委之间
    do_record_talk(a=people.secretary_b, b=people.member_b, date=D(2025, 4, 1))   # secretary-only branch
    found = {k[2] for k in hits(D(2025, 12, 31), "ORGLIFE-05") if k[3] == "2025"}
    assert found == {third.pk}
    assert not [k for k in hits(D(2025, 12, 30), "ORGLIFE-05") if k[3] == "2025"]  # the year has not ended
    do_record_talk(a=third, b=people.member_a, date=D(2025, 12, 31))
    assert not [k for k in hits(D(2025, 12, 31), "ORGLIFE-05") if k[3] == "2025"]


def test_the_yearly_talk_check_is_a_few_queries_for_many_members(tree, people, django_assert_max_num_queries):
    for i in range(30):
        _person(tree.a, f"党员{i}")
    # orgs, posts, the talks with a committee member, the members, the talks of secretary-only
    # committees, the uncovered members' names, the settings: none per member.
    with django_assert_max_num_queries(7):
        found = hits(D(2025, 12, 31), "ORGLIFE-05")
    assert len(found) == 34            # nobody talked: the 32 of A and the 2 of B


# --- EVAL-01 / EVAL-02 --------------------------------------------------------------------------------
def _appraise_directly(org, year, grades):
    """As an import may carry it: the action refuses more than a third of 优秀."""
    a = Appraisal.objects.create(org=org, year=year)
    AppraisalGrade.objects.bulk_create([AppraisalGrade(appraisal=a, person=p, grade=g) for p, g in grades.items()])
    return a


def test_exactly_a_third_excellent_is_allowed_more_is_blocked(tree, people):
    members = [people.secretary_a, people.member_a] + [_person(tree.a, f"党员{i}") for i in range(4)]
    grades = {p: "qualified" for p in members}
    grades[members[0]] = grades[members[1]] = "excellent"                 # 2 of 6
    do_record_appraisal(org=tree.a, year=2025, grades=grades)
    assert not hits(D(2025, 12, 31), "EVAL-01")
    b_members = [people.secretary_b, people.member_b] + [_person(tree.b, f"乙{i}") for i in range(4)]
    _appraise_directly(tree.b, 2025, {p: ("excellent" if i < 3 else "qualified") for i, p in enumerate(b_members)})
    severity, message = hits(D(2025, 12, 31), "EVAL-01")[("EVAL-01", "org", tree.b.pk, "2025")]
    assert severity == "BLOCK" and "优秀3人" in message and "最多2人" in message


def test_a_probationary_member_graded_in_an_appraisal(tree, people):
    newcomer = _person(tree.a, "预备党员", status="probationary", probationary_date=D(2025, 3, 1),
                       full_member_date=None)
    confirmed = _person(tree.a, "已转正", probationary_date=D(2024, 6, 1), full_member_date=D(2025, 6, 1))
    _appraise_directly(tree.a, 2025, {newcomer: "qualified", confirmed: "qualified", people.member_a: None})
    found = hits(D(2025, 12, 31), "EVAL-02")
    assert set(found) == {("EVAL-02", "person", newcomer.pk, "2025")}
    assert "预备党员" in found[("EVAL-02", "person", newcomer.pk, "2025")][1]
