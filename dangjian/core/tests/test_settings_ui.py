"""规则参数 ([P] rules are settings per jurisdiction): every registered parameter is listed with its
rules, default and current value; only the 工委 admin (a scope over a whole tree) may change it,
with a Chinese error for a value the rules cannot use; the change is audited and the rules re-judge
at once; a finding shows the parameter it was judged with."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core import engine
from dangjian.core.actions import do_reset_setting, do_update_setting
from dangjian.core.errors import ActionError
from dangjian.core.models import AuditEvent, Finding, FindingState, JurisdictionSetting


def edit_url(key):
    return reverse("jurisdiction:setting_edit", kwargs={"key": key})


def test_every_registered_setting_is_listed_read_only_for_a_member(users, client_as, django_assert_max_num_queries):
    client = client_as(users.member_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("jurisdiction:setting_list"))
    assert response.status_code == 200
    html = response.content.decode()
    for key, s in engine.registry.settings.items():
        assert f"setting-{key}" in html and s.label[:10] in html
    assert "quarter（党课按季度）" in html and "ORGLIFE-02" in html
    assert edit_url("lecture_per") not in html and "仅供查看" in html


def test_only_a_scope_over_a_whole_tree_may_change_a_setting(users, client_as):
    for who in (users.committee_admin, users.secretary_a, users.auditor):
        with pytest.raises(ActionError, match="工委管理员"):
            do_update_setting("lecture_per", "year", acting_user=who)
        client = client_as(who)
        assert client.get(edit_url("lecture_per")).status_code == 302
        client.post(edit_url("lecture_per"), {"value": "year"})
        assert not JurisdictionSetting.objects.exists()
    assert client_as(users.wc_admin).get(reverse("jurisdiction:setting_list")).content.decode().count(
        "/edit/") == len(engine.registry.settings)


@pytest.mark.parametrize("key, value, message", [
    ("vacancy_days", "九十", "不是整数"),
    ("vacancy_days", "-5", "取值应在"),
    ("orglife_window_months", "0", "取值应在 1 到 120 之间"),
    ("lecture_per", "month", "“month”不是可选值"),
    ("orglife_records_from", "2025-13-01", "不是有效日期"),
    ("term_reminder_months", "6、四", "不是整数"),
    ("term_reminder_months", " ", "请填写"),
])
def test_a_bad_value_is_refused_in_chinese_and_nothing_is_saved(users, client_as, key, value, message):
    response = client_as(users.wc_admin).post(edit_url(key), {"value": value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not JurisdictionSetting.objects.exists() and not AuditEvent.objects.filter(verb="setting.update").exists()


def test_values_are_stored_in_the_type_the_rules_read(users, client_as):
    client = client_as(users.wc_admin)
    assert client.post(edit_url("term_reminder_months"), {"value": "2，6、4"}).status_code == 302
    assert client.post(edit_url("orglife_records_from"), {"value": "2025-07-01"}).status_code == 302
    assert client.post(edit_url("vacancy_days"), {"value": "60"}).status_code == 302
    values = engine.effective_settings()
    assert values["term_reminder_months"] == [6, 4, 2]
    assert values["orglife_records_from"] == "2025-07-01" and values["vacancy_days"] == 60
    client.post(edit_url("orglife_records_from"), {"value": ""})
    assert engine.effective_settings()["orglife_records_from"] is None


def test_a_change_is_audited_rejudged_and_shown_on_findings(tree, people, users, client_as,
                                                            django_capture_on_commit_callbacks):
    engine.run(rule_ids=["ORGLIFE-02"])
    quarterly = Finding.objects.filter(rule_id="ORGLIFE-02", org=tree.a, state=FindingState.OPEN)
    assert quarterly.exists() and all("Q" in f.period for f in quarterly)
    reader = client_as(users.secretary_a)
    html = reader.get(reverse("core:finding_list")).content.decode()
    assert "判定参数：lecture_per=quarter（党课按季度）" in html

    admin = client_as(users.wc_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(edit_url("lecture_per"), {"value": "year", "note": "本市按年度安排支部党课"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="setting.update")
    assert event.actor == users.wc_admin
    assert event.data["before"] == {"value": "quarter", "default": True}
    assert event.data["after"] == {"value": "year"} and event.data["key"] == "lecture_per"
    # The rules re-judged with the new value: the quarters resolve, the year is the finding now.
    open_now = Finding.objects.filter(rule_id="ORGLIFE-02", org=tree.a, state=FindingState.OPEN)
    assert open_now.exists() and all("Q" not in f.period for f in open_now)
    assert not Finding.objects.filter(rule_id="ORGLIFE-02", org=tree.a, period__contains="Q",
                                      state=FindingState.OPEN).exists()
    html = client_as(users.secretary_a).get(reverse("core:finding_list")).content.decode()
    assert "判定参数：lecture_per=year（党课按年度）" in html
    listing = client_as(users.member_a).get(reverse("jurisdiction:setting_list")).content.decode()
    assert "year（党课按年度）" in listing and "wc_admin" in listing and "本市按年度安排支部党课" in listing

    admin = client_as(users.wc_admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(edit_url("lecture_per"), {"reset": "1"}).status_code == 302
    assert engine.effective_settings()["lecture_per"] == "quarter"
    reset = AuditEvent.objects.get(verb="setting.reset")
    assert reset.data["before"] == {"value": "year"} and reset.data["after"]["default"] is True
    assert Finding.objects.filter(rule_id="ORGLIFE-02", org=tree.a, period__contains="Q",
                                  state=FindingState.OPEN).exists()
    with pytest.raises(ActionError, match="已是默认值"):
        do_reset_setting("lecture_per", acting_user=users.wc_admin)


def test_an_unknown_key_is_404_and_refused(users, client_as):
    assert client_as(users.wc_admin).get(edit_url("no_such_setting")).status_code == 404
    with pytest.raises(ActionError, match="没有名为"):
        do_update_setting("no_such_setting", 1, acting_user=users.wc_admin)


def test_the_parameters_a_rule_was_judged_with_read_as_text(db):
    from dangjian.core.templatetags.settings_tags import judged_with_text

    values = engine.effective_settings({"term_reminder_months": [6, 3], "lecture_per": "year"})
    assert judged_with_text(engine.registry.get("TERM-02"), values) == "判定参数：term_reminder_months=6,3"
    text = judged_with_text(engine.registry.get("ORGLIFE-02"), values)
    assert text.startswith("判定参数：lecture_per=year（党课按年度），orglife_window_months=12")
    assert judged_with_text(engine.registry.get("EVAL-01"), values) == ""     # no [P] settings


# --- a finding keeps the values it was judged with --------------------------------------------------
def _org_page(client, org):
    return client.get(reverse("orgs:org_detail", kwargs={"pk": org.pk})).content.decode()


def test_a_finding_stores_the_values_it_was_judged_with_and_a_rerun_updates_them(
        tree, people, users, client_as, django_capture_on_commit_callbacks):
    engine.run(rule_ids=["ORGLIFE-02"])
    quarterly = Finding.objects.filter(rule_id="ORGLIFE-02", org=tree.a, period__contains="Q")
    f = quarterly.filter(state=FindingState.OPEN).first()
    assert f.settings_used == {"lecture_per": "quarter", "orglife_window_months": 12,
                               "orglife_records_from": None, "orglife_due_soon_days_quarter": 15}
    page = _org_page(client_as(users.secretary_a), tree.a)
    assert "判定参数：lecture_per=quarter（党课按季度），orglife_window_months=12" in page

    # The 工委 widens the window: the rules re-judge after the commit and the kept findings say so.
    with django_capture_on_commit_callbacks(execute=True):
        do_update_setting("orglife_window_months", 24, acting_user=users.wc_admin)
    f.refresh_from_db()
    assert f.state == FindingState.OPEN and f.settings_used["orglife_window_months"] == 24
    assert _org_page(client_as(users.secretary_a), tree.a).count("orglife_window_months=24") >= 1

    # 党课按年度: the quarters resolve keeping what they were judged with; the year is judged with `year`.
    with django_capture_on_commit_callbacks(execute=True):
        do_update_setting("lecture_per", "year", acting_user=users.wc_admin)
    f.refresh_from_db()
    assert f.state == FindingState.RESOLVED and f.settings_used["lecture_per"] == "quarter"
    yearly = Finding.objects.get(rule_id="ORGLIFE-02", org=tree.a, state=FindingState.OPEN,
                                 period=str(timezone.localdate().year - 1))
    assert yearly.settings_used["lecture_per"] == "year"
    assert yearly.settings_used["orglife_window_months"] == 24
    page = _org_page(client_as(users.secretary_a), tree.a)
    assert "判定参数：lecture_per=year（党课按年度），orglife_window_months=24" in page
    assert "lecture_per=quarter" not in page          # no open finding was judged quarterly any more
    rows = client_as(users.secretary_a).get(reverse("finding-list"), {"rule_id": "ORGLIFE-02"}).json()["results"]
    assert {r["settings_used"]["lecture_per"] for r in rows if r["state"] == "open"} == {"year"}


def test_the_page_shows_the_stored_values_not_todays(tree, people, users, client_as):
    """Between a change and the run that re-judges (or for a finding kept from before), the finding
    says what it was judged with; a finding stored before the values were kept shows today's."""
    engine.run(rule_ids=["ORGLIFE-02"])
    JurisdictionSetting.objects.create(key="orglife_window_months", value=36)   # not yet re-judged
    client = client_as(users.secretary_a)
    page = _org_page(client, tree.a)
    assert "orglife_window_months=12" in page and "orglife_window_months=36" not in page
    listing = client.get(reverse("core:finding_list")).content.decode()
    assert "orglife_window_months=12" in listing and "orglife_window_months=36" not in listing
    assert "判定这些预警时的取值" in listing

    Finding.objects.filter(rule_id="ORGLIFE-02").update(settings_used={})        # an older finding
    assert "orglife_window_months=36" in _org_page(client, tree.a)


