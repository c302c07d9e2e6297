"""`dangjian check` on 组织关系 (subject {"person": id}) at each boundary: a letter on its last valid day
and the day after (REL-03); six months away at a fixed place (EDU-04); a member in no organisation
(EDU-04); lost contact for six months, then two years after the 停止党籍 (EDU-03)."""
import copy

import pytest

from dangjian.djx.check import check_document

pytestmark = pytest.mark.django_db


def base(**people) -> dict:
    doc = {"format": "djx/1", "meta": {"as_of": "2025-12-31"},
           "orgs": [{"id": "wc", "name": "市直机关工委", "type": "work_committee"},
                    {"id": "b1", "name": "办公室党支部", "type": "branch", "parent": "wc"}],
           "people": [{"id": "m1", "name": "陈党员", "org": "b1", "status": "full", "probationary_date": "2010-07-01",
                       "full_member_date": "2011-07-01"}]}
    doc["people"][0].update(people)
    return doc


def rules(doc, as_of, prefix=("REL-03", "EDU-03", "EDU-04")):
    return [(f["rule"], f["severity"], f["subject"]["person"]) for f in check_document(doc, as_of)
            if f["rule"] in prefix]


LETTER = {"person": "m1", "direction": "out", "from_org": "b1", "to_org": "外省某县财政局机关党支部",
          "letter_date": "2025-04-01", "valid_until": "2025-06-30"}


@pytest.mark.parametrize("as_of, found", [("2025-06-30", []), ("2025-07-01", [("REL-03", "WARN", "m1")])])
def test_a_letter_lapses_the_day_after_its_last_valid_day(as_of, found):
    doc = base()
    doc["transfers"] = [dict(LETTER)]
    assert rules(doc, as_of) == found
    doc["transfers"][0]["reported_date"] = "2025-07-05"
    assert rules(doc, as_of) == []


@pytest.mark.parametrize("as_of, found", [("2025-07-14", []), ("2025-07-15", [("EDU-04", "WARN", "m1")])])
def test_six_months_away_at_a_fixed_place(as_of, found):
    doc = base(away_since="2025-01-15", away_fixed_location=True)
    assert rules(doc, as_of) == found
    moved = copy.deepcopy(doc)
    moved["transfers"] = [dict(LETTER, letter_date="2025-07-01", valid_until="2025-09-30", reported_date="2025-07-10")]
    assert rules(moved, as_of) == []
    loose = base(away_since="2025-01-15", away_fixed_location=False)        # 流动党员: EDU-05, not a transfer
    assert rules(loose, as_of) == []


def test_a_member_in_no_organisation_is_blocked():
    doc = base(org=None)
    assert rules(doc, "2025-12-31") == [("EDU-04", "BLOCK", "m1")]


@pytest.mark.parametrize("status, as_of, found", [
    ("full", "2025-07-09", []),
    ("full", "2025-07-10", [("EDU-03", "WARN", "m1")]),            # six months lost: 停止党籍 review
    ("suspended", "2027-07-09", []),                                # suspended from 2025-07-10 (no date given)
    ("suspended", "2027-07-10", [("EDU-03", "WARN", "m1")]),       # two years later: 除名
])
def test_lost_contact(status, as_of, found):
    doc = base(lost_contact_since="2025-01-10", status=status)
    assert rules(doc, as_of) == found
    (f,) = [f for f in check_document(doc, as_of) if f["rule"] == "EDU-03"] or [None]
    if found:
        assert ("停止党籍" in f["message"]) and (("除名" in f["message"]) == (status == "suspended"))
