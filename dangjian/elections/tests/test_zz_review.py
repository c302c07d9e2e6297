"""Reviewer's scratch tests (temporary)."""
import datetime as dt

import pytest

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.elections import actions
from dangjian.elections.models import Election
from dangjian.orgs.models import Org, Post

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def members(tree, people):
    from conftest import _person
    return [people.secretary_a, people.member_a] + [_person(tree.a, f"党员{i}") for i in range(3, 9)]


def _ready(tree, users, members, seats=3, kind="committee", follows=None, n=4):
    e = actions.do_open_election(org=tree.a, seats=seats, kind=kind, request_date=D(2025, 3, 1), follows=follows,
                                 acting_user=users.secretary_a)
    actions.do_approve_request(e, on=D(2025, 3, 10), acting_user=users.committee_admin)
    actions.do_set_candidates(e, members[:n], acting_user=users.secretary_a)
    actions.do_approve_candidates(e, on=D(2025, 3, 20), acting_user=users.committee_admin)
    return e


def _count(e, users, votes, date=D(2025, 4, 1), present=45):
    return actions.do_record_count(e, date=date, expected_voters=50, present_voters=present, ballots_issued=present,
                                   ballots_returned=present, votes=votes, acting_user=users.secretary_a)


# 1 -- valid-vote bound: 4 candidates x 45 yes votes on 45 ballots that may each name at most 3
def test_sum_of_votes_exceeds_valid_ballots_times_seats(tree, users, members):
    e = _ready(tree, users, members)
    out = _count(e, users, {m.pk: 45 for m in members[:4]})       # 180 yes votes on 45 ballots x 3 seats = 135 max
    assert out.tied and len(out.tied) == 4                          # an impossible 4-way tie was accepted


# 2 -- a delegates election installs "committee" posts and ends the committee
def test_delegates_election_installs_committee(tree, users, members, people):
    e = _ready(tree, users, members, kind="delegates")
    _count(e, users, {members[1].pk: 40, members[2].pk: 40, members[3].pk: 40, members[0].pk: 10})
    actions.do_install_committee(e, roles={members[2].pk: "member"}, acting_user=users.secretary_a)
    old = Post.objects.get(org=tree.a, person=people.secretary_a, start=D(2024, 3, 15))
    assert old.end == D(2025, 3, 31)                                # the branch secretary lost his post
    assert Org.objects.get(pk=tree.a.pk).committee_elected == D(2025, 4, 1)


# 3 -- empty roles: the old committee is ended, nobody installed
def test_install_with_no_roles_empties_the_committee(tree, users, members, people, client):
    e = _ready(tree, users, members)
    _count(e, users, {members[0].pk: 40, members[1].pk: 40, members[2].pk: 40, members[3].pk: 10})
    client.force_login(users.secretary_a)
    r = client.post(f"/elections/{e.pk}/", {"form": "install"})
    assert r.status_code == 302
    assert not Post.objects.filter(org=tree.a, end__isnull=True).exists()
    assert not Post.objects.filter(org=tree.a, start=D(2025, 4, 1)).exists()


# 4 -- 另行选举 after a meeting where nobody was elected: old committee never ended, term not restarted
def test_followup_after_nobody_elected_keeps_old_committee(tree, users, members, people):
    e = _ready(tree, users, members)
    out = _count(e, users, {m.pk: 20 for m in members[:4]})
    assert out.elected == [] and out.short == 3
    f = actions.do_open_election(org=tree.a, seats=3, request_date=D(2025, 4, 2), follows=e, acting_user=users.secretary_a)
    actions.do_approve_request(f, on=D(2025, 4, 3), acting_user=users.committee_admin)
    actions.do_set_candidates(f, members[2:6], acting_user=users.secretary_a)
    actions.do_approve_candidates(f, on=D(2025, 4, 4), acting_user=users.committee_admin)
    _count(f, users, {members[2].pk: 40, members[3].pk: 40, members[4].pk: 40}, date=D(2025, 4, 5))
    actions.do_install_committee(f, roles={members[2].pk: "secretary", members[3].pk: "organization",
                                           members[4].pk: "propaganda"}, acting_user=users.secretary_a)
    secs = Post.objects.filter(org=tree.a, role="secretary").current(D(2025, 4, 6))
    assert secs.count() == 2                                        # two secretaries in office
    assert Org.objects.get(pk=tree.a.pk).committee_elected == D(2024, 3, 15)


