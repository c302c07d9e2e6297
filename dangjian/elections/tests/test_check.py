"""换届选举 as `dangjian check` judges DJX `elections` (subject {"election": id}), at each boundary of the
election rules: 3 seats need 4 candidates, 5 need 6, 7 need 9 (ELEC-05); 40 of 50 present is not more than
4/5 (strict) but is enough under the inclusive setting, 41 is (ELEC-07); exactly half of those present does
not elect (ELEC-09); more ballots returned than issued voids the election (ELEC-11); a tie at the last seat
or a shortfall needs a revote or 另行选举 (ELEC-10). A correct election gives no ELEC finding."""
import pytest

from dangjian.djx.check import check_document
from dangjian.elections.count import count, min_candidates

pytestmark = pytest.mark.django_db
PEOPLE = [f"p{i}" for i in range(1, 13)]


def doc(*elections, posts=(), settings=None):
    d = {"format": "djx/1", "meta": {"as_of": "2025-12-31"},
         "orgs": [{"id": "wc", "name": "市直机关工委", "type": "work_committee"},
                  {"id": "c1", "name": "市财政局机关党委", "type": "committee", "parent": "wc"},
                  {"id": "b1", "name": "预算处党支部", "type": "branch", "parent": "c1",
                   "committee_elected": "2025-06-20"}],
         "people": [{"id": p, "name": f"党员{p}", "org": "b1", "status": "full", "probationary_date": "2010-07-01",
                     "full_member_date": "2011-07-01"} for p in PEOPLE],
         "posts": list(posts), "elections": list(elections)}
    if settings:
        d["meta"]["settings"] = settings
    return d


def election(eid="e1", seats=3, n=4, present=45, expected=50, issued=45, returned=45, results=None, **kw):
    cands = PEOPLE[:n]
    e = {"id": eid, "org": "b1", "date": "2025-06-20", "kind": "committee", "seats": seats, "candidates": cands,
         "expected_voters": expected, "present_voters": present, "ballots_issued": issued,
         "ballots_returned": returned, "request_date": "2025-05-10", "approved_date": "2025-05-20",
         "results": results if results is not None else {p: max(0, 40 - 5 * k) for k, p in enumerate(cands)}}
    e.update(kw)
    return e


def elec(d, as_of=None):
    return sorted((f["rule"], f["severity"], f["subject"].get("election")) for f in check_document(d, as_of)
                  if f["rule"].startswith("ELEC-") and f["rule"] != "ELEC-01")


def test_a_correct_election_gives_no_finding():
    posts = [{"person": p, "org": "b1", "role": r, "start": "2025-06-20"}
             for p, r in (("p1", "secretary"), ("p2", "organization"), ("p3", "propaganda"))]
    assert elec(doc(election(), posts=posts)) == []


@pytest.mark.parametrize("seats, needed", [(3, 4), (5, 6), (7, 9)])
def test_twenty_percent_more_candidates_rounded_up(seats, needed):
    assert min_candidates(seats) == needed
    enough = elec(doc(election(seats=seats, n=needed)))
    assert ("ELEC-05", "BLOCK", "e1") not in enough
    assert ("ELEC-05", "BLOCK", "e1") in elec(doc(election(seats=seats, n=needed - 1)))
    assert ("ELEC-04", "BLOCK", "e1") in elec(doc(election(seats=seats, n=needed - 1, kind="delegates")))


@pytest.mark.parametrize("present, strict, inclusive", [(40, True, False), (41, False, False), (39, True, True)])
def test_quorum_more_than_four_fifths(present, strict, inclusive):
    e = election(present=present, issued=present, returned=present, results={p: 38 for p in PEOPLE[:4]},
                 seats=4)
    assert (("ELEC-07", "BLOCK", "e1") in elec(doc(e))) is strict
    assert (("ELEC-07", "BLOCK", "e1") in elec(doc(e, settings={"elec_quorum": "inclusive"}))) is inclusive


