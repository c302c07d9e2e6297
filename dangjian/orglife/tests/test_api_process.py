"""组织生活 over the API, the parts around a meeting: its attachments (uploaded as multipart through the
same action and limits as the page — the type judged from the bytes, refused in Chinese), the 整改清单
of a 组织生活会 (listed by org, meeting, closed, overdue; added and closed through the actions), and
a member's own QR sign-in (扫码签到, optional). Out of scope answers 404."""
import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.orglife.actions import do_add_attachment, do_add_rectification_item, do_record_meeting
from dangjian.orglife.models import Attendance, MeetingAttachment, RectificationItem
from dangjian.orglife.signin_views import make_token

pytestmark = pytest.mark.django_db
JSON = "application/json"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def today():
    return timezone.localdate()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def org_life(tree, people, users):
    return do_record_meeting(org=tree.a, type="org_life", date=today() - dt.timedelta(days=40), topic="年度组织生活会",
                             present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)


# --- attachments ----------------------------------------------------------------------------------
def test_the_secretary_uploads_lists_and_deletes_an_attachment(org_life, media, users, client_as):
    api = client_as(users.secretary_a)
    r = api.post(reverse("attachment-list"), {"meeting": org_life.pk, "file": SimpleUploadedFile("会场.png", PNG)})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["original_name"], body["content_type"], body["size"]) == ("会场.png", "image/png", len(PNG))
    assert body["download_url"].endswith(reverse("orglife:attachment_download", kwargs={"pk": body["id"]}))
    listed = api.get(reverse("attachment-list"), {"meeting": org_life.pk}).json()["results"]
    assert [a["id"] for a in listed] == [body["id"]]
    detail = reverse("attachment-detail", kwargs={"pk": body["id"]})
    r = api.post(reverse("attachment-delete", kwargs={"pk": body["id"]}), {"reason": ""}, content_type=JSON)
    assert r.status_code == 400 and MeetingAttachment.objects.exists()
    r = api.post(reverse("attachment-delete", kwargs={"pk": body["id"]}), {"reason": "传错了照片"}, content_type=JSON)
    assert r.status_code == 204 and api.get(detail).status_code == 404
    assert AuditEvent.objects.get(verb="attachment.delete").data["reason"] == "传错了照片"


def test_a_disallowed_type_is_refused_in_chinese_and_nothing_is_kept(org_life, media, users, client_as):
    r = client_as(users.secretary_a).post(reverse("attachment-list"),
                                          {"meeting": org_life.pk, "file": SimpleUploadedFile("照片.png", HTML)})
    assert r.status_code == 400
    assert "不是允许的文件类型" in r.json()["detail"] and r.json()["field"] == "files"
    assert not MeetingAttachment.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_attachments_are_out_of_reach_of_the_outsider_and_members_only_read(org_life, media, users, client_as):
    a = do_add_attachment(org_life, SimpleUploadedFile("签到表.png", PNG), acting_user=users.secretary_a)
    outsider = client_as(users.secretary_b)
    assert outsider.get(reverse("attachment-detail", kwargs={"pk": a.pk})).status_code == 404
    assert a.pk not in {x["id"] for x in outsider.get(reverse("attachment-list")).json()["results"]}
    assert outsider.post(reverse("attachment-delete", kwargs={"pk": a.pk}), {"reason": "x"},
                         content_type=JSON).status_code == 404
    r = outsider.post(reverse("attachment-list"), {"meeting": org_life.pk, "file": SimpleUploadedFile("x.png", PNG)})
    assert r.status_code == 400 and r.json()["field"] == "meeting"
    member = client_as(users.member_a)
    assert member.get(reverse("attachment-detail", kwargs={"pk": a.pk})).status_code == 200
    r = member.post(reverse("attachment-list"), {"meeting": org_life.pk, "file": SimpleUploadedFile("y.png", PNG)})
    assert r.status_code == 403
    assert MeetingAttachment.objects.count() == 1


