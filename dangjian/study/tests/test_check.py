"""`dangjian check` on 学习培训 (subject {"person": id}, period the year): 31.9 against 32 学时 (EDU-01),
55.9 against 56 for a branch secretary (EDU-02), a new secretary's induction within six months, the
running year from 1 October, and a branch that records no study at all (not judged)."""
import pytest

from dangjian.djx.check import check_document

pytestmark = pytest.mark.django_db


def doc(study, posts=(), as_of="2025-12-31", **member) -> dict:
    people = [{"id": "s1", "name": "张书记", "org": "b1", "status": "full", "probationary_date": "2010-07-01",
               "full_member_date": "2011-07-01"},
              {"id": "m1", "name": "陈党员", "org": "b1", "status": "full", "probationary_date": "2010-07-01",
               "full_member_date": "2011-07-01"}]
    people[1].update(member)
    return {"format": "djx/1", "meta": {"as_of": as_of},
            "orgs": [{"id": "wc", "name": "市直机关工委", "type": "work_committee"},
                     {"id": "b1", "name": "办公室党支部", "type": "branch", "parent": "wc"}],
            "people": people, "posts": list(posts) or [{"person": "s1", "org": "b1", "role": "secretary",
                                                       "start": "2020-01-01"}],
            "study": study}


def rows(pid, hours, year=2025, kind="centralized"):
    return [{"person": pid, "date": f"{year}-06-{10 + i:02d}", "hours": h, "kind": kind} for i, h in enumerate(hours)]


def edu(d, as_of=None):
    return sorted((f["rule"], f["severity"], f["subject"]["person"], f["period"]) for f in check_document(d, as_of)
                  if f["rule"].startswith("EDU-0") and f["rule"] in ("EDU-01", "EDU-02"))


@pytest.mark.parametrize("hours, found", [
    ([16, 15.9], [("EDU-01", "WARN", "m1", "2025")]),      # 31.9
    ([16, 16], []),                                        # 32
])
def test_a_member_needs_32_hours_a_year(hours, found):
    assert edu(doc(rows("m1", hours) + rows("s1", [56]))) == found


@pytest.mark.parametrize("hours, found", [([40, 15.9], [("EDU-02", "WARN", "s1", "2025")]), ([40, 16], [])])
def test_a_secretary_needs_56(hours, found):
    assert edu(doc(rows("m1", [32]) + rows("s1", hours))) == found


def test_a_branch_that_records_no_study_is_not_judged_and_a_newcomer_not_for_that_year():
    assert edu(doc([])) == []
    assert edu(doc(rows("s1", [56]), probationary_date="2025-03-01", status="probationary",
                   full_member_date=None)) == []


@pytest.mark.parametrize("as_of, found", [("2025-09-30", []), ("2025-10-01", [("EDU-01", "INFO", "m1", "2025")])])
def test_the_running_year_from_october(as_of, found):
    assert edu(doc(rows("m1", [20]) + rows("s1", [56]), as_of=as_of)) == found


@pytest.mark.parametrize("training, as_of, found", [
    ([], "2025-09-01", []),                                              # six months end on 2025-09-01
    ([], "2025-09-02", [("EDU-02", "WARN", "s1", "2025")]),
    ([{"person": "s1", "date": "2025-09-01", "hours": 8, "kind": "induction"}], "2025-09-02", []),   # on the last day
])
def test_a_new_secretary_is_trained_within_six_months(training, as_of, found):
    posts = [{"person": "s1", "org": "b1", "role": "secretary", "start": "2025-03-01"}]
    assert edu(doc(rows("m1", [8]) + training, posts=posts, as_of=as_of)) == found
