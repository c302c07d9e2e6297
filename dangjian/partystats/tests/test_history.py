"""党内统计 from the history the platform keeps, not from today's record alone:

* a move between organisations on the platform (`do_move_person`, the 组织关系转接 page and API) leaves a
  completed 系统内 transfer, so the year's 党员队伍变化情况 shows it as 转出 of branch A and 转入 of branch B, and as
  nothing for the 机关党委 above both;
* a member's 党籍状态 on the as-of day comes from the status history (停止党籍 and 恢复党籍, 除名, 去世 …), so
  a table for an earlier year is right for a person whose status changed later;
* the transfers that cross a subtree's boundary are read by subqueries, not as id lists inlined into the SQL.
"""
import datetime as dt

import pytest

from dangjian.partystats import tables

pytestmark = pytest.mark.django_db
D = dt.date


def report(org, year=2025):
    return tables.compute(org, year, today=D(2026, 11, 26))


def changes(org, year=2025):
    t = report(org, year).table("changes")
    return {c.key: t.value(c.key) for c in t.columns}


# --- 1. a move on the platform is a 系统内转接 ----------------------------------------------------
def test_a_move_leaves_a_completed_transfer_within_the_platform(tree, people):
    from dangjian.membership.models import Transfer
    from dangjian.people.actions import do_move_person

    do_move_person(people.member_a, tree.b, on=D(2025, 7, 1))
    t = Transfer.objects.get(person=people.member_a)
    assert (t.direction, t.org, t.from_org, t.to_org) == ("out", tree.a, tree.a, tree.b)
    assert t.letter_date == t.reported_on == D(2025, 7, 1) and not t.pending
    assert t.reason == "系统内转接"


def test_a_move_by_the_page_is_out_of_a_and_into_b_for_the_year_and_nothing_above(client, tree, people, users):
    client.force_login(users.committee_admin)
    r = client.post(f"/people/{people.member_a.pk}/move/", {"org": tree.b.pk, "on": "2025-07-01"})
    assert r.status_code == 302
    a, b, c = changes(tree.a), changes(tree.b), changes(tree.committee)
    assert (a["start"], a["out_transfer"], a["end"]) == (2, 1, 1)
    assert (b["start"], b["in_transfer"], b["end"]) == (2, 1, 3)
    # Within the 机关党委's subtree the move is neither an arrival nor a departure.
    assert (c["start"], c["in_transfer"], c["out_transfer"], c["end"]) == (4, 0, 0, 4)
    # Before the move (2024) 李红梅 is still counted in A.
    assert report(tree.a, 2024).table("members").value("total") == 2
    assert report(tree.b, 2024).table("members").value("total") == 2


def test_a_move_by_the_api_counts_too(client, tree, people, users):
    client.force_login(users.committee_admin)
    r = client.post(f"/api/people/{people.member_a.pk}/move/", {"org": tree.b.pk, "on": "2025-07-01"},
                    content_type="application/json")
    assert r.status_code == 200, r.content
    assert changes(tree.a)["out_transfer"] == 1 and changes(tree.b)["in_transfer"] == 1


def test_a_letter_to_an_organisation_on_the_platform_is_one_transfer(tree, people):
    from dangjian.membership.actions import do_issue_transfer_out
    from dangjian.membership.models import Transfer

    t = do_issue_transfer_out(people.member_b, to_org=tree.a, letter_no="2025-17", letter_date=D(2025, 9, 1))
    assert Transfer.objects.filter(person=people.member_b).count() == 1
    assert (t.letter_no, t.from_org, t.to_org, t.reported_on) == ("2025-17", tree.b, tree.a, D(2025, 9, 1))


# --- 2. the status on the as-of day, from the status history ------------------------------------
def test_a_member_who_left_in_2026_still_counts_in_the_2025_table(tree, people):
    from conftest import _person
    from dangjian.people.actions import do_change_status

    # Imported without 入党/转正日期 (data incomplete): a member by status until removed in 2026.
    old = _person(tree.a, "马老", probationary_date=None, full_member_date=None)
    do_change_status(old, "removed", on=D(2026, 3, 1), reason="连续六个月不参加组织生活")
    assert report(tree.a).table("members").value("total") == 3
    assert changes(tree.a, 2026)["out_removed"] == 1


def test_suspended_in_2025_and_restored_in_2026(tree, people):
    from dangjian.people.actions import do_change_status

    do_change_status(people.member_a, "suspended", on=D(2025, 4, 1), reason="失去联系")
    do_change_status(people.member_a, "full", on=D(2026, 5, 1))
    assert report(tree.a).table("members").value("total") == 1          # suspended on 2025-12-31
    c25 = changes(tree.a)
    assert (c25["start"], c25["out_suspended"], c25["end"]) == (2, 1, 1)
    c26 = changes(tree.a, 2026)
    assert (c26["start"], c26["in_other"], c26["end"]) == (1, 1, 2)       # 恢复党籍
    assert report(tree.a, 2024).table("members").value("total") == 2


