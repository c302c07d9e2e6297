"""The people screens: the list (filters, masked ID numbers, constant query count), the person page
(the logged reveal of the ID number, posts, history, findings) and the actions. The outsider gets
404; a member sees and edits only the self-editable fields of their own record."""
import datetime as dt

import pytest
from django.urls import reverse

from conftest import _person
from dangjian.core.models import AuditEvent, Finding
from dangjian.people.models import Person

pytestmark = pytest.mark.django_db

FULL_ID = "11010519491231002X"
MASKED = "1101**********002X"


def url(name, **kw):
    return reverse(f"people:{name}", kwargs=kw or None)


# --- list --------------------------------------------------------------------------------------
def test_list_shows_scope_with_masked_id_numbers(client_as, users, people):
    page = client_as(users.secretary_a).get(url("person_list")).content.decode()
    assert "王建国" in page and "李红梅" in page
    assert "赵志强" not in page and "孙丽" not in page
    assert MASKED in page and FULL_ID not in page


def test_list_filters_by_status_and_subtree(client_as, users, tree, people):
    _person(tree.a, "张申请", status="applicant", probationary_date=None, full_member_date=None)
    c = client_as(users.committee_admin)
    page = c.get(url("person_list"), {"status": "applicant"}).content.decode()
    assert "张申请" in page and "李红梅" not in page
    page = c.get(url("person_list"), {"within": tree.b.pk}).content.decode()
    assert "孙丽" in page and "李红梅" not in page


def test_list_search_by_exact_id_number_uses_the_blind_index(client_as, users, people):
    page = client_as(users.secretary_a).get(url("person_list"), {"q": FULL_ID}).content.decode()
    assert "王建国" in page and "李红梅" not in page


def test_list_bad_filter_value_says_so(client_as, users, people):
    page = client_as(users.secretary_a).get(url("person_list"), {"probationary_after": "不是日期"}).content.decode()
    assert "筛选条件有误" in page


@pytest.mark.parametrize("n", [10, 50])
def test_list_query_count_is_constant(client_as, users, tree, people, n, django_assert_max_num_queries):
    for i in range(n):
        _person(tree.a, f"党员{i:02d}")
    c = client_as(users.secretary_a)
    # session, user, role assignments, count, page of rows, org picker label (none), session save (3)
    with django_assert_max_num_queries(10):
        r = c.get(url("person_list"), {"per_page": 50, "sort": "org"})
    assert r.status_code == 200


def test_member_sees_only_themself_in_the_list(client_as, users, people):
    page = client_as(users.member_a).get(url("person_list")).content.decode()
    assert "李红梅" in page and "王建国" not in page


# --- person page -------------------------------------------------------------------------------
def test_person_page_shows_fields_posts_and_history(client_as, users, people):
    page = client_as(users.secretary_a).get(url("person_detail", pk=people.secretary_a.pk)).content.decode()
    assert "王建国" in page and MASKED in page and FULL_ID not in page
    assert "显示完整号码" in page
    assert "第一党支部 · 书记" in page
    assert "登记人员“王建国”" in page  # the status history from AuditEvents


def test_reveal_id_number_is_logged(client_as, users, people):
    c = client_as(users.secretary_a)
    r = c.post(url("person_reveal_id", pk=people.secretary_a.pk), HTTP_HX_REQUEST="true")
    assert FULL_ID in r.content.decode()
    assert r["Cache-Control"].startswith("max-age=0")
    ev = AuditEvent.objects.get(verb="person.id_number.view")
    assert ev.actor == users.secretary_a and ev.person_id == people.secretary_a.pk


def test_reveal_needs_view_id_number(client_as, users, people):
    # The auditor may read the audit trail but not ID numbers; the member not even their own here.
    assert client_as(users.auditor).post(url("person_reveal_id", pk=people.member_a.pk)).status_code == 404
    assert "显示完整号码" not in client_as(users.auditor).get(url("person_detail", pk=people.member_a.pk)).content.decode()
    assert not AuditEvent.objects.filter(verb="person.id_number.view").exists()


def test_reveal_is_post_only(client_as, users, people):
    assert client_as(users.secretary_a).get(url("person_reveal_id", pk=people.secretary_a.pk)).status_code == 405


def test_outsider_gets_404_on_a_person(client_as, users, people):
    c = client_as(users.secretary_b)
    for name in ("person_detail", "person_edit", "person_status", "person_move", "person_id_number",
                 "person_history"):
        assert c.get(url(name, pk=people.member_a.pk)).status_code == 404, name
    assert c.post(url("person_reveal_id", pk=people.member_a.pk)).status_code == 404
    assert c.post(url("person_status", pk=people.member_a.pk),
                  {"status": "deceased", "on": "2025-01-01"}).status_code == 404
    assert Person.objects.get(pk=people.member_a.pk).status == "full"


def test_member_sees_own_page_not_others(client_as, users, people):
    c = client_as(users.member_a)
    page = c.get(url("person_detail", pk=people.member_a.pk)).content.decode()
    assert "李红梅" in page and "修改我的联系方式" in page
    assert "显示完整号码" not in page
    assert c.get(url("person_detail", pk=people.secretary_a.pk)).status_code == 404
    assert c.get(url("person_status", pk=people.member_a.pk)).status_code == 404


def test_member_edits_only_self_editable_fields(client_as, users, people):
    c = client_as(users.member_a)
    form = c.get(url("person_edit", pk=people.member_a.pk)).context["form"]
    assert set(form.fields) == {"phone", "education", "job_title"}
    r = c.post(url("person_edit", pk=people.member_a.pk), {"phone": "13800000000", "education": "大学本科",
                                                          "job_title": "科员", "name": "改名"})
    assert r.status_code == 302
    p = Person.objects.get(pk=people.member_a.pk)
    assert p.phone == "13800000000" and p.name == "李红梅"


