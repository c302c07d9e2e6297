"""等级保护 basics: login lockout after repeated failures, password complexity, session expiry, and the
公民身份号码 encrypted at rest — never in clear in any table, the database file, the API or the logs."""
import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from dangjian.accounts.models import User
from dangjian.core.models import AuditEvent
from dangjian.people.models import Person

PASSWORD = "Dangjian2026!"  # the personas' password (conftest)
MEMBER_A_ID = "110105198001010016"
SECRETARY_A_ID = "11010519491231002X"
# Any 18-character 公民身份号码 shape in clear.
ID_SHAPE = re.compile(r"(?<!\d)\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])\d{3}[\dX](?!\d)")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- login lockout ------------------------------------------------------------------------------
def test_account_locks_after_max_failures_and_unlocks_when_the_time_has_passed(client, users):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(settings.LOGIN_MAX_FAILURES):
            r = login(client, "member_a", "wrong-password-1")
            assert r.status_code == 200 and not logged_in(client)
            assert "用户名或密码不正确" in r.content.decode()
        assert User.objects.get(pk=users.member_a.pk).is_locked
        assert AuditEvent.objects.filter(verb="user.locked").exists()

        # The right password does not help while locked, and the page says what to do.
        r = login(client, "member_a", PASSWORD)
        assert not logged_in(client) and "已被临时锁定" in r.content.decode()

        clock.shift(dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES) - dt.timedelta(seconds=1))
        login(client, "member_a", PASSWORD)
        assert not logged_in(client)

        clock.shift(dt.timedelta(seconds=2))
        r = login(client, "member_a", PASSWORD)
        assert r.status_code == 302 and logged_in(client)
        assert User.objects.get(pk=users.member_a.pk).failed_logins == 0


def test_failures_below_the_limit_do_not_lock_and_success_resets_the_count(client, users):
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        login(client, "member_a", "wrong-password-1")
    assert login(client, "member_a", PASSWORD).status_code == 302
    user = User.objects.get(pk=users.member_a.pk)
    assert user.failed_logins == 0 and not user.is_locked


def test_unknown_user_gets_the_same_message(client, users):
    known = login(client, "member_a", "wrong-password-1").content.decode()
    unknown = login(Client(), "nobody_here", "wrong-password-1").content.decode()
    assert "用户名或密码不正确" in known and "用户名或密码不正确" in unknown


# --- password policy ----------------------------------------------------------------------------
@pytest.mark.parametrize("password", ["12345678901", "abcdefghijk", "Dj2026x", "password123"])
def test_password_policy_rejects_weak_passwords(password, db):
    with pytest.raises(ValidationError):
        validate_password(password, User(username="zhangsan"))


def test_password_policy_accepts_a_long_mixed_password(db):
    validate_password("Dangjian2026x", User(username="zhangsan"))


def test_creating_a_user_with_a_weak_password_says_why_in_chinese(db):
    from dangjian.accounts.actions import do_create_user
    from dangjian.core.errors import ActionError

    with pytest.raises(ActionError) as e:
        do_create_user(username="zhangsan", password="abcdefghijk")
    assert e.value.field == "password" and "字母和数字" in e.value.message
    assert not User.objects.filter(username="zhangsan").exists()


# --- sessions -----------------------------------------------------------------------------------
def test_session_settings():
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_SAVE_EVERY_REQUEST  # idle expiry
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY


