"""Dues in and out: DJX `dues` survives a round trip with the same findings; a bank or payroll sheet
(.xlsx or .csv) is previewed row by row, a bad row refuses the whole file with its row number and writes
nothing, and importing the same file twice records each payment once."""
import io
from decimal import Decimal

import pytest

from dangjian.core.errors import ActionError
from dangjian.djx.actions import do_import_djx
from dangjian.djx.check import check_document
from dangjian.djx.exporter import export_document
from dangjian.dues import actions, imports
from dangjian.dues.models import DuesPayment

from . import cases as c

pytestmark = pytest.mark.django_db


def fee(doc):
    return sorted((f["rule"], f["severity"], f["period"]) for f in check_document(doc) if f["rule"].startswith("FEE-"))


def test_djx_dues_round_trip():
    doc = c.with_rows("s1", c.then(c.unpaid(8, 9, 10), c.edit(3, paid="39.99"), c.edit(4, paid="1040.00"),
                                   c.edit(5, exempt=True, approval="工委〔2025〕1号", paid="0.00")))
    do_import_djx(doc, run_rules=False)
    out = export_document(log=False)
    out["meta"]["as_of"] = doc["meta"]["as_of"]
    # (every month to the export's date is written: the months after the file's as-of are unpaid rows)
    assert len([r for r in out["dues"] if r["month"] <= "2025-12"]) == 36
    may = next(r for r in out["dues"] if r["person"] == "s1" and r["month"] == "2025-05")
    assert may["exempt"] is True and may["approval"] == "工委〔2025〕1号"
    assert fee(out) == fee(doc) == [("FEE-02", "WARN", "2025-03"), ("FEE-11", "INFO", None)]
    again = do_import_djx(doc, run_rules=False)
    assert again.counts["dues"].created == 0 and DuesPayment.objects.count() == 32


def _csv(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def members(people):
    actions.do_set_base(people.secretary_a, start=__import__("datetime").date(2025, 1, 1), base="4000.00")
    actions.do_set_base(people.member_a, start=__import__("datetime").date(2025, 1, 1), base="2800.00")
    return people


def test_a_csv_is_previewed_then_written_once(members, users):
    data = _csv(["收缴明细", "公民身份号码,姓名,月份,金额,交纳日期,交纳方式",
                 "11010519491231002X,王建国,2025-01,40.00,2025-01-10,转账",
                 "110105198001010016,李红梅,2025年1月,1014,2025-01-12,扫码"])
    p = imports.parse(data, "明细.csv", users.secretary_a)
    assert p.errors == [] and [(r.n, r.amount) for r in p.rows] == [(3, Decimal("40.00")), (4, Decimal("1014.00"))]
    assert imports.commit(p, acting_user=users.secretary_a) == (2, 0)
    pay = DuesPayment.objects.get(person=members.member_a)
    assert pay.extra == Decimal("1000.00") and pay.channel == "online"
    assert imports.commit(imports.parse(data, "明细.csv", users.secretary_a)) == (0, 2)
    assert DuesPayment.objects.count() == 2


@pytest.mark.parametrize("line, words", [
    ("110105198001010016,李红梅,2025-02,abc,2025-02-10,转账", "不是数字"),
    ("110105198001010016,李红梅,2025-02,14.001,2025-02-10,转账", "两位小数"),
    ("110105198001010016,李红梅,2025-13,14.00,2025-02-10,转账", "月份"),
    ("110105198001010016,王五,2025-02,14.00,2025-02-10,转账", "姓名“王五”与"),
    ("110105199001010011,李红梅,2025-02,14.00,2025-02-10,转账", "不是您管理范围内"),
    ("110105198001010016,李红梅,2025-02,14.00,2025-02-10,工资代扣", "FEE-14"),
])
def test_a_bad_row_refuses_the_file_with_its_row_number(members, users, line, words):
    data = _csv(["公民身份号码,姓名,月份,金额,交纳日期,交纳方式",
                 "11010519491231002X,王建国,2025-02,40.00,2025-02-10,转账", line])
    p = imports.parse(data, "明细.csv", users.secretary_a)
    assert [n for n, _ in p.errors] == [3] and words in p.errors[0][1], p.errors
    with pytest.raises(ActionError, match="未导入任何数据"):
        imports.commit(p)
    assert not DuesPayment.objects.exists()


def test_the_sibling_secretary_cannot_import_branch_a(members, users):
    data = _csv(["公民身份号码,月份,金额", "110105198001010016,2025-02,14.00"])
    p = imports.parse(data, "明细.csv", users.secretary_b)
    assert p.rows == [] and "不是您管理范围内" in p.errors[0][1]


def test_an_xlsx_reads_amounts_as_text_not_floats(members, users):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["人员编号", "姓名", "月份", "金额", "交纳日期"])
    ws.append([str(members.member_a.pk), "李红梅", "2025-03", 14.1, "2025-03-05"])
    buf = io.BytesIO()
    wb.save(buf)
    p = imports.parse(buf.getvalue(), "明细.xlsx", users.secretary_a)
    assert p.errors == [] and p.rows[0].amount == Decimal("14.10")


def test_the_import_page(client_as, users, members, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MEDIA_ROOT = str(tmp_path)
    c = client_as(users.secretary_a)
    url = reverse("dues:import")
    bad = SimpleUploadedFile("明细.csv", _csv(["公民身份号码,月份,金额", "110105198001010016,2025-02,x"]))
    r = c.post(url, {"file": bad})
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert "第 2 行" in page and "确认导入" not in page
    good = SimpleUploadedFile("明细.csv", _csv(["公民身份号码,月份,金额", "110105198001010016,2025-02,14.00"]))
    r = c.post(url, {"file": good})
    token = r["Location"].split("token=")[1]
    assert "确认导入" in c.get(r["Location"]).content.decode()
    assert client_as(users.secretary_b).post(url, {"token": token, "action": "commit"}).status_code == 400
    c = client_as(users.secretary_a)
    assert c.post(url, {"token": token, "action": "commit"}).status_code == 302
    assert DuesPayment.objects.count() == 1
    assert client_as(users.member_a).get(url).status_code == 403
