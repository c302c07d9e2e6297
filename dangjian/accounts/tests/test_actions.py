"""账户与角色的管理动作: an admin gives logins and roles only within their own subtree and never more
than they hold (no privilege escalation); every action is audited and no password reaches the audit
trail."""
import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from conftest import _person
from dangjian.accounts import actions
from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.core.permissions import CHANGE, VIEW, can_in_org

pytestmark = pytest.mark.django_db

PASSWORD = "Dangjian2026!"


@pytest.fixture
def newcomer(tree):
    """A member of branch A with no login yet."""
    return _person(tree.a, "陈新")


def _events(verb, obj):
    return AuditEvent.objects.filter(verb=verb, object_type=obj._meta.label_lower, object_id=str(obj.pk))


def assert_no_password_in_audit(*passwords):
    for e in AuditEvent.objects.all():
        blob = f"{e.summary} {e.data}"
        for p in passwords:
            assert p not in blob, e.verb
        assert "password" not in e.data and "pbkdf2" not in blob and "md5$" not in blob


# --- 开通账户 -------------------------------------------------------------------------------------
def test_secretary_opens_a_login_for_a_member_of_their_branch(users, newcomer):
    user, password = actions.do_create_account_for_person(newcomer, username="chenxin", acting_user=users.secretary_a)
    assert user.person == newcomer and user.display_name == "陈新"
    assert authenticate(username="chenxin", password=password) == user
    assert len(password) >= 12 and any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
    assert actions.must_change_password(user)  # the admin saw it: the user must replace it
    event = _events("user.create", user).get()
    assert event.actor == users.secretary_a and event.org_id == newcomer.org_id
    assert_no_password_in_audit(password)


def test_no_login_for_a_person_outside_the_scope(users, people):
    with pytest.raises(ActionError) as e:
        actions.do_create_account_for_person(people.member_b, username="sunli", acting_user=users.secretary_a)
    assert "不在您的管理范围内" in e.value.message
    assert not User.objects.filter(username="sunli").exists()


def test_one_login_per_person_and_usernames_are_unique(users, people, newcomer):
    with pytest.raises(ActionError) as e:
        actions.do_create_account_for_person(people.member_a, username="limeihong", acting_user=users.secretary_a)
    assert "已有登录账户" in e.value.message
    with pytest.raises(ActionError) as e:
        actions.do_create_account_for_person(newcomer, username="Member_A", acting_user=users.secretary_a)
    assert e.value.field == "username" and "已被使用" in e.value.message
    with pytest.raises(ActionError) as e:
        actions.do_create_account_for_person(newcomer, username="陈 新", acting_user=users.secretary_a)
    assert e.value.field == "username"
    assert not User.objects.filter(person=newcomer).exists()


def test_generated_passwords_differ_and_pass_the_policy(db):
    from django.contrib.auth.password_validation import validate_password

    passwords = {actions.generate_password() for _ in range(20)}
    assert len(passwords) == 20
    for p in passwords:
        validate_password(p, User(username="zhangsan"))


# --- 授予与撤销角色 --------------------------------------------------------------------------------
def test_secretary_grants_member_on_their_branch(users, tree, newcomer):
    user, _ = actions.do_create_account_for_person(newcomer, username="chenxin", acting_user=users.secretary_a)
    ra = actions.do_grant_role(user, "member", tree.a, acting_user=users.secretary_a)
    assert (ra.role, ra.org, ra.end) == ("member", tree.a, None)
    assert _events("role.assign", ra).get().actor == users.secretary_a


def test_secretary_may_grant_org_admin_within_their_subtree(users, tree):
    ra = actions.do_grant_role(users.member_a, "org_admin", tree.a1, acting_user=users.secretary_a)
    assert can_in_org(User.objects.get(pk=users.member_a.pk), CHANGE, tree.a1)
    assert ra.org == tree.a1


@pytest.mark.parametrize("org_name", ["b", "committee", "wc"])
def test_secretary_cannot_grant_anything_outside_their_branch(users, tree, org_name):
    with pytest.raises(ActionError) as e:
        actions.do_grant_role(users.member_a, "member", getattr(tree, org_name), acting_user=users.secretary_a)
    assert e.value.field == "org" and "不在您的管理范围内" in e.value.message
    assert not RoleAssignment.objects.filter(user=users.member_a).exclude(org=tree.a).exists()


def test_only_a_work_committee_admin_grants_work_committee_admin(users, tree):
    for who in (users.secretary_a, users.committee_admin):
        with pytest.raises(ActionError) as e:
            actions.do_grant_role(users.member_a, "work_committee_admin", tree.a, acting_user=who)
        assert e.value.field == "role" and "工委管理员" in e.value.message
    ra = actions.do_grant_role(users.member_a, "work_committee_admin", tree.a, acting_user=users.wc_admin)
    assert ra.role == "work_committee_admin"


def test_auditor_and_member_cannot_grant(users, tree):
    for who in (users.auditor, users.member_a):
        with pytest.raises(ActionError):
            actions.do_grant_role(users.member_a, "org_admin", tree.a, acting_user=who)


def test_granting_a_role_held_already_says_so(users, tree):
    with pytest.raises(ActionError) as e:
        actions.do_grant_role(users.member_a, "member", tree.a, acting_user=users.secretary_a)
    assert "已拥有" in e.value.message


