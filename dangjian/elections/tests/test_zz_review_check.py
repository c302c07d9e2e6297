"""Reviewer's scratch tests on rules and DJX (temporary)."""
import copy
import datetime as dt

import pytest

from dangjian.djx.check import check_document
from dangjian.elections.tests.test_check import PEOPLE, doc, elec, election

pytestmark = pytest.mark.django_db
D = dt.date


def posts(*pairs, start="2025-06-20"):
    return [{"person": p, "org": "b1", "role": r, "start": start} for p, r in pairs]


# 6 -- a same-day 另行选举 (the usual case: same meeting) floods ELEC-09 and leaves ELEC-10
def test_same_day_followup():
    e1 = election(results={"p1": 40, "p2": 39, "p3": 10, "p4": 9})           # 2 elected, 1 short
    e2 = election("e2", seats=1, n=2, results={"p3": 30, "p4": 12})          # 另行选举 at the same meeting
    e2["candidates"] = ["p3", "p5"]
    e2["results"] = {"p3": 30, "p5": 12}
    ps = posts(("p1", "secretary"), ("p2", "organization"), ("p3", "propaganda"))
    found = elec(doc(e1, e2, posts=ps))
    assert ("ELEC-10", "WARN", "e1") in found          # not cleared
    assert ("ELEC-09", "BLOCK", "e2") in found         # p1, p2 judged by e2's votes
    msgs = [f["message"] for f in check_document(doc(e1, e2, posts=ps)) if f["rule"] == "ELEC-09"]
    print(msgs)


# 7 -- any later election of the org clears ELEC-10, even a delegates election
def test_elec10_cleared_by_unrelated_delegates_election():
    e1 = election(results={"p1": 40, "p2": 39, "p3": 10, "p4": 9})
    ps = posts(("p1", "secretary"), ("p2", "organization"))
    assert ("ELEC-10", "WARN", "e1") in elec(doc(e1, posts=ps))
    d2 = election("e2", kind="delegates", seats=2, n=3, date="2025-09-01", results={"p5": 0, "p6": 0, "p7": 0})
    d2["candidates"] = ["p5", "p6", "p7"]
    assert ("ELEC-10", "WARN", "e1") not in elec(doc(e1, d2, posts=ps))


# 8 -- ELEC-09 judges the posts of a later term by an old election's votes
def test_elec09_old_election_judges_later_term():
    old = election(date="2022-06-20", request_date="2022-05-10", approved_date="2022-05-20")
    ps = posts(("p1", "secretary"), ("p2", "organization"), ("p3", "propaganda"), start="2022-06-20")
    for p in ps:
        p["end"] = "2025-06-19"
    ps += posts(("p7", "secretary"), ("p8", "organization"), ("p9", "propaganda"))   # re-elected 2025-06-20 (committee_elected)
    assert ("ELEC-09", "BLOCK", "e1") in elec(doc(old, posts=ps))


# 27 -- a candidate over half but beaten for the last seat takes a post: no ELEC-09
def test_elec09_misses_candidate_who_lost_on_votes():
    e = election(results={"p1": 40, "p2": 39, "p3": 38, "p4": 30})          # all over half of 45, p4 is 4th for 3 seats
    ps = posts(("p1", "secretary"), ("p2", "organization"), ("p3", "propaganda"), ("p4", "member"))
    assert elec(doc(e, posts=ps)) == []


# 9 -- an election not held yet exports without `date`, which the schema requires
def test_export_of_open_election_is_invalid(tree, users):
    from dangjian.djx.actions import do_import_djx
    from dangjian.djx.exporter import export_document
    from dangjian.djx.validation import validate
    from dangjian.elections import actions

    actions.do_open_election(org=tree.a, seats=3, request_date=D(2025, 3, 1), acting_user=users.secretary_a)
    out = export_document(log=False)
    errs = validate(out)
    print(errs)
    assert errs
    assert not do_import_djx(out, run_rules=False).ok


# 10 -- importing history floods live-only ELEC-06 / ELEC-12
def test_import_floods_live_only_rules():
    from dangjian.core.models import Finding
    from dangjian.djx.actions import do_import_djx

    ps = posts(("p1", "secretary"), ("p2", "organization"), ("p3", "propaganda"))
    d = doc(election(date="2024-06-20", request_date="2024-05-10", approved_date="2024-05-20"), posts=ps)
    assert do_import_djx(d).ok
    from dangjian.core import engine
    ctx = engine.Context(as_of=D(2025, 6, 1), settings=engine.effective_settings())
    found = sorted(r.id if hasattr(r, "id") else str(r) for r, h in engine.evaluate(ctx, ["ELEC-06", "ELEC-12"]))
    print(found)
    assert "ELEC-06" in found and "ELEC-12" in found