# --- 整改清单 -------------------------------------------------------------------------------------
def test_the_secretary_draws_up_and_closes_the_rectification_list(org_life, people, users, client_as):
    api = client_as(users.secretary_a)
    r = api.post(reverse("rectification-item-list"), {
        "meeting": org_life.pk, "problem": "理论学习不够深入", "owner": people.member_a.pk,
        "deadline": (today() + dt.timedelta(days=30)).isoformat()}, content_type=JSON)
    assert r.status_code == 201, r.json()
    item = r.json()
    assert (item["owner_name"], item["closed"], item["overdue_days"], item["org"]) == ("李红梅", None, 0, org_life.org_id)
    close = reverse("rectification-item-close", kwargs={"pk": item["id"]})
    r = api.post(close, {"closed": today().isoformat(), "evidence": ""}, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "evidence"
    r = api.post(close, {"closed": today().isoformat(), "evidence": "制定学习计划并按月落实"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["closed"] == today().isoformat()
    r = api.post(close, {"closed": today().isoformat(), "evidence": "再次"}, content_type=JSON)
    assert r.status_code == 400 and "已于" in r.json()["detail"]
    assert AuditEvent.objects.filter(verb__in=("rectification.add", "rectification.close")).count() == 2


def test_rectification_items_are_refused_with_reasons(org_life, people, users, client_as):
    api = client_as(users.secretary_a)
    base = {"meeting": org_life.pk, "problem": "问题", "owner": people.member_a.pk}
    r = api.post(reverse("rectification-item-list"),
                 {**base, "deadline": (org_life.date - dt.timedelta(days=1)).isoformat()}, content_type=JSON)
    assert r.status_code == 400 and "整改时限不能早于会议日期" in r.json()["detail"]
    r = api.post(reverse("rectification-item-list"),
                 {**base, "owner": people.member_b.pk, "deadline": today().isoformat()}, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "owner"       # another branch's person: not in scope
    assert client_as(users.member_a).post(reverse("rectification-item-list"), {**base, "deadline": today().isoformat()},
                                          content_type=JSON).status_code == 403
    assert not RectificationItem.objects.exists()


def test_the_rectification_list_filters(org_life, people, users, client_as):
    late = do_add_rectification_item(org_life, problem="联系群众不够", owner=people.member_a,
                                     deadline=today() - dt.timedelta(days=5), acting_user=users.secretary_a)
    due = do_add_rectification_item(org_life, problem="制度执行不严", owner=people.secretary_a,
                                    deadline=today() + dt.timedelta(days=20), acting_user=users.secretary_a)
    done = do_add_rectification_item(org_life, problem="台账不全", owner=people.secretary_a,
                                     deadline=today() - dt.timedelta(days=10), acting_user=users.secretary_a)
    RectificationItem.objects.filter(pk=done.pk).update(closed=today() - dt.timedelta(days=12), evidence="已补齐")
    api = client_as(users.secretary_a)

    def ids(**params):
        r = api.get(reverse("rectification-item-list"), params)
        assert r.status_code == 200, r.json()
        return {x["id"] for x in r.json()["results"]}

    assert ids() == ids(org=org_life.org_id) == ids(meeting=org_life.pk) == {late.pk, due.pk, done.pk}
    assert ids(closed="true") == {done.pk} and ids(closed="false") == {late.pk, due.pk}
    assert ids(overdue="true") == {late.pk} and ids(overdue="false") == {due.pk, done.pk}
    listed = {x["id"]: x for x in api.get(reverse("rectification-item-list")).json()["results"]}
    assert listed[late.pk]["overdue_days"] == 5
    # The outsider sees none of it and cannot close it; the owner sees their own item but cannot close it.
    outsider = client_as(users.secretary_b)
    assert outsider.get(reverse("rectification-item-list")).json()["results"] == []
    close = reverse("rectification-item-close", kwargs={"pk": late.pk})
    assert outsider.post(close, {"closed": today().isoformat(), "evidence": "x"}, content_type=JSON).status_code == 404
    owner = client_as(users.member_a)
    assert owner.get(reverse("rectification-item-detail", kwargs={"pk": late.pk})).status_code == 200
    assert owner.post(close, {"closed": today().isoformat(), "evidence": "x"}, content_type=JSON).status_code == 403


# --- 扫码签到 over the API ----------------------------------------------------------------------------
def test_a_member_signs_in_over_the_api(tree, people, users, client_as):
    m = do_record_meeting(org=tree.a, type="theme_day", state="announced", date=today(), topic="主题党日",
                          acting_user=users.secretary_a)
    url = reverse("meeting-sign-in", kwargs={"pk": m.pk})
    code = {"token": make_token(m)}            # what the QR code in the room carries
    phone = client_as(users.member_a)
    # Without the code shown in the room nobody signs in (from home, say): 400, nothing recorded.
    r = phone.post(url, {}, content_type=JSON)
    assert r.status_code == 400 and r.json()["field"] == "token"
    r = phone.post(url, {"token": "forged"}, content_type=JSON)
    assert r.status_code == 400 and "签到二维码无效" in r.json()["detail"]
    other = do_record_meeting(org=tree.a, type="committee", state="announced", date=today(), topic="支委会",
                              acting_user=users.secretary_a)
    r = phone.post(url, {"token": make_token(other)}, content_type=JSON)
    assert r.status_code == 400 and "不属于本次会议" in r.json()["detail"]
    assert not Attendance.objects.filter(meeting=m, signed_in_at__isnull=False).exists()
    r = phone.post(url, code, content_type=JSON)
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["person_name"]) == ("present", "李红梅") and r.json()["signed_in_at"]
    first = Attendance.objects.get(meeting=m, person=people.member_a).signed_in_at
    assert phone.post(url, code, content_type=JSON).status_code == 200
    assert Attendance.objects.get(meeting=m, person=people.member_a).signed_in_at == first
    # Sibling B's secretary is not expected at A's meeting: 404, as for anything out of scope.
    assert client_as(users.secretary_b).post(url, code, content_type=JSON).status_code == 404
    # A user without a person record (the 机关党委 administrator) has nobody to sign in.
    assert client_as(users.committee_admin).post(url, code, content_type=JSON).status_code == 404


def test_sign_in_over_the_api_is_refused_before_the_day(tree, users, client_as):
    m = do_record_meeting(org=tree.a, type="theme_day", state="announced", date=today() + dt.timedelta(days=1),
                          topic="明天的主题党日", acting_user=users.secretary_a)
    r = client_as(users.member_a).post(reverse("meeting-sign-in", kwargs={"pk": m.pk}), {"token": make_token(m)},
                                       content_type=JSON)
    assert r.status_code == 400 and "只在会议当天" in r.json()["detail"]
