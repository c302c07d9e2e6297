"""党内统计 by the statistics rules, on the hand-counted year of branch A (see conftest.py).

Members of A on 2025-12-31: 王建国 (secretary_a), 李红梅 (member_a), 周晓, 吴青, 冯远, 陈立 and 孙丽 (moved in) = 7.
Members of A on 2024-12-31: 王建国, 李红梅, 周晓, 郑重, 钱多, 陈立 = 6.
"""
import datetime as dt

import pytest

from dangjian.partystats import tables

pytestmark = pytest.mark.django_db
D = dt.date


def report(org, year=2025, **kw):
    return tables.compute(org, year, today=D(2026, 11, 26), **kw)


def test_the_as_of_day_is_31_december_or_today_for_the_running_year():
    assert tables.as_of(2025, D(2026, 11, 26)) == D(2025, 12, 31)
    assert tables.as_of(2026, D(2026, 11, 26)) == D(2026, 11, 26)


def test_members_on_31_december_with_probationary_and_full(tree, people, year_2025):
    t = report(tree.a).table("members")
    assert t.value("total") == 7            # the dead (郑重), the transferred out (钱多), the 申请人 are not members
    assert t.value("probationary") == 1     # 吴青, admitted 2025-06-01
    assert t.value("full") == 6
    assert t.value("female") == 2           # 周晓, 吴青
    assert t.value("minority") == 1 and t.value("han") == 1 and t.value("ethnicity_unknown") == 5
    assert t.value("edu_0") == 1 and t.value("edu_1") == 1 and t.value("edu_unknown") == 5   # 研究生, 大学本科


def test_age_bands_turn_on_the_birthday(tree, people, year_2025):
    t = report(tree.a).table("ages")
    labels = [c.label for c in t.columns]
    assert labels[1:] == ["30岁及以下", "31—35岁", "36—40岁", "41—45岁", "46—50岁", "51—55岁", "56—60岁", "61岁及以上",
                          "出生日期未填"]
    # 吴青 (born 1995-01-01) is 30; 周晓, born 1994-12-31, turns 31 on the as-of day itself.
    assert t.value("age_0") == 1 and t.value("age_1") == 1
    assert t.value("age_3") == 1            # 李红梅, 45
    assert t.value("age_5") == 1            # 冯远, 55
    assert t.value("age_7") == 2            # 王建国 76, 陈立 65 (died only in 2026)
    assert t.value("age_unknown") == 1      # 孙丽
    assert sum(t.total.values[1:]) == t.value("total")


def test_a_birthday_one_day_later_moves_the_band(tree, people, year_2025):
    from dangjian.people.models import Person

    Person.objects.filter(pk=year_2025.zhou.pk).update(birth_date=D(1995, 1, 1))
    t = report(tree.a).table("ages")
    assert t.value("age_0") == 2 and t.value("age_1") == 0


def test_join_periods_with_2012_11_01_the_first_day_of_the_last_period(tree, people, year_2025):
    t = report(tree.a).table("join_periods")
    assert [c.label for c in t.columns][1:8] == ["新中国成立前", "1949.10—1966.4", "1966.5—1976.10", "1976.11—1978.12",
                                                  "1979.1—2002.10", "2002.11—2012.10", "2012.11以后"]
    assert t.value("joined_6") == 2         # 周晓 (2012-11-01), 吴青 (2025)
    assert t.value("joined_5") == 3         # 王建国, 李红梅, 孙丽 (2010)
    assert t.value("joined_4") == 1         # 冯远 (2000)
    assert t.value("joined_2") == 1         # 陈立 (1975)
    assert sum(t.total.values[1:]) == t.value("total")


def test_occupation_from_the_personnel_category(tree, people, year_2025):
    t = report(tree.a).table("occupations")
    assert t.value("job_civil_servant") == 1 and t.value("job_other") == 6
    assert sum(t.total.values[1:]) == t.value("total")


