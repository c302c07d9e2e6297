"""双因素认证（TOTP）: the 机关党委 admin and the 工委 admin log in with a password AND the 6-digit code of an
authenticator app; a branch secretary may but need not (减负). A code works once and only within ±30 s; a
recovery code works once; wrong codes count toward the login lockout; a 工委 admin resets a lost phone within
scope (outsiders get 404); HTTP Basic cannot get around the second factor."""
import base64
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts import actions, two_factor
from dangjian.accounts.models import RecoveryCode, TOTPDevice, User
from dangjian.core.models import AuditEvent
from dangjian.core.tests.test_security import every_stored_value

pytestmark = pytest.mark.django_db

PASSWORD = "Dangjian2026!"
START = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.timezone.utc)  # 10 s into a 30-second step
STEP = dt.timedelta(seconds=30)


@pytest.fixture(autouse=True)
def enforced(settings):
    settings.TWO_FACTOR_ENFORCED = True


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def url(name, **kw):
    return reverse(f"accounts:{name}", kwargs=kw or None)


def login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def send_code(client, code):
    return client.post(url("two_factor_verify"), {"code": code})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def code(secret, offset=dt.timedelta(0)) -> str:
    return pyotp.TOTP(secret).at(timezone.now() + offset)


def enrol(user, clock) -> tuple[str, list[str]]:
    """Bind an authenticator for `user` (five minutes ago, so that today's codes are fresh)."""
    clock.shift(-dt.timedelta(minutes=5))
    device = actions.do_start_two_factor_enrolment(user)
    secret = two_factor.secret_of(device)
    codes = actions.do_confirm_two_factor_enrolment(device, code(secret), acting_user=user)
    clock.shift(dt.timedelta(minutes=5))
    return secret, codes


# --- who must -----------------------------------------------------------------------------------------
def test_who_must_use_two_factor(users, settings):
    assert two_factor.required(users.wc_admin)
    assert two_factor.required(users.committee_admin)  # org_admin of the 机关党委: above branch level
    assert not two_factor.required(users.secretary_a)  # branch secretary: voluntary (减负)
    assert not two_factor.required(users.member_a)
    assert two_factor.required(users.auditor)  # 只读审计 on the 机关党委 reads the subtree's personal data
    settings.TWO_FACTOR_ENFORCED = False
    assert not two_factor.required(users.wc_admin)


