"""Which rules a change re-judges (`Rule.reads`, `engine.affected_rules`).

Recording a meeting re-judges, for that branch and its ancestors, the rules that read meetings of its
type (a 主题党日: ORGLIFE-03, and REL-01 which counts every kind); the rules that read only the tree and
the people (BR-01 …, DATA-…), the talks (ORGLIFE-05), the appraisals (EVAL-01) or other meetings (the
党员大会 of BR-05) are skipped, since it cannot change their findings. The declarations are checked
twice: each rule runs over the demo data (full and incremental, each with a fresh context so that no
other rule's shared reads hide its own) with every statement captured, and the tables it touched
must all be declared; and deleting every meeting of a type changes nothing for the rules blind to it."""
import datetime as dt
import re

import pytest
from django.apps import apps
from django.db import connection, transaction

from dangjian.core import engine, tasks
from dangjian.demo import loader
from dangjian.orglife.actions import do_record_meeting, do_record_talk
from dangjian.orgs.models import Org

AS_OF = dt.date(2025, 11, 20)
TABLES = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"', re.IGNORECASE)


def _tables_to_labels() -> dict[str, str]:
    return {m._meta.db_table: m._meta.label_lower for m in apps.get_models()}


def _read_by(rule, ctx) -> set[str]:
    seen: list[str] = []

    def capture(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        list(rule.check(ctx))
    labels = _tables_to_labels()
    return {labels[t] for sql in seen for t in TABLES.findall(sql) if t in labels}


@pytest.fixture
def demo(db):
    return loader.load("small", seed=7, as_of=AS_OF, run_engine=False)


def test_every_declared_rule_reads_only_what_it_declares(demo):
    declared = [r for r in engine.registry if r.reads is not None]
    assert {r.id for r in declared} >= {"BR-01", "BR-09", "JG-01", "DATA-07", "TERM-02", "ORGLIFE-05",
                                        "EVAL-01", "BR-05", "TALK-01", "REL-01", "DISP-03"}
    assert all(r.reads is not None for r in engine.registry), "a rule without `reads` re-runs after every change"
    settings = engine.effective_settings()
    first_branch = Org.objects.filter(type="branch").order_by("pk").values_list("pk", flat=True).first()
    org_ids = engine.expand_with_ancestors([first_branch])
    for r in declared:
        for scope in (None, org_ids):
            ctx = engine.Context(as_of=AS_OF, settings=settings, org_ids=scope)
            read, declared_models = _read_by(r, ctx), {engine.base_label(x) for x in r.reads}
            assert read <= declared_models, f"{r.id} reads {sorted(read - declared_models)} without declaring it"


def test_a_meeting_re_judges_the_rules_that_read_meetings_of_its_type_and_no_others():
    from dangjian.orglife.models import Talk, meeting_records

    theme_day = set(engine.affected_rules(meeting_records(["theme_day"])))
    # 主题党日 (ORGLIFE-03); REL-01 counts every kind of organisational life; EVAL-02 and DISP-03 read
    # the date of whichever meeting an appraisal was given at; DUTY-03 counts a leader present at any
    # meeting of their contact branch; DUTY-02 names the meetings waiting to be confirmed as a
    # responsibility item's evidence.
    # responsibility item's evidence; TXT-01 (copied minutes) and TXT-04 (a 主题党日 that is no party activity)
    # read its topic and minutes.
    assert theme_day == {"ORGLIFE-03", "REL-01", "EVAL-02", "DISP-03", "DUTY-03", "DUTY-02", "TXT-01", "TXT-04"}
    lecture = set(engine.affected_rules(meeting_records(["lecture"])))
    assert {"ORGLIFE-02", "REL-01"} <= lecture and "ORGLIFE-03" not in lecture and "BR-05" not in lecture
    org_life = set(engine.affected_rules(meeting_records(["org_life"])))
    assert {"ORGLIFE-04", "ORGLIFE-07", "TALK-01", "REL-01"} <= org_life and "BR-06" not in org_life
    # A 党组会议: its 第一议题 (STUDY-01, which reads `orglife.meeting[leading_group_meeting]`) and the rules
    # that read every meeting (REL-01 among them, though its attendance is not organisational life); no
    # 三会一课 rule, not DLH-01 — and TXT-01, since any minutes may be copied.
    leading_group = set(engine.affected_rules(meeting_records(["leading_group_meeting"])))
    assert leading_group == {"STUDY-01", "REL-01", "EVAL-02", "DISP-03", "DUTY-03", "DUTY-02", "TXT-01"}
    assert "orglife.meeting[leading_group_meeting]" in engine.registry.get("STUDY-01").reads
    # A change to meetings of no particular type (an import) reaches every rule that reads meetings.
    any_meeting = set(engine.affected_rules(["orglife.meeting"]))
    assert {"BR-05", "BR-06", "BR-07", "BR-08", "DLH-01", "ORGLIFE-02", "ORGLIFE-03", "ORGLIFE-04",
            "ORGLIFE-06", "ORGLIFE-07", "TALK-01", "REL-01", "EVAL-02", "DISP-03", "DUTY-03", "DUTY-02",
            "LECT-01", "STUDY-01", "LECT-02", "EDU-01", "EDU-02", "TXT-01", "TXT-02", "TXT-04"} == any_meeting
    assert any_meeting.isdisjoint({"BR-01", "BR-09", "JG-01", "DATA-03", "TERM-01", "ORGLIFE-05", "EVAL-01", "DISP-01"})
    assert {"ORGLIFE-05", "TALK-01"} <= set(engine.affected_rules((Talk,)))
    assert set(engine.affected_rules(None)) == {r.id for r in engine.registry}
    assert set(engine.affected_rules(("people.person",))) >= {"BR-01", "DATA-03", "REL-01", "ORGLIFE-05", "ORGLIFE-03"}


def test_meetings_of_other_types_change_none_of_a_rules_findings(demo):
    """The behaviour behind the typed declarations: for each type of meeting, every rule that does
    not read that type judges the same with all those meetings gone."""
    from dangjian.orglife.choices import MeetingType
    from dangjian.orglife.models import Meeting, meeting_records

    def hits(rule_ids):
        ctx = engine.Context(as_of=AS_OF, settings=engine.effective_settings())
        return {(r.id, engine.subject_kind(r, h), h.subject.pk, h.period, h.severity, h.message)
                for r, h in engine.evaluate(ctx, rule_ids)}

    typed = [r.id for r in engine.registry if r.reads and any("[" in x for x in r.reads)]
    before = hits(typed)
    assert before
    deleted = set()
    for mtype in MeetingType.values:
        blind = set(typed) - set(engine.affected_rules(meeting_records([mtype])))
        sid = transaction.savepoint()
        if Meeting.objects.filter(type=mtype).delete()[0]:
            deleted.add(mtype)
        assert hits(blind) == {h for h in before if h[0] in blind}, mtype
        transaction.savepoint_rollback(sid)
    assert {"member_assembly", "committee", "group", "lecture", "theme_day", "org_life"} <= deleted


@pytest.mark.parametrize("action", ["meeting", "talk"])
def test_saving_re_judges_the_affected_rules_once(tree, people, users, monkeypatch, action,
                                                  django_capture_on_commit_callbacks):
    # (the fixtures' own actions never committed — the test runs in one transaction — so their
    # orgs still wait in the pool: start from an empty one, as after a committed request)
    monkeypatch.setattr(engine._pending, "ids", set(), raising=False)
    monkeypatch.setattr(engine._pending, "changed", set(), raising=False)
    ran = []
    real_run = engine.run
    monkeypatch.setattr(engine, "run", lambda **kw: ran.append(kw) or real_run(**kw))
    monkeypatch.setattr(tasks, "defer", lambda *a: None)   # (TXT-01's own run is a Huey job's: test_engine_background)
    today = engine.timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        if action == "meeting":
            do_record_meeting(org=tree.a, type="theme_day", date=today, topic="主题党日",
                              present=[people.secretary_a], acting_user=users.secretary_a)
        else:
            do_record_talk(a=people.secretary_a, b=people.member_a, date=today, acting_user=users.secretary_a)
    assert len(ran) == 1 and tree.a.pk in ran[0]["org_ids"]
    judged = set(ran[0]["rule_ids"])
    if action == "meeting":
        assert judged == set(engine.affected_rules(["orglife.meeting[theme_day]"]))
        assert "ORGLIFE-03" in judged and "BR-05" not in judged and "ORGLIFE-05" not in judged
    else:
        assert "ORGLIFE-05" in judged and "ORGLIFE-03" not in judged and "BR-09" not in judged
