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
                                               ("FEE-13", "BLOCK"), ("SUP-01", "WARN"), ("REL-03", "WARN")])
def test_an_info_or_another_familys_finding_does_not_block(tree, people, users, rule_id, severity):
    app = draft(tree, users)
    finding(tree.a, rule_id, severity)
    assert actions.do_submit(app, acting_user=users.secretary_a).state == ApplicationState.SUBMITTED


@pytest.mark.parametrize("rule_id, severity", [("BR-06", "WARN"), ("ELEC-07", "BLOCK"), ("TERM-01", "WARN"),
                                               ("DEV-09", "BLOCK"), ("EVAL-01", "BLOCK"),
                                               # 谈心谈话 before a 组织生活会, six months away from organisational life
                                               ("TALK-01", "WARN"), ("REL-01", "WARN"), ("ORGLIFE-07", "WARN"),
                                               ("ELEC-01", "WARN"), ("BR-11", "WARN")])
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


def test_every_organisational_life_election_and_recruitment_rule_blocks_by_default():
    """SQ-02's 标准化规范化: every rule of organisational life, elections (and terms) and recruitment that can judge a
    branch stands in the way by default — only DLH-01 (the 党组's 民主生活会) cannot concern a branch."""
    from dangjian.core import engine
    from dangjian.fourstrong import baseline

    settings = engine.effective_settings()
    wanted = {r.id for r in engine.registry if r.domain in ("orglife", "elections", "recruitment")} - {"DLH-01"}
    wanted |= {r.id for r in engine.registry if r.id.startswith(("BR-", "ELEC-", "TERM-"))}
    assert {"TALK-01", "REL-01", "ORGLIFE-05", "EVAL-02", "DEV-27", "ELEC-12"} <= wanted
    assert [r for r in sorted(wanted) if not baseline.is_gated(r, settings)] == []
    # Nothing else: dues, supervision, membership (REL-03), data quality are other matters.
    others = {r.id for r in engine.registry} - wanted - {"DLH-01"}
    assert [r for r in sorted(others) if baseline.is_gated(r, settings)] == []


def test_a_rule_id_in_the_setting_gates_that_rule_alone(tree, people, users):
    """Single rules may be listed by their ID: BR-09 stands in the way, BR-06 (not listed) does not."""
    JurisdictionSetting.objects.create(key="fourstrong_gated_rules", value="BR-09、BR-10、ORGLIFE-")
    app = draft(tree, users)
    finding(tree.a, "BR-06", "WARN", message="第一党支部：2025年10月没有召开支委会")
    other = finding(tree.a, "BR-09", "WARN", message="第一党支部：正式党员7人以上未设支部委员会")
    with pytest.raises(ActionError, match="BR-09"):
        actions.do_submit(app, acting_user=users.secretary_a)
    other.state = FindingState.RESOLVED
    other.save()
    assert actions.do_submit(app, acting_user=users.secretary_a).state == ApplicationState.SUBMITTED


def test_a_bare_family_name_in_the_setting_is_the_family(tree, people, users):
    JurisdictionSetting.objects.create(key="fourstrong_gated_rules", value="DEV、talk")
    app = draft(tree, users)
    finding(tree.a, "TALK-01", "WARN")
    with pytest.raises(ActionError, match="TALK-01"):
        actions.do_submit(app, acting_user=users.secretary_a)


def test_the_setting_is_checked_against_the_rules_when_saved(tree, people, users, client_as):
    from dangjian.core.actions import do_update_setting

    with pytest.raises(ActionError, match="没有这些规则或规则族：XYZ-、BR-99"):
        do_update_setting("fourstrong_gated_rules", "ORGLIFE-、XYZ-、BR-99、REL-01", acting_user=users.wc_admin)
    url = reverse("jurisdiction:setting_edit", kwargs={"key": "fourstrong_gated_rules"})
    response = client_as(users.wc_admin).post(url, {"value": "ORGLIFE-、ORGLIFE-99"})
    assert response.status_code == 200 and "没有这些规则或规则族：ORGLIFE-99" in response.content.decode()
    assert not JurisdictionSetting.objects.filter(key="fourstrong_gated_rules").exists()
    row = do_update_setting("fourstrong_gated_rules", "orglife-, BR-09 ;REL-01、DEV", acting_user=users.wc_admin)
    assert row.value == "ORGLIFE-、BR-09、REL-01、DEV"


def test_the_index_says_where_each_branch_stands_in_a_constant_number_of_queries(tree, people, users, client_as,
                                                                                   django_assert_max_num_queries):
    """The 机关党委 sees its branches in tree order with where each stands: a finding on A's 党小组 holds A back, B may
    apply; once B is named it shows as named until the end of its validity. Not a ranking."""
    from .helpers import name_branch

    published_standard(tree, users)
    f = finding(tree.a1, "TALK-01", "WARN")
    client = client_as(users.committee_admin)
    url = reverse("fourstrong:index")
    html = client.get(url).content.decode()
    assert "已命名 0 个 · 申报中 0 个 ·\n      有预警暂不能申报 1 个 · 可申报 1 个" in html
    f.state = FindingState.RESOLVED
    f.save()
    name_branch(tree, users, tree.b, secretary=users.secretary_b)
    with django_assert_max_num_queries(16):
        html = client.get(url).content.decode()
    assert "已命名 1 个 · 申报中 0 个 ·\n      有预警暂不能申报 0 个 · 可申报 1 个" in html
    assert "有效 · 至 2028-11-30" in html
