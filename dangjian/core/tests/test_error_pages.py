"""Errors speak Chinese and say what to do next."""
from django.urls import reverse


def test_outsider_gets_a_chinese_404_that_does_not_confirm_the_record_exists(client_as, users, tree):
    r = client_as(users.secretary_b).get(reverse("orgs:org_detail", kwargs={"pk": tree.a.pk}))
    assert r.status_code == 404
    page = r.content.decode()
    assert "不在您的管理范围内" in page and "第一党支部" not in page


def test_member_opening_the_roster_import_sees_why_in_chinese(client_as, users):
    r = client_as(users.member_a).get(reverse("people:roster_import"))
    assert r.status_code in (403, 404)
    assert "权限" in r.content.decode() or "未找到" in r.content.decode()
