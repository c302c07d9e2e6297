"""The 党费 screens as the personas use them: the secretary of branch A 核定 a member's dues, records the
branch's month on one screen (a bad amount refuses the batch and keeps what was typed), confirms what a
member declared; the member sees their own ledger and declares; the secretary of sibling B gets 404;
reports and 台账 (Excel, PDF) come from the same ledger."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import ActionError
from dangjian.dues import actions
from dangjian.dues.ledger import first_of
from dangjian.dues.models import DuesBase, DuesExemption, DuesPayment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mid_month(mid_november):
    """The clock stands mid-month (15 November 2026, Beijing time): on a month's last day the running month has
    ended and counts as one more month unpaid, which is not what these screens are tested for."""


def _month_ago(n):
    m = first_of(timezone.localdate())
    for _ in range(n):
        m = first_of(m - dt.timedelta(days=1))
    return m


@pytest.fixture
def based(people):
    """Both members of A 核定 from six months ago: 王建国 base 4000.00 (40.00 元), 李红梅 2800.00 (14.00 元)."""
    start = _month_ago(6)
    actions.do_set_base(people.secretary_a, start=start, base="4000.00")
    actions.do_set_base(people.member_a, start=start, base="2800.00")
    return start


def test_the_collector_records_a_branch_month_on_one_screen(client_as, users, people, tree, based):
    c = client_as(users.secretary_a)
    month = _month_ago(1)
    url = f"{reverse('dues:collect')}?org={tree.a.pk}&month={month:%Y-%m}"
    page = c.get(url).content.decode()
    assert "王建国" in page and "李红梅" in page and 'value="40.00"' in page and 'value="14.00"' in page
    # A bad amount refuses the whole batch, names the member and keeps what was typed.
    r = c.post(url, {f"amount_{people.secretary_a.pk}": "40.00", f"amount_{people.member_a.pk}": "14.001"})
    assert r.status_code == 200 and "李红梅" in r.content.decode() and 'value="14.001"' in r.content.decode()
    assert not DuesPayment.objects.exists()
    r = c.post(url, {f"amount_{people.secretary_a.pk}": "40.00", f"amount_{people.member_a.pk}": "1014.00",
                     f"paid_on_{people.member_a.pk}": timezone.localdate().isoformat(),
                     f"channel_{people.member_a.pk}": "bank"})
    assert r.status_code == 302
    paid = {p.person_id: p for p in DuesPayment.objects.all()}
    assert paid[people.secretary_a.pk].amount == Decimal("40.00") and paid[people.secretary_a.pk].extra == 0
    assert paid[people.member_a.pk].extra == Decimal("1000.00") and paid[people.member_a.pk].to_central
    assert client_as(users.secretary_b).get(f"{reverse('dues:collect')}?org={tree.a.pk}").status_code == 404


def test_no_payroll_deduction_channel():
    """FEE-14: 党组织不得扣缴党员党费 — there is no such channel to choose."""
    from dangjian.dues.choices import Channel

    assert not any("扣" in label for _, label in Channel.choices)


def test_a_payroll_channel_is_refused_by_the_action(people, tree, based):
    with pytest.raises(ActionError, match="FEE-14"):
        actions.do_record_payments(tree.a, _month_ago(1), [{"person": people.member_a.pk, "amount": "14.00",
                                                            "channel": "payroll"}])


def test_the_member_declares_and_the_collector_confirms(client_as, users, people, tree, based):
    me = client_as(users.member_a)
    url = reverse("dues:person", kwargs={"pk": people.member_a.pk})
    assert me.get(reverse("dues:mine")).url == url
    page = me.get(url).content.decode()
    assert "申报交纳" in page and "核定每月应交" not in page
    month = _month_ago(1)
    r = me.post(url, {"form": "declare", "month": month.isoformat(), "amount": "14.00",
                      "paid_on": timezone.localdate().isoformat(), "channel": "online"})
    assert r.status_code == 302
    pay = DuesPayment.objects.get()
    assert pay.state == "declared"
    # A member cannot 核定 their own dues nor see another member's page.
    assert me.post(url, {"form": "base", "start": month.isoformat(), "category": "in_service", "base": "1",
                         "reason": "yearly"}).status_code == 404
    assert me.get(reverse("dues:person", kwargs={"pk": people.secretary_a.pk})).status_code == 404
    sec = client_as(users.secretary_a)
    collect = f"{reverse('dues:collect')}?org={tree.a.pk}&month={month:%Y-%m}"
    assert "本人申报 14.00 元" in sec.get(collect).content.decode()
    assert sec.post(collect, {"confirm": pay.pk}).status_code == 302
    pay.refresh_from_db()
    assert pay.state == "confirmed"


def test_the_secretary_sets_the_base_from_payroll_items(client_as, users, people, tree):
    c = client_as(users.secretary_a)
    url = reverse("dues:person", kwargs={"pk": people.member_a.pk})
    r = c.post(url, {"form": "base", "start": "2026-01-01", "category": "in_service", "reason": "yearly",
                     "items": "职务工资 3200.00\n级别工资 2100.00\n住房公积金 1500.00\n个人所得税 120.00"})
    assert r.status_code == 302
    b = DuesBase.objects.get(person=people.member_a)
    assert (b.base, b.amount) == (Decimal("5180.00"), Decimal("77.70"))
    r = c.post(url, {"form": "base", "start": "2026-01-01", "category": "in_service", "reason": "yearly",
                     "items": "职务工资 3200.00\n奖金 900"})
    assert r.status_code == 200 and "奖金" in r.content.decode() and "职务工资 3200.00" in r.content.decode()


def test_a_pay_change_waits_for_january_by_default(people):
    """FEE-10 [P]: 每年初核定，年内一般不变动 — a pay change in June takes effect next January."""
    row = actions.do_set_base(people.member_a, start=dt.date(2025, 6, 1), base="6000", reason="pay_change")
    assert row.start == dt.date(2026, 1, 1)


def test_an_exemption_needs_the_approval(client_as, users, people):
    c = client_as(users.secretary_a)
    url = reverse("dues:person", kwargs={"pk": people.member_a.pk})
    data = {"form": "exemption", "kind": "exempt", "start": "2025-01-01", "reason": "长期患病，无固定收入",
            "approval": "", "approved_on": "2025-01-05"}
    r = c.post(url, data)
    assert r.status_code == 200 and "长期患病，无固定收入" in r.content.decode()
    assert not DuesExemption.objects.exists()
    data["approval"] = "中共市交通运输局机关委员会 交机党〔2025〕3号"
    assert c.post(url, data).status_code == 302
    assert DuesExemption.objects.get().approval.endswith("3号")


def test_arrears_warning_on_the_members_page_and_the_report(client_as, users, people, tree, based):
    sec = client_as(users.secretary_a)
    page = sec.get(reverse("dues:person", kwargs={"pk": people.member_a.pk})).content.decode()
    assert "已连续 6 个月未交纳党费" in page
    report = sec.get(f"{reverse('dues:report')}?org={tree.a.pk}").content.decode()
    assert "欠交党费" in report and "李红梅" in report
    xlsx = sec.get(f"{reverse('dues:report')}?org={tree.a.pk}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = sec.get(f"{reverse('dues:report')}?org={tree.a.pk}&format=pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    notice = sec.get(f"{reverse('dues:report')}?org={tree.a.pk}&format=notice").content.decode()
    assert "党费收缴情况的公示" in notice
    r = sec.post(f"{reverse('dues:report')}?org={tree.a.pk}", {"year": timezone.localdate().year,
                                                                "published_on": timezone.localdate().isoformat(),
                                                                "note": "支部党员大会通报"})
    assert r.status_code == 302
    assert client_as(users.secretary_b).get(f"{reverse('dues:report')}?org={tree.a.pk}").status_code == 404


def test_the_collect_page_has_an_empty_state(client_as, users):
    page = client_as(users.wc_admin).get(reverse("dues:collect")).content.decode()
    assert "没有在册党员" in page or "党费收缴" in page


def test_a_branch_that_did_not_publish_last_year(people, tree):
    """FEE-16: each branch publishes its collection at least once a year — judged from 31 December on (a
    period has ended on its last day, as djx.md counts them); a publication that day clears it."""
    from dangjian.core import engine

    actions.do_set_base(people.member_a, start=dt.date(2024, 1, 1), base="2800")
    actions.do_record_payments(tree.a, dt.date(2024, 3, 1), [{"person": people.member_a.pk, "amount": "14.00",
                                                              "paid_on": dt.date(2024, 3, 5)}])

    def fee16(day):
        ctx = engine.Context(as_of=day, settings=engine.effective_settings())
        return [(h.period, h.subject.pk) for _, h in engine.evaluate(ctx, ["FEE-16"])]
    assert fee16(dt.date(2024, 12, 30)) == []
    assert fee16(dt.date(2024, 12, 31)) == [("2024", tree.a.pk)]
    actions.do_publish(tree.a, year=2024, published_on=dt.date(2024, 12, 31))
    assert fee16(dt.date(2025, 1, 5)) == []


def test_the_year_is_carried_forward_in_one_step(client_as, users, people, tree):
    """FEE-10: 每年初核定 — members without this year's 核定 are offered one step from last year's base."""
    today = timezone.localdate()
    actions.do_set_base(people.member_a, start=dt.date(today.year - 1, 1, 1), base="2800.00")
    actions.do_set_base(people.secretary_a, start=dt.date(today.year - 1, 1, 1), base="6000.00")
    actions.do_set_base(people.secretary_a, start=dt.date(today.year, 1, 1), base="6500.00")
    c = client_as(users.secretary_a)
    url = f"{reverse('dues:collect')}?org={tree.a.pk}"
    assert "1 名党员尚未核定" in c.get(url).content.decode()
    assert c.post(url, {"carry": "1"}).status_code == 302
    b = DuesBase.objects.get(person=people.member_a, start=dt.date(today.year, 1, 1))
    assert (b.base, b.amount) == (Decimal("2800.00"), Decimal("14.00"))
    assert DuesBase.objects.get(person=people.secretary_a, start=dt.date(today.year, 1, 1)).base == Decimal("6500.00")
    assert "尚未核定" not in c.get(url).content.decode()
