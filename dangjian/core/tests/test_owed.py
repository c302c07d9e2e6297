"""The evaluation an import owes (core.owed, docs/faults.md §1): noted in the import's transaction, cleared by the
importing process once it has judged, done by the worker when that process died after the commit, and cleared by
the nightly full run. (The kill -9 itself: test_faults.py, test_kill_9_after_an_import_commits_….)"""
from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
from django.db import transaction
from huey.contrib.djhuey import HUEY

from dangjian.core import engine, owed, tasks
from dangjian.core.models import Finding, OwedRun
from dangjian.djx.actions import do_import_djx


@pytest.fixture
def doc():
    from dangjian.djx.synthetic import generate

    return generate(branches=2, years=(2025,))


@pytest.fixture
def runs(db, monkeypatch):
    """engine.run, recorded: (org_ids, background, markers present during the run)."""
    seen, real = [], engine.run

    def run(*args, **kw):
        seen.append((kw.get("org_ids"), kw.get("background", "inline"), OwedRun.objects.count()))
        return real(*args, **kw)

    monkeypatch.setattr(engine, "run", run)
    HUEY.storage.flush_schedule()
    yield seen
    HUEY.storage.flush_schedule()


def dt_today():
    from django.utils import timezone

    return timezone.localdate()


def owed_jobs():
    """evaluate_owed jobs asked for later: queued (a worker's queue) or on the schedule."""
    return [t for t in HUEY.pending() + HUEY.scheduled() if t.name.endswith("evaluate_owed")]


@pytest.fixture
def queued(monkeypatch):
    """Huey as in production (jobs queued for a worker, not run at once), its queue emptied afterwards."""
    monkeypatch.setattr(HUEY, "_immediate", False)
    yield
    HUEY.storage.flush_queue()


def dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)


def test_an_import_notes_the_run_it_owes_and_the_importing_process_clears_it_after_one_run(
        doc, runs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = do_import_djx(doc)
    assert report.committed
    own = [r for r in runs if r[1] == "defer"]
    assert len(own) == 1, "导入后只应判断一次"
    org_ids, _, markers = own[0]
    assert markers == 1, "判断时应有一条待补判断记录"
    assert set(org_ids) == set(report.org_ids)
    assert not OwedRun.objects.exists(), "判断完成后应清除待补判断记录"
    assert Finding.objects.exists()
    # Immediate mode (tests, DEBUG) has no worker: no delayed check is left on Huey's in-memory schedule (it would
    # never run and only grow). (With a worker the check is asked for: the next test.)
    assert owed_jobs() == [] and HUEY.scheduled() == [] and HUEY.storage.schedule_size() == 0
    before = len(runs)
    assert owed.evaluate_owed() == 0 and len(runs) == before


def test_with_a_worker_the_importing_process_asks_it_to_look_again_later(db, queued):
    marker = OwedRun.objects.create(org_ids=[1], as_of=dt_today(), reason="导入")
    OwedRun.objects.filter(pk=marker.pk).delete()       # (done meanwhile: nothing to judge here)
    assert owed.run_here_now(marker.pk) is False
    (job,) = owed_jobs()
    assert job.eta is not None, "应在稍后（RECHECK 秒后）再检查"


def test_a_rolled_back_or_dry_run_import_owes_nothing(doc, runs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            assert do_import_djx(doc).committed
            assert OwedRun.objects.count() == 1
            raise RuntimeError("一个随后失败的步骤")
    with django_capture_on_commit_callbacks(execute=True):
        assert do_import_djx(doc, dry_run=True).ok
        do_import_djx(doc, run_rules=False)
    assert not OwedRun.objects.exists() and runs == []


def test_the_worker_does_the_run_of_a_dead_process_and_leaves_a_live_ones_to_it(
        doc, runs, django_capture_on_commit_callbacks, queued):
    with django_capture_on_commit_callbacks(execute=False):     # the process dies right after the commit
        report = do_import_djx(doc)
    marker = OwedRun.objects.get()
    key = owed._lease(marker.pk).key
    alive = {"token": "x", "host": "another-machine", "pid": 1, "process": "p", "expires": time.time() + 100}
    HUEY.put(key, alive)        # still judging on another machine (its heartbeat is current)
    try:
        assert owed.evaluate_owed() == 0
        assert OwedRun.objects.filter(pk=marker.pk).exists() and len(owed_jobs()) == 1, "应稍后再检查"
        HUEY.put(key, dict(alive, host=socket.gethostname(), pid=dead_pid()))   # killed on this machine
        assert owed.evaluate_owed() == 1
    finally:
        HUEY.get(key)
    (org_ids, background, _), = runs
    assert background == "inline" and set(org_ids) == set(report.org_ids)
    assert not OwedRun.objects.exists() and Finding.objects.exists()


def test_the_worker_judges_all_markers_in_one_run_and_a_full_one_wins(db, runs):
    for org_ids in ([1, 2], None, [3]):
        OwedRun.objects.create(org_ids=org_ids, as_of=dt_today(), reason="导入")
    assert owed.evaluate_owed() == 1
    assert runs == [(None, "inline", 3)] and not OwedRun.objects.exists()


def test_a_run_that_fails_every_time_is_dropped_after_three_tries(db, monkeypatch, caplog):
    def fail(**kw):
        raise ValueError("规则错误")

    monkeypatch.setattr(engine, "run", fail)
    OwedRun.objects.create(org_ids=[1], as_of=dt_today(), reason="导入")
    for attempt in (1, 2, 3):
        assert owed.evaluate_owed() == 0
        assert OwedRun.objects.get().attempts == attempt
    assert owed.evaluate_owed() == 0 and not OwedRun.objects.exists()
    assert any(r.levelname == "ERROR" and "不再重试" in r.getMessage() for r in caplog.records)


def test_the_nightly_run_clears_the_markers_written_before_it(db, monkeypatch):
    from dangjian.notify import actions as notify

    def run(**kw):      # an import commits while the night's run is judging: its marker must stay
        OwedRun.objects.create(org_ids=[2], as_of=dt_today(), reason="夜间导入")
        return engine.RunResult()

    OwedRun.objects.create(org_ids=[1], as_of=dt_today(), reason="白天导入")
    monkeypatch.setattr(engine, "run", run)
    monkeypatch.setattr(notify, "create_reminders", lambda: None)
    tasks.nightly_evaluation.call_local()
    assert list(OwedRun.objects.values_list("reason", flat=True)) == ["夜间导入"]


def test_a_starting_worker_asks_for_the_owed_runs(db, runs):
    OwedRun.objects.create(org_ids=[1], as_of=dt_today(), reason="导入")
    assert tasks.resume_owed_after_restart in HUEY._startup.values()
    tasks.resume_owed_after_restart()       # (immediate mode: the job runs at once)
    assert len(runs) == 1 and not OwedRun.objects.exists()
