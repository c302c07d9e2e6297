"""“四强”党支部 gating (rules.md SQ-02): 创建前提是标准化规范化 — a branch with an open BLOCK or WARN finding on
organisational life, elections or recruitment cannot be rated, and the page says which finding stands in the way.
Waived and resolved findings, INFO and other families do not block. Checked again at review and at naming."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import ActionError
from dangjian.core.models import FindingState, JurisdictionSetting
from dangjian.fourstrong import actions
from dangjian.fourstrong.choices import ApplicationState

from .helpers import finding, full_marks, published_standard, submitted

pytestmark = pytest.mark.django_db


def draft(tree, users, org=None, secretary=None):
    app = actions.do_open_application(standard=published_standard(tree, users), org=org or tree.a,
                                      acting_user=secretary or users.secretary_a)
    actions.do_save_self_assessment(app, scores=full_marks(app), acting_user=secretary or users.secretary_a)
    return app


def test_an_open_warn_on_orglife_blocks_branch_a_and_the_page_names_it(tree, people, users, client_as):
    app = draft(tree, users)
    f = finding(tree.a, "ORGLIFE-03", "WARN")
    with pytest.raises(ActionError, match="ORGLIFE-03") as e:
        actions.do_submit(app, acting_user=users.secretary_a)
    assert e.value.rule == "SQ-02"
    app.refresh_from_db()
    assert app.state == ApplicationState.DRAFT and app.submitted_at is None
    client = client_as(users.secretary_a)
    for url in (reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk}),
                reverse("fourstrong:fsbranch", kwargs={"org_pk": tree.a.pk})):
        html = client.get(url).content.decode()
        assert 'id="blocking"' in html and "ORGLIFE-03" in html and f.message in html
        assert f"rule_id=ORGLIFE-03&amp;org={tree.a.pk}" in html
    # Submitting through the page is refused with the same reason, and what was typed stays.
    form = {"form": "submit", "summary": "我们的创建情况", **{f"self_{c}": "1" for c in full_marks(app)}}
    html = client.post(reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk}), form, follow=True).content.decode()
    assert "暂不能评定" in html and "我们的创建情况" in html
    app.refresh_from_db()
    assert app.state == ApplicationState.DRAFT


@pytest.mark.parametrize("state", [FindingState.WAIVED, FindingState.RESOLVED])
def test_the_same_finding_waived_or_resolved_no_longer_blocks(tree, people, users, state):
    app = draft(tree, users)
    f = finding(tree.a, "ORGLIFE-03", "WARN")
    with pytest.raises(ActionError):
        actions.do_submit(app, acting_user=users.secretary_a)
    f.state = state
    f.resolved_at = timezone.now() if state == FindingState.RESOLVED else None
    f.save()
    assert actions.do_submit(app, acting_user=users.secretary_a).state == ApplicationState.SUBMITTED


@pytest.mark.parametrize("rule_id, severity", [("ORGLIFE-04", "INFO"), ("TERM-02", "INFO"), ("FEE-12", "WARN"),
                                               ("FEE-13", "BLOCK"), ("SUP-01", "WARN")])
def test_an_info_or_another_familys_finding_does_not_block(tree, people, users, rule_id, severity):
    app = draft(tree, users)
    finding(tree.a, rule_id, severity)
    assert actions.do_submit(app, acting_user=users.secretary_a).state == ApplicationState.SUBMITTED


@pytest.mark.parametrize("rule_id, severity", [("BR-06", "WARN"), ("ELEC-07", "BLOCK"), ("TERM-01", "WARN"),
                                               ("DEV-09", "BLOCK"), ("EVAL-01", "BLOCK")])
def test_each_gated_family_blocks(tree, people, users, rule_id, severity):
    app = draft(tree, users)
    finding(tree.a, rule_id, severity)
    with pytest.raises(ActionError, match=rule_id):
        actions.do_submit(app, acting_user=users.secretary_a)


def test_a_finding_on_branch_b_does_not_block_a(tree, people, users):
    app = draft(tree, users)
    finding(tree.b, "ORGLIFE-03", "WARN")
    finding(tree.committee, "BR-01", "WARN")          # nor one on the 机关党委 above
    assert actions.do_submit(app, acting_user=users.secretary_a).state == ApplicationState.SUBMITTED


def test_a_finding_on_as_party_group_blocks_a(tree, people, users):
    app = draft(tree, users)
    finding(tree.a1, "BR-07", "WARN", message="第一党小组：2025年10月没有召开党小组会")
    with pytest.raises(ActionError, match="第一党小组"):
        actions.do_submit(app, acting_user=users.secretary_a)


def test_the_gated_families_are_a_setting(tree, people, users):
    app = draft(tree, users)
    finding(tree.a, "ORGLIFE-03", "WARN")
    JurisdictionSetting.objects.create(key="fourstrong_gated_rules", value="ELEC-、DEV-")
    assert actions.do_submit(app, acting_user=users.secretary_a).state == ApplicationState.SUBMITTED


def test_gating_is_checked_again_at_review_and_at_naming(tree, people, users):
    app = submitted(tree, users, tree.a)
    f = finding(tree.a, "ELEC-01", "WARN", message="第一党支部：任期已届满，未按期换届")
    with pytest.raises(ActionError, match="ELEC-01"):
        actions.do_review(app, passed=True, scores=full_marks(app), acting_user=users.committee_admin)
    # Returning it is still possible: the branch has work to do.
    f.state = FindingState.RESOLVED
    f.save()
    actions.do_review(app, passed=True, scores=full_marks(app), acting_user=users.committee_admin)
    finding(tree.a1, "ORGLIFE-05", "WARN", message="李红梅：本年度没有谈心谈话记录")
    with pytest.raises(ActionError, match="ORGLIFE-05"):
        actions.do_decide(app, named=True, on=dt.date(2025, 12, 1), acting_user=users.wc_admin)
    app.refresh_from_db()
    from dangjian.fourstrong.models import Title

    assert app.state == ApplicationState.PASSED and not Title.objects.filter(application=app).exists()


def test_the_review_and_naming_pages_show_the_findings_and_refuse(tree, people, users, client_as):
    app = submitted(tree, users, tree.a)
    finding(tree.a, "DEV-03", "WARN", message="入党申请人：收到申请书超过一个月未谈话")
    client = client_as(users.committee_admin)
    url = reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk})
    html = client.get(url).content.decode()
    assert "DEV-03" in html and "收到申请书超过一个月未谈话" in html
    html = client.get(reverse("fourstrong:reviews")).content.decode()
    assert "有未消除的预警" in html
    response = client.post(url, {"form": "pass", **{f"review_{c}": v for c, (v, _) in full_marks(app).items()}})
    assert response.status_code == 200 and "DEV-03" in response.content.decode()
    app.refresh_from_db()
    assert app.state == ApplicationState.SUBMITTED
