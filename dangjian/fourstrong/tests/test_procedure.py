"""申报—审核—命名—复核: only the branch's parent (机关党委) reviews and only the standard's jurisdiction (工委) names;
nobody reviews their own branch; a title is valid for the standard's years; the yearly 复核 runs the baseline again
and, by the `fourstrong_lapse` setting, flags or revokes; revocation needs a reason; everything is audited."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent, JurisdictionSetting
from dangjian.fourstrong import actions
from dangjian.fourstrong.choices import ApplicationState, RecheckOutcome, TitleState
from dangjian.fourstrong.models import Criterion, Standard, Title

from .helpers import finding, full_marks, name_branch, published_standard, submitted

pytestmark = pytest.mark.django_db


def test_a_new_standard_has_the_four_dimensions_and_is_editable_only_while_a_draft(tree, users):
    s = actions.do_create_standard(jurisdiction=tree.wc, year=2026, acting_user=users.wc_admin)
    assert [str(d) for d in s.dimensions.all()] == ["政治功能强", "支部班子强", "党员队伍强", "作用发挥强"]
    assert sum(d.weight for d in s.dimensions.all()) == 100 and s.validity_years == 3
    assert all(d.criteria.exists() for d in s.dimensions.all())
    political = s.dimensions.get(code="political")
    actions.do_set_weight(political, 30, acting_user=users.wc_admin)
    with pytest.raises(ActionError, match="合计应为 100%"):
        actions.do_publish_standard(s, acting_user=users.wc_admin)
    actions.do_set_weight(political, 25, acting_user=users.wc_admin)
    with pytest.raises(ActionError, match="只有中共某市直属机关工作委员会的管理员"):
        actions.do_create_standard(jurisdiction=tree.wc, year=2027, acting_user=users.committee_admin)
    actions.do_publish_standard(s, acting_user=users.wc_admin)
    with pytest.raises(ActionError, match="已发布"):
        actions.do_add_criterion(political, text="新增", points=1, acting_user=users.wc_admin)
    # Published: branch A and B both see it; a draft of the 机关党委 is the 机关党委's only.
    draft = actions.do_create_standard(jurisdiction=tree.committee, year=2026, acting_user=users.committee_admin)
    for who in (users.secretary_a, users.secretary_b):
        visible = set(Standard.objects.restrict(who).values_list("pk", flat=True))
        assert s.pk in visible and draft.pk not in visible


def test_a_minimum_on_evidence_is_a_condition(tree, people, users):
    s = actions.do_create_standard(jurisdiction=tree.wc, year=2025, acting_user=users.wc_admin)
    Criterion.objects.filter(dimension__standard=s).update(minimum=None)
    c = Criterion.objects.filter(dimension__standard=s, evidence="theme_day").first() or Criterion.objects.filter(
        dimension__standard=s).first()
    actions.do_update_criterion(c, evidence_key="theme_day", minimum="10", acting_user=users.wc_admin)
    with pytest.raises(ActionError, match="达标线"):
        actions.do_update_criterion(c, evidence_key="last_election", minimum="1", acting_user=users.wc_admin)
    actions.do_publish_standard(s, acting_user=users.wc_admin)
    app = actions.do_open_application(standard=s, org=tree.a, acting_user=users.secretary_a)
    actions.do_save_self_assessment(app, scores=full_marks(app), acting_user=users.secretary_a)
    with pytest.raises(ActionError, match="主题党日（次） 0，达标线 10"):
        actions.do_submit(app, as_of=dt.date(2025, 11, 30), acting_user=users.secretary_a)


def test_only_the_parent_committee_reviews_and_only_the_jurisdiction_names(tree, people, users):
    app = submitted(tree, users, tree.a)
    for who in (users.secretary_a, users.secretary_b):
        with pytest.raises(ActionError, match="审核"):
            actions.do_review(app, passed=True, scores=full_marks(app), acting_user=who)
    with pytest.raises(ActionError, match="意见"):
        actions.do_review(app, passed=False, comment="", acting_user=users.committee_admin)
    actions.do_review(app, passed=True, scores=full_marks(app), comment="同意", acting_user=users.committee_admin)
    app.refresh_from_db()
    assert app.state == ApplicationState.PASSED and app.review_total == Decimal("100.00")
    for who in (users.secretary_a, users.committee_admin):
        with pytest.raises(ActionError, match="中共某市直属机关工作委员会命名"):
            actions.do_decide(app, named=True, on=dt.date(2025, 12, 1), acting_user=who)
    app = actions.do_decide(app, named=True, on=dt.date(2025, 12, 1), acting_user=users.wc_admin)
    assert app.state == ApplicationState.NAMED
    verbs = list(AuditEvent.objects.filter(verb__startswith="fourstrong.", org=tree.a).values_list("verb", flat=True))
    assert {"fourstrong.apply", "fourstrong.submit", "fourstrong.review", "fourstrong.decide"} <= set(verbs)


def test_the_submitter_cannot_review_their_own_submission(tree, people, users):
    """Someone who is both branch B's admin and a 机关党委 admin submits B's application: they cannot review it."""
    from conftest import _user

    both = _user("committee_and_b", None, [("org_admin", tree.committee), ("org_admin", tree.b)])
    app = actions.do_open_application(standard=published_standard(tree, users), org=tree.b, acting_user=both)
    actions.do_save_self_assessment(app, scores=full_marks(app), acting_user=both)
    actions.do_submit(app, acting_user=both)
    with pytest.raises(ActionError, match="本人提交"):
        actions.do_review(app, passed=True, scores=full_marks(app), acting_user=both)
    actions.do_review(app, passed=True, scores=full_marks(app), acting_user=users.committee_admin)


def test_a_return_goes_back_to_the_branch_and_a_low_score_cannot_pass(tree, people, users):
    app = submitted(tree, users, tree.a)
    low = {cid: ("0", "") for cid in full_marks(app)}
    with pytest.raises(ActionError, match="低于命名分数线"):
        actions.do_review(app, passed=True, scores=low, acting_user=users.committee_admin)
    actions.do_review(app, passed=False, comment="佐证不足，请补充", acting_user=users.committee_admin)
    app.refresh_from_db()
    assert app.state == ApplicationState.RETURNED
    actions.do_submit(app, acting_user=users.secretary_a)
    app.refresh_from_db()
    assert app.state == ApplicationState.SUBMITTED


def test_a_title_is_valid_for_the_standards_years_and_then_lapses(tree, people, users, today):
    app, title = name_branch(tree, users, tree.a, on=dt.date(2025, 12, 1))
    assert title.valid_from == dt.date(2025, 12, 1) and title.valid_until == dt.date(2028, 11, 30)
    assert title.next_recheck == dt.date(2026, 12, 1)
    assert not title.lapsed_on(dt.date(2028, 11, 30)) and title.lapsed_on(dt.date(2028, 12, 1))
    assert title.status_on(dt.date(2028, 12, 1)) == "有效期届满"
    assert title.recheck_due(dt.date(2026, 12, 1)) and not title.recheck_due(dt.date(2026, 11, 30))
    today.move_to(dt.date(2028, 12, 1))
    with pytest.raises(ActionError, match="届满"):
        actions.do_recheck(title, on=dt.date(2028, 12, 1), acting_user=users.wc_admin)


def test_a_recheck_with_a_clean_baseline_keeps_the_title(tree, people, users, today):
    _, title = name_branch(tree, users, tree.a)
    today.move_to(dt.date(2026, 12, 1))
    r = actions.do_recheck(title, on=dt.date(2026, 12, 1), acting_user=users.wc_admin)
    title.refresh_from_db()
    assert r.outcome == RecheckOutcome.KEPT and title.state == TitleState.VALID
    assert title.next_recheck == dt.date(2027, 12, 1)


def test_a_failing_recheck_flags_the_title_by_default(tree, people, users, today):
    _, title = name_branch(tree, users, tree.a)
    today.move_to(dt.date(2026, 12, 1))
    with pytest.raises(ActionError, match="工作委员会"):
        actions.do_recheck(title, on=dt.date(2026, 12, 1), acting_user=users.committee_admin)
    finding(tree.a, "ORGLIFE-04", "WARN", message="第一党支部：2026年没有召开组织生活会")
    r = actions.do_recheck(title, on=dt.date(2026, 12, 1), acting_user=users.wc_admin)
    title.refresh_from_db()
    assert r.outcome == RecheckOutcome.FLAGGED and title.state == TitleState.FLAGGED
    assert title.rectify_by == dt.date(2027, 3, 1) and r.blocking[0]["rule"] == "ORGLIFE-04"
    # Rectified: the next re-check clears the flag.
    from dangjian.core.models import Finding

    Finding.objects.filter(rule_id="ORGLIFE-04").update(state="resolved")
    today.move_to(dt.date(2027, 3, 1))
    actions.do_recheck(title, on=dt.date(2027, 3, 1), acting_user=users.wc_admin)
    title.refresh_from_db()
    assert title.state == TitleState.VALID and title.rectify_by is None


def test_a_failing_recheck_revokes_the_title_when_the_setting_says_so(tree, people, users, today):
    _, title = name_branch(tree, users, tree.a)
    today.move_to(dt.date(2027, 1, 1))
    JurisdictionSetting.objects.create(key="fourstrong_lapse", value="revoke")
    finding(tree.a1, "BR-07", "WARN", message="第一党小组：连续三个月没有召开党小组会")
    r = actions.do_recheck(title, on=dt.date(2026, 12, 1), acting_user=users.wc_admin)
    title.refresh_from_db()
    assert r.outcome == RecheckOutcome.REVOKED and title.state == TitleState.REVOKED
    assert title.revoked_on == dt.date(2026, 12, 1) and "BR-07" in title.revoked_reason
    with pytest.raises(ActionError, match="已撤销"):
        actions.do_recheck(title, on=dt.date(2027, 1, 1), acting_user=users.wc_admin)


def test_manual_revocation_needs_a_reason_and_the_jurisdiction(tree, people, users, today):
    _, title = name_branch(tree, users, tree.a)
    today.move_to(dt.date(2026, 5, 1))
    with pytest.raises(ActionError, match="理由"):
        actions.do_revoke(title, reason=" ", acting_user=users.wc_admin)
    with pytest.raises(ActionError):
        actions.do_revoke(title, reason="发生违纪问题", acting_user=users.secretary_a)
    actions.do_revoke(title, reason="支部书记受到党纪处分", on=dt.date(2026, 5, 1), acting_user=users.wc_admin)
    title.refresh_from_db()
    assert title.state == TitleState.REVOKED and AuditEvent.objects.filter(verb="fourstrong.revoke").exists()


def test_the_register_lists_titles_in_tree_order_in_few_queries(tree, people, users, client_as,
                                                              django_assert_max_num_queries):
    from conftest import _user

    name_branch(tree, users, tree.a)
    _, title_b = name_branch(tree, users, tree.b, secretary=users.secretary_b)
    actions.do_revoke(title_b, reason="撤销", acting_user=users.wc_admin)
    client = client_as(users.wc_admin)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("fourstrong:register")).content.decode()
    assert "第一党支部" in html and "第二党支部" not in html
    html = client.get(reverse("fourstrong:register") + "?show=all").content.decode()
    assert html.index("第一党支部") < html.index("第二党支部") and "已撤销" in html
    # More titles do not mean more queries.
    from conftest import _person
    from dangjian.orgs.actions import do_create_org

    for i in range(3):
        org = do_create_org(name=f"第{i + 3}号党支部", type="branch", parent=tree.committee, unit=tree.unit)
        _person(org, f"书记{i}")
        sec = _user(f"sec{i}", None, [("org_admin", org)])
        name_branch(tree, users, org, secretary=sec)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("fourstrong:register") + "?show=all").content.decode()
    assert html.count("fourstrong/titles/") == 5
    # Branch A's secretary sees A's title only; an empty scope gets the empty state.
    html = client_as(users.secretary_b).get(reverse("fourstrong:register")).content.decode()
    assert "还没有有效的" in html


def test_the_screens_answer(tree, people, users, client_as):
    app, title = name_branch(tree, users, tree.a)
    for who, names in ((users.wc_admin, ("fourstrong:index", "fourstrong:reviews", "fourstrong:register")),
                       (users.member_a, ("fourstrong:index", "fourstrong:reviews", "fourstrong:register"))):
        client = client_as(who)
        for name in names:
            assert client.get(reverse(name)).status_code == 200
    client = client_as(users.wc_admin)
    s = Standard.objects.get()
    for url in (reverse("fourstrong:fsstandard_detail", kwargs={"pk": s.pk}),
                reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk}),
                reverse("fourstrong:fstitle_detail", kwargs={"pk": title.pk}),
                reverse("fourstrong:fsbranch", kwargs={"org_pk": tree.a.pk})):
        assert client.get(url).status_code == 200, url
    assert Title.objects.restrict(users.secretary_b).count() == 0


def test_the_pages_take_a_branch_through_the_procedure(tree, people, users, client_as):
    s = published_standard(tree, users)
    client = client_as(users.secretary_a)
    r = client.post(reverse("fourstrong:fsbranch", kwargs={"org_pk": tree.a.pk}), {"form": "apply", "standard": s.pk})
    app = s.applications.get(org=tree.a)
    assert r.status_code == 302
    url = reverse("fourstrong:fsapplication_detail", kwargs={"pk": app.pk})
    marks = full_marks(app)
    r = client.post(url, {"form": "submit", "summary": "创建情况", **{f"self_{c}": v for c, (v, _) in marks.items()}})
    app.refresh_from_db()
    assert r.status_code == 302 and app.state == ApplicationState.SUBMITTED and app.evidence["items"]
    # The branch's secretary gets no review form; posting one is 404.
    assert client.post(url, {"form": "pass"}).status_code == 404
    client = client_as(users.committee_admin)
    client.post(url, {"form": "pass", "comment": "同意", **{f"review_{c}": v for c, (v, _) in marks.items()}})
    app.refresh_from_db()
    assert app.state == ApplicationState.PASSED
    assert client.post(url, {"form": "name", "on": "2025-12-20"}).status_code == 404
    client = client_as(users.wc_admin)
    client.post(url, {"form": "name", "on": "2025-12-20"})
    app.refresh_from_db()
    assert app.state == ApplicationState.NAMED and app.title.valid_until == dt.date(2028, 12, 19)


def test_weights_are_whole_numbers_saved_together_or_not_at_all(tree, users, client_as):
    s = actions.do_create_standard(jurisdiction=tree.wc, year=2026, acting_user=users.wc_admin)
    dims = list(s.dimensions.order_by("order"))
    client = client_as(users.wc_admin)
    url = reverse("fourstrong:fsstandard_detail", kwargs={"pk": s.pk})
    assert "0 到 100 的整数" in client.get(url).content.decode()
    for bad in ("abc", "25.5", "-5", "101"):
        data = {"form": "weights", f"weight_{dims[0].pk}": "40", f"weight_{dims[1].pk}": bad,
                f"weight_{dims[2].pk}": "10", f"weight_{dims[3].pk}": "25"}
        response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 200 and "支部班子强的权重应是 0 到 100 的整数" in html, bad
        # Nothing was saved, and what was typed is back in the form.
        assert [d.weight for d in s.dimensions.order_by("order")] == [25, 25, 25, 25]
        assert f'name="weight_{dims[0].pk}" value="40"' in html and f'name="weight_{dims[1].pk}" value="{bad}"' in html
    client.post(url, {"form": "weights", f"weight_{dims[0].pk}": "40", f"weight_{dims[1].pk}": "25",
                      f"weight_{dims[2].pk}": "10", f"weight_{dims[3].pk}": "25"})
    assert [d.weight for d in s.dimensions.order_by("order")] == [40, 25, 10, 25]
    assert AuditEvent.objects.filter(verb="fourstrong.weight").count() == 1
