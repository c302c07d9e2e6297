"""DISP rules over stored records: a 不合格 grade without a disposition within 90 days (DISP-03), a
限期改正 past its deadline or longer than a year (DISP-02), procedure defects and double jeopardy in
imported data (DISP-04, DISP-01). DISP-03 cannot be judged from a DJX file: `check` skips it."""
import dataclasses
import datetime as dt

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.dispositions.choices import State
from dangjian.dispositions.models import Disposition
from dangjian.djx.check import check_document
from dangjian.djx.tests.helpers import example
from dangjian.orglife.actions import do_record_appraisal, do_record_meeting

from .helpers import D, effective, hits, open_for

APPRAISED = D(2025, 6, 10)


def unqualified(tree, people):
    m = do_record_meeting(org=tree.a, type="democratic_appraisal", date=APPRAISED, topic="民主评议党员",
                          present=[people.secretary_a, people.member_a])
    return do_record_appraisal(org=tree.a, year=2025, meeting=m,
                               grades={people.secretary_a: "qualified", people.member_a: "unqualified"})


# --- DISP-03 ----------------------------------------------------------------------------------------
def test_an_unqualified_member_without_a_disposition_after_90_days(tree, people):
    unqualified(tree, people)
    assert ("DISP-03", people.member_a.pk) not in hits(APPRAISED + dt.timedelta(days=90), "DISP-03")
    severity, message = hits(APPRAISED + dt.timedelta(days=91), "DISP-03")[("DISP-03", people.member_a.pk)]
    assert severity == "WARN" and "被评为不合格" in message and "限期改正" in message and "民主评议被评为不合格" in message
    assert ("DISP-03", people.secretary_a.pk) not in hits(APPRAISED + dt.timedelta(days=91), "DISP-03")


def test_a_disposition_opened_on_day_90_or_even_on_day_91_answers_it(tree, people, users):
    a = unqualified(tree, people)
    grade = a.grades.get(person=people.member_a)
    open_for(people.member_a, users.secretary_a, grounds="appraisal_unqualified", day=APPRAISED + dt.timedelta(days=90),
             appraisal_grade=grade)
    assert ("DISP-03", people.member_a.pk) not in hits(D(2025, 12, 31), "DISP-03")
    Disposition.objects.all().delete()
    open_for(people.member_a, users.secretary_a, day=APPRAISED + dt.timedelta(days=91))   # late, but opened
    assert ("DISP-03", people.member_a.pk) not in hits(D(2025, 12, 31), "DISP-03")


def test_without_a_meeting_the_appraisal_counts_from_31_december(tree, people):
    do_record_appraisal(org=tree.a, year=2025, grades={people.secretary_a: "qualified", people.member_a: "unqualified"})
    assert ("DISP-03", people.member_a.pk) not in hits(D(2026, 3, 31), "DISP-03")   # day 90
    assert ("DISP-03", people.member_a.pk) in hits(D(2026, 4, 1), "DISP-03")


def test_opening_a_disposition_clears_the_finding_in_an_incremental_run(tree, people, users):
    unqualified(tree, people)
    day = D(2025, 12, 1)
    engine.run(as_of=day, org_ids=[tree.a.pk], rule_ids=["DISP-03"])
    f = Finding.objects.get(rule_id="DISP-03", subject_id=people.member_a.pk)
    assert f.state == FindingState.OPEN and f.org_id == tree.a.pk
    open_for(people.member_a, users.secretary_a, grounds="appraisal_unqualified", day=D(2025, 11, 20))
    engine.run(as_of=day, org_ids=[tree.a.pk], rule_ids=["DISP-03"])
    f.refresh_from_db()
    assert f.state == FindingState.RESOLVED


def test_check_of_a_djx_file_does_not_claim_that_no_disposition_was_opened(db, monkeypatch):
    assert engine.registry.get("DISP-03").live_only
    doc = example()
    doc["appraisals"] = [{"org": "b1", "year": 2025, "grades": {"p1": "qualified", "p2": "unqualified"}}]
    assert not [f for f in check_document(doc, as_of="2026-06-30") if f["rule"].startswith("DISP-")]
    # Without the flag the same file would yield the claim the file cannot support.
    monkeypatch.setitem(engine.registry.rules, "DISP-03",
                        dataclasses.replace(engine.registry.get("DISP-03"), live_only=False))
    assert {"person": "p2"} in [f["subject"] for f in check_document(doc, as_of="2026-06-30") if f["rule"] == "DISP-03"]


# --- DISP-02 ----------------------------------------------------------------------------------------
def test_a_correction_past_its_deadline_without_an_outcome(people, users):
    effective(people.member_a, users.secretary_a, approved=D(2025, 1, 10))      # deadline 2025-07-10
    assert ("DISP-02", people.member_a.pk) not in hits(D(2025, 7, 10), "DISP-02")
    severity, message = hits(D(2025, 7, 11), "DISP-02")[("DISP-02", people.member_a.pk)]
    assert severity == "WARN" and "期满" in message and "劝其退党" in message


def test_an_imported_correction_longer_than_a_year_is_blocked(people, users):
    d = effective(people.member_a, users.secretary_a, approved=D(2025, 1, 10), correction_deadline=D(2026, 1, 10))
    assert ("DISP-02", people.member_a.pk) not in hits(D(2025, 6, 1), "DISP-02")
    Disposition.objects.filter(pk=d.pk).update(correction_deadline=D(2026, 1, 11))
    severity, message = hits(D(2025, 6, 1), "DISP-02")[("DISP-02", people.member_a.pk)]
    assert severity == "BLOCK" and "超过1年" in message


# --- DISP-04 and DISP-01 on imported records --------------------------------------------------------
def test_imported_decisions_without_steps_or_without_a_quorum(tree, people):
    base = dict(org=tree.a, measure="expel", grounds="absence_six_months", opened=D(2025, 1, 6))
    Disposition.objects.create(person=people.member_a, state=State.CLOSED, approved_date=D(2025, 3, 1),
                               vote_date=D(2025, 2, 1), vote_eligible=4, vote_present=3, vote_yes=3, **base)
    Disposition.objects.create(person=people.secretary_a, state=State.VOTED, committee_date=D(2025, 1, 6),
                               filed_date=D(2025, 1, 7), investigated_date=D(2025, 1, 8), vote_date=D(2025, 2, 1),
                               vote_eligible=4, vote_present=2, vote_yes=2, **base)
    found = hits(D(2025, 6, 1), "DISP-04")
    severity, message = found[("DISP-04", people.member_a.pk)]
    assert severity == "WARN" and "支委会研究提出启动意见" in message and "报基层党委事前备案" in message
    severity, message = found[("DISP-04", people.secretary_a.pk)]
    assert severity == "BLOCK" and "未超过应到4人的半数" in message


def test_a_complete_procedure_has_no_defect(people, users):
    effective(people.member_a, users.secretary_a)
    assert not hits(D(2025, 6, 1), "DISP-04", "DISP-01")


def test_an_imported_disposition_for_an_issue_already_sanctioned(tree, people):
    Disposition.objects.create(person=people.member_a, org=tree.a, measure="correction", grounds="dues",
                               opened=D(2025, 1, 6), committee_date=D(2025, 1, 6), sanctioned_for_same_issue=True)
    severity, message = hits(D(2025, 6, 1), "DISP-01")[("DISP-01", people.member_a.pk)]
    assert severity == "BLOCK" and "已受到党纪处分" in message
