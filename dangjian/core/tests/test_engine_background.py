"""Background rules (`@rule(..., background=True)`, TXT-01): a rule that reads the whole installation's texts is
not judged inside a request. The secretary of branch B saves minutes copied from branch A's: the request's own
run (after the commit) judges the other rules and leaves TXT-01 to a Huey job; the job then opens the finding.
Two saves before the job runs are judged by one job. `dangjian check FILE`, the nightly run and every other
`engine.run()` that is not a request still judge TXT-01 at once."""
import datetime as dt

import pytest

from dangjian.core import engine, tasks
from dangjian.core.models import Finding, FindingState
from dangjian.orglife.actions import do_update_meeting
from dangjian.textquality import copies
from dangjian.textquality.tests.samples import COPIED_B, SUBSTANCE, minutes
from dangjian.textquality.tests.test_copies import base, branches, meeting  # noqa: F401


def _copied(day: dt.date, substance: str = COPIED_B) -> str:
    return minutes(f"{day:%Y年%-m月%-d日}", "机关三楼会议室", "赵志强", 12, 11, "孙丽", substance)


def open_txt01():
    return {f.subject_id for f in Finding.objects.filter(rule_id="TXT-01", state=FindingState.OPEN)}


@pytest.fixture
def queue(monkeypatch):
    """Huey as in production: a request enqueues the job, which runs only when the test plays the worker
    (`tasks.drain()`). (Tests otherwise run Huey in immediate mode: the job runs right after the commit.)"""
    jobs = []
    monkeypatch.setattr(tasks, "enqueue", lambda: jobs.append("job"))
    tasks.clear_pending()
    yield jobs
    tasks.clear_pending()


@pytest.fixture
def no_jobs(monkeypatch):
    """No Huey job may be asked for: everything is judged where it is called."""

    def refuse(*a, **k):
        raise AssertionError("a background job was requested")

    monkeypatch.setattr(tasks, "defer", refuse)


@pytest.fixture
def loads(monkeypatch):
    """Every time TXT-01 loads its corpus (one kind of text), noted."""
    calls = []
    real = copies.load_docs

    def counting(kind, as_of):
        calls.append(kind)
        return real(kind, as_of)

    monkeypatch.setattr(copies, "load_docs", counting)
    return calls


@pytest.fixture
def runs(monkeypatch):
    """The engine runs made: (org_ids, rule_ids)."""
    calls = []
    real = engine.run

    def spy(*a, **k):
        calls.append((None if k.get("org_ids") is None else set(k["org_ids"]), list(k.get("rule_ids") or [])))
        return real(*a, **k)

    monkeypatch.setattr(tasks.engine, "run", spy)
    return calls


def test_txt01_is_a_background_rule_and_the_single_text_rules_are_not():
    assert engine.registry.get("TXT-01").background is True
    assert [r for r in ("TXT-02", "TXT-03", "TXT-04") if engine.registry.get(r).background] == []


def test_saving_minutes_in_a_request_leaves_txt01_to_the_job_which_opens_the_finding(
        base, branches, queue, loads, django_capture_on_commit_callbacks):
    b = meeting(branches["b"], dt.date(2025, 3, 20), SUBSTANCE["b_q1"], chair="赵志强", recorder="孙丽")
    with django_capture_on_commit_callbacks(execute=True):        # the request: the action and its run after commit
        do_update_meeting(b, minutes=_copied(b.date))
    assert loads == []                       # the corpus was not loaded in the request …
    assert queue == ["job"]                  # … a job was enqueued instead,
    pending = tasks.pending()
    assert [set(p["rules"]) for p in pending.values()] == [{"TXT-01"}]
    assert branches["b"].pk in next(iter(pending.values()))["orgs"]
    assert open_txt01() == set()             # and the finding is not there yet.
    assert tasks.drain() == 1                # The worker runs the job:
    assert loads                             # it loads the corpus
    assert open_txt01() == {b.pk}            # and opens B's finding.
    assert tasks.pending() == {}


