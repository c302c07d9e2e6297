"""How rebuilds are asked for and how refreshes meet them: requests coalesce on one Huey worker and leave no
result behind, a user's refresh never waits for a rebuild's write, rebuilds from the command or the demo loader
never undo another rebuild's bookkeeping, a failed rebuild clears its flag, and a back-dated run never moves the
rollups back a month."""
import datetime as dt
import threading
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from dangjian.core import engine
from dangjian.dashboards import rollups, tasks
from dangjian.dashboards.models import PendingOrg, RollupState, Snapshot

AS_OF = dt.date(2026, 11, 26)


from .test_concurrency import counted, open_finding, snap  # noqa: E402


@pytest.fixture
def queued_huey(monkeypatch):
    """Huey as in production: tasks are enqueued, one consumer worker runs them one after another."""
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("t"))

    def worker():
        while (t := HUEY.dequeue()) is not None:
            HUEY.execute(t)
    return worker


def test_full_runs_committed_during_a_rebuild_cost_one_more_rebuild_on_one_worker(transactional_db, tree, people,
                                                                                   monkeypatch, queued_huey):
    # (transactional: the job closes its database connection when it ends, as in the worker)
    real, calls = rollups.rebuild, []

    def rebuild(as_of=None):
        calls.append(as_of)
        out = real(as_of)
        if len(calls) == 1:
            open_finding(tree.a, severity="INFO")
            for _ in range(3):          # three full runs commit while the first rebuild runs
                tasks.ask(AS_OF)
        return out

    monkeypatch.setattr(rollups, "rebuild", rebuild)
    tasks.ask(AS_OF)
    queued_huey()
    assert len(calls) == 2              # the first, and one more for everything asked meanwhile
    assert HUEY.storage.result_store_size() == 0        # no result key per job
    assert snap(tree.wc, "findings_info") == counted(tree.wc, "INFO") >= 1


