"""谈心谈话 coverage per branch (支部工作条例第十八条 / ORGLIFE-05): during the year the secretary sees who
has already talked with a 支部委员 and who has not — the same test the year-end rule applies."""
import datetime as dt

from conftest import _person
from dangjian.orglife.actions import do_record_talk
from dangjian.orglife.coverage import talk_coverage
from dangjian.orgs.actions import do_appoint

D = dt.date


def test_coverage_counts_talks_with_a_committee_member_this_year(tree, people):
    do_appoint(person=people.member_a, org=tree.a, role="organization", start=D(2024, 3, 15))
    third = _person(tree.a, "党员丙")
    do_record_talk(a=people.secretary_a, b=people.member_a, date=D(2026, 3, 1))    # 支委之间
    do_record_talk(a=third, b=people.secretary_a, date=D(2025, 12, 31))              # last year: does not count
    a, b = talk_coverage([tree.a, tree.b], 2026, as_of=D(2026, 11, 26))
    assert (a.count, a.total) == (2, 3) and [n for _, n in a.outstanding] == ["党员丙"]
    assert a.judged and b.judged and (b.count, b.total) == (0, 2)
    # A talk on 1 January of the year counts; a talk after the as-of day does not exist yet.
    do_record_talk(a=third, b=people.member_a, date=D(2026, 1, 1))
    (a,) = talk_coverage([tree.a], 2026, as_of=D(2026, 11, 26))
    assert a.count == 3 and a.outstanding == [] and a.percent == 100


def test_a_secretary_only_branch_is_covered_by_any_talk_and_one_without_committee_is_not_judged(tree, people):
    do_record_talk(a=people.secretary_b, b=people.member_b, date=D(2026, 4, 1))
    (b,) = talk_coverage([tree.b], 2026)
    assert (b.count, b.total) == (2, 2)
    empty = _person(tree.a1, "组员")   # a group is not a branch: not listed
    assert talk_coverage([tree.a1], 2026) == [] and empty.pk


def test_coverage_of_many_branches_is_a_few_queries(tree, people, django_assert_max_num_queries):
    for i in range(20):
        _person(tree.a, f"党员{i}")
    with django_assert_max_num_queries(3):
        rows = talk_coverage([tree.a, tree.b], 2026)
    assert [r.total for r in rows] == [22, 2]


def test_the_talk_list_shows_the_branchs_coverage_and_who_is_still_to_talk(tree, people, users, client_as):
    from django.urls import reverse

    do_record_talk(a=people.secretary_a, b=people.member_a, date=dt.date.today())
    url = reverse("orglife:talk_list")
    page = client_as(users.secretary_a).get(url, {"org": tree.a.pk}).content.decode()
    assert "谈心谈话覆盖" in page and "已谈 2/2 人" in page
    third = _person(tree.a, "党员丙")
    page = client_as(users.secretary_a).get(url, {"org": tree.a.pk}).content.decode()
    assert "已谈 2/3 人" in page and "尚未谈话（1人）：党员丙" in page
    # The committee sees each branch (B: nobody has talked yet) and no names; a member sees no names.
    page = client_as(users.auditor).get(url, {"org": tree.committee.pk}).content.decode()
    assert "已谈 0/2 人" in page and "已谈 2/3 人" in page and "党员丙" not in page
    page = client_as(users.member_a).get(url, {"org": tree.a.pk}).content.decode()
    assert "已谈 2/3 人" in page and third.name not in page
    assert client_as(users.secretary_b).get(url, {"org": tree.a.pk}).status_code == 404


def test_the_page_and_the_year_end_rule_agree_on_who_is_outstanding(tree, people):
    """The coverage card (Python, during the year) and ORGLIFE-05 (SQL, after 31 December) are two
    implementations of one article: on the same records they name the same members."""
    from dangjian.core import engine

    do_appoint(person=people.member_a, org=tree.a, role="organization", start=D(2024, 3, 15))
    c, d, e = (_person(tree.a, n) for n in ("党员丙", "党员丁", "党员戊"))
    do_record_talk(a=people.secretary_a, b=people.member_a, date=D(2025, 3, 1))    # two committee members
    do_record_talk(a=c, b=people.member_a, date=D(2025, 5, 1))                     # covered
    do_record_talk(a=d, b=e, date=D(2025, 6, 1))                                   # two members: neither covered
    do_record_talk(a=people.member_b, b=people.secretary_b, date=D(2025, 12, 31))  # B: secretary alone
    outstanding = {pid for row in talk_coverage([tree.a, tree.b], 2025) for pid, _ in row.outstanding}
    ctx = engine.Context(as_of=D(2026, 1, 5), settings=engine.effective_settings())
    flagged = {h.subject.pk for h in engine.registry.get("ORGLIFE-05").check(ctx) if h.period == "2025"}
    assert outstanding == flagged == {d.pk, e.pk}
    # Someone who joined during the year is judged from the next year on, by both.
    _person(tree.a, "新党员", status="probationary", probationary_date=D(2025, 7, 1), full_member_date=None)
    outstanding = {pid for row in talk_coverage([tree.a, tree.b], 2025) for pid, _ in row.outstanding}
    assert outstanding == {d.pk, e.pk}