def test_an_idle_session_expires(client, users):
    with time_machine.travel(START, tick=False) as clock:
        assert login(client, "secretary_a", PASSWORD).status_code == 302
        clock.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
        assert client.get(reverse("me-list")).status_code == 200  # activity restarts the clock
        clock.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
        assert client.get(reverse("me-list")).status_code == 200
        clock.shift(dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
        assert client.get(reverse("me-list")).status_code in (401, 403)
        r = client.get(reverse("home"))
        assert r.status_code == 302 and r["Location"].startswith(reverse("login"))


# --- 公民身份号码 at rest ------------------------------------------------------------------------
def every_stored_value() -> str:
    """Every value of every table, as text, read with plain SQL (what a stolen copy would show)."""
    out = []
    with connection.cursor() as c:
        for table in connection.introspection.table_names(c):
            c.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(str(v) for row in c.fetchall() for v in row if v is not None)
    return "\n".join(out)


def test_id_number_column_holds_ciphertext(people):
    with connection.cursor() as c:
        c.execute("SELECT id_number_encrypted, id_number_digest FROM people_person WHERE id = %s",
                  [people.member_a.pk])
        encrypted, digest = c.fetchone()
    assert encrypted.startswith("v1:") and MEMBER_A_ID not in encrypted
    assert not ID_SHAPE.search(encrypted) and not ID_SHAPE.search(digest)
    assert len(digest) == 64 and MEMBER_A_ID not in digest
    # …and it decrypts back, so the check above is about real data.
    assert Person.objects.get(pk=people.member_a.pk).id_number == MEMBER_A_ID


def test_no_table_holds_an_id_number_in_clear(client_as, people, users):
    # Exercise what writes logs: an edit, a correction, and an unmasked view.
    client = client_as(users.secretary_a)
    client.patch(reverse("person-detail", args=[people.member_a.pk]), {"phone": "13800000000"},
                 content_type="application/json")
    client.patch(reverse("person-detail", args=[people.secretary_a.pk]), {"id_number": "110105194912310021"},
                 content_type="application/json")
    assert client.post(reverse("person-reveal-id", args=[people.member_a.pk])).json()["id_number"] == MEMBER_A_ID
    dump = every_stored_value()
    for number in (MEMBER_A_ID, SECRETARY_A_ID, "110105194912310021"):
        assert number not in dump
    assert not ID_SHAPE.search(dump), ID_SHAPE.search(dump)


@pytest.mark.django_db(transaction=True)
def test_database_file_holds_no_id_number_in_clear(tmp_path):
    """Committed data, read from the bytes of the SQLite file (the test database itself when it
    is a file, or an online backup of the in-memory one)."""
    if connection.vendor != "sqlite":
        pytest.skip("文件级检查针对 SQLite；其他数据库由逐列检查覆盖。")
    from dangjian.orgs.actions import do_create_org
    from dangjian.people.actions import do_create_person

    wc = do_create_org(name="工委", type="work_committee")
    branch = do_create_org(name="支部", type="branch", parent=wc)
    do_create_person(name="李红梅", org=branch, status="full", id_number=MEMBER_A_ID)
    connection.ensure_connection()
    name = connection.settings_dict["NAME"]
    if connection.is_in_memory_db():
        target = tmp_path / "copy.sqlite3"
        dest = sqlite3.connect(target)
        connection.connection.backup(dest)
        dest.close()
        files = [target]
    else:
        with connection.cursor() as c:
            c.execute("PRAGMA wal_checkpoint(FULL)")
        files = [Path(name), Path(f"{name}-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    assert b"\xe6\x9d\x8e\xe7\xba\xa2\xe6\xa2\x85" in raw  # "李红梅": the copy does hold the data
    assert MEMBER_A_ID.encode() not in raw
    assert not ID_SHAPE.search(raw.decode("latin-1"))


# --- masked wherever it is shown -------------------------------------------------------------
def test_api_list_and_detail_show_it_masked(client_as, people, users):
    client = client_as(users.secretary_a)
    for url in (reverse("person-list"), reverse("person-detail", args=[people.member_a.pk])):
        body = client.get(url).content.decode()
        assert "1101**********0016" in body
        assert MEMBER_A_ID not in body and "v1:" not in body and people.member_a.id_number_digest not in body


def test_auditlog_and_audit_events_show_it_masked(client_as, people, users):
    client_as(users.secretary_a).patch(reverse("person-detail", args=[people.member_a.pk]),
                                       {"id_number": "110105198001010032"}, content_type="application/json")
    entries = LogEntry.objects.filter(object_pk=str(people.member_a.pk),
                                      content_type__model="person")
    assert entries.exists()
    changes = " ".join(str(e.changes) for e in entries)
    assert "id_number_encrypted" in changes  # the change is logged…
    for secret in (MEMBER_A_ID, "110105198001010032", "v1:"):
        assert secret not in changes  # …but never the number or its ciphertext
    data = " ".join(str(e.data) + e.summary for e in AuditEvent.objects.filter(person=people.member_a))
    assert "1101**********0032" in data
    assert MEMBER_A_ID not in data and "110105198001010032" not in data


def test_browsable_api_forms_offer_only_in_scope_choices(client_as, people, users):
    """The HTML forms of the browsable API list related objects: only those within the scope."""
    client = client_as(users.secretary_a)
    for url in (reverse("person-list"), reverse("person-detail", args=[people.member_a.pk]),
                reverse("org-list"), reverse("post-list")):
        r = client.get(url, HTTP_ACCEPT="text/html")
        body = r.content.decode()
        assert r.status_code == 200 and "第一党支部" in body
        for outside in ("第二党支部", "赵志强", "孙丽", MEMBER_A_ID):
            assert outside not in body, (url, outside)
