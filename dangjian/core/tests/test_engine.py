"""The rules engine: the registry, the findings' lifecycle (open → resolved automatically, reopened when
the data regresses), incremental runs that touch only one subtree and its ancestors, set-based
evaluation whose query count does not grow with the tree, and the `evaluate`/`rules` commands."""
import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core import engine, tasks
from dangjian.core.engine import Context
from dangjian.core.models import Finding, FindingState
from dangjian.orgs.actions import do_appoint, do_create_org, do_update_post
from dangjian.orgs.models import Post
from dangjian.people.actions import do_create_person, do_move_person
from dangjian.people.models import Person

AS_OF = dt.date(2025, 6, 30)
FOUNDATION_RULES = {"BR-01", "BR-02", "BR-09", "BR-10", "BR-11", "JG-01", "JG-02", "JG-03", "TERM-01",
                    "TERM-02", "ELEC-01", "DATA-01", "DATA-02", "DATA-03", "DATA-04", "DATA-05",
                    "DATA-06", "DATA-07"}


def finding(rule_id, subject):
    return Finding.objects.get(rule_id=rule_id, subject_id=subject.pk)


def test_the_registry_holds_the_foundation_rules_each_with_a_chinese_citation():
    ids = {r.id for r in engine.registry}
    assert FOUNDATION_RULES <= ids
    for r in engine.registry:
        assert r.severity in engine.SEVERITIES and set(r.subject_kinds) <= set(engine.SUBJECT_KINDS)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.title + r.citation), r.id
        assert all(key in engine.registry.settings for key in r.settings), r.id
    assert engine.registry.settings["vacancy_days"].default == 90
    assert engine.registry.settings["term_reminder_months"].default == [6, 4, 2]


def test_a_finding_opens_resolves_when_fixed_and_reopens_when_the_data_regresses(tree, people):
    post = do_appoint(person=people.member_a, org=tree.a, role="deputy_secretary", start=dt.date(2025, 1, 1))
    result = engine.run(as_of=AS_OF, rule_ids=["BR-10"])
    assert result.opened == 1 and result.by_rule == {"BR-10": 1}
    f = finding("BR-10", tree.a)
    assert f.state == FindingState.OPEN and f.org == tree.a and "第二十一条" in f.citation

    do_update_post(post, approved=dt.date(2025, 1, 10))
    result = engine.run(as_of=AS_OF, rule_ids=["BR-10"])
    f.refresh_from_db()
    assert result.resolved == 1 and f.state == FindingState.RESOLVED and f.resolved_at

    do_update_post(post, approved=None)
    assert engine.run(as_of=AS_OF, rule_ids=["BR-10"]).reopened == 1
    f.refresh_from_db()
    assert f.state == FindingState.OPEN and f.resolved_at is None
    assert Finding.objects.filter(rule_id="BR-10").count() == 1


