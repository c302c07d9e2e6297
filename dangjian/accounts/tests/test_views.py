"""账户管理页面: a branch secretary or a 工委 admin opens logins and grants roles in their own subtree
from the browser. The outsider gets 404 on the accounts of branch A; generated passwords are shown
once; the first login with one goes to the password page; a deactivated account cannot log in."""
import pytest
from django.urls import reverse

from conftest import _person
from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Dangjian2026!"


def url(name, **kw):
    return reverse(f"accounts:{name}", kwargs=kw or None)


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def shown_password(response) -> str:
    import re

    m = re.search(r'id="generated-password">([^<]+)<', response.content.decode())
    assert m, "页面上应显示一次生成的密码"
    return m.group(1)


@pytest.fixture
def newcomer(tree):
    return _person(tree.a, "陈新")


# --- 列表 ---------------------------------------------------------------------------------------
def test_list_shows_the_accounts_of_the_subtree_with_roles_and_status(client_as, users):
    page = client_as(users.secretary_a).get(url("user_list")).content.decode()
    assert "secretary_a" in page and "member_a" in page and "李红梅" in page
    assert "secretary_b" not in page and "wc_admin" not in page
    assert "党员（本人） · 第一党支部" in page and "启用" in page and "从未登录" in page


def test_list_search_and_status_filter(client_as, users):
    c = client_as(users.committee_admin)
    page = c.get(url("user_list"), {"q": "李红"}).content.decode()
    assert "member_a" in page and "secretary_b" not in page
    User.objects.filter(pk=users.secretary_b.pk).update(is_active=False)
    page = c.get(url("user_list"), {"status": "inactive"}).content.decode()
    assert "secretary_b" in page and "member_a" not in page and "停用" in page


@pytest.mark.parametrize("n", [5, 30])
def test_list_query_count_is_constant(client_as, users, tree, n, django_assert_max_num_queries):
    from dangjian.accounts.actions import do_assign_role, do_create_user

    for i in range(n):
        u = do_create_user(username=f"user{i:02d}", password=None, person=_person(tree.a, f"党员{i:02d}"))
        do_assign_role(u, "member", tree.a)
    c = client_as(users.secretary_a)
    # session, user, role assignments, count, page of users, their roles (prefetch), session save
    with django_assert_max_num_queries(9):
        r = c.get(url("user_list"), {"per_page": 50})
    assert r.status_code == 200
    assert f"user{n - 1:02d}" in r.content.decode()


def test_list_and_menu_only_for_those_who_manage_accounts(client_as, users):
    assert "bi-person-gear" in client_as(users.secretary_a).get(reverse("home")).content.decode()
    for who in (users.member_a, users.auditor):
        c = client_as(who)
        assert 'href="/accounts/"' not in c.get(reverse("home")).content.decode()
        assert c.get(url("user_list")).status_code == 404
        assert c.get(url("user_create")).status_code == 404


# --- 范围之外答 404 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("route,method", [("user_detail", "get"), ("user_grant", "get"), ("user_grant", "post"),
                                          ("user_reset_password", "post"), ("user_unlock", "post"),
                                          ("user_set_active", "post")])
def test_outsider_gets_404_on_the_accounts_of_branch_a(client_as, users, route, method):
    c = client_as(users.secretary_b)
    for account in (users.secretary_a, users.member_a):
        assert getattr(c, method)(url(route, pk=account.pk)).status_code == 404
    assert not AuditEvent.objects.filter(actor=users.secretary_b).exists()


def test_outsider_cannot_revoke_a_role_of_branch_a(client_as, users):
    ra = RoleAssignment.objects.get(user=users.member_a)
    assert client_as(users.secretary_b).post(url("roleassignment_revoke", pk=ra.pk)).status_code == 404
    assert RoleAssignment.objects.active().filter(pk=ra.pk).exists()


def test_account_page_shows_roles_actions_and_history(client_as, users):
    page = client_as(users.secretary_a).get(url("user_detail", pk=users.member_a.pk)).content.decode()
    assert "党员（本人）" in page and "撤销" in page and "重置密码" in page and "停用账户" in page
    assert "授予角色" in page and 'name="org"' in page
    assert "工委管理员" not in page  # not in the secretary's choices
    assert "创建账户“member_a”" in page  # the account's own history


def test_roles_outside_the_scope_are_counted_not_named(client_as, users, tree):
    from dangjian.accounts.actions import do_assign_role

    do_assign_role(users.member_a, "auditor", tree.b)
    page = client_as(users.secretary_a).get(url("user_detail", pk=users.member_a.pk)).content.decode()
    assert "另有 1 项在您管理范围之外的角色" in page and "第二党支部" not in page
    assert "只能由上级管理员办理" in page and "重置密码</button>" not in page


