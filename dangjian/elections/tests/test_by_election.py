"""增补委员: branch A's committee (王建国 secretary, elected 2024-03-15, term to 2027-03-15) has lost its 组织委员;
A's secretary asks the 机关党委 to hold a 增补选举 for one seat. Two candidates (the 20% margin holds as for any
election), none of them a sitting member; the one elected joins on the election day — the secretary stays,
the term does not restart. Majority (ELEC-09) still decides; a 增补 is not a revote."""
import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.elections import actions
from dangjian.orgs.actions import do_appoint
from dangjian.orgs.models import Org, Post

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def members(tree, people):
    from conftest import _person

    return [people.member_a] + [_person(tree.a, f"党员{i}") for i in range(3, 9)]


@pytest.fixture
def by_election(tree, users, members):
    e = actions.do_open_election(org=tree.a, seats=1, request_date=D(2025, 6, 1), by_election=True,
                                 acting_user=users.secretary_a)
    actions.do_approve_request(e, on=D(2025, 6, 5), acting_user=users.committee_admin)
    actions.do_set_candidates(e, members[:2], acting_user=users.secretary_a)
    actions.do_approve_candidates(e, on=D(2025, 6, 10), acting_user=users.committee_admin)
    return e


def count(e, votes, users, present=45):
    return actions.do_record_count(e, date=D(2025, 6, 20), expected_voters=50, present_voters=present,
                                   ballots_issued=present, ballots_returned=present, votes=votes,
                                   acting_user=users.secretary_a)


def test_a_by_election_adds_a_member_without_ending_the_others_or_moving_the_term(by_election, tree, members, users,
                                                                                    people):
    term_end = Org.objects.get(pk=tree.a.pk).term_end
    out = count(by_election, {members[0].pk: 30, members[1].pk: 15}, users)
    assert [p.pk for p in out.elected] == [members[0].pk]
    actions.do_install_committee(by_election, roles={members[0].pk: "organization"}, acting_user=users.secretary_a)
    a = Org.objects.get(pk=tree.a.pk)
    assert a.committee_elected == D(2024, 3, 15) and a.term_end == term_end == D(2027, 3, 15)
    secretary = Post.objects.get(org=tree.a, person=people.secretary_a, role="secretary")
    assert secretary.end is None
    assert sorted(Post.objects.filter(org=tree.a).current(D(2025, 6, 21)).values_list("person__name", "role", "start")) \
        == sorted([(people.secretary_a.name, "secretary", D(2024, 3, 15)),
                   (members[0].name, "organization", D(2025, 6, 20))])
    # The term reminders still count from 2024-03-15: TERM-02 at six months before 2027-03-15, ELEC-01 after it.
    ctx = engine.Context(as_of=D(2026, 10, 1), settings=engine.effective_settings())
    assert [h.subject.pk for _, h in engine.evaluate(ctx, ["TERM-02"]) if h.subject.pk == tree.a.pk] == [tree.a.pk]
    ctx = engine.Context(as_of=D(2025, 6, 21), settings=engine.effective_settings())
    assert [h for _, h in engine.evaluate(ctx, ["ELEC-01", "ELEC-05", "ELEC-09", "ELEC-10", "ELEC-11"])
            if h.subject.pk in (tree.a.pk, by_election.pk)] == []


def test_a_sitting_member_cannot_stand_in_a_by_election(tree, users, people, members):
    e = actions.do_open_election(org=tree.a, seats=1, request_date=D(2025, 6, 1), by_election=True,
                                 acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="王建国是本届委员会的现任委员"):
        actions.do_set_candidates(e, [people.secretary_a, members[1]], acting_user=users.secretary_a)
    # (a 换届 may of course re-elect him)
    regular = actions.do_open_election(org=tree.a, seats=1, request_date=D(2025, 6, 1), acting_user=users.secretary_a)
    actions.do_set_candidates(regular, [people.secretary_a, members[1]], acting_user=users.secretary_a)


def test_a_by_election_is_not_a_revote(by_election, tree, users):
    with pytest.raises(ActionError, match="不能同时选择"):
        actions.do_open_election(org=tree.a, seats=1, request_date=D(2025, 6, 1), by_election=True,
                                 follows=by_election, acting_user=users.secretary_a)


def test_the_20_percent_margin_applies_to_a_by_election(tree, users, members):
    e = actions.do_open_election(org=tree.a, seats=1, request_date=D(2025, 6, 1), by_election=True,
                                 acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="候选人至少2名"):
        actions.do_set_candidates(e, members[:1], acting_user=users.secretary_a)


def test_after_the_term_has_run_out_it_is_a_renewal_not_a_by_election(tree, users):
    from dangjian.orgs.actions import do_update_org

    a = do_update_org(tree.a, committee_elected=D(2022, 1, 10))          # term ended 2025-01-10
    with pytest.raises(ActionError, match="应换届选举"):
        actions.do_open_election(org=a, seats=1, request_date=D(2025, 6, 1), by_election=True,
                                 acting_user=users.secretary_a)


def test_majority_still_decides_a_by_election(by_election, tree, members, users):
    """45 present: 22 votes is less than half — nobody is elected; the post taken anyway is ELEC-09."""
    out = count(by_election, {members[0].pk: 22, members[1].pk: 20}, users)
    assert out.elected == [] and out.short == 1
    with pytest.raises(ActionError, match="没有人当选"):
        actions.do_install_committee(by_election, roles={members[0].pk: "organization"}, acting_user=users.secretary_a)
    do_appoint(person=members[0], org=tree.a, role="organization", start=D(2025, 6, 20))
    ctx = engine.Context(as_of=D(2025, 6, 21), settings=engine.effective_settings())
    hits = [h for _, h in engine.evaluate(ctx, ["ELEC-09"])]
    assert [h.subject.pk for h in hits] == [by_election.pk] and members[0].name in hits[0].message


def test_a_second_secretary_is_refused_in_a_by_election(by_election, members, users):
    count(by_election, {members[0].pk: 30, members[1].pk: 15}, users)
    with pytest.raises(ActionError, match="书记只能有一名"):
        actions.do_install_committee(by_election, roles={members[0].pk: "secretary"}, acting_user=users.secretary_a)


def test_the_open_form_sets_a_by_election(tree, users, client):
    from dangjian.elections.models import Election

    client.force_login(users.secretary_a)
    r = client.post("/elections/", {"org": tree.a.pk, "kind": "committee", "seats": 1, "request_date": "2025-06-01",
                                    "by_election": "on"}, follow=True)
    e = Election.objects.get()
    assert e.by_election and "增补委员请示" in r.content.decode()
    page = client.get(f"/elections/{e.pk}/").content.decode()
    assert "增补委员选举" in page and "出缺名额" in page and "王建国（书记）" in page


def test_an_exported_by_election_goes_out_as_a_committee_election(by_election, members, users):
    from dangjian.djx.exporter import export_document

    count(by_election, {members[0].pk: 30, members[1].pk: 15}, users)
    (row,) = export_document(log=False)["elections"]
    assert row["kind"] == "committee" and row["seats"] == 1 and "by_election" not in row