def test_production_enforces_it_by_default():
    """Without DJANGO_DEBUG and outside the test suite the setting is on (subprocess: settings read the env)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_DEBUG", "DANGJIAN_TESTING", "TWO_FACTOR_ENFORCED")}
    env.update(SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="dangjian.settings")
    probe = "from django.conf import settings; print(settings.TWO_FACTOR_ENFORCED, settings.DEBUG)"
    root = Path(django_settings.BASE_DIR)
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=root, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "False"]
    env["DJANGO_DEBUG"] = "1"  # `make run`: the demo accounts log in with their password
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=root, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True"]


# --- the login -------------------------------------------------------------------------------------------
def test_committee_admin_with_the_password_only_is_not_logged_in(client, users, clock):
    enrol(users.committee_admin, clock)
    r = login(client, "committee_admin")
    assert r.status_code == 302 and r["Location"] == url("two_factor_verify")
    assert not logged_in(client)
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_the_right_code_logs_in(client, users, clock):
    secret, _ = enrol(users.committee_admin, clock)
    login(client, "committee_admin", next="/accounts/two-factor/")
    page = client.get(url("two_factor_verify"))
    assert "动态码" in page.content.decode() and page["Cache-Control"] == "no-store"
    r = send_code(client, code(secret))
    assert r.status_code == 302 and r["Location"] == "/accounts/two-factor/"  # `next` is kept
    assert logged_in(client) and client.session["_auth_user_id"] == str(users.committee_admin.pk)
    assert client.get(reverse("home")).status_code == 200


def test_a_code_is_accepted_only_once(client, users, clock):
    secret, _ = enrol(users.committee_admin, clock)
    login(client, "committee_admin")
    used = code(secret)
    assert send_code(client, used).status_code == 302
    client.post(reverse("logout"))

    login(client, "committee_admin")
    r = send_code(client, used)  # the same 30 seconds: replayed
    assert r.status_code == 200 and not logged_in(client)
    assert "动态码不正确或已使用过" in r.content.decode()
    clock.shift(STEP)  # nor the code of the previous step, now that a later one was used
    assert send_code(client, used).status_code == 200 and not logged_in(client)
    assert send_code(client, code(secret)).status_code == 302 and logged_in(client)


def test_a_code_two_steps_old_is_refused_one_step_old_is_accepted(client, users, clock):
    secret, _ = enrol(users.committee_admin, clock)
    login(client, "committee_admin")
    assert send_code(client, code(secret, -2 * STEP)).status_code == 200
    assert send_code(client, code(secret, 2 * STEP)).status_code == 200
    assert not logged_in(client)
    assert send_code(client, code(secret, -STEP)).status_code == 302 and logged_in(client)


def test_a_recovery_code_works_once(client, users, clock):
    _, codes = enrol(users.committee_admin, clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    login(client, "committee_admin")
    r = send_code(client, codes[3].lower())  # typed in lower case
    assert r.status_code == 302 and logged_in(client)
    assert AuditEvent.objects.filter(verb="user.2fa_recovery", object_id=str(users.committee_admin.pk)).exists()
    client.post(reverse("logout"))

    login(client, "committee_admin")
    r = send_code(client, codes[3])
    assert r.status_code == 200 and not logged_in(client) and "恢复码不正确或已使用过" in r.content.decode()
    assert send_code(client, codes[4]).status_code == 302


def test_the_code_page_expires_after_five_minutes(client, users, clock):
    secret, _ = enrol(users.committee_admin, clock)
    login(client, "committee_admin")
    clock.shift(dt.timedelta(seconds=two_factor.PENDING_SECONDS + 1))
    r = send_code(client, code(secret))
    assert r.status_code == 302 and r["Location"] == reverse("login") and not logged_in(client)


# --- enrolment -------------------------------------------------------------------------------------------
def test_first_login_binds_the_authenticator(client, users, clock):
    r = login(client, "committee_admin")
    assert r.status_code == 302 and r["Location"] == url("two_factor_enrol") and not logged_in(client)
    page = client.get(url("two_factor_enrol")).content.decode()
    device = TOTPDevice.objects.get(user=users.committee_admin, confirmed_at__isnull=True)
    secret = two_factor.secret_of(device)
    assert two_factor.grouped(secret) in page
    # The QR code: an <img> with an SVG data: URI (no script), encoding the otpauth:// URI.
    assert '<img src="data:image/svg+xml;charset=utf-8,%3Csvg' in page
    # The secret is stored encrypted.
    assert device.secret_encrypted.startswith("v1:") and secret not in device.secret_encrypted

    r = client.post(url("two_factor_enrol"), {"code": "000000" if code(secret) != "000000" else "111111"})
    assert r.status_code == 200 and not logged_in(client) and "动态码不正确" in r.content.decode()

    r = client.post(url("two_factor_enrol"), {"code": code(secret)})
    assert r.status_code == 200 and logged_in(client) and r["Cache-Control"] == "no-store"
    page = r.content.decode()
    shown = re.findall(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b", page)
    assert len(set(shown)) == 10  # shown once, here…
    device = TOTPDevice.objects.get(user=users.committee_admin)
    stored = set(RecoveryCode.objects.filter(device=device).values_list("code_hash", flat=True))
    assert stored == {two_factor.recovery_hash(device, c) for c in shown}  # …and stored only as digests
    assert not any(c in every_stored_value() for c in shown + [secret])
    assert AuditEvent.objects.filter(verb="user.2fa_enrol", object_id=str(users.committee_admin.pk)).exists()
    assert TOTPDevice.objects.get(user=users.committee_admin).confirmed_at is not None


def test_an_enrolled_user_cannot_rebind_with_the_password_only(client, users, clock):
    enrol(users.committee_admin, clock)
    login(client, "committee_admin")
    assert client.get(url("two_factor_enrol"))["Location"] == url("two_factor_verify")


def test_branch_secretary_is_not_forced_but_may_enrol(client, users, clock):
    r = login(client, "secretary_a")
    assert r.status_code == 302 and logged_in(client)  # 减负: the password is enough
    assert "未绑定" in client.get(url("two_factor")).content.decode()

    # Voluntary enrolment from the own 双因素认证 page (the password is asked for again first).
    assert not shown_secret(client.get(url("two_factor_enrol")))
    secret = shown_secret(client.post(url("two_factor_enrol"), {"step": "reauth", "password": PASSWORD}))
    assert secret == two_factor.secret_of(TOTPDevice.objects.get(user=users.secretary_a))
    r = client.post(url("two_factor_enrol"), {"code": code(secret)})
    assert r.status_code == 200 and "恢复码" in r.content.decode()
    client.post(reverse("logout"))

    clock.shift(STEP)
    assert login(client, "secretary_a")["Location"] == url("two_factor_verify") and not logged_in(client)
    assert send_code(client, code(secret)).status_code == 302 and logged_in(client)


def test_rebinding_keeps_the_old_authenticator_until_the_new_one_is_confirmed(client_as, users, clock):
    old_secret, old_codes = enrol(users.committee_admin, clock)
    c = client_as(users.committee_admin)
    c.post(url("two_factor_enrol"), {"step": "reauth", "password": PASSWORD})
    new = TOTPDevice.objects.get(user=users.committee_admin, confirmed_at__isnull=True)
    assert TOTPDevice.objects.filter(user=users.committee_admin, confirmed_at__isnull=False).exists()
    assert c.post(url("two_factor_enrol"), {"code": code(two_factor.secret_of(new))}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=users.committee_admin)) == [new]
    assert not two_factor.use_recovery_code(new, old_codes[0])  # the old recovery codes are void


def test_enforcement_off_lets_an_admin_in_with_the_password(client, users, settings):
    settings.TWO_FACTOR_ENFORCED = False
    assert login(client, "committee_admin").status_code == 302 and logged_in(client)


# --- reset by an admin ------------------------------------------------------------------------------------
def test_work_committee_admin_resets_a_lost_phone(client, client_as, users, clock):
    enrol(users.committee_admin, clock)
    admin = client_as(users.wc_admin)
    assert "重置双因素认证" in admin.get(url("user_detail", pk=users.committee_admin.pk)).content.decode()
    r = admin.post(url("user_reset_two_factor", pk=users.committee_admin.pk))
    assert r.status_code == 302
    assert not TOTPDevice.objects.filter(user=users.committee_admin).exists()
    assert not RecoveryCode.objects.filter(device__user=users.committee_admin).exists()
    event = AuditEvent.objects.get(verb="user.2fa_reset", object_id=str(users.committee_admin.pk))
    assert event.actor == users.wc_admin
    # The next login binds a new authenticator.
    assert login(Client(), "committee_admin")["Location"] == url("two_factor_enrol")


def test_outsider_gets_404_when_resetting(client_as, users, clock):
    enrol(users.secretary_a, clock)
    enrol(users.committee_admin, clock)
    c = client_as(users.secretary_b)
    for account in (users.secretary_a, users.committee_admin):
        assert c.post(url("user_reset_two_factor", pk=account.pk)).status_code == 404
    assert TOTPDevice.objects.filter(user__in=[users.secretary_a, users.committee_admin]).count() == 2
    assert not AuditEvent.objects.filter(verb="user.2fa_reset").exists()


def test_a_branch_secretary_cannot_reset_the_committee_admin(client_as, users, clock):
    enrol(users.committee_admin, clock)
    r = client_as(users.secretary_a).post(url("user_reset_two_factor", pk=users.committee_admin.pk))
    assert r.status_code == 404
    assert TOTPDevice.objects.filter(user=users.committee_admin).exists()


# --- lockout --------------------------------------------------------------------------------------------
def test_wrong_codes_count_toward_the_lockout_and_a_right_password_does_not_clear_them(client, users, clock):
    secret, _ = enrol(users.committee_admin, clock)
    wrong = "000000" if code(secret) != "000000" else "111111"
    login(client, "committee_admin")
    for _ in range(django_settings.LOGIN_MAX_FAILURES - 1):
        assert send_code(client, wrong).status_code == 200
    # Typing the password again must not wipe the count (else: unlimited guesses, 4 at a time).
    login(client, "committee_admin")
    r = send_code(client, wrong)
    user = User.objects.get(pk=users.committee_admin.pk)
    assert user.is_locked and "已被临时锁定" in r.content.decode()
    assert AuditEvent.objects.filter(verb="user.2fa_failure").count() == django_settings.LOGIN_MAX_FAILURES
    assert AuditEvent.objects.filter(verb="user.locked", object_id=str(user.pk)).exists()
    # Locked: neither the right code nor the password opens it.
    assert send_code(client, code(secret)).status_code == 200 and not logged_in(client)
    assert "已被临时锁定" in login(client, "committee_admin").content.decode()
    clock.shift(dt.timedelta(minutes=django_settings.LOGIN_LOCKOUT_MINUTES, seconds=1))
    login(client, "committee_admin")
    assert send_code(client, code(secret)).status_code == 302 and logged_in(client)
    assert User.objects.get(pk=user.pk).failed_logins == 0


# --- the API ----------------------------------------------------------------------------------------------
def basic(username, password=PASSWORD) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def test_basic_auth_cannot_get_around_the_second_factor(client, users, clock):
    r = Client().get(reverse("me-list"), **basic("committee_admin"))
    assert r.status_code == 403 and "双因素认证" in r.json()["detail"]
    secret, _ = enrol(users.secretary_a, clock)  # voluntary: also refused
    assert Client().get(reverse("me-list"), **basic("secretary_a")).status_code == 403
    assert Client().get(reverse("me-list"), **basic("member_a")).status_code == 200
    # The browser session after the full login does reach the API.
    login(client, "secretary_a")
    send_code(client, code(secret))
    assert client.get(reverse("me-list")).status_code == 200


def test_basic_auth_failures_count_toward_the_lockout(users, clock):
    for _ in range(django_settings.LOGIN_MAX_FAILURES):
        assert Client().get(reverse("me-list"), **basic("member_a", "wrong-password-1")).status_code == 403
    assert User.objects.get(pk=users.member_a.pk).is_locked
    r = Client().get(reverse("me-list"), **basic("member_a"))
    assert r.status_code == 403 and "锁定" in r.json()["detail"]


# --- found in review (issue 9): each test failed before its fix -------------------------------------------
@pytest.fixture
def client_as(client):
    """Here (enforcement on) a forced login stands for a complete login: password and code."""

    def login_as(user):
        client.force_login(user)
        session = client.session
        session[two_factor.VERIFIED_KEY] = True
        session.save()
        return client

    return login_as


def shown_secret(response) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', response.content.decode())
    return found.group(1).replace(" ", "") if found else ""


def test_a_password_holder_does_not_see_the_secret_the_admin_binds(users, clock):
    """Someone with only the password opens the binding page first; the real admin's session gets its own secret,
    and the one the intruder saw never logs in."""
    intruder, admin = Client(), Client()
    login(intruder, "committee_admin")
    seen = shown_secret(intruder.get(url("two_factor_enrol")))
    assert seen and shown_secret(intruder.get(url("two_factor_enrol"))) == seen  # a reload: the same secret
    assert AuditEvent.objects.filter(verb="user.2fa_enrol_start", object_id=str(users.committee_admin.pk)).exists()

    clock.shift(dt.timedelta(minutes=2))
    login(admin, "committee_admin")
    own = shown_secret(admin.get(url("two_factor_enrol")))
    assert own and own != seen
    assert TOTPDevice.objects.filter(user=users.committee_admin).count() == 1  # the intruder's row is gone
    r = admin.post(url("two_factor_enrol"), {"code": code(own)})
    assert r.status_code == 200 and logged_in(admin)

    clock.shift(STEP)
    login(intruder, "committee_admin")
    assert send_code(intruder, code(seen)).status_code == 200 and not logged_in(intruder)


def test_the_binding_secret_of_another_session_cannot_be_confirmed(users, clock):
    intruder, admin = Client(), Client()
    login(intruder, "committee_admin")
    seen = shown_secret(intruder.get(url("two_factor_enrol")))
    login(admin, "committee_admin")
    admin.get(url("two_factor_enrol"))
    r = intruder.post(url("two_factor_enrol"), {"code": code(seen)})
    assert r.status_code == 200 and not logged_in(intruder)
    assert not TOTPDevice.objects.filter(user=users.committee_admin, confirmed_at__isnull=False).exists()


def test_an_unconfirmed_secret_expires_after_ten_minutes(users, clock):
    first = actions.do_start_two_factor_enrolment(users.secretary_a)
    again = actions.do_start_two_factor_enrolment(users.secretary_a, device_id=first.pk)
    assert again.pk == first.pk
    clock.shift(dt.timedelta(seconds=two_factor.ENROL_SECONDS + 1))
    later = actions.do_start_two_factor_enrolment(users.secretary_a, device_id=first.pk)
    assert later.pk != first.pk and not TOTPDevice.objects.filter(pk=first.pk).exists()
    with pytest.raises(actions.ActionError):
        clock.shift(dt.timedelta(seconds=two_factor.ENROL_SECONDS + 1))
        actions.do_confirm_two_factor_enrolment(later, code(two_factor.secret_of(later)))


def test_concurrent_failures_are_all_counted(users, clock):
    """Two requests read the account, then each records a wrong code: both count (no lost update)."""
    first = User.objects.get(pk=users.committee_admin.pk)
    second = User.objects.get(pk=users.committee_admin.pk)
    actions.register_two_factor_failure(first)
    actions.register_two_factor_failure(second)
    actions.register_login_failure(second)  # the password step and HTTP Basic share it
    assert User.objects.get(pk=users.committee_admin.pk).failed_logins == 3


def test_parallel_guesses_check_at_most_the_limit(users, clock):
    """Twenty requests that have all passed the lock check before any of them finished (the interleaving of
    parallel guesses): each claims its attempt first, so only LOGIN_MAX_FAILURES codes are ever checked."""
    limit = django_settings.LOGIN_MAX_FAILURES
    stale = [User.objects.get(pk=users.committee_admin.pk) for _ in range(20)]
    allowed = [actions.claim_login_attempt(u) for u in stale]
    assert sum(allowed) == limit and allowed[:limit] == [True] * limit
    assert User.objects.get(pk=users.committee_admin.pk).is_locked
    assert AuditEvent.objects.filter(verb="user.locked").count() == 1


def test_a_role_granted_mid_session_asks_for_the_second_factor(client, users, tree, clock):
    from dangjian.accounts.models import RoleAssignment

    login(client, "secretary_a")  # branch secretary: the password is enough, nothing is marked
    assert logged_in(client) and two_factor.VERIFIED_KEY not in client.session
    assert client.get(reverse("home")).status_code == 200
    RoleAssignment.objects.create(user=users.secretary_a, role="work_committee_admin", org=tree.wc)
    assert client.get(reverse("me-list")).status_code == 403  # the API: refused, in Chinese
    assert "双因素认证" in client.get(reverse("me-list")).json()["detail"]
    r = client.get("/accounts/?q=wang")
    assert r.status_code == 302 and r["Location"] == url("two_factor_enrol") and not logged_in(client)
    secret = shown_secret(client.get(url("two_factor_enrol")))
    r = client.post(url("two_factor_enrol"), {"code": code(secret)})
    assert logged_in(client) and client.session[two_factor.VERIFIED_KEY] is True
    assert 'href="/accounts/?q=wang"' in r.content.decode()  # `next` kept
    assert client.get("/accounts/?q=wang").status_code == 200


def test_enforcement_switched_on_mid_session_asks_for_the_code(client, users, settings, clock):
    secret, _ = enrol(users.committee_admin, clock)
    settings.TWO_FACTOR_ENFORCED = False
    client.force_login(users.committee_admin)  # a session from before the switch
    settings.TWO_FACTOR_ENFORCED = True
    r = client.get(reverse("home"))
    assert r.status_code == 302 and r["Location"] == url("two_factor_verify") and not logged_in(client)
    r = send_code(client, code(secret))
    assert r["Location"] == reverse("home") and logged_in(client)
    assert client.get(reverse("home")).status_code == 200


def test_an_htmx_request_is_sent_to_the_code_page_whole_and_keeps_the_page_it_came_from(client, users, settings,
                                                                                        clock):
    """htmx would swap a 302's code page into the fragment and keep the fragment's URL as `next`: it gets
    HX-Redirect (a full page load) and `next` is the page the user is on (HX-Current-URL, same site only)."""
    enrol(users.committee_admin, clock)
    settings.TWO_FACTOR_ENFORCED = False
    client.force_login(users.committee_admin)
    settings.TWO_FACTOR_ENFORCED = True
    r = client.get("/accounts/?q=wang&page=2", HTTP_HX_REQUEST="true",
                   HTTP_HX_CURRENT_URL="http://testserver/accounts/?q=wang")
    assert r.status_code in (200, 204) and r["HX-Redirect"] == url("two_factor_verify")
    assert not r.has_header("Location") and not logged_in(client)
    assert client.session[two_factor.PENDING_KEY]["next"] == "/accounts/?q=wang"


@pytest.mark.parametrize("current", ["https://evil.example/accounts/", "//evil.example/x", "", "javascript:x"])
def test_an_htmx_request_from_elsewhere_keeps_no_foreign_next(client, users, settings, clock, current):
    settings.TWO_FACTOR_ENFORCED = False
    client.force_login(users.committee_admin)
    settings.TWO_FACTOR_ENFORCED = True
    r = client.get("/accounts/?q=wang", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=current)
    assert r["HX-Redirect"] == url("two_factor_enrol")     # (no authenticator bound yet)
    assert client.session[two_factor.PENDING_KEY]["next"] == "/"


def test_rebinding_asks_for_the_current_code_first(client, users, clock):
    secret, _ = enrol(users.committee_admin, clock)
    login(client, "committee_admin")
    send_code(client, code(secret))
    other = Client()
    login(other, "committee_admin")
    clock.shift(STEP)
    send_code(other, code(secret))
    assert logged_in(other)

    page = client.get(url("two_factor_enrol"))
    assert not shown_secret(page) and "当前动态码" in page.content.decode()
    assert not TOTPDevice.objects.filter(user=users.committee_admin, confirmed_at__isnull=True).exists()
    r = client.post(url("two_factor_enrol"), {"step": "reauth", "code": "000000" if code(secret) != "000000"
                                              else "111111"})
    assert not shown_secret(r) and User.objects.get(pk=users.committee_admin.pk).failed_logins == 1
    clock.shift(STEP)
    r = client.post(url("two_factor_enrol"), {"step": "reauth", "code": code(secret)})
    new = shown_secret(r)
    assert new and new != secret
    r = client.post(url("two_factor_enrol"), {"code": code(new)})
    assert r.status_code == 200 and "恢复码" in r.content.decode()
    assert client.get(reverse("home")).status_code == 200  # this session stays
    assert not logged_in(other)  # the other one has ended
    assert other.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_rebinding_accepts_the_password_instead_of_the_code(client_as, users, clock):
    enrol(users.committee_admin, clock)
    c = client_as(users.committee_admin)
    assert not shown_secret(c.post(url("two_factor_enrol"), {"step": "reauth", "password": "wrong-Password-1"}))
    assert shown_secret(c.post(url("two_factor_enrol"), {"step": "reauth", "password": PASSWORD}))


def test_an_admin_reset_ends_the_sessions_of_the_account(client, client_as, users, clock):
    secret, _ = enrol(users.committee_admin, clock)
    victim = Client()
    login(victim, "committee_admin")
    send_code(victim, code(secret))
    assert logged_in(victim)
    client_as(users.wc_admin).post(url("user_reset_two_factor", pk=users.committee_admin.pk))
    assert not logged_in(victim)
    assert victim.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_auditors_and_discipline_above_branch_level_must_use_it(users, tree):
    from dangjian.accounts.models import RoleAssignment

    assert two_factor.required(users.auditor)  # 只读审计 on the 机关党委: reads the whole subtree
    jijian = User.objects.create_user("jijian")
    RoleAssignment.objects.create(user=jijian, role="discipline", org=tree.committee)
    assert two_factor.required(jijian)
    branch = User.objects.create_user("branch_jijian")
    RoleAssignment.objects.create(user=branch, role="discipline", org=tree.a)
    RoleAssignment.objects.create(user=branch, role="auditor", org=tree.a)
    assert not two_factor.required(branch)


@pytest.mark.parametrize("typo", ["12345", "1234567", "abc"])
def test_a_code_of_the_wrong_length_is_explained_and_not_counted(client, users, clock, typo):
    enrol(users.committee_admin, clock)
    login(client, "committee_admin")
    r = send_code(client, typo)
    assert "动态码须为6位数字" in r.content.decode() and "恢复码不正确" not in r.content.decode()
    assert User.objects.get(pk=users.committee_admin.pk).failed_logins == 0


def test_a_code_of_the_wrong_length_at_binding_is_not_counted(client, users, clock):
    login(client, "committee_admin")
    client.get(url("two_factor_enrol"))
    r = client.post(url("two_factor_enrol"), {"code": "12345"})
    assert "动态码须为6位数字" in r.content.decode()
    assert User.objects.get(pk=users.committee_admin.pk).failed_logins == 0


def test_the_reset_asks_for_confirmation(client_as, users, clock):
    enrol(users.committee_admin, clock)
    page = client_as(users.wc_admin).get(url("user_detail", pk=users.committee_admin.pk)).content.decode()
    form = re.search(r'<form[^>]*reset-two-factor/"[^>]*>', page)
    assert form and "data-confirm=" in form.group(0)


def test_back_to_the_login_clears_the_pending_state(client, users, clock):
    login(client, "committee_admin")
    page = client.get(url("two_factor_enrol")).content.decode()
    assert "返回登录" in page and f'action="{url("two_factor_cancel")}"' in page
    r = client.post(url("two_factor_cancel"))
    assert r["Location"] == reverse("login") and two_factor.PENDING_KEY not in client.session
    enrol(users.committee_admin, clock)
    login(client, "committee_admin")
    page = client.get(url("two_factor_verify")).content.decode()
    assert "返回，换一个账户登录" in page and f'action="{url("two_factor_cancel")}"' in page
    client.post(url("two_factor_cancel"))
    assert client.get(url("two_factor_verify"))["Location"] == reverse("login")


def test_the_session_key_changes_at_each_step_of_the_login(client, users, clock):
    secret, _ = enrol(users.committee_admin, clock)
    client.get(reverse("login"))
    session = client.session
    session["probe"] = 1
    session.save()
    keys = [client.session.session_key]
    login(client, "committee_admin")
    keys.append(client.session.session_key)
    send_code(client, code(secret))
    keys.append(client.session.session_key)
    assert len(set(keys)) == 3 and logged_in(client)


@pytest.mark.parametrize("outside", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)",
                                     "/\\evil.example"])
def test_a_next_outside_the_site_ends_at_home(client, users, clock, outside):
    secret, _ = enrol(users.committee_admin, clock)
    login(client, "committee_admin", next=outside)
    assert send_code(client, code(secret))["Location"] == "/"


def test_basic_auth_counts_before_checking(users):
    """HTTP Basic claims the attempt first too: past the limit the password is not even checked."""
    limit = django_settings.LOGIN_MAX_FAILURES
    User.objects.filter(pk=users.member_a.pk).update(failed_logins=limit)  # parallel guesses in flight
    r = Client().get(reverse("me-list"), **basic("member_a"))  # even the right password
    assert r.status_code == 403 and "锁定" in r.json()["detail"]
    assert User.objects.get(pk=users.member_a.pk).is_locked


def test_a_half_finished_login_does_not_survive_another_accounts_login(client, users, clock):
    enrol(users.committee_admin, clock)
    login(client, "committee_admin")
    login(client, "member_a")
    assert logged_in(client) and two_factor.PENDING_KEY not in client.session


def test_the_whole_session_check_costs_no_query_of_its_own(client, users, settings, django_assert_num_queries):
    """Every request of a password-only session asks whether 2FA has become required; the answer comes from the
    role query the request makes anyway for its scope, so a branch secretary's page costs the same either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users.secretary_a)
    counts = {}
    for enforced in (False, True):
        settings.TWO_FACTOR_ENFORCED = enforced
        client.get(reverse("home"))   # (session and caches warm)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
        counts[enforced] = len(ctx.captured_queries)
    assert counts[True] == counts[False], counts
