"""工作台, 预警中心 and the password page. Findings are shown with their rule and the article quoted;
waiving needs the `waive` right on the finding's org (the outsider gets 404) and a reason."""
import pytest
from django.urls import path, reverse

from dangjian.accounts import views as account_views
from dangjian.core.models import AuditEvent, Finding
from dangjian.urls import urlpatterns as project_urlpatterns

pytestmark = pytest.mark.django_db

# The password page is wired here until dangjian/urls.py routes it (see the report to the lead).
urlpatterns = list(project_urlpatterns)
if not any(getattr(p, "name", None) == "password_change" for p in urlpatterns):
    urlpatterns.append(path("password/", account_views.PasswordChangeView.as_view(), name="password_change"))


def table_of(response) -> str:
    """The findings table alone (the rule filter's datalist names every rule)."""
    page = response.content.decode()
    return page[page.index("<table"):page.rindex("</table>")]


@pytest.fixture
def findings(tree, people):
    class F:
        pass

    f = F()
    f.a = Finding.objects.create(rule_id="BR-10", severity="BLOCK", subject_kind="org", subject_id=tree.a.pk,
                                 org=tree.a, message="书记任职未报上级党组织批准。",
                                 citation="《中国共产党支部工作条例（试行）》第二十一条")
    f.b = Finding.objects.create(rule_id="TERM-02", severity="INFO", subject_kind="org", subject_id=tree.b.pk,
                                 org=tree.b, message="任期将于半年内届满。", citation="《中国共产党基层组织选举工作条例》第三条")
    f.member = Finding.objects.create(rule_id="DATA-01", severity="WARN", subject_kind="person",
                                      subject_id=people.secretary_a.pk, org=tree.a, person=people.secretary_a,
                                      message="正式党员缺少转正日期。", citation="《中国共产党发展党员工作细则》")
    return f


def test_home_shows_my_orgs_and_open_findings_by_severity(client_as, users, findings):
    r = client_as(users.secretary_a).get(reverse("home"))
    page = r.content.decode()
    assert "第一党支部" in page and "第二党支部" not in page
    counts = {code: n for code, _, n in r.context["severities"]}
    assert counts == {"BLOCK": 1, "WARN": 1, "INFO": 0}
    assert r.context["member_count"] == 2


def test_home_counts_members_of_the_whole_subtree(client_as, users, people):
    r = client_as(users.committee_admin).get(reverse("home"))
    assert r.context["member_count"] == 4  # two in branch A, two in branch B
    assert "党员 4（含下级）" in r.content.decode()


def test_home_empty_state_says_what_to_do(client, db):
    from conftest import _user

    client.force_login(_user("nobody"))
    page = client.get(reverse("home")).content.decode()
    assert "请联系上级党组织管理员" in page
    assert "没有未解决的预警" in page


def test_home_requires_login(client, db):
    r = client.get(reverse("home"))
    assert r.status_code == 302 and reverse("login") in r.url


def test_finding_list_shows_rule_title_and_citation(client_as, users, findings):
    page = table_of(client_as(users.secretary_a).get(reverse("core:finding_list")))
    assert "BR-10" in page and "第二十一条" in page and "书记任职未报上级党组织批准" in page
    assert "TERM-02" not in page  # branch B's finding is out of scope
    assert reverse("core:finding_waive", kwargs={"pk": findings.a.pk}) in page


def test_finding_list_filters(client_as, users, findings):
    c = client_as(users.committee_admin)
    page = table_of(c.get(reverse("core:finding_list"), {"severity": "INFO", "filtered": "1", "state": "open"}))
    assert "TERM-02" in page and "BR-10" not in page
    page = table_of(c.get(reverse("core:finding_list"), {"within": findings.a.org_id, "filtered": "1",
                                                         "state": "open"}))
    assert "BR-10" in page and "TERM-02" not in page
    page = table_of(c.get(reverse("core:finding_list"), {"rule_id": "DATA", "filtered": "1"}))
    assert "DATA-01" in page and "BR-10" not in page


def test_finding_list_default_is_open_only(client_as, users, findings):
    Finding.objects.filter(pk=findings.a.pk).update(state="resolved")
    page = table_of(client_as(users.secretary_a).get(reverse("core:finding_list")))
    assert "BR-10" not in page and "DATA-01" in page