# 5 -- the pages cannot open a 另行选举 (no `follows`), so a page-made 另行选举 ends the new committee
def test_page_made_followup_ends_the_just_elected(tree, users, members, people, client):
    e = _ready(tree, users, members)
    _count(e, users, {members[0].pk: 40, members[1].pk: 40, members[2].pk: 10, members[3].pk: 10})
    actions.do_install_committee(e, roles={members[0].pk: "secretary", members[1].pk: "organization"},
                                 acting_user=users.secretary_a)
    client.force_login(users.secretary_a)
    client.post("/elections/", {"org": tree.a.pk, "kind": "committee", "seats": 1, "request_date": "2025-04-02",
                                "follows": e.pk})
    f = Election.objects.exclude(pk=e.pk).get()
    assert f.follows_id is None
    actions.do_approve_request(f, on=D(2025, 4, 3), acting_user=users.committee_admin)
    actions.do_set_candidates(f, members[2:4], acting_user=users.secretary_a)
    actions.do_approve_candidates(f, on=D(2025, 4, 4), acting_user=users.committee_admin)
    _count(f, users, {members[2].pk: 40, members[3].pk: 5}, date=D(2025, 4, 5))
    actions.do_install_committee(f, roles={members[2].pk: "propaganda"}, acting_user=users.secretary_a)
    assert Post.objects.get(org=tree.a, person=members[0], start=D(2025, 4, 1)).end == D(2025, 4, 4)


# 11 -- unicode digit → 500
def test_count_page_superscript_digit(tree, users, members, client):
    e = _ready(tree, users, members)
    client.force_login(users.secretary_a)
    client.raise_request_exception = False
    r = client.post(f"/elections/{e.pk}/count/", {"date": "2025-04-01", "expected_voters": 50, "present_voters": 45,
                                                   "ballots_issued": 45, "ballots_returned": 45, "invalid_ballots": 0,
                                                   f"votes_{members[0].pk}": "²"})
    assert r.status_code == 500


def test_detail_page_superscript_digit(tree, users, members, client):
    e = _ready(tree, users, members)
    client.force_login(users.secretary_a)
    client.raise_request_exception = False
    r = client.post(f"/elections/{e.pk}/", {"form": "candidates", "people": ["²"]})
    assert r.status_code == 500


# 12 -- default expected voters counts probationary members (no vote, ELEC-03)
def test_count_default_expected_includes_probationary(tree, users, members, client):
    from conftest import _person
    for i in range(5):
        _person(tree.a, f"预备{i}", status="probationary", probationary_date=D(2025, 1, 1), full_member_date=None)
    e = _ready(tree, users, members)
    client.force_login(users.secretary_a)
    page = client.get(f"/elections/{e.pk}/count/").content.decode()
    assert 'name="expected_voters" inputmode="numeric" class="form-control form-control-sm" value="13"' in page


# 26 -- a 机关党委 (or 总支) election cannot pick the members of its branches
def test_committee_election_has_no_candidates_to_pick(tree, users, members, client):
    wc = users.wc_admin
    e = actions.do_open_election(org=tree.committee, seats=3, request_date=D(2025, 3, 1), acting_user=users.committee_admin)
    client.force_login(users.committee_admin)
    r = client.post(f"/elections/{e.pk}/", {"form": "candidates", "people": [m.pk for m in members[:5]]}, follow=True)
    assert "现有0名" in r.content.decode()


# 13 -- filed before installing: the new secretary is never approved
def test_filed_before_install_leaves_secretary_unapproved(tree, users, members):
    e = _ready(tree, users, members)
    _count(e, users, {members[0].pk: 40, members[1].pk: 40, members[2].pk: 40, members[3].pk: 10})
    actions.do_file_results(e, on=D(2025, 4, 5), acting_user=users.committee_admin)
    actions.do_install_committee(e, roles={members[2].pk: "secretary"}, acting_user=users.secretary_a)
    assert Post.objects.get(org=tree.a, person=members[2], start=D(2025, 4, 1)).approved is None
