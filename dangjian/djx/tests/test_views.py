"""The upload page (validate → report with paths → confirm → commit) and the DJX index page."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.djx.exporter import export_document
from dangjian.orgs.models import Org
from dangjian.people.models import Person


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def upload(doc_or_bytes, name="branch-a.djx.json"):
    data = doc_or_bytes if isinstance(doc_or_bytes, bytes) else json.dumps(doc_or_bytes, ensure_ascii=False).encode()
    return SimpleUploadedFile(name, data, content_type="application/json")


def test_members_and_auditors_do_not_get_the_upload_page(client_as, users):
    assert client_as(users.member_a).get(reverse("djx_import")).status_code == 404
    assert client_as(users.auditor).get(reverse("djx_import")).status_code == 404


def test_index_page(client_as, users, django_assert_max_num_queries):
    client = client_as(users.secretary_a)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("djx_index"))
    assert response.status_code == 200
    assert reverse("djx_import") in response.content.decode()
    member_page = client_as(users.member_a).get(reverse("djx_index")).content.decode()
    assert "导入需要党组织管理员权限" in member_page and "不含号码" in member_page


def test_upload_validate_then_confirm(client_as, users, tree, people):
    doc = export_document(user=users.secretary_a, org=tree.a, log=False)
    next(p for p in doc["people"] if p["name"] == "李红梅")["leading_cadre"] = True
    client = client_as(users.secretary_a)
    assert client.get(reverse("djx_import")).status_code == 200

    page = client.post(reverse("djx_import"), {"step": "validate", "file": upload(doc)})
    assert page.status_code == 200
    html = page.content.decode()
    assert "试导入结果" in html and "确认导入" in html
    people.member_a.refresh_from_db()
    assert not people.member_a.leading_cadre, "validation alone writes nothing"

    token = page.context["token"]
    page = client.post(reverse("djx_import"), {"step": "confirm", "token": token})
    assert page.status_code == 200 and "导入完成" in page.content.decode()
    people.member_a.refresh_from_db()
    assert people.member_a.leading_cadre
    assert Org.objects.count() == 5 and Person.objects.count() == 4
    # The pending upload is used once.
    again = client.post(reverse("djx_import"), {"step": "confirm", "token": token})
    assert again.status_code == 302


def test_an_invalid_upload_shows_each_error_with_its_path(client_as, users, tree, people):
    doc = export_document(user=users.secretary_a, org=tree.a, log=False)
    doc["people"][0]["birth_date"] = "2025-02-30"
    doc["people"][1]["nickname"] = "小李"
    page = client_as(users.secretary_a).post(reverse("djx_import"), {"step": "validate", "file": upload(doc)})
    html = page.content.decode()
    assert "校验未通过：共 2 处错误" in html
    assert "people[0].birth_date" in html and "日期无效“2025-02-30”" in html
    assert "people[1].nickname" in html and "未知字段“nickname”" in html
    assert "确认导入" not in html
    broken = client_as(users.secretary_a).post(reverse("djx_import"), {"step": "validate", "file": upload(b"{oops")})
    assert "不是有效的 JSON" in broken.content.decode()


def test_the_outsider_cannot_import_into_another_branch(client_as, users, tree, people):
    doc = {"format": "djx/1", "orgs": [{"id": "g9", "name": "外来党小组", "type": "group"}]}
    client = client_as(users.secretary_b)
    page = client.post(reverse("djx_import"), {"step": "validate", "file": upload(doc), "attach_to": tree.a.pk})
    # Branch A is not even offered as a target.
    assert page.status_code == 200 and "attach_to" in page.context["form"].errors
    assert not Org.objects.filter(name="外来党小组").exists()


def test_cancel_discards_the_pending_upload(client_as, users, tree, people):
    doc = {"format": "djx/1", "orgs": [{"id": "g9", "name": "第二党小组", "type": "group"}]}
    client = client_as(users.secretary_a)
    page = client.post(reverse("djx_import"), {"step": "validate", "file": upload(doc), "attach_to": tree.a.pk})
    token = page.context["token"]
    assert client.post(reverse("djx_import"), {"step": "cancel", "token": token}).status_code == 302
    assert client.post(reverse("djx_import"), {"step": "confirm", "token": token}).status_code == 302
    assert not Org.objects.filter(name="第二党小组").exists()