def test_exactly_half_of_those_present_does_not_elect():
    results = {"p1": 23, "p2": 23, "p3": 22, "p4": 10}          # 45 present: 23 is more than half, 22 is not
    assert count(3, 45, results).elected == ["p1", "p2"] and count(3, 45, results).short == 1
    assert count(3, 44, results).elected == ["p1", "p2"]         # 22 of 44 is exactly half: not elected
    posts = [{"person": "p3", "org": "b1", "role": "propaganda", "start": "2025-06-20"}]
    found = elec(doc(election(results=results), posts=posts))
    assert ("ELEC-09", "BLOCK", "e1") in found and ("ELEC-10", "WARN", "e1") in found
    # The 另行选举 for the remaining seat, held later, clears ELEC-10.
    again = election("e2", seats=1, n=2, date="2025-06-27", results={"p3": 30, "p4": 15})
    assert ("ELEC-10", "WARN", "e1") not in elec(doc(election(results=results), again))


def test_a_tie_at_the_last_seat_needs_a_revote():
    out = count(3, 45, {"p1": 40, "p2": 35, "p3": 30, "p4": 30})
    assert out.elected == ["p1", "p2"] and out.tied == ["p3", "p4"]
    assert ("ELEC-10", "WARN", "e1") in elec(doc(election(results={"p1": 40, "p2": 35, "p3": 30, "p4": 30})))


@pytest.mark.parametrize("returned, void", [(45, False), (46, True)])
def test_more_ballots_returned_than_issued_voids_the_election(returned, void):
    assert (("ELEC-11", "BLOCK", "e1") in elec(doc(election(returned=returned)))) is void
    assert count(3, 45, {"p1": 40}, 45, returned).void is void


def test_elections_round_trip_through_export():
    from dangjian.djx.actions import do_import_djx
    from dangjian.djx.exporter import export_document
    from dangjian.elections.models import Election

    d = doc(election(results={"p1": 40, "p2": 39, "p3": 38, "p4": 10}))
    assert do_import_djx(d, run_rules=False).ok
    out = export_document(log=False)
    (e,) = out["elections"]
    assert (e["id"], e["seats"], e["results"]["p4"], e["ballots_returned"]) == ("e1", 3, 10, 45)
    assert do_import_djx(out, run_rules=False).counts["elections"].unchanged == 1
    assert Election.objects.count() == 1


def _committee(*names, start="2025-06-20"):
    return [{"person": p, "org": "b1", "role": r, "start": start} for p, r in names]


def test_a_same_day_another_election_completes_the_first():
    """The meeting elects two of three (p3 has exactly half) and elects the third seat again the same day."""
    first = election(results={"p1": 40, "p2": 35, "p3": 22, "p4": 10}, present=44, issued=44, returned=44)
    again = election("e2", seats=1, n=2, present=44, issued=44, returned=44,
                     candidates=["p3", "p4"], results={"p3": 30, "p4": 14})
    posts = _committee(("p1", "secretary"), ("p2", "organization"), ("p3", "propaganda"))
    assert elec(doc(first, again, posts=posts)) == []
    assert ("ELEC-10", "WARN", "e1") in elec(doc(first, posts=posts[:2]))


def test_a_runner_up_with_a_majority_is_not_elected():
    results = {"p1": 40, "p2": 35, "p3": 30, "p4": 25}            # p4: 25 of 45 is a majority, but the 4th
    found = elec(doc(election(results=results), posts=_committee(("p1", "secretary"), ("p4", "member"))))
    assert ("ELEC-09", "BLOCK", "e1") in found


def test_an_old_election_does_not_judge_the_next_terms_posts():
    old = election(date="2022-06-20", results={"p1": 40, "p2": 35, "p3": 30, "p4": 10})
    d = doc(old, posts=_committee(("p5", "secretary"), start="2025-06-20"))        # the org's next term began
    assert ("ELEC-09", "BLOCK", "e1") not in elec(d, "2025-12-31")


def test_a_later_delegates_election_does_not_clear_a_shortfall():
    short = election(results={"p1": 40, "p2": 35, "p3": 22, "p4": 10}, present=44, issued=44, returned=44)
    delegates = election("e2", kind="delegates", seats=1, n=2, date="2025-07-01", results={"p5": 30})
    delegates["candidates"] = ["p5", "p6"]
    assert ("ELEC-10", "WARN", "e1") in elec(doc(short, delegates))


def test_out_of_range_numbers_get_a_clear_error():
    from dangjian.djx.validation import DjxInvalid

    with pytest.raises(DjxInvalid) as err:
        check_document(doc(election(seats=70000)))
    assert "seats" in str(err.value) and "999" in str(err.value)