def test_changes_reconcile_start_plus_in_minus_out_equals_end(tree, people, year_2025):
    t = report(tree.a).table("changes")
    assert t.value("start") == 6
    assert t.value("in_new") == 1           # 吴青
    assert t.value("in_transfer") == 2      # 冯远 from outside, 孙丽 from B
    assert t.value("in_other") == 0
    assert t.value("out_deceased") == 1     # 郑重
    assert t.value("out_transfer") == 1     # 钱多
    assert t.value("out_removed") == t.value("out_suspended") == t.value("out_other") == 0
    ins = t.value("in_new") + t.value("in_transfer") + t.value("in_other")
    outs = sum(t.value(k) for k in ("out_deceased", "out_removed", "out_suspended", "out_transfer", "out_other"))
    assert t.value("start") + ins - outs == t.value("end") == 7
    assert t.value("end") == report(tree.a).table("members").value("total")


def test_a_move_between_branches_is_out_of_one_and_into_the_other_but_nothing_above(tree, people, year_2025):
    b = report(tree.b).table("changes")
    assert (b.value("start"), b.value("out_transfer"), b.value("end")) == (2, 1, 1)
    c = report(tree.committee)
    ch = c.table("changes")
    assert ch.value("start") == 8 and ch.value("end") == 8
    assert ch.value("in_new") == 1 and ch.value("in_transfer") == 1 and ch.value("out_transfer") == 1
    assert ch.value("out_deceased") == 1
    # Rows add up: 合计 = 第一党支部 + 第二党支部, in every table and every column.
    for t in c.tables:
        assert [r.label for r in t.rows][0] == "合计"
        for i in range(len(t.columns)):
            assert t.rows[0].values[i] == sum(r.values[i] for r in t.rows[1:]), (t.key, t.columns[i].label)
        for r in t.rows if t.key == "changes" else ():
            v = dict(zip([col.key for col in t.columns], r.values))
            assert v["start"] + v["in_new"] + v["in_transfer"] + v["in_other"] - v["out_deceased"] - v["out_removed"] \
                - v["out_suspended"] - v["out_transfer"] - v["out_other"] == v["end"], r.label


def test_before_the_move_b_still_counts_the_member_who_left_in_a_later_year(tree, people, year_2025):
    b = report(tree.b, year=2024)
    assert b.table("members").value("total") == 2      # 孙丽 moved to A only in 2025
    assert report(tree.a, year=2024).table("members").value("total") == 6


def test_a_removal_is_an_exit_from_the_party(tree, people, year_2025):
    from dangjian.people.actions import do_change_status

    do_change_status(people.member_a, "removed", on=D(2025, 10, 1), reason="连续六个月不交纳党费")
    t = report(tree.a).table("changes")
    assert t.value("out_removed") == 1 and t.value("end") == 6


def test_recruitment_of_the_year(tree, people, year_2025):
    t = report(tree.a).table("recruitment")
    assert (t.value("total"), t.value("female"), t.value("age_35"), t.value("college")) == (1, 1, 1, 1)
    assert report(tree.a, year=2024).table("recruitment").value("total") == 0


def test_organisations_by_type_and_branches_with_a_committee(tree, people, year_2025):
    t = report(tree.committee).table("orgs")
    assert t.value("total") == 3            # 机关党委, 两个党支部 (the 党小组 has its own column)
    assert t.value("org_committee") == 1 and t.value("org_branch") == 2 and t.value("org_group") == 1
    assert t.value("branch_committee") == 1 and t.value("branch_no_committee") == 1
    assert report(tree.committee, year=2022).table("orgs").value("total") == 3   # no 成立日期 recorded: counted


def test_a_dissolved_branch_is_not_counted_after_its_dissolution(tree, people, year_2025):
    from dangjian.orgs.models import Org

    Org.objects.filter(pk=tree.b.pk).update(dissolved=D(2025, 6, 30))
    assert report(tree.committee).table("orgs").value("org_branch") == 1
    assert report(tree.committee, year=2024).table("orgs").value("org_branch") == 2


def test_queries_do_not_grow_with_people_or_orgs(tree, people, year_2025, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import _person
    from dangjian.orgs.actions import do_create_org

    with CaptureQueriesContext(connection) as small:
        report(tree.wc)
    c = do_create_org(name="第三党支部", type="branch", parent=tree.committee)
    for i in range(30):
        _person(c if i % 2 else tree.a, f"党员{i}", birth_date=D(1980 + i % 20, 1, 1))
    with CaptureQueriesContext(connection) as big:
        r = report(tree.wc)
    assert len(big) == len(small) <= 13
    assert r.table("members").value("total") == 8 + 30          # A 7 and B 1 at the end of 2025, and the 30