def test_suspended_in_2024_and_removed_in_2026_is_not_a_member_in_2025(tree, people):
    from dangjian.people.actions import do_change_status

    do_change_status(people.member_a, "suspended", on=D(2024, 4, 1), reason="失去联系")
    do_change_status(people.member_a, "removed", on=D(2026, 5, 1), reason="停止党籍两年后仍无法联系")
    assert report(tree.a).table("members").value("total") == 1
    assert report(tree.a, 2023).table("members").value("total") == 2
    c24 = changes(tree.a, 2024)
    assert (c24["out_suspended"], c24["end"]) == (1, 1)
    c26 = changes(tree.a, 2026)
    assert (c26["start"], c26["out_removed"], c26["end"]) == (1, 0, 1)   # already not a member at the start


def test_removal_by_a_disposition_is_dated_by_it(tree, people, users):
    from dangjian.people.actions import do_change_status

    do_change_status(people.member_a, "removed", on=D(2026, 2, 1), reason="组织处置：除名")
    assert report(tree.a).table("members").value("total") == 2
    assert report(tree.a, 2026).table("members").value("total") == 1


# --- 3. transfers are read by subqueries -----------------------------------------------------------
def _many_transfers(tree, n):
    from dangjian.membership.models import Transfer
    from dangjian.people.models import Person

    people = Person.objects.bulk_create([Person(name=f"转入{i}", org=tree.a, status="full",
                                                probationary_date=D(2001, 1, 1), full_member_date=D(2002, 1, 1))
                                         for i in range(n)])
    Transfer.objects.bulk_create([Transfer(person=p, direction="in", org=tree.a, to_org=tree.a, from_name="外省",
                                           letter_date=D(2025, 3, 1), reported_on=D(2025, 3, 2 + i % 20))
                                  for i, p in enumerate(people)])


def test_many_transfers_do_not_grow_the_sql_or_the_queries(tree, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _many_transfers(tree, 3)
    with CaptureQueriesContext(connection) as few:
        report(tree.committee)
    _many_transfers(tree, 1500)
    with CaptureQueriesContext(connection) as many:
        r = report(tree.committee)
    assert len(many) == len(few) <= 13
    assert max(len(q["sql"]) for q in many) == max(len(q["sql"]) for q in few)
    ch = r.table("changes")
    assert ch.value("in_transfer") == 1503 and ch.value("end") == 4 + 1503
    assert report(tree.a, 2024).table("members").value("total") == 2


# --- 4. the organisation of the day is the one the first later move left -----------------------------
def _members(org, year):
    return report(org, year).table("members")


def _rows(t):
    return {r.label: r.values[0] for r in t.rows}


def test_a_move_there_and_back_counts_the_member_where_she_was_on_31_december(tree, people):
    # 2026-03-01 李红梅 (member_a) is moved from A to B; 2026-06-01 back to A (a wrong move corrected).
    from dangjian.people.actions import do_move_person

    do_move_person(people.member_a, tree.b, on=D(2026, 3, 1))
    do_move_person(people.member_a, tree.a, on=D(2026, 6, 1))
    a, b, c = (_members(o, 2025) for o in (tree.a, tree.b, tree.committee))
    assert (a.value("total"), b.value("total"), c.value("total")) == (2, 2, 4)   # as before either move
    assert _rows(c) == {"合计": 4, tree.a.name: 2, tree.b.name: 2}
    # The running year: she is in A again on the as-of day (2026-11-26). The changes compare the two days, so a
    # member in B only between them is neither 转入 nor 转出 of B (docs/partystats.md).
    assert [_members(o, 2026).value("total") for o in (tree.a, tree.b, tree.committee)] == [2, 2, 4]
    b26 = changes(tree.b, 2026)
    assert (b26["start"], b26["in_transfer"], b26["out_transfer"], b26["end"]) == (2, 0, 0, 2)


def test_a_single_move_is_counted_in_the_old_branch_before_it_and_the_new_one_after(tree, people):
    from dangjian.people.actions import do_move_person

    do_move_person(people.member_a, tree.b, on=D(2026, 3, 1))
    for year, (in_a, in_b) in ((2025, (2, 2)), (2026, (1, 3))):
        a, b, c = (_members(o, year) for o in (tree.a, tree.b, tree.committee))
        assert (a.value("total"), b.value("total"), c.value("total")) == (in_a, in_b, 4), year
        # The committee's rows are the branches' own totals and add up to its 合计 (no 本级 row for her).
        assert _rows(c) == {"合计": 4, tree.a.name: in_a, tree.b.name: in_b}, year
    a26, b26, c26 = changes(tree.a, 2026), changes(tree.b, 2026), changes(tree.committee, 2026)
    assert (a26["start"], a26["out_transfer"], a26["end"]) == (2, 1, 1)
    assert (b26["start"], b26["in_transfer"], b26["end"]) == (2, 1, 3)
    assert (c26["start"], c26["in_transfer"], c26["out_transfer"], c26["end"]) == (4, 0, 0, 4)