def test_member_history_shows_own_events(client_as, users, people):
    page = client_as(users.member_a).get(url("person_history", pk=people.member_a.pk)).content.decode()
    assert "登记人员“李红梅”" in page
    assert "******" in page  # the encrypted ID number's diff is masked fully


def test_history_never_shows_the_id_number(client_as, users, people):
    page = client_as(users.secretary_a).get(url("person_history", pk=people.secretary_a.pk)).content.decode()
    assert FULL_ID not in page and "v1:" not in page
    assert "******" in page


# --- actions -----------------------------------------------------------------------------------
def test_change_status_with_reason(client_as, users, people):
    r = client_as(users.secretary_a).post(url("person_status", pk=people.member_a.pk),
                                          {"status": "suspended", "on": "2025-03-01", "reason": "半年未参加组织生活"})
    assert r.status_code == 302
    p = Person.objects.get(pk=people.member_a.pk)
    assert p.status == "suspended" and p.status_since == dt.date(2025, 3, 1)


def test_status_refusal_keeps_input(client_as, users, people):
    # 停止党籍 needs a reason: the action refuses on the reason field, the chosen status stays.
    r = client_as(users.secretary_a).post(url("person_status", pk=people.member_a.pk),
                                          {"status": "suspended", "on": "2025-03-01", "reason": ""})
    assert r.status_code == 200
    assert "除名、停止党籍须注明依据或理由。" in r.context["form"].errors["reason"]
    assert 'value="suspended" selected' in r.content.decode()
    assert Person.objects.get(pk=people.member_a.pk).status == "full"


def test_create_person_from_org_page(client_as, users, tree):
    c = client_as(users.secretary_a)
    page = c.get(url("person_create") + f"?org={tree.a.pk}").content.decode()
    assert "第一党支部" in page
    r = c.post(url("person_create") + f"?org={tree.a.pk}", {
        "name": "陈新", "org": tree.a.pk, "status": "applicant", "dues_category": "in_service",
        "id_number": "110105199002020034", "ethnicity": "汉族", "application_date": "2025-01-02"})
    assert r.status_code == 302, r.context["form"].errors
    p = Person.objects.get(name="陈新")
    assert p.org_id == tree.a.pk and p.birth_date == dt.date(1990, 2, 2)  # from the ID number


def test_create_person_bad_id_number_keeps_everything(client_as, users, tree):
    r = client_as(users.secretary_a).post(url("person_create"), {
        "name": "陈新", "org": tree.a.pk, "status": "applicant", "dues_category": "in_service",
        "id_number": "110105198001010017", "phone": "13912345678"})
    assert r.status_code == 200
    page = r.content.decode()
    assert r.context["form"].errors["id_number"]
    assert 'value="陈新"' in page and 'value="13912345678"' in page and 'value="110105198001010017"' in page
    assert not Person.objects.filter(name="陈新").exists()


def test_create_person_outside_scope_is_404(client_as, users, tree):
    assert client_as(users.secretary_a).get(url("person_create") + f"?org={tree.b.pk}").status_code == 404


def test_move_person_within_scope(client_as, users, tree, people):
    r = client_as(users.committee_admin).post(url("person_move", pk=people.member_a.pk),
                                              {"org": tree.b.pk, "on": "2025-04-01"})
    assert r.status_code == 302
    assert Person.objects.get(pk=people.member_a.pk).org_id == tree.b.pk


def test_move_person_to_a_group_is_refused(client_as, users, tree, people):
    r = client_as(users.secretary_a).post(url("person_move", pk=people.member_a.pk), {"org": tree.a1.pk, "on": "2025-04-01"})
    assert r.status_code == 200 and r.context["form"].errors["org"]
    assert Person.objects.get(pk=people.member_a.pk).org_id == tree.a.pk


def test_set_id_number(client_as, users, people):
    r = client_as(users.secretary_b).post(url("person_id_number", pk=people.member_b.pk),
                                          {"id_number": "110105198001010016"})
    # The number is already registered (for 李红梅): the action refuses on the id_number field.
    assert r.status_code == 200 and r.context["form"].errors["id_number"]


def test_edit_person_by_secretary(client_as, users, people):
    c = client_as(users.secretary_a)
    form = c.get(url("person_edit", pk=people.member_a.pk)).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items() if v is not False}
    data["job_title"] = "副处长"
    r = c.post(url("person_edit", pk=people.member_a.pk), data)
    assert r.status_code == 302, r.context["form"].errors
    assert Person.objects.get(pk=people.member_a.pk).job_title == "副处长"
    assert AuditEvent.objects.filter(verb="person.update", person=people.member_a).exists()


def test_person_page_shows_open_findings(client_as, users, tree, people):
    Finding.objects.create(rule_id="DATA-01", severity="WARN", subject_kind="person",
                           subject_id=people.member_a.pk, org=tree.a, person=people.member_a,
                           message="正式党员缺少转正日期", citation="《中国共产党发展党员工作细则》第二十九条")
    page = client_as(users.secretary_a).get(url("person_detail", pk=people.member_a.pk)).content.decode()
    assert "DATA-01" in page and "第二十九条" in page


def test_reveal_without_htmx_renders_the_page_not_a_cookie_message(client_as, users, people):
    r = client_as(users.secretary_a).post(url("person_reveal_id", pk=people.secretary_a.pk))
    assert r.status_code == 200 and FULL_ID in r.content.decode()
    assert FULL_ID not in str(r.cookies)
