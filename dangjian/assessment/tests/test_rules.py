"""ASSESS-01 (述职评议, four grades) and PG-02 (the 党组's yearly report) at their boundaries, and the 问责
register that only discipline roles see."""
import datetime as dt

import pytest

from dangjian.assessment import actions
from dangjian.assessment.models import Accountability
from dangjian.core import engine
from dangjian.core.errors import ActionError

pytestmark = pytest.mark.django_db


def hits(rule, as_of, **settings):
    ctx = engine.Context(as_of=as_of, settings={**engine.effective_settings(), **settings})
    return sorted((h.subject.pk, h.period, h.message) for _, h in engine.evaluate(ctx, [rule]))


def _report(tree, people, users, org="a"):
    person = getattr(people, f"secretary_{org}")
    return actions.do_submit_report(kind="secretary_duty", org=getattr(tree, org), person=person, year=2025,
                                    title=f"{person.name}2025年度抓基层党建工作述职报告", text="一、履职情况……",
                                    submitted=dt.date(2025, 12, 20), acting_user=getattr(users, f"secretary_{org}"))


def test_assess_01_every_secretary_below_an_organiser_is_graded_by_the_year_end(tree, people, users):
    ra = _report(tree, people, users)
    review = actions.do_create_review(organiser=tree.committee, year=2025, date=dt.date(2025, 12, 28),
                                      title="2025年度党支部书记述职评议会", participants=30, reports=[ra],
                                      acting_user=users.committee_admin)
    assert hits("ASSESS-01", dt.date(2025, 12, 30)) == []            # the year has not ended
    got = hits("ASSESS-01", dt.date(2025, 12, 31))                   # its last day ends it
    assert [(pk, period) for pk, period, _ in got] == sorted([(people.secretary_a.pk, "2025"),
                                                               (people.secretary_b.pk, "2025")])
    msgs = dict((pk, m) for pk, _, m in got)
    assert "尚未评定等次" in msgs[people.secretary_a.pk] and "没有2025年度" in msgs[people.secretary_b.pk]
    actions.do_appraise(ra, votes=[20, 8, 2, 0], grade="good", comment="抓党建责任落实到位", acting_user=users.committee_admin)
    assert [pk for pk, _, _ in hits("ASSESS-01", dt.date(2025, 12, 31))] == [people.secretary_b.pk]
    # The grace setting moves the due day to the end of February.
    assert hits("ASSESS-01", dt.date(2026, 2, 27), assess_grace_months=2) == []
    assert len(hits("ASSESS-01", dt.date(2026, 2, 28), assess_grace_months=2)) == 1
    assert review.reports.count() == 1


def test_assess_01_is_not_judged_where_no_review_was_ever_held(tree, people, users):
    _report(tree, people, users)
    assert hits("ASSESS-01", dt.date(2025, 12, 31)) == []


def test_the_upper_level_grades_with_four_grades_and_tallies_that_add_up(tree, people, users):
    ra = _report(tree, people, users)
    actions.do_create_review(organiser=tree.committee, year=2025, date=dt.date(2025, 12, 28), title="述职评议会",
                             participants=30, reports=[ra], acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="管理员"):
        actions.do_appraise(ra, votes=[1, 0, 0, 0], grade="good", comment="x", acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="多于参加测评人数30"):
        actions.do_appraise(ra, votes=[20, 8, 2, 1], grade="good", comment="x", acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="好、较好、一般、差"):
        actions.do_appraise(ra, votes=[20, 8, 2, 0], grade="excellent", comment="x", acting_user=users.committee_admin)
    assert actions.suggested_grade([20, 8, 2, 0]) == "good"
    assert actions.suggested_grade([5, 5, 1, 0]) == "good"          # a tie goes to the better grade
    assert actions.suggested_grade([1, 2, 9, 0]) == "average"
    with pytest.raises(ActionError, match="不是第二党支部2025年度的书记"):
        actions.do_submit_report(kind="secretary_duty", org=tree.b, person=people.secretary_a, year=2025, title="x",
                                 text="x", submitted=dt.date(2025, 12, 1), acting_user=users.committee_admin)
    with pytest.raises(ActionError, match="已报送"):
        _report(tree, people, users)


