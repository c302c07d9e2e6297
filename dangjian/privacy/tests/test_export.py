"""个人数据导出 (查阅复制权): every record that refers to the person, in every app, found through _meta — so a new
model with a key to Person (or to the person's account) cannot be left out silently."""
import datetime as dt
import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.people.models import Person
from dangjian.privacy import export
from dangjian.privacy.actions import do_export_person_data
from dangjian.privacy.choices import Channel, Purpose
from dangjian.privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


def unzip(content: bytes) -> tuple[dict, zipfile.ZipFile]:
    z = zipfile.ZipFile(io.BytesIO(content))
    return json.loads(z.read("data.json")), z


def test_every_model_that_refers_to_a_person_or_an_account_is_in_the_export(people, users):
    # Enumerated from the other side (Person's and User's reverse relations, hidden "+" ones included), not by the
    # export's own walk over the models' keys.
    expected = {rel.related_model._meta.label_lower for model in (Person, get_user_model())
                for rel in model._meta.get_fields(include_hidden=True)
                if rel.auto_created and not rel.concrete and not rel.related_model._meta.auto_created}
    data = export.collect(people.member_a)
    assert expected - set(data["records"]) == set()
    assert "dues.duespayment" in expected and "core.auditevent" in expected      # (the walk does find apps' models)


def test_the_secretary_exports_a_members_data_with_every_record_audited_and_logged(client_as, tree, people, users):
    from dangjian.study.actions import do_record_study

    do_record_study([people.member_a], date=dt.date(2025, 6, 1), hours="4", acting_user=users.secretary_a)
    r = client_as(users.secretary_a).post(reverse("privacy:person_export", kwargs={"pk": people.member_a.pk}))
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert "private" in r["Cache-Control"]
    data, z = unzip(r.content)
    assert data["person"]["name"] == "李红梅" and data["person"]["id_number"] == "110105198001010016"
    assert "id_number_digest" not in data["person"]
    assert data["user"]["username"] == "member_a" and "password" not in data["user"]
    assert [row["hours"] for row in data["records"]["study.studyrecord"]["rows"]] == ["4.0"]
    assert data["records"]["accounts.roleassignment"]["rows"][0]["role"] == "member"
    assert {"data.json", "摘要.xlsx", "说明.txt"} <= set(z.namelist())
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(z.read("摘要.xlsx")))
    assert wb.sheetnames[:2] == ["基本信息", "记录概览"]
    assert ["姓名", "李红梅"] in [[c.value for c in row] for row in wb["基本信息"].iter_rows()]
    event = AuditEvent.objects.get(verb="person.data_export")
    assert event.actor == users.secretary_a and event.person == people.member_a
    assert "李红梅" not in event.summary
    (row,) = PersonalDataAccess.objects.filter(purpose=Purpose.PERSON_EXPORT)
    assert (row.actor, row.person, row.channel) == (users.secretary_a, people.member_a, Channel.WEB)


def test_credentials_are_not_in_the_copy(people, users):
    from dangjian.accounts.actions import do_start_two_factor_enrolment
    from dangjian.core import crypto

    device = do_start_two_factor_enrolment(users.member_a)
    secret = crypto.decrypt(device.secret_encrypted)
    content, _ = do_export_person_data(None, people.member_a)
    text = zipfile.ZipFile(io.BytesIO(content)).read("data.json").decode()
    assert "accounts.totpdevice" in json.loads(text)["records"]
    assert secret not in text and device.secret_encrypted not in text
    assert users.member_a.password not in text and people.member_a.id_number_digest not in text


@pytest.mark.parametrize("who", ["secretary_b", "member_a", "auditor"])
def test_the_export_is_404_outside_the_admins_scope(client_as, people, users, who):
    # the outsider; the member themself (the request goes through the branch); a read-only auditor (no full ID).
    r = client_as(getattr(users, who)).post(reverse("privacy:person_export", kwargs={"pk": people.member_a.pk}))
    assert r.status_code == 404
    assert not AuditEvent.objects.filter(verb="person.data_export").exists()


def test_the_page_offers_the_export_to_the_admin_only(client_as, people, users):
    url = reverse("people:person_detail", kwargs={"pk": people.member_a.pk})
    export_url = reverse("privacy:person_export", kwargs={"pk": people.member_a.pk})
    assert export_url in client_as(users.secretary_a).get(url).content.decode()
    assert export_url not in client_as(users.member_a).get(url).content.decode()


def test_the_command_writes_the_zip(people, tmp_path):
    out = tmp_path / "x.zip"
    call_command("export_person", str(people.member_a.pk), "-o", str(out), stdout=io.StringIO())
    data, _ = unzip(out.read_bytes())
    assert data["person"]["id"] == people.member_a.pk
    assert PersonalDataAccess.objects.get(purpose=Purpose.PERSON_EXPORT).channel == Channel.CLI


def test_an_outsider_cannot_export_through_the_action_either(people, users):
    from dangjian.core.errors import ActionError

    with pytest.raises(ActionError):
        do_export_person_data(users.secretary_b, people.member_a)