def test_two_saves_before_the_job_runs_are_judged_by_one_job(base, branches, queue, runs,
                                                            django_capture_on_commit_callbacks):
    b = meeting(branches["b"], dt.date(2025, 3, 20), SUBSTANCE["b_q1"], chair="赵志强", recorder="孙丽")
    c = meeting(branches["c"], dt.date(2025, 5, 20), SUBSTANCE["c_q1"], chair="陈静", recorder="马超")
    with django_capture_on_commit_callbacks(execute=True):
        do_update_meeting(b, minutes=_copied(b.date))
    with django_capture_on_commit_callbacks(execute=True):
        do_update_meeting(c, minutes=_copied(c.date, SUBSTANCE["a_q2"]))
    assert queue == ["job", "job"] and open_txt01() == set()
    runs.clear()                             # (the requests' own runs)
    assert tasks.drain() == 1                # the first job judges both saves in one run …
    assert tasks.drain() == 0                # … the second finds nothing left.
    (orgs, rules), = runs
    assert {branches["b"].pk, branches["c"].pk} <= orgs and rules == ["TXT-01"]
    assert open_txt01() == {b.pk, c.pk}


def test_in_immediate_mode_the_finding_is_there_once_the_request_commits(base, branches, loads,
                                                                        django_capture_on_commit_callbacks):
    b = meeting(branches["b"], dt.date(2025, 3, 20), SUBSTANCE["b_q1"], chair="赵志强", recorder="孙丽")
    with django_capture_on_commit_callbacks(execute=True):
        do_update_meeting(b, minutes=_copied(b.date))
    assert open_txt01() == {b.pk} and loads
    assert tasks.pending() == {}


def test_a_changed_txt01_setting_defers_the_full_rerun_to_the_job(base, branches, users, queue, loads,
                                                                 django_capture_on_commit_callbacks):
    from dangjian.core.actions import do_update_setting

    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    with django_capture_on_commit_callbacks(execute=True):
        do_update_setting("txt01_jaccard", 0.6, acting_user=users.wc_admin)
    assert loads == [] and queue == ["job"]
    assert [p["orgs"] for p in tasks.pending().values()] == [None]        # a full run of TXT-01, pending
    tasks.drain()
    assert open_txt01() == {b.pk}


def test_a_run_that_is_not_a_request_judges_txt01_at_once(base, branches, no_jobs):
    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    engine.run(as_of=dt.date(2025, 12, 31))          # the demo loader, `dangjian evaluate`
    assert open_txt01() == {b.pk}


def test_the_nightly_run_judges_txt01(base, branches, no_jobs):
    b = meeting(branches["b"], dt.date(2025, 3, 20), COPIED_B, chair="赵志强", recorder="孙丽")
    tasks.nightly_evaluation.call_local()
    assert open_txt01() == {b.pk}


def test_djx_check_still_reports_txt01_without_a_job(db, no_jobs):
    from dangjian.textquality.tests.test_copies import test_djx_check_reports_txt01_on_the_copied_meeting

    test_djx_check_reports_txt01_on_the_copied_meeting(db)


# --- the job's own housekeeping ------------------------------------------------------------------------------

def test_the_worker_clears_stale_locks_when_it_starts(settings):
    # A worker killed while holding the job's lock must not stop TXT-01's job for good.
    assert settings.HUEY["consumer"]["flush_locks"] is True


def test_the_job_keeps_no_result_in_huey_storage(monkeypatch):
    from huey.contrib.djhuey import HUEY

    from dangjian.core import tasks

    monkeypatch.setattr(tasks, "drain", lambda: 3)
    before = HUEY.result_count()
    assert tasks.judge_background_rules.call_local() is None
    assert HUEY.result_count() == before


def test_a_dead_processs_pending_mutex_is_cleared_after_the_wait(monkeypatch):
    from dangjian.core import tasks

    tasks._MUTEX.clear()
    assert tasks._MUTEX.acquire()          # a process died holding it
    with tasks._pending_mutex(wait=0.05):
        pass
    assert tasks._MUTEX.acquire()          # cleared, and released again after use
    tasks._MUTEX.clear()


def test_the_nightly_run_forgets_requests_of_earlier_days(monkeypatch):
    import datetime as dt

    from dangjian.core import tasks

    tasks.clear_pending()
    monkeypatch.setattr(tasks, "enqueue", lambda: None)
    tasks.defer(["TXT-01"], [1], dt.date(2026, 11, 25))
    tasks.defer(["TXT-01"], [2], dt.date(2026, 11, 26))
    tasks.drop_pending_before(dt.date(2026, 11, 26))
    assert tasks.pending() == {"2026-11-26": {"rules": ["TXT-01"], "orgs": [2]}}
    tasks.clear_pending()
