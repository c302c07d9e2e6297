"""`dangjian check` on DJX `rectifications` (subject {"rectification": id}) at each boundary: open on its
deadline and the day after (SUP-01), escalated after 30 days; closed on the deadline and the day after
(SUP-02); closed without evidence (SUP-03); the same problem again within a year and a day later
(SUP-04)."""
import pytest

from dangjian.djx.check import check_document

pytestmark = pytest.mark.django_db


def doc(*rects, as_of="2025-12-31"):
    return {"format": "djx/1", "meta": {"as_of": as_of},
            "orgs": [{"id": "wc", "name": "市直机关工委", "type": "work_committee"},
                     {"id": "c1", "name": "市财政局机关党委", "type": "committee", "parent": "wc"},
                     {"id": "b1", "name": "预算处党支部", "type": "branch", "parent": "c1"}],
            "rectifications": list(rects)}


def rect(rid="r1", **kw):
    r = {"id": rid, "org": "b1", "source": "concentrated", "found": "2025-03-01",
         "problem": "三会一课记录不完整，党员大会缺少表决情况", "deadline": "2025-06-30"}
    r.update(kw)
    return r


def sup(d, as_of=None):
    return [(f["rule"], f["severity"], f["subject"]["rectification"]) for f in check_document(d, as_of)
            if f["rule"].startswith("SUP-")]


@pytest.mark.parametrize("as_of, found", [
    ("2025-06-30", []), ("2025-07-01", [("SUP-01", "WARN", "r1")]),
    ("2025-07-30", [("SUP-01", "WARN", "r1")]), ("2025-07-31", [("SUP-01", "BLOCK", "r1")]),   # 31 days late
])
def test_open_past_its_deadline(as_of, found):
    assert sup(doc(rect()), as_of) == found


@pytest.mark.parametrize("closed, found", [("2025-06-30", []), ("2025-07-01", [("SUP-02", "WARN", "r1")])])
def test_closed_after_its_deadline(closed, found):
    assert sup(doc(rect(closed=closed, evidence="补齐了记录，建立会议记录审核制度"))) == found


def test_closed_without_evidence():
    assert sup(doc(rect(closed="2025-06-01"))) == [("SUP-03", "WARN", "r1")]


@pytest.mark.parametrize("found2, found", [("2026-03-01", [("SUP-04", "WARN", "r2")]), ("2026-03-02", [])])
def test_the_same_problem_again_within_a_year(found2, found):
    first = rect(closed="2025-06-01", evidence="已补齐")
    again = rect("r2", found=found2, deadline="2026-06-30", problem="党员大会记录缺少表决情况，三会一课记录不完整")
    assert sup(doc(first, again), "2026-03-10") == found