def test_a_refresh_does_not_wait_for_the_state_row_a_rebuild_is_writing(tree, people, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    """Branch A's secretary saves a record while a rebuild writes the province (the state row is locked): the
    request does not wait; A is noted and the background job applies it once the lock is free."""
    rollups.rebuild(AS_OF)
    open_finding(tree.a)

    def locked():
        raise OperationalError("could not obtain lock on row in relation \"dashboards_rollupstate\"")

    monkeypatch.setattr(rollups, "_lock_nowait", locked)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rollups.refresh(engine.expand_with_ancestors([tree.a.pk]), AS_OF)
    assert set(PendingOrg.objects.values_list("org_id", flat=True)) >= {tree.a.pk}
    assert snap(tree.committee, "findings_warn") == 0               # not yet: nothing was read or written
    monkeypatch.undo()
    for callback in callbacks:          # the commit: the job (immediate in tests) applies the noted orgs
        callback()
    assert not PendingOrg.objects.exists()
    for o in (tree.a, tree.committee, tree.wc):
        assert snap(o, "findings_warn") == counted(o) == 1, o.name


def test_orgs_noted_while_locked_are_applied_by_the_next_refresh_that_gets_the_lock(tree, people, monkeypatch):
    rollups.rebuild(AS_OF)
    open_finding(tree.a)
    monkeypatch.setattr(rollups, "_lock_nowait", lambda: (_ for _ in ()).throw(OperationalError("locked")))
    monkeypatch.setattr(tasks, "request_pending", lambda: None)      # no worker
    rollups.refresh(engine.expand_with_ancestors([tree.a.pk]), AS_OF)
    monkeypatch.undo()
    open_finding(tree.b)
    rollups.refresh(engine.expand_with_ancestors([tree.b.pk]), AS_OF)
    assert not PendingOrg.objects.exists()
    for o in (tree.a, tree.b, tree.committee, tree.wc):
        assert snap(o, "findings_warn") == counted(o), o.name


def test_a_refresh_after_one_of_two_overlapping_rebuilds_is_not_lost(tree, people, monkeypatch):
    """Two rebuilds overlap anyway (e.g. two processes with separate Huey storage): the first to finish must not
    clear the other's flag, or a run refreshing afterwards is not noted and the other writes older figures."""
    rollups.rebuild(AS_OF)
    real_own, seen = rollups.own_figures, []

    def own(org_ids, as_of):
        out = real_own(org_ids, as_of)
        if org_ids is None and not seen:            # rebuild A has read the tree ...
            seen.append(True)
            rollups.rebuild(AS_OF)                  # ... rebuild B runs and finishes
            open_finding(tree.a, severity="BLOCK")
            rollups.refresh(engine.expand_with_ancestors([tree.a.pk]), AS_OF)   # a run commits
        return out

    monkeypatch.setattr(rollups, "own_figures", own)
    rollups.rebuild(AS_OF)                          # A writes
    assert seen
    for o in (tree.a, tree.committee, tree.wc):
        assert snap(o, "findings_block") == counted(o, "BLOCK") == 1, o.name
    state = RollupState.objects.get()
    assert state.rebuilding_since is None and not state.rebuilds and not PendingOrg.objects.exists()


def test_the_rebuild_command_goes_through_the_jobs_lock(tree, people):
    from io import StringIO

    tasks.LOCK.acquire()                # the background job is rebuilding
    try:
        out = StringIO()
        call_command("rollups", "--rebuild", "--as-of", "2026-11-26", stdout=out)
        assert "已登记" in out.getvalue() and not Snapshot.objects.exists()
    finally:
        tasks.LOCK.release()
    assert HUEY.get(tasks.REQUESTED) == AS_OF.isoformat()      # noted: the job's next round does it


def test_a_failed_rebuild_clears_its_flag_and_the_pending_orgs_are_applied(tree, people, monkeypatch):
    rollups.rebuild(AS_OF)

    def boom(org_ids, as_of):
        raise RuntimeError("worker killed / query failed")

    monkeypatch.setattr(rollups, "own_figures", boom)
    with pytest.raises(RuntimeError):
        rollups.rebuild(AS_OF)
    monkeypatch.undo()
    state = RollupState.objects.get()
    assert state.rebuilding_since is None and not state.rebuilds
    open_finding(tree.a)
    rollups.refresh([tree.a.pk, tree.b.pk], AS_OF)
    assert not PendingOrg.objects.exists()
    assert snap(tree.wc, "findings_warn") == 1


def test_a_back_dated_run_does_not_move_the_rollups_back_a_month(tree, people, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    rollups.rebuild(dt.date(2026, 12, 1))
    real, calls = rollups.rebuild, []
    monkeypatch.setattr(rollups, "rebuild", lambda as_of=None: calls.append(as_of) or real(as_of))
    open_finding(tree.a)
    with django_capture_on_commit_callbacks(execute=True):
        rollups.refresh(engine.expand_with_ancestors([tree.a.pk]), dt.date(2026, 11, 30))
    assert calls == []
    assert RollupState.objects.get().as_of == dt.date(2026, 12, 1)
    assert snap(tree.wc, "findings_warn") == 1          # refreshed at the rollups' date
    # A back-dated full run: the rebuild stays at the rollups' date.
    with django_capture_on_commit_callbacks(execute=True):
        rollups.after_run(None, dt.date(2026, 11, 30))
    assert calls == [dt.date(2026, 12, 1)]


def test_a_rebuild_does_not_move_the_date_shown_back_when_a_refresh_moved_it_on(tree, people, monkeypatch):
    rollups.rebuild(dt.date(2026, 11, 20))
    real_own, seen = rollups.own_figures, []

    def own(org_ids, as_of):
        out = real_own(org_ids, as_of)
        if org_ids is None and not seen:
            seen.append(True)
            rollups.refresh([tree.a.pk], AS_OF)     # a run on the 26th while the rebuild of the 20th reads
        return out

    monkeypatch.setattr(rollups, "own_figures", own)
    rollups.rebuild(dt.date(2026, 11, 20))
    assert seen and RollupState.objects.get().as_of == AS_OF


@pytest.mark.django_db(transaction=True)
def test_the_demo_builds_the_rollups_once():
    from dangjian.demo import loader

    real, calls = rollups.rebuild, []
    import unittest.mock as mock

    with mock.patch.object(rollups, "rebuild", lambda as_of=None: calls.append(as_of) or real(as_of)):
        loader.load("small", seed=7, as_of=dt.date(2025, 11, 20))
    assert calls == [dt.date(2025, 11, 20)]
    assert RollupState.objects.get().as_of == dt.date(2025, 11, 20)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="行级锁只在 PostgreSQL 上有并发（SQLite 事务串行）")
def test_a_refresh_on_postgresql_does_not_wait_while_a_rebuild_holds_the_state_row(transactional_db, tree, people,
                                                                                    monkeypatch):
    """One thread holds the state row as a rebuild's write does; a run's refresh in another thread returns at once
    (NOWAIT), noting its orgs; once the row is free the noted orgs are applied."""
    rollups.rebuild(AS_OF)
    before = snap(tree.wc, "findings_warn")
    open_finding(tree.a)
    monkeypatch.setattr(tasks, "request_pending", lambda: None)      # (applied below, after the holder commits)
    held, refreshed = threading.Event(), threading.Event()
    errors, took = [], []

    def hold():
        try:
            with transaction.atomic():
                rollups.lock_state()
                held.set()
                refreshed.wait(30)
        except Exception as e:  # pragma: no cover
            errors.append(e)
        finally:
            connection.close()

    def run():
        try:
            held.wait(10)
            t = time.perf_counter()
            with transaction.atomic():
                rollups.refresh(engine.expand_with_ancestors([tree.a.pk]), AS_OF)
            took.append(time.perf_counter() - t)
        except Exception as e:  # pragma: no cover
            errors.append(e)
        finally:
            refreshed.set()
            connection.close()

    threads = [threading.Thread(target=hold), threading.Thread(target=run)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert took and took[0] < 5                      # not the holder's 30 s
    assert PendingOrg.objects.filter(org_id=tree.a.pk).exists()
    assert snap(tree.wc, "findings_warn") == before
    assert rollups.apply_pending() > 0
    for o in (tree.a, tree.committee, tree.wc):
        assert snap(o, "findings_warn") == counted(o), o.name
    assert snap(tree.wc, "findings_warn") == before + 1


@pytest.fixture
def fresh_storage(monkeypatch):
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("t"))


def test_noting_a_request_waits_for_the_mutex_so_two_notes_never_lose_the_later_date(fresh_storage):
    """note() is a read-modify-write of REQUESTED (web workers and the job): under the core tasks' mutex."""
    from dangjian.core import tasks as core_tasks

    with core_tasks._pending_mutex():       # another process is noting
        t = threading.Thread(target=tasks.note, args=(AS_OF,))
        t.start()
        time.sleep(0.3)
        assert HUEY.get(tasks.REQUESTED, peek=True) is None, "note() 未等待互斥锁"
    t.join(5)
    assert HUEY.get(tasks.REQUESTED, peek=True) == AS_OF.isoformat()


def test_a_dead_jobs_date_stays_in_flight_until_it_is_noted_again(fresh_storage, monkeypatch):
    """The drain puts a dead job's in-flight date back: noted first, removed after — a kill in between loses
    nothing (the next drain finds it in flight again)."""
    HUEY.put(tasks.INFLIGHT, AS_OF.isoformat())

    def killed(as_of):
        raise SystemExit("killed while noting")

    monkeypatch.setattr(tasks, "note", killed)
    with pytest.raises(SystemExit):
        tasks.drain()
    assert HUEY.get(tasks.INFLIGHT, peek=True) == AS_OF.isoformat(), "重建日期在重新登记前被删除而丢失"
