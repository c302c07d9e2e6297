"""The rollups stay right when runs and rebuilds overlap: a refresh never writes totals it read before another
refresh or a rebuild changed them (lost updates), a refresh moves the "数据截至" date, and a rebuild asked for
while one is running is done again afterwards, not dropped."""
import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from dangjian.core import engine
from dangjian.core.models import Finding, FindingState
from dangjian.dashboards import rollups, tasks
from dangjian.dashboards.models import RollupState, Snapshot

AS_OF = dt.date(2026, 11, 26)


def snap(org, field):
    s = Snapshot.objects.filter(org=org).first()
    return getattr(s, field) if s else 0


def open_finding(org, severity="WARN"):
    # A rule the registry does not know: runs neither resolve nor re-judge it.
    return Finding.objects.create(rule_id="TEST-01", severity=severity, subject_kind="org", subject_id=org.pk,
                                  period="2026-10", org=org, message="测试", citation="测试")


def counted(org, severity="WARN"):
    return Finding.objects.filter(org__path__startswith=org.path, state=FindingState.OPEN, severity=severity).count()


def rows():
    from dangjian.dashboards.tests.test_rollups import all_rows
    return all_rows()


def test_a_refresh_racing_another_refresh_does_not_write_stale_totals(tree, people, monkeypatch):
    """Branch A's run reads the committee's total; before it writes, branch B's run commits its own +1 to the
    committee. A's write must not put back the total it read (B's finding would vanish from the committee)."""
    rollups.rebuild(AS_OF)
    open_finding(tree.a)
    open_finding(tree.b)
    real_apply = rollups._apply
    raced = []

    def apply_after_b_commits(*args, **kwargs):
        if not raced:
            raced.append(True)
            rollups.refresh(engine.expand_with_ancestors([tree.b.pk]), AS_OF)   # B's run, in between
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(rollups, "_apply", apply_after_b_commits)
    rollups.refresh(engine.expand_with_ancestors([tree.a.pk]), AS_OF)
    monkeypatch.undo()
    assert raced
    for o in (tree.a, tree.b, tree.committee, tree.wc):
        assert snap(o, "findings_warn") == counted(o), o.name
    assert Snapshot.objects.get(org=tree.committee).by_rule.get("TEST-01") == 2
    incremental = rows()
    rollups.rebuild(AS_OF)
    assert rows() == incremental


def test_a_run_committed_while_a_rebuild_computes_is_not_overwritten_by_it(tree, people, monkeypatch):
    """The rebuild reads the whole tree (minutes at province) and then writes; a run that refreshed branch A
    in between must still be counted once the rebuild has written its (older) figures."""
    rollups.rebuild(AS_OF)
    real_own = rollups.own_figures
    raced = []

    def own_then_a_run_commits(org_ids, as_of):
        own = real_own(org_ids, as_of)
        if org_ids is None and not raced:
            raced.append(True)
            open_finding(tree.a, severity="BLOCK")
            rollups.refresh(engine.expand_with_ancestors([tree.a.pk]), AS_OF)
        return own

    monkeypatch.setattr(rollups, "own_figures", own_then_a_run_commits)
    rollups.rebuild(AS_OF)
    monkeypatch.undo()
    assert raced
    for o in (tree.a, tree.committee, tree.wc):
        assert snap(o, "findings_block") == counted(o, "BLOCK") == 1, o.name
    after = rows()
    rollups.rebuild(AS_OF)
    assert rows() == after


def test_a_refresh_later_in_the_month_moves_the_date_shown(tree, people, users, client_as):
    rollups.rebuild(dt.date(2026, 11, 20))
    open_finding(tree.a)
    engine.run(as_of=AS_OF, org_ids=[tree.a.pk], rule_ids=[])
    assert RollupState.objects.get().as_of == AS_OF
    page = client_as(users.committee_admin).get(reverse("dashboards:org_dashboard", args=[tree.committee.pk]))
    assert "数据截至 2026年11月26日" in page.content.decode()
    # An older run (a back-dated re-judgement) does not move it back.
    rollups.refresh([tree.a.pk], dt.date(2026, 11, 21))
    assert RollupState.objects.get().as_of == AS_OF


def test_a_rebuild_requested_while_one_runs_is_done_again_not_dropped(tree, people, monkeypatch):
    """Huey (immediate in tests): a full run's request arrives while the rebuild runs — after it has read the
    tree. The running job rebuilds again, so the change made meanwhile reaches the rollups."""
    real_rebuild = rollups.rebuild
    calls = []

    def rebuild_meanwhile_a_full_run_commits(as_of=None):
        calls.append(as_of)
        out = real_rebuild(as_of)
        if len(calls) == 1:
            open_finding(tree.a, severity="INFO")
            tasks.ask(AS_OF)                                  # while the first one still holds the job
        return out

    monkeypatch.setattr(rollups, "rebuild", rebuild_meanwhile_a_full_run_commits)
    tasks.ask(AS_OF)
    assert len(calls) == 2
    assert snap(tree.wc, "findings_info") == counted(tree.wc, "INFO") == 1
    # Once idle, the next request runs once.
    tasks.ask(AS_OF)
    assert len(calls) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="行级锁只在 PostgreSQL 上有并发（SQLite 事务串行）")
def test_two_runs_in_parallel_on_postgresql_both_count(transactional_db, tree, people):
    """Two threads, two transactions: A's run holds the rollups while B's run refreshes. On PostgreSQL B waits
    for A's commit (row lock on the rollups' state) and then reads A's totals, so both findings are counted."""
    rollups.rebuild(AS_OF)
    open_finding(tree.a)
    open_finding(tree.b)
    a_refreshed, b_started = threading.Event(), threading.Event()
    errors = []

    def run_a():
        try:
            with transaction.atomic():
                rollups.refresh(engine.expand_with_ancestors([tree.a.pk]), AS_OF)
                a_refreshed.set()
                b_started.wait(10)
                threading.Event().wait(1.0)       # B is now reading (or waiting for A)
        except Exception as e:  # pragma: no cover
            errors.append(e)
        finally:
            connection.close()

    def run_b():
        try:
            a_refreshed.wait(10)
            b_started.set()
            with transaction.atomic():
                rollups.refresh(engine.expand_with_ancestors([tree.b.pk]), AS_OF)
        except Exception as e:  # pragma: no cover
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_a), threading.Thread(target=run_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    for o in (tree.a, tree.b, tree.committee, tree.wc):
        assert snap(o, "findings_warn") == counted(o), o.name
