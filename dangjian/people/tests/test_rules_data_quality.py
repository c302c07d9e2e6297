"""数据质量（DATA-01…06）：缺失或相互矛盾的人员、职务记录。录入时的操作会拒绝其中一些，
但导入的历史数据可能带有，所以引擎要能把它们找出来。"""
import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.core.engine import Context
from dangjian.core.errors import ActionError
from dangjian.core.models import Finding
from dangjian.orgs.actions import do_appoint
from dangjian.people.actions import do_change_status, do_create_person, do_update_person
from dangjian.people.models import Person

AS_OF = dt.date(2025, 6, 30)


def judge(rule_id, as_of=AS_OF):
    ctx = Context(as_of=as_of, settings=engine.effective_settings())
    return {hit.subject.pk: hit for _, hit in engine.evaluate(ctx, [rule_id])}


def imported(org, name, **fields):
    """A record as an old register may carry it (the import keeps what the file says)."""
    fields.setdefault("status", "full")
    return Person.objects.create(name=name, org=org, **fields)


def test_data01_a_full_member_needs_a_full_member_date(tree, people):
    p = do_create_person(name="缺转正日期", org=tree.a, status="full", probationary_date=dt.date(2015, 7, 1))
    hits = judge("DATA-01")
    assert set(hits) == {p.pk}
    assert "缺少转正日期" in hits[p.pk].message and hits[p.pk].org_id == tree.a.pk
    do_update_person(p, full_member_date=dt.date(2016, 7, 1))
    assert judge("DATA-01") == {}


def test_data02_a_probationary_member_needs_the_admission_date(tree):
    p = do_create_person(name="缺入党日期", org=tree.a, status="probationary")
    applicant = do_create_person(name="申请人", org=tree.a, status="applicant")
    hits = judge("DATA-02")
    assert p.pk in hits and applicant.pk not in hits


def test_data03_a_member_in_no_branch(tree, people):
    orgless = do_create_person(name="无组织党员", org=None, status="full", probationary_date=dt.date(2015, 7, 1),
                               full_member_date=dt.date(2016, 7, 1))
    in_group = imported(tree.a1, "挂在党小组的党员")
    in_wc = imported(tree.wc, "挂在工委的党员")
    applicant = do_create_person(name="无组织申请人", org=None, status="applicant")
    hits = judge("DATA-03")
    assert set(hits) == {orgless.pk, in_group.pk, in_wc.pk}
    assert "党小组" in hits[in_group.pk].message
    # Someone in no org still needs an owner: the top of the tree.
    assert hits[orgless.pk].org_id == tree.wc.pk
    assert applicant.pk not in hits
    engine.run(as_of=AS_OF, rule_ids=["DATA-03"])
    assert Finding.objects.get(rule_id="DATA-03", person=orgless).org == tree.wc


def test_data04_the_full_member_date_cannot_precede_admission(tree):
    with pytest.raises(ActionError, match="转正日期不能早于入党日期"):
        do_create_person(name="日期颠倒", org=tree.a, status="full", probationary_date=dt.date(2016, 7, 1),
                         full_member_date=dt.date(2015, 7, 1))
    p = imported(tree.a, "导入的日期颠倒", probationary_date=dt.date(2016, 7, 1),
                 full_member_date=dt.date(2015, 7, 1))
    hit = judge("DATA-04")[p.pk]
    assert "2015-07-01" in hit.message and "早于入党日期" in hit.message


def test_data05_a_post_held_by_someone_who_left_the_party(tree, people):
    assert judge("DATA-05") == {}
    do_change_status(people.secretary_b, "transferred_out", on=dt.date(2025, 5, 1))
    hit = judge("DATA-05")[people.secretary_b.pk]
    assert "已转出" in hit.message and "第二党支部书记" in hit.message
    assert hit.org_id == tree.b.pk


def test_data06_a_committee_member_from_another_branch(tree, people):
    do_appoint(person=people.member_a, org=tree.b, role="organization", start=dt.date(2025, 1, 1))
    hits = judge("DATA-06")
    assert "组织关系不在该组织" in hits[people.member_a.pk].message
    assert hits[people.member_a.pk].org_id == tree.b.pk
    # A branch member on the 机关党委 is inside the committee's subtree: fine.
    do_appoint(person=people.member_b, org=tree.committee, role="member", start=dt.date(2025, 1, 1))
    assert people.member_b.pk not in judge("DATA-06")


def test_data_rules_judge_only_the_scope_of_an_incremental_run(tree, people):
    in_b = do_create_person(name="B缺转正日期", org=tree.b, status="full")
    in_a = do_create_person(name="A缺转正日期", org=tree.a, status="full")
    ctx = Context(as_of=AS_OF, settings=engine.effective_settings(),
                  org_ids=engine.expand_with_ancestors([tree.a.pk]))
    assert {h.subject.pk for _, h in engine.evaluate(ctx, ["DATA-01"])} == {in_a.pk}
    assert in_b.pk in judge("DATA-01")