def test_member_sees_only_findings_about_themself(client_as, users, findings, people):
    Finding.objects.create(rule_id="DATA-02", severity="WARN", subject_kind="person",
                           subject_id=people.member_a.pk, org=findings.a.org, person=people.member_a,
                           message="缺少入党日期。", citation="细则")
    page = table_of(client_as(users.member_a).get(reverse("core:finding_list")))
    assert "DATA-02" in page and "BR-10" not in page and "DATA-01" not in page
    assert "豁免</a>" not in page


def test_waive_with_reason(client_as, users, findings):
    c = client_as(users.secretary_a)
    assert c.get(reverse("core:finding_waive", kwargs={"pk": findings.a.pk})).status_code == 200
    r = c.post(reverse("core:finding_waive", kwargs={"pk": findings.a.pk}), {"reason": "上级已书面批准，批复待补录"})
    assert r.status_code == 302
    f = Finding.objects.get(pk=findings.a.pk)
    assert f.state == "waived" and f.waived_by == users.secretary_a
    assert AuditEvent.objects.filter(verb="finding.waive", org=findings.a.org).exists()


def test_waive_without_reason_is_refused(client_as, users, findings):
    r = client_as(users.secretary_a).post(reverse("core:finding_waive", kwargs={"pk": findings.a.pk}), {"reason": " "})
    assert r.status_code == 200 and r.context["form"].errors["reason"]
    assert Finding.objects.get(pk=findings.a.pk).state == "open"


def test_outsider_and_auditor_cannot_waive(client_as, users, findings):
    for user in (users.secretary_b, users.auditor, users.member_a):
        c = client_as(user)
        assert c.get(reverse("core:finding_waive", kwargs={"pk": findings.a.pk})).status_code == 404
        assert c.post(reverse("core:finding_waive", kwargs={"pk": findings.a.pk}),
                      {"reason": "越权"}).status_code == 404
    assert Finding.objects.get(pk=findings.a.pk).state == "open"


@pytest.mark.urls(__name__)
def test_password_change(client_as, users):
    c = client_as(users.member_a)
    assert "修改密码" in c.get(reverse("home")).content.decode()
    r = c.post(reverse("password_change"), {"old_password": "错误的密码", "new_password1": "abc",
                                            "new_password2": "abc"})
    assert r.status_code == 200 and r.context["form"].errors["old_password"]
    r = c.post(reverse("password_change"), {"old_password": "Dangjian2026!", "new_password1": "Hongqi-2026-xyz",
                                            "new_password2": "Hongqi-2026-xyz"})
    assert r.status_code == 302
    users.member_a.refresh_from_db()
    assert users.member_a.check_password("Hongqi-2026-xyz") and users.member_a.password_changed
    assert c.get(reverse("home")).status_code == 200  # still signed in
    assert AuditEvent.objects.filter(verb="user.password").exists()


def test_layout_has_navigation_and_vendored_assets(client_as, users):
    page = client_as(users.secretary_a).get(reverse("home")).content.decode()
    for label in ("机关党建", "组织", "人员", "预警中心", "数据交换", "API 文档", "退出登录"):
        assert label in page
    assert "/static/vendor/htmx.org/htmx.min.js" in page
    # Nothing is fetched from elsewhere: every script and stylesheet is served by the site itself.
    import re

    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith(("/static/", "data:")) for a in assets), assets


def test_vendored_assets_exist_and_are_pinned():
    import json
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    pins = json.loads((root / "package.json").read_text())["devDependencies"]
    assert pins["htmx.org"].startswith("2.0.") and pins["bootstrap"].startswith("5.3.")
    vendored = json.loads((root / "static/vendor/VERSIONS.json").read_text())
    assert vendored == pins
    for f in ("bootstrap/css/bootstrap.min.css", "bootstrap/js/bootstrap.bundle.min.js", "htmx.org/htmx.min.js",
              "alpinejs/alpine.min.js", "echarts/echarts.min.js",
              "bootstrap-icons/font/fonts/bootstrap-icons.woff2"):
        assert (root / "static/vendor" / f).stat().st_size > 1000, f
