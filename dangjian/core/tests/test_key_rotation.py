"""身份证号密钥轮换: the operator sets a new FIELD_ENCRYPTION_KEY, moves the old one to
FIELD_ENCRYPTION_OLD_KEYS and runs `dangjian rotate_id_key`. Afterwards every 公民身份号码 is on the new
key, the blind index too (search by ID number and duplicate detection keep working), and once the old
key is removed the numbers are still readable — in branch A's personas' terms: 李红梅's page and the
API still show her masked number, and her secretary still finds her by her ID number."""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dangjian.core import crypto
from dangjian.core.models import AuditEvent
from dangjian.people.models import Person

pytestmark = pytest.mark.django_db

MEMBER_A_ID = "110105198001010016"
SECRETARY_A_ID = "11010519491231002X"
NEW_KEY = "new-field-key-2026-11"


@pytest.fixture
def new_key(settings):
    """Step 1 of the procedure: the new key is current, the old one (here the SECRET_KEY-derived one) kept for reading."""
    old = crypto.current_secret()
    settings.FIELD_ENCRYPTION_KEY = NEW_KEY
    settings.FIELD_ENCRYPTION_OLD_KEYS = [old]
    return old


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("rotate_id_key", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def tokens():
    return dict(Person.objects.exclude(id_number_encrypted="").values_list("name", "id_number_encrypted"))


def test_before_the_rotation_finishes_lookups_by_id_number_still_work(tree, people, users, new_key):
    """The new key is set, the old one kept for reading, and 李红梅's row still carries the old key's
    index: she is found by her number, her number cannot be registered twice, a DJX file that names her
    under another id updates her instead of creating a second 李红梅, and her 除名 bar still holds."""
    from dangjian.core.errors import ActionError
    from dangjian.dispositions.actions import reentry_bar
    from dangjian.dispositions.models import Disposition
    from dangjian.djx.actions import do_import_djx
    from dangjian.djx.exporter import export_document
    from dangjian.dues import imports as dues_imports
    from dangjian.people.actions import do_create_person, plan_roster_import

    member = Person.objects.get(pk=people.member_a.pk)
    assert member.id_number == MEMBER_A_ID and member.id_number_digest != crypto.blind_index(MEMBER_A_ID)
    assert list(Person.objects.by_id_number(MEMBER_A_ID)) == [member]
    with pytest.raises(ActionError, match="已登记"):
        do_create_person(name="李红梅", org=tree.a, status="full", id_number=MEMBER_A_ID)

    found = dues_imports._people_for([(2, {"id_number": MEMBER_A_ID})], users.secretary_a)
    assert dues_imports._match({"id_number": MEMBER_A_ID}, found)["pk"] == member.pk
    [plan] = plan_roster_import([{"row": 2, "id_number": MEMBER_A_ID, "fields": {}}], acting_user=users.secretary_a)
    assert plan.person == member

    doc = export_document(log=False)
    row = next(r for r in doc["people"] if r.get("id_number") == MEMBER_A_ID)
    row["id"] = "renumbered-in-the-other-system"
    report = do_import_djx(doc, run_rules=False)
    assert report.ok, str(report)
    assert Person.objects.filter(name="李红梅").count() == 1

    d = Disposition.objects.create(person=people.member_a, org=tree.a, measure="expel", grounds="dues",
                                   opened=dt.date(2025, 1, 6), state="effective", outcome="expelled",
                                   approved_date=dt.date(2025, 3, 1), reentry_barred_until=dt.date(2030, 3, 1),
                                   id_number_digest=member.id_number_digest)
    Person.objects.filter(pk=member.pk).update(id_number_encrypted="", id_number_digest="")  # her record purged
    again = do_create_person(name="李红梅", org=tree.b, status="applicant", id_number=MEMBER_A_ID)
    assert again.id_number_digest == crypto.blind_index(MEMBER_A_ID)  # the new key's index
    assert reentry_bar(again, dt.date(2026, 1, 1)) == d


def test_rotation_reencrypts_reindexes_and_survives_removing_the_old_key(
        people, users, new_key, settings, client_as):
    before = tokens()
    out = rotate()
    assert "已重新加密 2 个值" in out and "校验通过" in out
    after = tokens()
    assert set(after) == {"王建国", "李红梅"} and all(after[n] != before[n] for n in after)
    assert all(crypto.token_key_id(t) == crypto.key_id() for t in after.values())

    settings.FIELD_ENCRYPTION_OLD_KEYS = []  # step 3: the old key is removed
    member = Person.objects.get(pk=people.member_a.pk)
    assert member.id_number == MEMBER_A_ID and member.id_number_digest == crypto.blind_index(MEMBER_A_ID)
    assert list(Person.objects.by_id_number(MEMBER_A_ID)) == [member]

    client = client_as(users.secretary_a)
    page = client.get(reverse("people:person_detail", kwargs={"pk": member.pk})).content.decode()
    assert "1101**********0016" in page and MEMBER_A_ID not in page
    rows = client.get(reverse("person-list"), {"q": MEMBER_A_ID}).json()["results"]
    assert [(r["name"], r["id_number_masked"]) for r in rows] == [("李红梅", "1101**********0016")]
    listing = client.get(reverse("people:person_list"), {"q": SECRETARY_A_ID}).content.decode()
    assert "王建国" in listing and "李红梅" not in listing

    event = AuditEvent.objects.filter(verb="core.rotate_id_key").get()
    assert event.data["values"] == 2 and NEW_KEY not in json.dumps(event.data, ensure_ascii=False)


def test_a_second_run_changes_nothing(people, new_key):
    rotate()
    first = tokens()
    out = rotate()
    assert "已重新加密 0 个值" in out and tokens() == first


def test_a_dry_run_writes_nothing(people, new_key):
    before = tokens()
    out = rotate("--dry-run")
    assert "将重新加密 2 个值" in out and tokens() == before


def test_an_interrupted_rotation_resumes_where_it_stopped(people, new_key):
    real = Person._base_manager.bulk_update
    calls = []

    def crash_on_second_batch(objs, fields, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("断电")
        return real(objs, fields, **kw)

    with mock.patch.object(type(Person._base_manager), "bulk_update", side_effect=crash_on_second_batch,
                           autospec=False):
        with pytest.raises(RuntimeError):
            rotate("--batch", "1")
    on_new = [n for n, t in tokens().items() if crypto.is_current(t)]
    assert len(on_new) == 1  # the first batch was committed, the second not
    out = rotate("--batch", "1")
    assert "已重新加密 1 个值" in out and all(crypto.is_current(t) for t in tokens().values())


def test_a_value_no_configured_key_opens_stops_the_rotation_in_chinese(people, new_key, settings):
    settings.FIELD_ENCRYPTION_OLD_KEYS = []  # the operator forgot to keep the old key
    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_OLD_KEYS"):
        rotate()
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(Person.objects.get(pk=people.member_a.pk).id_number_encrypted)


def test_the_disposition_bar_follows_the_person_to_the_new_index(tree, people, users, new_key):
    """A 除名 recorded against 李红梅 keeps her blind index; after the rotation a new record with her
    ID number is still matched by the 5-year re-entry bar (DISP-02)."""
    from dangjian.dispositions.actions import reentry_bar
    from dangjian.dispositions.models import Disposition

    d = Disposition.objects.create(person=people.member_a, org=tree.a, measure="expel", grounds="dues",
                                   opened=dt.date(2025, 1, 6), state="effective", outcome="expelled",
                                   approved_date=dt.date(2025, 3, 1), reentry_barred_until=dt.date(2030, 3, 1),
                                   id_number_digest=people.member_a.id_number_digest)
    rotate()
    d.refresh_from_db()
    assert d.id_number_digest == crypto.blind_index(MEMBER_A_ID)
    assert reentry_bar(crypto.blind_index(MEMBER_A_ID), dt.date(2026, 1, 1)) == d


def test_upload_previews_are_reencrypted_too(people, new_key, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    folder = Path(tmp_path) / "imports"
    folder.mkdir()
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = new_key, []
    old_token = crypto.encrypt("预览内容")
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = NEW_KEY, [new_key]
    (folder / "abc.json").write_text(json.dumps({"user": 1, "payload": old_token}))
    rotate()
    token = json.loads((folder / "abc.json").read_text())["payload"]
    assert crypto.is_current(token) and crypto.decrypt_with(token, [NEW_KEY]) == "预览内容"


def test_tokens_from_before_key_ids_still_decrypt():
    import base64
    import os as _os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = _os.urandom(12)
    legacy = crypto.PREFIX + base64.b64encode(
        nonce + AESGCM(crypto.keys()[0]).encrypt(nonce, MEMBER_A_ID.encode(), b"dangjian")).decode()
    assert crypto.token_key_id(legacy) is None and not crypto.is_current(legacy)
    assert crypto.decrypt(legacy) == MEMBER_A_ID


def test_an_edit_between_reading_and_writing_a_batch_is_not_overwritten(people, new_key):
    """王建国's secretary corrects 李红梅's number in the web page while the rotation is re-encrypting
    her batch: the correction stays (the batch is read under a row lock and written only where the
    ciphertext is still the one read)."""
    victim = Person.objects.get(pk=people.member_a.pk)
    corrected = "110105198001010032"
    real, edited = crypto.decrypt, []

    def decrypt_while_someone_edits(token):
        if not edited:
            edited.append(1)
            p = Person.objects.get(pk=victim.pk)
            p.id_number = corrected
            p.save()
        return real(token)

    with mock.patch.object(crypto, "decrypt", side_effect=decrypt_while_someone_edits):
        rotate()
    victim.refresh_from_db()
    assert edited and victim.id_number == corrected
    assert victim.id_number_digest == crypto.blind_index(corrected) and crypto.is_current(victim.id_number_encrypted)


def test_disposition_indexes_no_person_maps_fail_the_verification_in_chinese(tree, people, new_key):
    """A 除名 whose person's number has since changed keeps an index of the old number under the old key:
    nobody's number gives it a new-key index, so removing the old key would silently lift the 5-year bar."""
    from dangjian.dispositions.models import Disposition

    Disposition.objects.create(person=people.member_a, org=tree.a, measure="expel", grounds="dues",
                               opened=dt.date(2025, 1, 6), state="effective", outcome="expelled",
                               approved_date=dt.date(2025, 3, 1), reentry_barred_until=dt.date(2030, 3, 1),
                               id_number_digest=crypto._digest(new_key, "110105197001010000"))
    with pytest.raises(CommandError, match="1 条组织处置记录.*FIELD_ENCRYPTION_OLD_KEYS"):
        rotate()
    assert not AuditEvent.objects.filter(verb="core.rotate_id_key").exists()
    with pytest.raises(CommandError, match="1 条组织处置记录"):  # a second run does not paper over it
        rotate()