# --- 开通账户 ------------------------------------------------------------------------------------
def test_secretary_opens_a_login_from_the_person_page(client_as, users, newcomer):
    c = client_as(users.secretary_a)
    person_page = c.get(reverse("people:person_detail", kwargs={"pk": newcomer.pk})).content.decode()
    link = f'{url("user_create")}?person={newcomer.pk}'
    assert link in person_page
    form = c.get(link).content.decode()
    assert "陈新" in form  # the picker is filled in
    r = c.post(url("user_create"), {"person": newcomer.pk, "username": "chenxin", "grant_member": "on"})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    password = shown_password(r)
    user = User.objects.get(username="chenxin")
    assert user.person == newcomer and user.check_password(password)
    assert RoleAssignment.objects.active().filter(user=user, role="member", org=newcomer.org).exists()
    # Shown once: the account page does not show it again.
    assert password not in c.get(url("user_detail", pk=user.pk)).content.decode()
    assert {"user.create", "role.assign"} <= set(AuditEvent.objects.filter(actor=users.secretary_a)
                                                 .values_list("verb", flat=True))
    assert not AuditEvent.objects.filter(summary__contains=password).exists()
    assert password not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_person_with_a_login_goes_to_the_account(client_as, users, people):
    r = client_as(users.secretary_a).get(url("user_create"), {"person": people.member_a.pk})
    assert r.status_code == 302 and r["Location"] == url("user_detail", pk=users.member_a.pk)


def test_no_login_for_a_person_of_branch_b(client_as, users, people):
    c = client_as(users.secretary_a)
    assert c.get(url("user_create"), {"person": people.member_b.pk}).status_code == 404
    page = c.post(url("user_create"), {"person": people.member_b.pk, "username": "sunli"}).content.decode()
    assert "请从搜索结果中选择一名您管理范围内的人员" in page
    assert not User.objects.filter(username="sunli").exists()


def test_taken_username_says_so_and_creates_nothing(client_as, users, newcomer):
    page = client_as(users.secretary_a).post(url("user_create"), {"person": newcomer.pk, "username": "member_a",
                                                                  "grant_member": "on"}).content.decode()
    assert "已被使用" in page and not User.objects.filter(person=newcomer).exists()


# --- 授予与撤销角色 --------------------------------------------------------------------------------
def test_secretary_grants_member_on_branch_a(client_as, users, tree, newcomer):
    from dangjian.accounts.actions import do_create_user

    account = do_create_user(username="chenxin", password=None, person=newcomer)
    r = client_as(users.secretary_a).post(url("user_grant", pk=account.pk), {"role": "member", "org": tree.a.pk})
    assert r.status_code == 302 and r["Location"] == url("user_detail", pk=account.pk)
    assert RoleAssignment.objects.filter(user=account, role="member", org=tree.a).exists()


def test_secretary_cannot_grant_on_branch_b(client_as, users, tree):
    r = client_as(users.secretary_a).post(url("user_grant", pk=users.member_a.pk),
                                          {"role": "member", "org": tree.b.pk})
    assert r.status_code == 200 and "请从搜索结果中选择一个您管理范围内的组织" in r.content.decode()
    assert not RoleAssignment.objects.filter(user=users.member_a, org=tree.b).exists()


def test_secretary_cannot_grant_work_committee_admin(client_as, users, tree):
    r = client_as(users.secretary_a).post(url("user_grant", pk=users.member_a.pk),
                                          {"role": "work_committee_admin", "org": tree.a.pk})
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    assert not RoleAssignment.objects.filter(user=users.member_a, role="work_committee_admin").exists()


def test_only_the_work_committee_is_offered_work_committee_admin(users, tree):
    # The form offers the role to nobody below the 工委; a forged post is refused by the action too
    # (see test_actions).
    from dangjian.accounts.forms import GrantRoleForm

    assert not GrantRoleForm({"role": "work_committee_admin", "org": tree.a.pk}, user=users.committee_admin).is_valid()
    assert GrantRoleForm({"role": "work_committee_admin", "org": tree.a.pk}, user=users.wc_admin).is_valid()


def test_wc_admin_grants_work_committee_admin(client_as, users, tree):
    c = client_as(users.wc_admin)
    assert "工委管理员" in c.get(url("user_detail", pk=users.committee_admin.pk)).content.decode()
    r = c.post(url("user_grant", pk=users.committee_admin.pk), {"role": "work_committee_admin", "org": tree.wc.pk})
    assert r.status_code == 302
    assert RoleAssignment.objects.filter(user=users.committee_admin, role="work_committee_admin").exists()


def test_revoke_from_the_account_page(client_as, users):
    ra = RoleAssignment.objects.get(user=users.member_a)
    r = client_as(users.secretary_a).post(url("roleassignment_revoke", pk=ra.pk), follow=True)
    assert "已撤销" in r.content.decode()
    assert not RoleAssignment.objects.active().filter(pk=ra.pk).exists()
    assert AuditEvent.objects.filter(verb="role.revoke", actor=users.secretary_a).exists()


