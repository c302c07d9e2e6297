"""`dangjian check` on DJX dues (subject {"person": id}): a year paid in full is clean; each rule at its
boundary — 0.01 元 short, 3000.00 vs 3000.01, the third and the sixth unpaid month, a month with no row,
an exemption with and without approval, 1,000.00 元 of voluntary extra vs 999.99, the month of the vote."""
import pytest

from dangjian.djx.check import check_document

from . import cases as c

pytestmark = pytest.mark.django_db


def fee(doc, as_of=None):
    return [(f["rule"], f["severity"], f["subject"]["person"], f["period"]) for f in check_document(doc, as_of)
            if f["rule"].startswith("FEE-")]


def test_a_year_paid_in_full_is_clean():
    assert fee(c.complete()) == []


def test_a_fen_short_is_fee_02_in_that_month():
    assert fee(c.with_rows("s1", c.edit(3, paid="39.99"))) == [("FEE-02", "WARN", "s1", "2025-03")]
    (f,) = [f for f in check_document(c.with_rows("s1", c.edit(3, paid="39.99"))) if f["rule"] == "FEE-02"]
    assert "应交40.00元，实交39.99元，少交0.01元" in f["message"]
    assert fee(c.with_rows("st", c.edit(5, paid="0.19"))) == [("FEE-02", "WARN", "st", "2025-05")]


@pytest.mark.parametrize("base, paid, found", [
    ("3000.00", "15.00", []),                                   # 0.5% of 3000.00
    ("3000.01", "15.00", [("FEE-02", "WARN", "s1", "2025-06")]),  # one 分 more: 1%, 30.00 due
    ("3000.01", "30.00", []),
])
def test_the_bracket_boundary(base, paid, found):
    doc = c.with_rows("s1", c.edit(6, base=base, due=None, paid=paid))
    # (only June has the new base: from July on the file's 4000.00 again)
    assert fee(doc) == found


def test_retiree_boundary():
    assert fee(c.with_rows("r1", c.edit(2, base="5000.01", due=None, paid="25.00"))) == [("FEE-02", "WARN", "r1", "2025-02")]


@pytest.mark.parametrize("months, found", [
    ((11, 12), []),                                                    # two months: nothing yet
    ((10, 11, 12), [("FEE-12", "WARN", "s1", None)]),                  # the third unpaid month
    ((8, 9, 10, 11, 12), [("FEE-12", "WARN", "s1", None)]),
    ((7, 8, 9, 10, 11, 12), [("FEE-13", "BLOCK", "s1", None)]),        # the sixth: 自行脱党 alert, not FEE-12
    ((1, 2, 3, 4, 5, 6), [("FEE-13", "BLOCK", "s1", None)]),           # six in a row earlier in the year
    ((1, 2, 3, 5, 6, 7), []),                                          # paid in April: no run of six, none now
])
def test_unpaid_months(months, found):
    assert fee(c.with_rows("s1", c.unpaid(*months))) == found


def test_a_month_with_no_row_is_unpaid_and_a_month_not_ended_is_not_judged():
    doc = c.with_rows("s1", c.missing(7, 8, 9, 10, 11, 12))
    assert fee(doc) == [("FEE-13", "BLOCK", "s1", None)]
    # On 30 December, December has not ended: five months.
    assert fee(doc, "2025-12-30") == [("FEE-12", "WARN", "s1", None)]


def test_an_approved_exemption_is_not_unpaid_and_one_without_approval_is_fee_08():
    approved = c.with_rows("s1", c.then(c.unpaid(7, 8, 10, 11, 12),
                                        c.edit(9, exempt=True, approval="市直机关工委〔2025〕12号", paid="0.00")))
    assert fee(approved) == [("FEE-12", "WARN", "s1", None)]          # 7–8, then 10–12: three now
    unapproved = c.with_rows("s1", c.edit(9, exempt=True, paid="0.00"))
    assert fee(unapproved) == [("FEE-08", "WARN", "s1", None)]


@pytest.mark.parametrize("paid, found", [("1040.00", [("FEE-11", "INFO", "s1", None)]), ("1039.99", [])])
def test_a_voluntary_extra_of_a_thousand(paid, found):
    assert fee(c.with_rows("s1", c.edit(4, paid=paid))) == found


@pytest.mark.parametrize("first, found", [(2, []), (3, [("FEE-07", "WARN", "s1", None)])])
def test_a_probationary_member_pays_from_the_month_of_the_vote(first, found):
    doc = c.with_rows("s1", lambda rs: [r for r in rs if int(r["month"][5:]) >= first],
                      people={"s1": {"status": "probationary", "probationary_date": "2025-02-15",
                                     "full_member_date": None}})
    assert fee(doc) == found


def test_the_importer_reports_a_due_that_does_not_match_the_base():
    from dangjian.djx.actions import do_import_djx

    report = do_import_djx(c.with_rows("s1", c.edit(2, due="45.00")), run_rules=False)
    assert any("dues[" in w and "40.00" in w and "45.00" in w for w in report.warnings)


def test_amounts_as_json_numbers_are_read_exactly_and_three_decimals_are_an_error():
    import decimal
    import json

    from dangjian.djx.validation import DjxInvalid, load_text as parse_json

    doc = c.with_rows("s1", c.edit(3, paid="39.99"))
    text = json.dumps(doc, ensure_ascii=False).replace('"39.99"', "39.99")
    parsed = parse_json(text)
    assert isinstance(next(r for r in parsed["dues"] if r["month"] == "2025-03" and r["person"] == "s1")["paid"],
                       decimal.Decimal)
    assert fee(parsed) == [("FEE-02", "WARN", "s1", "2025-03")]
    with pytest.raises(DjxInvalid, match="两位小数"):
        check_document(parse_json(text.replace("39.99", "39.999")))