def test_revoke_then_grant_again(users, tree):
    ra = RoleAssignment.objects.get(user=users.member_a, role="member")
    actions.do_revoke_role(ra, acting_user=users.secretary_a)
    assert not RoleAssignment.objects.active().filter(pk=ra.pk).exists()
    assert _events("role.revoke", ra).get().actor == users.secretary_a
    with pytest.raises(ActionError, match="已经撤销"):
        actions.do_revoke_role(ra, acting_user=users.secretary_a)
    again = actions.do_grant_role(users.member_a, "member", tree.a, acting_user=users.secretary_a)
    assert again.pk == ra.pk and again.end is None and again.start == timezone.localdate()


def test_revoking_needs_the_same_authority_as_granting(users, tree):
    wc_role = RoleAssignment.objects.get(user=users.wc_admin)
    committee_role = RoleAssignment.objects.get(user=users.committee_admin)
    for ra in (wc_role, committee_role):
        with pytest.raises(ActionError, match="上级管理员"):
            actions.do_revoke_role(ra, acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="上级管理员"):
        actions.do_revoke_role(RoleAssignment.objects.get(user=users.secretary_b), acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="自己的角色"):
        actions.do_revoke_role(RoleAssignment.objects.get(user=users.secretary_a), acting_user=users.secretary_a)
    actions.do_revoke_role(committee_role, acting_user=users.wc_admin)
    assert not RoleAssignment.objects.active().filter(pk=committee_role.pk).exists()


def test_revoking_without_an_acting_user_is_the_trusted_cli_path(users):
    ra = RoleAssignment.objects.get(user=users.secretary_b)
    actions.do_revoke_role(ra)
    assert _events("role.revoke", ra).get().actor is None


# --- 停用、重置密码、解锁 ----------------------------------------------------------------------------
def test_deactivated_user_cannot_log_in_and_reactivation_restores(users):
    actions.do_set_active(users.member_a, False, acting_user=users.secretary_a)
    assert authenticate(username="member_a", password=PASSWORD) is None
    actions.do_set_active(users.member_a, True, acting_user=users.secretary_a)
    assert authenticate(username="member_a", password=PASSWORD) is not None
    verbs = list(_events("user.deactivate", users.member_a)) + list(_events("user.activate", users.member_a))
    assert len(verbs) == 2 and all(e.actor == users.secretary_a for e in verbs)


def test_cannot_deactivate_yourself(users):
    with pytest.raises(ActionError, match="自己的账户"):
        actions.do_set_active(users.secretary_a, False, acting_user=users.secretary_a)


def test_reset_password_gives_a_new_one_and_the_old_one_stops_working(users):
    password = actions.do_reset_password(users.member_a, acting_user=users.secretary_a)
    assert authenticate(username="member_a", password=PASSWORD) is None
    assert authenticate(username="member_a", password=password) is not None
    users.member_a.refresh_from_db()
    assert actions.must_change_password(users.member_a)
    assert _events("user.reset_password", users.member_a).get().actor == users.secretary_a
    assert_no_password_in_audit(password, PASSWORD)


def test_a_reset_is_a_takeover_so_it_needs_authority_over_every_role_of_the_account(users, tree):
    # member_a is also made 机关党委 admin: secretary_a of branch A must no longer manage the account.
    actions.do_grant_role(users.member_a, "org_admin", tree.committee, acting_user=users.wc_admin)
    for do in (lambda: actions.do_reset_password(users.member_a, acting_user=users.secretary_a),
               lambda: actions.do_set_active(users.member_a, False, acting_user=users.secretary_a),
               lambda: actions.do_unlock(users.member_a, acting_user=users.secretary_a)):
        with pytest.raises(ActionError, match="上级管理员"):
            do()
    assert actions.do_reset_password(users.member_a, acting_user=users.committee_admin)


def test_accounts_outside_the_scope_and_superusers_cannot_be_managed(users):
    with pytest.raises(ActionError, match="不在您的管理范围内"):
        actions.do_reset_password(users.member_a, acting_user=users.secretary_b)
    root = actions.do_create_user(username="root", password=None, is_superuser=True)
    with pytest.raises(ActionError, match="系统管理员"):
        actions.do_set_active(root, False, acting_user=users.wc_admin)


def test_unlock_clears_the_lockout(users):
    User.objects.filter(pk=users.member_a.pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=15),
                                                   failed_logins=0)
    users.member_a.refresh_from_db()
    actions.do_unlock(users.member_a, acting_user=users.secretary_a)
    users.member_a.refresh_from_db()
    assert not users.member_a.is_locked
    assert _events("user.unlock", users.member_a).get().actor == users.secretary_a
    with pytest.raises(ActionError, match="没有被锁定"):
        actions.do_unlock(users.member_a, acting_user=users.secretary_a)


# --- 范围 ---------------------------------------------------------------------------------------
def test_accounts_in_scope_by_roles_and_by_person(users, tree):
    names = lambda who: set(actions.users_in_scope(who).values_list("username", flat=True))  # noqa: E731
    assert names(users.secretary_a) == {"secretary_a", "member_a"}
    assert names(users.secretary_b) == {"secretary_b"}
    assert names(users.committee_admin) == {"secretary_a", "member_a", "secretary_b", "committee_admin", "auditor"}
    assert names(users.wc_admin) >= names(users.committee_admin) | {"wc_admin"}
    assert names(users.auditor) == set() and names(users.member_a) == set()
    assert actions.users_in_scope(users.auditor, VIEW).exists()
