"""组织关系转接 as the secretary of branch A does it: a letter to an organisation outside the platform keeps
the member in A until the 回执 is confirmed (then 已转出), a move to branch B is one step with history, a
letter that lapses is REL-03 until the report; 流动党员 are contacted (EDU-05); the 三清 view puts org
life, dues and relation on one line. The secretary of sibling B gets 404; a member cannot act."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core import engine
from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.membership import actions
from dangjian.membership.models import Transfer
from dangjian.people.models import Person

pytestmark = pytest.mark.django_db
JSON = "application/json"


def hits(rule, as_of=None):
    ctx = engine.Context(as_of=as_of or timezone.localdate(), settings=engine.effective_settings())
    return [h for _, h in engine.evaluate(ctx, [rule])]


def test_a_letter_out_keeps_the_member_until_the_report(people, users):
    day = dt.date(2025, 3, 3)
    t = actions.do_issue_transfer_out(people.member_a, to_name="外省某县财政局机关党支部", letter_date=day,
                                      acting_user=users.secretary_a)
    assert t.valid_until == dt.date(2025, 6, 2)                         # three months (setting), less a day
    assert Person.objects.get(pk=people.member_a.pk).status == "full"   # still A's member
    with pytest.raises(ActionError, match="尚未报到"):
        actions.do_issue_transfer_out(people.member_a, to_name="另一处", letter_date=day)
    assert hits("REL-03", dt.date(2025, 6, 2)) == []
    (h,) = hits("REL-03", dt.date(2025, 6, 3))
    assert "没有报到回执" in h.message
    actions.do_confirm_report(t, reported_on=dt.date(2025, 6, 5), acting_user=users.secretary_a)
    assert Person.objects.get(pk=people.member_a.pk).status == "transferred_out"
    assert hits("REL-03", dt.date(2025, 7, 1)) == []
    assert AuditEvent.objects.filter(verb="transfer.report").exists()


def test_a_move_inside_the_platform_is_one_step(people, tree, users):
    t = actions.do_issue_transfer_out(people.member_a, to_org=tree.b, letter_date=dt.date(2025, 3, 3),
                                      acting_user=users.secretary_a)
    assert Person.objects.get(pk=people.member_a.pk).org == tree.b
    assert (t.from_org, t.to_org, t.reported_on) == (tree.a, tree.b, dt.date(2025, 3, 3))
    assert AuditEvent.objects.filter(verb="person.move").exists()


def test_a_transfer_in_from_outside(people, users):
    Person.objects.filter(pk=people.member_a.pk).update(status="transferred_out")
    t = actions.do_receive_transfer_in(Person.objects.get(pk=people.member_a.pk), from_name="外省某县党支部",
                                       letter_date=dt.date(2025, 3, 1), reported_on=dt.date(2025, 3, 10))
    assert t.direction == "in" and Person.objects.get(pk=people.member_a.pk).status == "full"


def test_the_pages(client_as, users, people, tree):
    c = client_as(users.secretary_a)
    url = reverse("membership:transfer_list")
    r = c.post(url, {"form": "issue", "person": people.member_a.pk, "to_name": "", "letter_date": "2025-03-03"})
    assert r.status_code == 200 and "请选择本系统内的接收党组织" in r.content.decode()
    r = c.post(url, {"form": "issue", "person": people.member_a.pk, "to_name": "外省某县党支部",
                     "letter_no": "交机党转〔2025〕8号", "letter_date": "2025-03-03"})
    assert r.status_code == 302
    t = Transfer.objects.get()
    detail = reverse("membership:transfer_detail", kwargs={"pk": t.pk})
    page = c.get(detail).content.decode()
    assert "已过期，尚未报到" in page and "确认报到" in page
    assert client_as(users.secretary_b).get(detail).status_code == 404
    assert client_as(users.member_a).post(detail, {"form": "report", "reported_on": "2025-03-10"}).status_code == 404
    c = client_as(users.secretary_a)
    assert c.post(detail, {"form": "report", "reported_on": "2025-03-10"}).status_code == 302
    assert "报到" in c.get(url).content.decode()


def test_mobile_members_are_contacted(client_as, users, people):
    """EDU-05: 外出6个月以上、未转移组织关系的流动党员，至少每3个月（参数）联系一次."""
    today = timezone.localdate()
    Person.objects.filter(pk=people.member_a.pk).update(away_since=today - dt.timedelta(days=400),
                                                        away_fixed_location=False)
    (h,) = hits("EDU-05")
    assert "没有联系记录" in h.message
    c = client_as(users.secretary_a)
    page = c.get(reverse("membership:mobile")).content.decode()
    assert "李红梅" in page and "逾期未联系" in page
    r = c.post(reverse("membership:mobile"), {"person": people.member_a.pk, "date": today.isoformat(), "way": "phone",
                                               "note": "在外地项目部，身体健康"})
    assert r.status_code == 302
    assert hits("EDU-05") == []
    assert client_as(users.secretary_b).post(reverse("membership:mobile"), {
        "person": people.member_a.pk, "date": today.isoformat(), "way": "phone"}).status_code == 404


def test_sanqing_lines_up_org_life_dues_and_relation(client_as, users, people, tree):
    from dangjian.dues.actions import do_set_base
    from dangjian.dues.ledger import first_of

    start = first_of(timezone.localdate() - dt.timedelta(days=200))
    do_set_base(people.member_a, start=start, base="2800")
    Person.objects.filter(pk=people.secretary_a.pk).update(lost_contact_since=dt.date(2025, 1, 1))
    c = client_as(users.secretary_a)
    page = c.get(reverse("membership:sanqing"), {"org": tree.a.pk}).content.decode()
    assert "欠交" in page and "失联" in page and "启动组织处置" in page
    assert client_as(users.secretary_b).get(reverse("membership:sanqing"), {"org": tree.a.pk}).status_code == 404


def test_the_api(client_as, users, people, tree):
    api = client_as(users.secretary_a)
    r = api.post("/api/transfers/issue/", {"person": people.member_a.pk, "to_name": "外省某县党支部",
                                           "letter_date": "2025-03-03"}, content_type=JSON)
    assert r.status_code == 201 and r.json()["pending"]
    pk = r.json()["id"]
    assert client_as(users.secretary_b).get(f"/api/transfers/{pk}/").status_code == 404
    assert client_as(users.member_a).post(f"/api/transfers/{pk}/report/", {"reported_on": "2025-03-10"},
                                          content_type=JSON).status_code in (403, 404)
    api = client_as(users.secretary_a)
    assert api.post(f"/api/transfers/{pk}/report/", {"reported_on": "2025-03-10"}, content_type=JSON).json()[
        "reported_on"] == "2025-03-10"
    r = api.post("/api/mobile-contacts/", {"person": people.secretary_a.pk, "date": "2025-03-10", "way": "phone"},
                 content_type=JSON)
    assert r.status_code == 201


@pytest.mark.parametrize("days, fixed, words", [
    (80, True, "无需开具凭证"), (100, True, "党员证明信"), (200, True, "组织关系介绍信"), (200, False, "流动党员活动证"),
])
def test_which_document_a_member_away_carries(days, fixed, words):
    """REL-02: under three months none; up to six a 党员证明信; six or more at a fixed place the letter,
    at no fixed place the 《流动党员活动证》."""
    from dangjian.membership.documents import away_document

    today = dt.date(2025, 12, 31)
    assert words in away_document(today - dt.timedelta(days=days), fixed, today)


def test_mobile_contact_boundary(people):
    """EDU-05: a contact exactly three months ago is too old; a day later it is recent enough."""
    today = timezone.localdate()
    Person.objects.filter(pk=people.member_a.pk).update(away_since=today - dt.timedelta(days=400))
    from dangjian.core.periods import add_months

    c = actions.do_record_contact(Person.objects.get(pk=people.member_a.pk), date=add_months(today, -3), way="phone")
    assert len(hits("EDU-05")) == 1
    c.date = add_months(today, -3) + dt.timedelta(days=1)
    c.save()
    assert hits("EDU-05") == []


@pytest.mark.parametrize("letter_before_away", [True, False])
def test_a_move_before_going_away_does_not_end_the_contacts(client_as, users, people, tree, letter_before_away):
    """EDU-05 counts only a letter issued since the member went away (as EDU-04 does): 李红梅, moved from B to A
    in 2022 (a move on the platform leaves a completed letter), away since 400 days ago, is still to be contacted;
    a letter issued after she went away ends it."""
    from dangjian.people.actions import do_move_person

    today = timezone.localdate()
    away = today - dt.timedelta(days=400)
    do_move_person(people.member_a, tree.b, on=dt.date(2022, 3, 1))
    do_move_person(people.member_a, tree.a, on=dt.date(2022, 3, 2) if letter_before_away else away)
    Person.objects.filter(pk=people.member_a.pk).update(away_since=away, away_fixed_location=False)
    page = client_as(users.secretary_a).get(reverse("membership:mobile")).content.decode()
    if letter_before_away:
        (h,) = hits("EDU-05")
        assert h.subject.pk == people.member_a.pk
        assert "逾期未联系" in page and "已开介绍信" not in page
    else:
        assert hits("EDU-05") == []
        assert "已开介绍信" in page and "逾期未联系" not in page
