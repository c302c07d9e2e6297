"""会议附件 (photos, scans) stored safely: on disk under a random name in MEDIA_ROOT/meetings/<年>/,
the type judged from the bytes (an HTML page renamed .png is refused), size and count limits from
settings, all-or-nothing uploads that leave nothing half-written, downloads only as attachments, and
the outsider (secretary of branch B) answered 404."""
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent
from dangjian.orglife.actions import do_add_attachment, do_add_attachments, do_record_meeting, sniff_content_type
from dangjian.orglife.models import MeetingAttachment

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def meeting(tree, people, users):
    return do_record_meeting(org=tree.a, type="theme_day", date=dt.date(2025, 6, 28), topic="六月主题党日",
                             present=[people.secretary_a, people.member_a], acting_user=users.secretary_a)


def files_on_disk(media):
    return sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())


def upload(client, meeting, *files):
    return client.post(reverse("orglife:meeting_attachment_upload", kwargs={"pk": meeting.pk}),
                       {"files": list(files)}, follow=True)


def test_the_type_is_read_from_the_magic_number():
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(JPEG) == "image/jpeg"
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_content_type(HTML) is None


def test_a_png_is_stored_under_a_random_name_and_downloaded_as_an_attachment(media, meeting, users, client_as):
    client = client_as(users.secretary_a)
    r = upload(client, meeting, SimpleUploadedFile("会议现场.png", PNG, content_type="image/png"))
    assert "已上传1个附件" in r.content.decode()
    a = MeetingAttachment.objects.get(meeting=meeting)
    assert (a.original_name, a.content_type, a.size) == ("会议现场.png", "image/png", len(PNG))
    assert a.sha256 == hashlib.sha256(PNG).hexdigest()
    assert a.uploaded_by == users.secretary_a
    # On disk: meetings/<the meeting's year>/<32 hex>.png — never the uploader's file name.
    [stored] = files_on_disk(media)
    folder, year, name = stored.split("/")
    assert (folder, year) == ("meetings", "2025") and name.endswith(".png") and len(name) == 32 + 4
    assert "会议现场" not in stored and stored == a.file.name

    r = client.get(reverse("orglife:attachment_download", kwargs={"pk": a.pk}))
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PNG
    assert r["Content-Type"] == "image/png"
    assert r["Content-Disposition"].startswith("attachment;")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(verb="attachment.add", org=meeting.org).exists()

    # The meeting page lists it with its download link and offers the phone-friendly upload.
    page = client.get(reverse("orglife:meeting_detail", kwargs={"pk": meeting.pk})).content.decode()
    assert "会议现场.png" in page and reverse("orglife:attachment_download", kwargs={"pk": a.pk}) in page
    assert 'accept="image/*,application/pdf"' in page and "capture" not in page


def test_an_html_page_renamed_png_is_refused_and_nothing_is_kept(media, meeting, users, client_as):
    r = upload(client_as(users.secretary_a), meeting,
               SimpleUploadedFile("照片.png", PNG, content_type="image/png"),
               SimpleUploadedFile("截图.png", HTML, content_type="image/png"))
    page = r.content.decode()
    assert "上传未成功" in page and "“截图.png”不是允许的文件类型" in page
    # All or nothing: the good file of the same upload is not kept either, and no temp file remains.
    assert not MeetingAttachment.objects.exists()
    assert files_on_disk(media) == []


def test_an_oversized_file_is_refused(media, meeting, users, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ActionError, match="超过单个附件 1 KB 的上限"):
        do_add_attachment(meeting, SimpleUploadedFile("扫描件.pdf", PDF + b"0" * 2048), acting_user=users.secretary_a)
    # A stream without a declared size is cut off while being written, and removed.
    import io

    stream = io.BytesIO(PDF + b"0" * 2048)
    stream.name = "扫描件.pdf"
    with pytest.raises(ActionError, match="上限"):
        do_add_attachment(meeting, stream, acting_user=users.secretary_a)
    assert not MeetingAttachment.objects.exists() and files_on_disk(media) == []
    do_add_attachment(meeting, SimpleUploadedFile("小.pdf", PDF), acting_user=users.secretary_a)
    assert MeetingAttachment.objects.count() == 1