def test_an_action_schedules_the_incremental_run_that_resolves_its_finding(tree, people,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = do_appoint(person=people.member_a, org=tree.a, role="deputy_secretary", start=dt.date(2025, 1, 1))
    assert finding("BR-10", tree.a).state == FindingState.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        do_update_post(post, approved=dt.date(2025, 1, 10))
    assert finding("BR-10", tree.a).state == FindingState.RESOLVED


def test_an_incremental_run_touches_only_that_org_and_its_ancestors(tree, people):
    # The structure rules only: the org-life rules would add findings for the new people too.
    rules = sorted(FOUNDATION_RULES)
    engine.run(as_of=AS_OF, rule_ids=rules)
    assert finding("JG-03", tree.a).state == FindingState.OPEN     # 2 full members each
    assert finding("JG-03", tree.b).state == FindingState.OPEN
    for org in (tree.a, tree.b):
        Person.objects.bulk_create([Person(name=f"补充{i}", org=org, status="full",
                                           full_member_date=dt.date(2016, 7, 1)) for i in range(3)])
    Post.objects.filter(role="secretary").update(approved=None)

    result = engine.run(as_of=AS_OF, org_ids=[tree.a.pk], rule_ids=rules)
    assert finding("JG-03", tree.a).state == FindingState.RESOLVED
    assert finding("BR-10", tree.a).state == FindingState.OPEN
    assert finding("JG-03", tree.b).state == FindingState.OPEN     # not re-judged yet
    assert not Finding.objects.filter(rule_id="BR-10", subject_id=tree.b.pk).exists()
    assert result.opened == 1 and result.resolved == 1

    engine.run(as_of=AS_OF, org_ids=[tree.b.pk], rule_ids=rules)
    assert finding("JG-03", tree.b).state == FindingState.RESOLVED
    assert finding("BR-10", tree.b).state == FindingState.OPEN


def test_a_person_moved_between_branches_keeps_one_finding(tree, people):
    p = do_create_person(name="缺转正日期", org=tree.a, status="full")
    engine.run(as_of=AS_OF)
    assert finding("DATA-01", p).org == tree.a
    do_move_person(p, tree.b)
    # Only the new branch is re-judged: the finding stored under A follows the person to B.
    engine.run(as_of=AS_OF, org_ids=[tree.b.pk])
    f = finding("DATA-01", p)
    assert f.org == tree.b and f.state == FindingState.OPEN
    assert Finding.objects.filter(rule_id="DATA-01", subject_id=p.pk).count() == 1


def _queries_to_evaluate():
    ctx = Context(as_of=AS_OF, settings=engine.effective_settings())
    with CaptureQueriesContext(connection) as q:
        hits = engine.evaluate(ctx)
    return len(q), hits


def test_evaluation_is_set_based_its_queries_do_not_grow_with_the_tree(tree, people):
    small, _ = _queries_to_evaluate()
    gb = do_create_org(name="党总支", type="general_branch", parent=tree.committee,
                       committee_elected=dt.date(2024, 1, 1))
    for i in range(12):
        b = do_create_org(name=f"第{i}支部", type="branch", parent=gb, committee_elected=dt.date(2022, 1, 1))
        sec = do_create_person(name=f"书记{i}", org=b, status="full", full_member_date=dt.date(2016, 7, 1))
        do_appoint(person=sec, org=b, role="secretary", start=dt.date(2022, 1, 1))
        do_appoint(person=sec, org=b, role="organization", start=dt.date(2022, 1, 1))
    large, hits = _queries_to_evaluate()
    assert large == small
    assert len({h.subject.pk for r, h in hits if r.id == "BR-10"}) >= 12


def test_the_evaluate_command_prints_the_run_in_chinese(tree, people):
    out = io.StringIO()
    call_command("evaluate", as_of=AS_OF, stdout=out)
    text = out.getvalue()
    assert "新增" in text and "JG-03" in text and "正式党员不足3人" in text
    out = io.StringIO()
    call_command("evaluate", "--as-of", "2025-06-30", "--org", str(tree.b.pk), stdout=out)
    assert "“第二党支部”及其下级组织" in out.getvalue()
    with pytest.raises(CommandError, match="日期格式不正确"):
        call_command("evaluate", "--as-of", "2025-13-01")
    with pytest.raises(CommandError, match="找不到党组织"):
        call_command("evaluate", "--org", "999999")


def test_the_rules_command_lists_every_rule_and_docs_rules_md_is_current():
    out = io.StringIO()
    call_command("rules", stdout=out)
    assert all(rid in out.getvalue() for rid in FOUNDATION_RULES)
    out = io.StringIO()
    call_command("rules", markdown=True, stdout=out)
    doc = Path(settings.BASE_DIR) / "docs" / "rules.md"
    assert doc.read_text(encoding="utf-8") == out.getvalue(), \
        "docs/rules.md 已过期：请运行 dangjian rules --markdown > docs/rules.md"


def test_the_actions_of_one_transaction_are_judged_by_one_run(tree, people, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    calls = []
    real_run = engine.run
    monkeypatch.setattr(engine, "run", lambda **kw: calls.append(kw["org_ids"]) or real_run(**kw))
    monkeypatch.setattr(tasks, "defer", lambda *a: None)   # (TXT-01's own run is a Huey job's: test_engine_background)
    with django_capture_on_commit_callbacks(execute=True):
        do_create_person(name="甲", org=tree.a, status="full", full_member_date=dt.date(2016, 7, 1))
        do_create_person(name="乙", org=tree.b, status="full", full_member_date=dt.date(2016, 7, 1))
    assert len(calls) == 1 and {tree.a.pk, tree.b.pk} <= calls[0]
