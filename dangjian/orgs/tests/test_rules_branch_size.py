"""支部工作条例第四、五条与机关条例第五至七条：党支部的规模（BR-01, BR-02, JG-01…JG-03）。

党员 = 预备党员 + 正式党员；"超过50人"不含50，"50人以上""100人以上"含本数，"不足3人"不含3。"""
import datetime as dt

from dangjian.core import engine
from dangjian.core.engine import Context
from dangjian.orgs.actions import do_create_org, do_create_unit
from dangjian.people.models import Person

AS_OF = dt.date(2025, 6, 30)


def judge(rule_id, as_of=AS_OF, org_ids=None):
    """The rule's hits, keyed by subject pk (what `dangjian check` and `engine.run` see)."""
    ctx = Context(as_of=as_of, settings=engine.effective_settings(), org_ids=org_ids)
    return {hit.subject.pk: hit for _, hit in engine.evaluate(ctx, [rule_id])}


def add_members(org, n, status="full", unit=None):
    """n members of `org` in one insert (a roster import would bring them the same way)."""
    full = status == "full"
    Person.objects.bulk_create([
        Person(name=f"{org.name}{status}{i}", org=org, status=status, unit=unit,
               probationary_date=dt.date(2015, 7, 1), full_member_date=dt.date(2016, 7, 1) if full else None)
        for i in range(n)])


def joint_branch(tree, n_units, name="联合党支部"):
    units = [do_create_unit(name=f"市属单位{i}") for i in range(n_units)]
    org = do_create_org(name=name, type="branch", parent=tree.committee, joint_units=units,
                        committee_elected=dt.date(2024, 3, 15))
    return org, units


def test_a_branch_of_exactly_50_members_is_fine_51_is_a_BR01_finding(tree, people):
    add_members(tree.a, 40)
    add_members(tree.a, 8, status="probationary")   # 2 + 40 + 8 = 50 党员
    add_members(tree.a, 5, status="activist")        # the pipeline does not count
    assert tree.a.pk not in judge("BR-01")
    add_members(tree.a, 1, status="probationary")
    hit = judge("BR-01")[tree.a.pk]
    assert "51人" in hit.message and "超过50人" in hit.message


def test_party_group_members_count_for_their_branch(tree, people):
    Person.objects.bulk_create([Person(name=f"组员{i}", org=tree.a, group=tree.a1, status="full",
                                       full_member_date=dt.date(2016, 7, 1)) for i in range(49)])
    assert "51人" in judge("BR-01")[tree.a.pk].message


def test_a_joint_branch_whose_unit_reaches_3_full_members_should_split_it_off(tree):
    org, (u1, u2) = joint_branch(tree, 2)
    other = do_create_unit(name="不在联合支部的单位")
    add_members(org, 2, unit=u1)
    add_members(org, 4, unit=u2, status="probationary")   # 预备党员 do not count
    add_members(org, 5, unit=other)                        # not one of its units
    assert org.pk not in judge("BR-01")
    add_members(org, 1, unit=u1)
    hit = judge("BR-01")[org.pk]
    assert "市属单位0" in hit.message and "该单位正式党员已达3人，应单独成立党支部" in hit.message
    assert "市属单位1" not in hit.message


def test_both_br01_reasons_become_one_finding(tree):
    org, (u1,) = joint_branch(tree, 1)
    add_members(org, 51, unit=u1)
    hit = judge("BR-01")[org.pk]
    assert "超过50人" in hit.message and "应单独成立党支部" in hit.message


def test_a_joint_branch_may_cover_5_units_not_6(tree):
    five, _ = joint_branch(tree, 5, "五单位联合党支部")
    six, _ = joint_branch(tree, 6, "六单位联合党支部")
    hits = judge("BR-02")
    assert five.pk not in hits
    assert "6个单位" in hits[six.pk].message


def test_jg01_a_branch_of_99_members_no_100_members_should_become_an_organ_committee(tree, people):
    add_members(tree.a, 97)
    assert tree.a.pk not in judge("JG-01")
    add_members(tree.a, 1, status="probationary")
    assert "应设立机关党委" in judge("JG-01")[tree.a.pk].message


def test_jg01_counts_a_general_branch_subtree_alike_in_full_and_incremental_runs(tree):
    gb = do_create_org(name="机关党总支", type="general_branch", parent=tree.committee)
    b1 = do_create_org(name="总支第一支部", type="branch", parent=gb)
    b2 = do_create_org(name="总支第二支部", type="branch", parent=gb)
    add_members(b1, 60)
    add_members(b2, 39)
    assert gb.pk not in judge("JG-01")
    add_members(b2, 1)
    assert "100人" in judge("JG-01")[gb.pk].message
    # A change in b1 re-judges b1 and its ancestors only; b2's members still count for the 总支.
    scope = engine.expand_with_ancestors([b1.pk])
    assert b2.pk not in scope
    assert "100人" in judge("JG-01", org_ids=scope)[gb.pk].message


def test_jg02_from_exactly_50_to_99_members_a_general_branch_may_be_set_up(tree, people):
    # At exactly 50 the two rules meet: BR-01 ("一般不超过50人") is silent, JG-02 ("50人以上") speaks.
    add_members(tree.a, 47)
    assert tree.a.pk not in judge("JG-02")
    add_members(tree.a, 1)
    assert tree.a.pk in judge("JG-02") and tree.a.pk not in judge("BR-01")
    add_members(tree.a, 49)    # 99
    assert tree.a.pk in judge("JG-02")
    add_members(tree.a, 1)     # 100: JG-01's turn
    assert tree.a.pk not in judge("JG-02") and tree.a.pk in judge("JG-01")


def test_jg03_a_branch_needs_3_full_members_or_a_joint_branch(tree, people):
    add_members(tree.a, 5, status="probationary")   # 2 full + 5 probationary: still 不足3人
    hits = judge("JG-03")
    assert "正式党员不足3人，应与邻近单位建立联合党支部" in hits[tree.a.pk].message
    add_members(tree.a, 1)
    assert tree.a.pk not in judge("JG-03")
    joint, _ = joint_branch(tree, 2)
    add_members(joint, 1)
    assert joint.pk not in judge("JG-03")       # a joint branch is the remedy, not the problem
    assert tree.committee.pk not in judge("JG-03")


def test_dissolved_branches_are_not_judged(tree, people):
    from dangjian.orgs.actions import do_dissolve_org

    empty = do_create_org(name="待撤销党支部", type="branch", parent=tree.committee)
    assert empty.pk in judge("JG-03")
    do_dissolve_org(empty, on=dt.date(2025, 1, 1))
    assert empty.pk not in judge("JG-03")
    assert empty.pk in judge("JG-03", as_of=dt.date(2024, 12, 31))