def test_own_role_cannot_be_revoked_here(client_as, users):
    ra = RoleAssignment.objects.get(user=users.secretary_a)
    r = client_as(users.secretary_a).post(url("roleassignment_revoke", pk=ra.pk), follow=True)
    assert "不能撤销自己的角色" in r.content.decode()
    assert RoleAssignment.objects.active().filter(pk=ra.pk).exists()


# --- 停用、重置密码、首次登录 -------------------------------------------------------------------------
def test_a_deactivated_user_cannot_log_in(client, client_as, users):
    r = client_as(users.secretary_a).post(url("user_set_active", pk=users.member_a.pk), {"active": "0"}, follow=True)
    assert "已停用账户" in r.content.decode()
    client.logout()
    r = login(client, "member_a", PASSWORD)
    assert r.status_code == 200 and "_auth_user_id" not in client.session
    assert "该账户已停用" in r.content.decode()
    assert "该账户已停用" not in login(client, "member_a", "wrong-password-1").content.decode()
    assert AuditEvent.objects.filter(verb="user.deactivate", actor=users.secretary_a).exists()


def test_a_deactivated_users_session_ends(client, users):
    from dangjian.accounts.actions import do_set_active

    client.force_login(users.member_a)
    do_set_active(users.member_a, False, acting_user=users.secretary_a)
    assert client.get(reverse("home")).status_code == 302


def test_reset_password_shows_it_once_and_the_old_one_stops_working(client, users):
    admin = client.__class__()
    admin.force_login(users.secretary_a)
    r = admin.post(url("user_reset_password", pk=users.member_a.pk))
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    new = shown_password(r)
    assert new not in admin.get(url("user_detail", pk=users.member_a.pk)).content.decode()
    assert login(client, "member_a", PASSWORD).status_code == 200  # the old password: refused
    r = login(client, "member_a", new)
    assert r.status_code == 302 and r["Location"] == reverse("password_change")
    event = AuditEvent.objects.get(verb="user.reset_password")
    assert event.actor == users.secretary_a and new not in f"{event.summary}{event.data}"


def test_first_login_goes_to_the_password_page_until_changed(client, client_as, users, newcomer):
    admin = client.__class__()
    admin.force_login(users.secretary_a)
    initial = shown_password(admin.post(url("user_create"), {"person": newcomer.pk, "username": "chenxin",
                                                              "grant_member": "on"}))
    r = login(client, "chenxin", initial)
    assert r.status_code == 302 and r["Location"] == reverse("password_change")
    page = client.get(r["Location"]).content.decode()
    assert "初始密码" in page
    r = client.post(reverse("password_change"), {"old_password": initial, "new_password1": "Hongqi2026piao",
                                                 "new_password2": "Hongqi2026piao"})
    assert r.status_code == 302
    client.logout()
    r = login(client, "chenxin", "Hongqi2026piao")
    assert r.status_code == 302 and r["Location"] == reverse("home")


def test_middleware_keeps_an_initial_password_user_on_the_password_page(client, settings, users):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "dangjian.accounts.middleware.PasswordChangeRequiredMiddleware"]
    User.objects.filter(pk=users.member_a.pk).update(password_changed=None)
    client.force_login(users.member_a)
    r = client.get(reverse("people:person_detail", kwargs={"pk": users.member_a.person_id}))
    assert r.status_code == 302 and r["Location"] == reverse("password_change")
    assert client.get(reverse("password_change")).status_code == 200
    assert client.get(reverse("me-list")).status_code == 403
    User.objects.filter(pk=users.member_a.pk).update(password_changed="2026-01-01T00:00:00Z")
    assert client.get(reverse("home")).status_code == 200


def test_an_htmx_request_of_an_initial_password_user_loads_the_password_page_whole(client, users):
    User.objects.filter(pk=users.member_a.pk).update(password_changed=None)
    client.force_login(users.member_a)
    r = client.get(reverse("people:person_detail", kwargs={"pk": users.member_a.person_id}), HTTP_HX_REQUEST="true")
    assert r.status_code in (200, 204) and r["HX-Redirect"] == reverse("password_change")
    assert not r.has_header("Location")


def test_unlock_from_the_account_page(client_as, users):
    from django.utils import timezone

    User.objects.filter(pk=users.member_a.pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=10))
    c = client_as(users.secretary_a)
    assert "解除锁定" in c.get(url("user_detail", pk=users.member_a.pk)).content.decode()
    r = c.post(url("user_unlock", pk=users.member_a.pk), follow=True)
    assert "已解除" in r.content.decode()
    users.member_a.refresh_from_db()
    assert not users.member_a.is_locked
    assert AuditEvent.objects.filter(verb="user.unlock", actor=users.secretary_a).exists()
