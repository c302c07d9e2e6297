"""The documents a recruitment file generates (docx), opened and read back: the names, dates, vote
tallies and articles come from the recorded steps; a jurisdiction's own template replaces the default;
out of scope answers 404."""
import io

import pytest
from django.urls import reverse
from docx import Document

from dangjian.djx.actions import do_import_djx
from dangjian.recruitment import documents
from dangjian.recruitment.models import RecruitmentFile

from . import cases as c


def text_of(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


@pytest.mark.django_db
def test_every_document_of_a_complete_file_is_filled_from_its_steps():
    do_import_djx(c.complete(), run_rules=False)
    f = RecruitmentFile.objects.get()
    kinds = dict(documents.available(f))
    assert set(kinds) == {"talk", "filing", "pre_review", "resolution", "approval", "confirmation"}  # no 公示 recorded
    resolution = text_of(documents.render(f, "resolution"))
    assert "2024年6月5日" in resolution and "应到会有表决权的党员10名，实到6名" in resolution
    assert "赞成5票（含因故不能到会党员的书面意见1票）" in resolution and "同意接收李明同志为中共预备党员" in resolution
    assert "第二十、二十一条" in resolution
    approval = text_of(documents.render(f, "approval"))
    assert "市交通运输局机关党委于2024年9月5日" in approval and "预备期自2024年6月5日至2025年6月5日" in approval
    pre = text_of(documents.render(f, "pre_review"))
    assert "入党介绍人：张书记、陈党员" in pre and "合格（2024年4月20日）" in pre and "3天、20学时" in pre
    confirm = text_of(documents.render(f, "confirmation"))
    assert "党龄自2025年6月5日算起" in confirm
    for kind in kinds:
        assert "{{" not in text_of(documents.render(f, kind)), kind


@pytest.mark.django_db
def test_a_jurisdiction_template_replaces_the_default(settings, tmp_path):
    from docx import Document as New

    settings.VAR_DIR = tmp_path
    do_import_djx(c.complete(), run_rules=False)
    f = RecruitmentFile.objects.get()
    path = documents.override_path("approval")
    path.parent.mkdir(parents=True)
    d = New()
    d.add_paragraph("本辖区格式：{{ name }}，批准日期{{ approval_date }}")
    d.save(path)
    assert text_of(documents.render(f, "approval")) == "本辖区格式：李明，批准日期2024年9月5日"


def test_the_document_page_answers_within_scope(client_as, users, tree, people):
    import datetime as dt

    from conftest import _person
    from dangjian.recruitment.actions import do_open_file, do_record_step

    p = _person(tree.a, "李明", status="applicant", birth_date=dt.date(2000, 1, 1), probationary_date=None,
                full_member_date=None)
    f = do_open_file(person=p, application_date=dt.date(2024, 1, 10))
    do_record_step(f, "first_talk", dt.date(2024, 1, 20))
    url = reverse("recruitment:recruitment_document", kwargs={"pk": f.pk, "kind": "talk"})
    r = client_as(users.secretary_a).get(url)
    assert r.status_code == 200 and "谈话日期：2024年1月20日" in text_of(r.content)
    assert "谈话记录" in client_as(users.secretary_a).get(
        reverse("recruitment:recruitment_detail", kwargs={"pk": f.pk})).content.decode()
    assert client_as(users.secretary_b).get(url).status_code == 404
    assert client_as(users.secretary_a).get(url.replace("talk", "approval")).status_code == 404