def test_the_count_per_meeting_is_limited_and_duplicates_are_named(media, meeting, users, settings):
    settings.ATTACHMENT_MAX_PER_MEETING = 2
    do_add_attachments(meeting, [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.jpg", JPEG)],
                       acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="每次会议最多 2 个附件：已有 2 个"):
        do_add_attachment(meeting, SimpleUploadedFile("c.pdf", PDF), acting_user=users.secretary_a)
    settings.ATTACHMENT_MAX_PER_MEETING = 20
    with pytest.raises(ActionError, match="与已上传的“a.png”内容相同"):
        do_add_attachment(meeting, SimpleUploadedFile("again.png", PNG), acting_user=users.secretary_a)
    assert MeetingAttachment.objects.count() == 2 and len(files_on_disk(media)) == 2


def test_a_type_outside_the_setting_is_refused(media, meeting, users, settings):
    settings.ATTACHMENT_TYPES = ["image/jpeg", "image/png"]
    with pytest.raises(ActionError, match="可以上传：JPEG 图片、PNG 图片"):
        do_add_attachment(meeting, SimpleUploadedFile("记录.pdf", PDF), acting_user=users.secretary_a)


def test_the_outsider_gets_404_on_download_upload_and_delete(media, meeting, users, client_as):
    a = do_add_attachment(meeting, SimpleUploadedFile("签到表.png", PNG), acting_user=users.secretary_a)
    client = client_as(users.secretary_b)
    assert client.get(reverse("orglife:attachment_download", kwargs={"pk": a.pk})).status_code == 404
    assert client.get(reverse("orglife:attachment_delete", kwargs={"pk": a.pk})).status_code == 404
    assert client.post(reverse("orglife:attachment_delete", kwargs={"pk": a.pk}), {"reason": "x"}).status_code == 404
    assert client.post(reverse("orglife:meeting_attachment_upload", kwargs={"pk": meeting.pk}),
                       {"files": [SimpleUploadedFile("x.png", PNG + b"1")]}).status_code == 404
    assert MeetingAttachment.objects.count() == 1


def test_a_member_downloads_but_cannot_delete(media, meeting, users, client_as):
    a = do_add_attachment(meeting, SimpleUploadedFile("签到表.png", PNG), acting_user=users.secretary_a)
    client = client_as(users.member_a)
    assert client.get(reverse("orglife:attachment_download", kwargs={"pk": a.pk})).status_code == 200
    assert client.post(reverse("orglife:attachment_delete", kwargs={"pk": a.pk}), {"reason": "x"}).status_code == 404


def test_deleting_needs_a_reason_is_audited_and_removes_the_file(media, meeting, users, client_as,
                                                                 django_capture_on_commit_callbacks):
    a = do_add_attachment(meeting, SimpleUploadedFile("传错了.png", PNG), acting_user=users.secretary_a)
    client = client_as(users.secretary_a)
    delete = reverse("orglife:attachment_delete", kwargs={"pk": a.pk})
    r = client.post(delete, {"reason": "  "})
    assert r.status_code == 200 and MeetingAttachment.objects.filter(pk=a.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(delete, {"reason": "传错了照片"})
    assert r.status_code == 302
    assert not MeetingAttachment.objects.exists() and files_on_disk(media) == []
    event = AuditEvent.objects.get(verb="attachment.delete")
    assert "传错了照片" in event.summary and event.data["before"]["name"] == "传错了.png"


def test_the_meeting_page_lists_attachments_in_few_queries(media, meeting, users, client_as,
                                                           django_assert_max_num_queries):
    do_add_attachments(meeting, [SimpleUploadedFile(f"{i}.png", PNG + bytes([i])) for i in range(5)],
                       acting_user=users.secretary_a)
    client = client_as(users.secretary_a)
    url = reverse("orglife:meeting_detail", kwargs={"pk": meeting.pk})
    client.get(url)
    with django_assert_max_num_queries(30) as ctx:
        client.get(url)
    base = len(ctx.captured_queries)
    do_add_attachments(meeting, [SimpleUploadedFile(f"{i}.jpg", JPEG + bytes([i])) for i in range(5)],
                       acting_user=users.secretary_a)
    with django_assert_max_num_queries(base):
        client.get(url)


def test_deleting_the_meeting_removes_its_files(media, meeting, users, django_capture_on_commit_callbacks):
    from dangjian.orglife.actions import do_delete_meeting

    do_add_attachment(meeting, SimpleUploadedFile("照片.png", PNG), acting_user=users.secretary_a)
    assert len(files_on_disk(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        do_delete_meeting(meeting, reason="重复录入", acting_user=users.secretary_a)
    assert files_on_disk(media) == []