def test_pg_02_a_leading_group_reports_once_a_year(tree, people, users):
    from dangjian.orgs.actions import do_create_org

    lg = do_create_org(name="中共市交通运输局党组", type="leading_group", parent=tree.wc, founded=dt.date(2020, 1, 1))
    assert [(pk, p) for pk, p, _ in hits("PG-02", dt.date(2025, 12, 30))] == [(lg.pk, "2024")]   # 2025 not ended
    assert [(pk, p) for pk, p, _ in hits("PG-02", dt.date(2025, 12, 31))] == [(lg.pk, "2025")]
    with pytest.raises(ActionError, match="由党组"):
        actions.do_submit_report(kind="leading_group_annual", org=tree.committee, year=2025, title="x", text="x",
                                 submitted=dt.date(2025, 12, 1), acting_user=users.wc_admin)
    actions.do_submit_report(kind="leading_group_annual", org=lg, year=2025, title="2025年度党组工作报告",
                             text="……", submitted=dt.date(2025, 12, 25), acting_user=users.wc_admin)
    assert hits("PG-02", dt.date(2025, 12, 31)) == []


def test_the_accountability_register_is_for_discipline_roles_only(tree, people, users, client_as):
    from conftest import _user

    inspector = _user("jijian", None, [("discipline", tree.committee)])
    with pytest.raises(ActionError, match="纪检"):
        actions.do_record_accountability(person=people.member_a, org=tree.a, date=dt.date(2025, 6, 1), form="first",
                                         measure="talk", reason="x", decided_by="x", acting_user=users.committee_admin)
    a = actions.do_record_accountability(person=people.member_a, org=tree.a, date=dt.date(2025, 6, 1), form="first",
                                         measure="admonition", reason="履行管党治党责任不力", decided_by="机关纪委",
                                         acting_user=inspector)
    assert list(Accountability.objects.restrict(inspector)) == [a]
    for who in (users.committee_admin, users.wc_admin, users.secretary_a, users.member_a, users.auditor):
        assert not Accountability.objects.restrict(who).exists()
    url = f"/assessment/accountability/"
    assert client_as(users.committee_admin).get(url).status_code == 404
    page = client_as(inspector).get(url)
    assert page.status_code == 200 and "履行管党治党责任不力" in page.content.decode()


def test_only_the_work_committee_hands_out_the_discipline_role(tree, users):
    from dangjian.accounts.actions import grantable_roles, may_grant

    assert not may_grant(users.committee_admin, "discipline", tree.a)
    assert "discipline" not in dict(grantable_roles(users.committee_admin))
    assert may_grant(users.wc_admin, "discipline", tree.a)


def test_reports_and_grades_follow_the_levels(tree, people, users):
    """逐级: the 工委 appraises the 机关党委's secretary, not the branch secretaries; nobody grades their own 述职;
    only the org's admin files anything but one's own 述职; with nested organisers each branch answers to its own."""
    from conftest import _user

    ra = _report(tree, people, users)
    with pytest.raises(ActionError, match="逐级"):
        actions.do_create_review(organiser=tree.wc, year=2025, date=dt.date(2025, 12, 28), title="x", participants=9,
                                 reports=[ra], acting_user=users.wc_admin)
    actions.do_create_review(organiser=tree.wc, year=2024, date=dt.date(2024, 12, 28), title="工委述职评议",
                             participants=9, acting_user=users.wc_admin)
    review = actions.do_create_review(organiser=tree.committee, year=2025, date=dt.date(2025, 12, 28), title="x",
                                      participants=9, reports=[ra], acting_user=users.committee_admin)
    # Branch secretaries answer to the 机关党委 (from its first review, 2025), not to the 工委's 2024.
    got = hits("ASSESS-01", dt.date(2025, 12, 31))
    assert all("机关委员会组织述职评议" in m for _, _, m in got) and {p for _, p, _ in got} == {"2025"}
    # A secretary who is also the 机关党委's admin does not grade their own 述职.
    from dangjian.accounts.actions import do_assign_role

    do_assign_role(users.secretary_a, "org_admin", tree.committee)
    users.secretary_a.__dict__.pop("_dangjian_scope_cache", None)
    with pytest.raises(ActionError, match="本人"):
        actions.do_appraise(ra, votes=[9, 0, 0, 0], grade="good", comment="好", acting_user=users.secretary_a)
    assert review.reports.count() == 1
    # An auditor with a person of their own cannot file a 党组's report (only its admin can).
    from conftest import _person

    me = _person(tree.b, "审计员本人")
    auditor = _user("aud2", me, [("auditor", tree.wc)])
    with pytest.raises(ActionError, match="管理员报送"):
        actions.do_submit_report(kind="other", org=tree.b, person=me, year=2025, title="x", text="x",
                                 submitted=dt.date(2025, 12, 1), acting_user=auditor)
