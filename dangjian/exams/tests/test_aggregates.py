"""上级看汇总，不能推算个人: 合计只算显示出来的党组织（已评分人数不少于 exam_aggregate_min），注明“不含参考人数少于N人的
党组织”，各知识点正确率也一样；知识点统计在考试截止后才有；各党组织的薄弱知识点附这些题的推荐学习材料。"""
import datetime as dt

import time_machine
from django.urls import reverse

from conftest import _person

from .conftest import NOW
from .test_views import ALL_RIGHT, WEAK_MULTI, _taken

CLOSED = NOW + dt.timedelta(days=4)


def _four_taken(exam, people, tree):
    _taken(exam, people.member_a, WEAK_MULTI)
    _taken(exam, people.secretary_a, ALL_RIGHT)
    _taken(exam, _person(tree.a, "周敏"), WEAK_MULTI)
    _taken(exam, people.member_b, ALL_RIGHT)              # branch B: one person, not shown above


def test_totals_leave_out_the_branches_too_small_to_show(exam, people, tree, users):
    from dangjian.exams.views import exam_aggregates

    _four_taken(exam, people, tree)
    with time_machine.travel(CLOSED, tick=False):
        agg = exam_aggregates(exam, users.committee_admin)
    (row_a,) = [r for r in agg["rows"] if r["org"] == tree.a]
    t = agg["total"]
    assert round(t["avg"], 2) == round(row_a["avg"], 2) == 2.33          # not 2.5 with B's one person
    assert {r["topic"]: r["rate"] for r in t["topics"]}["支部工作条例"] == 33     # 1 of A's 3, not 2 of 4
    assert (t["taken"], t["expected"]) == (4, 5)


def test_the_results_page_says_what_the_totals_leave_out(client_as, exam, people, tree, users):
    _four_taken(exam, people, tree)
    with time_machine.travel(CLOSED, tick=False):
        body = client_as(users.committee_admin).get(reverse("exams:exam_results", kwargs={"pk": exam.pk})).content.decode()
    assert "不含参考人数少于3人的党组织" in body and "2.3" in body and "2.5" not in body


def test_topic_rates_wait_for_the_close(exam, people, tree, users):
    from dangjian.exams.views import exam_aggregates

    _four_taken(exam, people, tree)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        agg = exam_aggregates(exam, users.secretary_a)
    (row_a,) = [r for r in agg["rows"] if r["org"] == tree.a]
    assert row_a["avg"] is not None and row_a["weak"] == [] and not agg["total"].get("topics")


def test_a_branchs_weak_topic_comes_with_material(client_as, exam, people, tree, users):
    from dangjian.exams.views import exam_aggregates

    _four_taken(exam, people, tree)
    with time_machine.travel(CLOSED, tick=False):
        agg = exam_aggregates(exam, users.committee_admin)
        body = client_as(users.committee_admin).get(reverse("exams:exam_results", kwargs={"pk": exam.pk})).content.decode()
    (row_a,) = [r for r in agg["rows"] if r["org"] == tree.a]
    assert row_a["weak"] == [{"topic": "支部工作条例", "rate": 33, "materials": ["《支部工作条例》第九条"]}]
    assert "《支部工作条例》第九条" in body
