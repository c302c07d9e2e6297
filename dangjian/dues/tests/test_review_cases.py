"""Cases a review found: months with nothing but a "0.00" row still count; people who left are not billed
after their last row; an exemption without approval reduces nothing; Excel's binary fractions; a month
paid in two parts survives a round trip; the collect screen refuses a double save and counts what the
month already had; huge amounts and a bad setting in a file do not crash; the collect page's queries do
not grow with the branch."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import ActionError
from dangjian.djx.actions import do_import_djx
from dangjian.djx.check import check_document
from dangjian.djx.exporter import export_document
from dangjian.dues import actions, imports
from dangjian.dues.calc import MoneyError, money
from dangjian.dues.ledger import first_of
from dangjian.dues.models import DuesPayment

from . import cases as c

pytestmark = pytest.mark.django_db


def fee(doc, as_of=None):
    return [(f["rule"], f["severity"], f["subject"]["person"]) for f in check_document(doc, as_of)
            if f["rule"].startswith("FEE-")]


def test_rows_with_nothing_but_zero_count_from_the_first():
    doc = c.complete()
    doc["dues"] = [r for r in doc["dues"] if r["person"] != "s1"] + [
        {"person": "s1", "month": f"2025-{m:02d}", "paid": "0.00"} for m in range(7, 13)]
    assert fee(doc) == [("FEE-13", "BLOCK", "s1")]


def test_someone_who_left_is_not_billed_after_their_last_row():
    doc = c.with_rows("s1", lambda rs: [r for r in rs if int(r["month"][5:]) <= 5],
                      people={"s1": {"status": "transferred_out"}})
    assert fee(doc) == []


def test_an_exemption_without_approval_reduces_nothing():
    doc = c.with_rows("s1", c.then(*[c.edit(m, exempt=True, paid="0.00") for m in range(7, 13)]))
    assert sorted(fee(doc)) == [("FEE-08", "WARN", "s1"), ("FEE-13", "BLOCK", "s1")]


def test_excel_binary_fractions_are_read_as_excel_shows_them():
    assert imports._amount_text("0.57999999999999996") == "0.58"
    assert imports._amount_text("39.990000000000002") == "39.99"
    with pytest.raises(MoneyError):
        money(imports._amount_text("14.000999999999999"))


def test_huge_amounts_and_a_bad_setting_do_not_crash():
    with pytest.raises(MoneyError, match="过大"):
        money("1E+30")
    doc = c.with_rows("s1", c.unpaid(10, 11, 12))
    doc["meta"]["settings"] = {"dues_arrears_warn_months": 0}
    assert fee(doc) == [("FEE-12", "WARN", "s1")]


def test_a_month_paid_in_two_parts_survives_a_round_trip(people, tree):
    month = first_of(timezone.localdate() - dt.timedelta(days=40))
    actions.do_set_base(people.member_a, start=month, base="2800.00")
    actions.do_record_payments(tree.a, month, [{"person": people.member_a.pk, "amount": "10.00",
                                                "paid_on": month + dt.timedelta(days=3)}])
    with pytest.raises(ActionError, match="请勿重复保存"):
        actions.do_record_payments(tree.a, month, [{"person": people.member_a.pk, "amount": "10.00",
                                                    "paid_on": month + dt.timedelta(days=3)}])
    (second,) = actions.do_record_payments(tree.a, month, [{"person": people.member_a.pk, "amount": "1004.00",
                                                            "paid_on": month + dt.timedelta(days=5)}])
    assert second.extra == Decimal("1000.00")          # 10.00 + 1004.00 − 14.00 due
    out = export_document(log=False)
    row = next(r for r in out["dues"] if r["month"] == f"{month:%Y-%m}")
    assert row["paid"] == "1014.00"
    do_import_djx(out, run_rules=False)
    assert DuesPayment.objects.count() == 2


def test_the_collect_page_queries_do_not_grow_with_the_branch(client_as, users, people, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import _person

    c_ = client_as(users.secretary_a)
    url = f"{reverse('dues:collect')}?org={tree.a.pk}"
    c_.get(url)
    with CaptureQueriesContext(connection) as few:
        c_.get(url)
    for i in range(10):
        p = _person(tree.a, f"党员{i}")
        if i % 2:
            actions.do_set_base(p, start=dt.date(2025, 1, 1), base="3000")
    with CaptureQueriesContext(connection) as many:
        c_.get(url)
    assert len(many) == len(few)