def test_a_rule_without_settings_stores_nothing_and_shows_nothing(tree, people, users, client_as):
    engine.run()
    plain = [f for f in Finding.objects.all() if f.rule and not f.rule.settings]
    assert plain and all(f.settings_used == {} for f in plain)
    Finding.objects.all().delete()
    Finding.objects.create(rule_id="EVAL-01", severity="WARN", subject_kind="org", subject_id=tree.a.pk,
                           org=tree.a, message="未开展民主评议", citation="条例")
    page = _org_page(client_as(users.secretary_a), tree.a)
    assert "未开展民主评议" in page and "判定参数" not in page


def test_storing_the_values_costs_one_update_per_rule_and_none_when_unchanged(tree, people, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    engine.run()
    with CaptureQueriesContext(connection) as unchanged:
        engine.run()
    assert not [q for q in unchanged.captured_queries if "settings_used" in q["sql"]
                and q["sql"].lstrip().upper().startswith("UPDATE")]

    JurisdictionSetting.objects.create(key="orglife_window_months", value=24)
    with CaptureQueriesContext(connection) as changed:
        result = engine.run()
    updates = [q for q in changed.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")
               and "settings_used" in q["sql"]]
    reading = {r for r in result.by_rule if "orglife_window_months" in engine.registry.get(r).settings}
    assert reading and 1 <= len(updates) <= len(reading)   # per rule, never per finding
    assert all(f.settings_used.get("orglife_window_months") == 24
               for f in Finding.objects.filter(rule_id__in=reading, state=FindingState.OPEN))
